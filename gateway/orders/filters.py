"""Order filters: one table (`FILTERS`) that both adapters and the SQL builder follow.

The order of `FILTERS` is the legacy endpoint's: its 400 bodies list errors in this order.
Values reaching `OrderFilter` are already parsed (each adapter parses its own way: REST
leniently like the original, GraphQL strictly); what they mean in SQL is defined here only.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, ColumnElement, and_, false, literal, true
from sqlalchemy.orm import QueryableAttribute

from gateway.db.models import City, Country, Order, PaymentMethod, ShippingMethod, State
from gateway.orders.money import (
    is_not_paid_condition,
    is_not_payable_condition,
    is_paid_condition,
    is_payable_condition,
)

# Ids are compared as 64-bit integers; a number outside that range names no row.
ID_MIN = -(2**63)
ID_MAX = 2**63 - 1


class FilterKind(enum.Enum):
    STATUS = "status"  # one status, exact
    STATUS_LIST = "status list"  # any of several statuses
    REFERENCE = "reference"  # the id of a reference row
    REFERENCE_LIST = "reference list"  # any of several ids
    BOOLEAN = "boolean"
    ID_MIN = "id minimum"
    ID_MAX = "id maximum"
    ON_DATE = "on date"  # the timestamp's calendar date equals
    FROM_DATE = "from date"  # calendar date >=
    TO_DATE = "to date"  # calendar date <=


@dataclass(frozen=True, slots=True)
class FilterSpec:
    """One filter: its name (REST parameter; GraphQL uses it camel-cased), what kind of value
    it takes, the column it constrains, the table its ids name, and its description."""

    name: str
    kind: FilterKind
    column: QueryableAttribute[Any]
    reference: type[Any] | None
    description: str


def _spec(
    name: str, kind: FilterKind, column: Any, description: str, reference: Any = None
) -> FilterSpec:
    return FilterSpec(name, kind, column, reference, description)


_K = FilterKind
FILTERS: tuple[FilterSpec, ...] = (
    _spec("status", _K.STATUS, Order.status, "Orders in this status."),
    _spec("payment_method", _K.REFERENCE, Order.payment_method_id,
          "Orders paid with this payment method.", PaymentMethod),
    _spec("shipping_method", _K.REFERENCE, Order.shipping_method_id,
          "Orders shipped with this shipping method.", ShippingMethod),
    _spec("billing_country", _K.REFERENCE, Order.billing_country_id,
          "Orders billed to this country.", Country),
    _spec("billing_state", _K.REFERENCE, Order.billing_state_id,
          "Orders billed to this state.", State),
    _spec("billing_city", _K.REFERENCE, Order.billing_city_id,
          "Orders billed to this city.", City),
    _spec("status_in", _K.STATUS_LIST, Order.status, "Orders in any of these statuses."),
    _spec("payment_method_in", _K.REFERENCE_LIST, Order.payment_method_id,
          "Orders paid with any of these payment methods.", PaymentMethod),
    _spec("shipping_method_in", _K.REFERENCE_LIST, Order.shipping_method_id,
          "Orders shipped with any of these shipping methods.", ShippingMethod),
    _spec("billing_country_in", _K.REFERENCE_LIST, Order.billing_country_id,
          "Orders billed to any of these countries.", Country),
    _spec("billing_state_in", _K.REFERENCE_LIST, Order.billing_state_id,
          "Orders billed to any of these states.", State),
    _spec("billing_city_in", _K.REFERENCE_LIST, Order.billing_city_id,
          "Orders billed to any of these cities.", City),
    _spec("is_paid", _K.BOOLEAN, None, "Fully paid (true) or with an amount outstanding (false)."),
    _spec("is_payable", _K.BOOLEAN, None,
          "Can still be paid: not paid and not cancelled, refunded or deleted."),
    _spec("has_notes", _K.BOOLEAN, Order.notes, "With (true) or without (false) order notes."),
    _spec("id_min", _K.ID_MIN, Order.id, "Orders whose id is at least this."),
    _spec("id_max", _K.ID_MAX, Order.id, "Orders whose id is at most this."),
    _spec("created_date", _K.ON_DATE, Order.created_at, "Created on this calendar date."),
    _spec("updated_date", _K.ON_DATE, Order.updated_at, "Last updated on this calendar date."),
    _spec("created_from", _K.FROM_DATE, Order.created_at, "Created on or after this date."),
    _spec("created_to", _K.TO_DATE, Order.created_at, "Created on or before this date."),
    _spec("updated_from", _K.FROM_DATE, Order.updated_at, "Last updated on or after this date."),
    _spec("updated_to", _K.TO_DATE, Order.updated_at, "Last updated on or before this date."),
)  # fmt: skip

# Filters on the computed money fields: they read the customer's joined totals.
MONEY_FILTERS = frozenset({"is_paid", "is_payable"})


@dataclass(frozen=True, slots=True)
class OrderFilter:
    """Parsed filter values; `None` means the filter is absent.

    Id values are Python ints of any size: one that fits no 64-bit id matches nothing.
    An empty tuple for a list filter matches nothing.
    """

    status: str | None = None
    payment_method: int | None = None
    shipping_method: int | None = None
    billing_country: int | None = None
    billing_state: int | None = None
    billing_city: int | None = None
    status_in: tuple[str, ...] | None = None
    payment_method_in: tuple[int, ...] | None = None
    shipping_method_in: tuple[int, ...] | None = None
    billing_country_in: tuple[int, ...] | None = None
    billing_state_in: tuple[int, ...] | None = None
    billing_city_in: tuple[int, ...] | None = None
    is_paid: bool | None = None
    is_payable: bool | None = None
    has_notes: bool | None = None
    id_min: int | None = None
    id_max: int | None = None
    created_date: date | None = None
    updated_date: date | None = None
    created_from: date | None = None
    created_to: date | None = None
    updated_from: date | None = None
    updated_to: date | None = None
    # Not a public filter: lets `myOrder(key:)` reuse the same customer-scoped query.
    key: str | None = None

    @property
    def reads_totals(self) -> bool:
        """A money filter is set: it reads the customer's totals (joined when stored)."""
        return any(getattr(self, name) is not None for name in MONEY_FILTERS)

    def conditions(
        self, zone: ZoneInfo, outstanding: ColumnElement[int] | None = None
    ) -> Iterator[ColumnElement[bool]]:
        """SQL conditions for every filter that is set. `outstanding`: the amount
        outstanding column of the customer's joined totals, if joined; the money filters
        compute it per order otherwise."""
        for spec in FILTERS:
            value = getattr(self, spec.name)
            if value is None:
                continue
            if spec.name in MONEY_FILTERS:
                yield _money_condition(spec.name, value, outstanding)
            else:
                yield _condition(spec, value, zone)
        if self.key is not None:
            yield Order.key == self.key


