"""Order ordering: the sortable fields, the default, the `-id` tie-breaker and NULL placement.

Most fields sort by a column of `shop_order` or of a reference table. The computed money
fields (`COMPUTED_FIELDS`, GraphQL only: the legacy endpoint never had them) sort by a
column of the customer's totals (`gateway.orders.totals`), which the query joins.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, UnaryExpression
from sqlalchemy.orm import QueryableAttribute

from gateway.db.models import City, Country, Order, PaymentMethod, ShippingMethod, State


class OrderField(enum.Enum):
    """Sortable fields; values are the legacy `ordering` names."""

    ID = "id"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    STATUS = "status"
    SHIPPING_COST = "shipping_cost"
    BILLING_COUNTRY_NAME = "billing_country__name"
    BILLING_STATE_NAME = "billing_state__name"
    BILLING_CITY_NAME = "billing_city__name"
    PAYMENT_METHOD_NAME = "payment_method__name"
    SHIPPING_METHOD_NAME = "shipping_method__name"
    TOTAL = "total"
    AMOUNT_OUTSTANDING = "amount_outstanding"


# Fields sorted by a column of the customer's totals (integer cents): that column's name.
COMPUTED_FIELDS: dict[OrderField, str] = {
    OrderField.TOTAL: "total_cents",
    OrderField.AMOUNT_OUTSTANDING: "amount_outstanding_cents",
}
# The legacy endpoint's `ordering` names: every field but the computed ones.
LEGACY_FIELDS: tuple[OrderField, ...] = tuple(f for f in OrderField if f not in COMPUTED_FIELDS)


# The column each other field sorts by; names come from outer-joined tables and may be NULL.
SORT_COLUMNS: dict[OrderField, QueryableAttribute[Any]] = {
    OrderField.ID: Order.id,
    OrderField.CREATED_AT: Order.created_at,
    OrderField.UPDATED_AT: Order.updated_at,
    OrderField.STATUS: Order.status,
    OrderField.SHIPPING_COST: Order.shipping_cost,
    OrderField.BILLING_COUNTRY_NAME: Country.name,
    OrderField.BILLING_STATE_NAME: State.name,
    OrderField.BILLING_CITY_NAME: City.name,
    OrderField.PAYMENT_METHOD_NAME: PaymentMethod.name,
    OrderField.SHIPPING_METHOD_NAME: ShippingMethod.name,
}
NULLABLE_FIELDS = frozenset(
    {
        OrderField.BILLING_COUNTRY_NAME,
        OrderField.BILLING_STATE_NAME,
        OrderField.BILLING_CITY_NAME,
        OrderField.PAYMENT_METHOD_NAME,
        OrderField.SHIPPING_METHOD_NAME,
    }
)


@dataclass(frozen=True, slots=True)
class OrderingKey:
    field: OrderField
    descending: bool = False

    @property
    def column(self) -> QueryableAttribute[Any]:
        """The column of a field that is not computed (`COMPUTED_FIELDS` have none)."""
        return SORT_COLUMNS[self.field]

    def clause(self, column: ColumnElement[Any]) -> UnaryExpression[Any]:
        """ORDER BY term on `column`, the key's column in the statement at hand; NULLs last
        ascending and first descending on every backend (PostgreSQL's default, spelled out
        because SQLite's is the opposite)."""
        nullable = self.field in NULLABLE_FIELDS
        term: UnaryExpression[Any]
        if self.descending:
            term = column.desc()
            return term.nulls_first() if nullable else term
        term = column.asc()
        return term.nulls_last() if nullable else term


DEFAULT_ORDERING: tuple[OrderingKey, ...] = (OrderingKey(OrderField.CREATED_AT, descending=True),)
TIE_BREAKER = OrderingKey(OrderField.ID, descending=True)


def complete_ordering(keys: Sequence[OrderingKey]) -> tuple[OrderingKey, ...]:
    """The requested keys (default if none), each field once (first wins), then `-id`
    unless `id` is already a key: a total order, as keyset pagination needs."""
    seen: set[OrderField] = set()
    result: list[OrderingKey] = []
    for key in keys or DEFAULT_ORDERING:
        if key.field not in seen:
            seen.add(key.field)
            result.append(key)
    if OrderField.ID not in seen:
        result.append(TIE_BREAKER)
    return tuple(result)