def _fits(value: int) -> bool:
    return ID_MIN <= value <= ID_MAX


def _id(value: int) -> ColumnElement[int]:
    return literal(value, BigInteger)


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of a calendar day in a zone (a local midnight lost to a DST gap
    resolves to the instant the day begins)."""
    return datetime.combine(day, time(), tzinfo=zone)


def _from_day(column: QueryableAttribute[Any], day: date, zone: ZoneInfo) -> ColumnElement[bool]:
    """`column`'s date >= day (no bound from 0001-01-01, whose start may precede year 1 in UTC)."""
    if day == date.min:
        return true()
    return column >= day_start(day, zone)


def _after_day(column: QueryableAttribute[Any], day: date, zone: ZoneInfo) -> ColumnElement[bool]:
    """`column`'s date <= day, i.e. before the next day begins (no bound after 9999-12-31)."""
    if day == date.max:
        return true()
    return column < day_start(day + timedelta(days=1), zone)


def _condition(spec: FilterSpec, value: Any, zone: ZoneInfo) -> ColumnElement[bool]:
    column = spec.column
    kind = spec.kind
    if kind in (FilterKind.STATUS, FilterKind.REFERENCE):
        if isinstance(value, int) and not _fits(value):
            return false()
        return column == (_id(value) if isinstance(value, int) else value)
    if kind is FilterKind.STATUS_LIST:
        return column.in_(value) if value else false()
    if kind is FilterKind.REFERENCE_LIST:
        ids = [_id(item) for item in value if _fits(item)]
        return column.in_(ids) if ids else false()
    if kind is FilterKind.BOOLEAN:
        return Order.notes != "" if value else Order.notes == ""  # has_notes
    if kind is FilterKind.ID_MIN:
        return true() if value < ID_MIN else (column >= _id(value) if _fits(value) else false())
    if kind is FilterKind.ID_MAX:
        return false() if value < ID_MIN else (column <= _id(value) if _fits(value) else true())
    if kind is FilterKind.ON_DATE:
        return and_(_from_day(column, value, zone), _after_day(column, value, zone))
    if kind is FilterKind.FROM_DATE:
        return _from_day(column, value, zone)
    return _after_day(column, value, zone)


def _money_condition(
    name: str, value: bool, outstanding: ColumnElement[int] | None
) -> ColumnElement[bool]:
    if name == "is_paid":
        return is_paid_condition(outstanding) if value else is_not_paid_condition(outstanding)
    if value:
        return is_payable_condition(outstanding)
    return is_not_payable_condition(outstanding)
