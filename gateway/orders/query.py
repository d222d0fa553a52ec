"""`OrderQuery`: a customer's order set (filters, search, ordering) and its SQL statements.

A query cannot exist without a customer id, and every statement built here starts from
`WHERE customer_id = :customer`, so no caller can reach another customer's orders.

A page is one statement: an inner SELECT picks the page's order ids (filters, search,
ordering, then keyset bounds, OFFSET and LIMIT), and the outer SELECT reads those orders with
their reference rows and the item/payment sums, for at most one page of rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    false,
    func,
    or_,
    select,
    true,
)

from gateway.db.models import City, Country, Order, PaymentMethod, ShippingMethod, State
from gateway.orders import money
from gateway.orders.filters import OrderFilter
from gateway.orders.ordering import (
    NULLABLE_FIELDS,
    OrderField,
    OrderingKey,
    complete_ordering,
)
from gateway.orders.search import search_condition

_UTC = ZoneInfo("UTC")
_NO_FILTER = OrderFilter()
# Names of the parameters that a reusable statement takes at execution.
CUSTOMER_PARAMETER = "customer_id"
LIMIT_PARAMETER = "page_limit"
OFFSET_PARAMETER = "page_offset"
AFTER_PARAMETER = "after_"  # + the sort key's position: a keyset bound's value
BEFORE_PARAMETER = "before_"
# Any SELECT, whatever its columns (SQLAlchemy 2.1 types them variadically).
AnySelect = Select[*tuple[Any, ...]]
# A statement and the parameters to execute it with.
Execution = tuple[AnySelect, dict[str, Any]]

# Reference tables an order points to, with the join each needs (all optional: outer).
_JOINS: tuple[tuple[Any, Any], ...] = (
    (PaymentMethod, Order.payment_method_id == PaymentMethod.id),
    (ShippingMethod, Order.shipping_method_id == ShippingMethod.id),
    (Country, Order.billing_country_id == Country.id),
    (State, Order.billing_state_id == State.id),
    (City, Order.billing_city_id == City.id),
)
_SEARCH_TABLES = frozenset({Country, State, City})


@dataclass(frozen=True, slots=True)
class Window:
    """Which slice of the ordered set a page is.

    `after`/`before` are the sort-key values (one per ordering key) of the row the page
    starts after / ends before. `from_end` takes the last `limit` rows instead of the first
    (Relay's `last`). `offset` skips rows after the start position.
    """

    limit: int
    offset: int = 0
    after: tuple[Any, ...] | None = None
    before: tuple[Any, ...] | None = None
    from_end: bool = False


@dataclass(frozen=True, slots=True)
class OrderQuery:
    """One customer's orders, filtered, searched and ordered.

    Attributes:
        customer_id: whose orders; mandatory, and the first condition of every statement.
        filter: parsed filter values.
        search: search terms (already split); all must match.
        ordering: requested keys; completed with the default and the `-id` tie-breaker.
        zone: time zone whose calendar dates the date filters compare.
    """

    customer_id: int
    filter: OrderFilter = field(default_factory=OrderFilter)
    search: tuple[str, ...] = ()
    ordering: tuple[OrderingKey, ...] = ()
    zone: ZoneInfo = _UTC

    def __post_init__(self) -> None:
        object.__setattr__(self, "ordering", complete_ordering(self.ordering))

    def _tables_needed(self) -> set[Any]:
        tables = {key.column.class_ for key in self.ordering if key.field in NULLABLE_FIELDS}
        if self.search:
            tables |= _SEARCH_TABLES
        return tables

    @property
    def is_plain(self) -> bool:
        """No filter and no search: the customer's whole list, in some ordering."""
        return not self.search and self.filter == _NO_FILTER

    def _customer(self) -> BindParameter[int]:
        return bindparam(CUSTOMER_PARAMETER, self.customer_id, type_=Integer)

    def _where(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = [Order.customer_id == self._customer()]
        conditions.extend(self.filter.conditions(self.zone))
        if self.search:
            conditions.append(search_condition(self.search))
        return conditions

    def _scoped(self, statement: AnySelect, tables: set[Any]) -> AnySelect:
        statement = statement.select_from(Order)
        for table, on in _JOINS:
            if table in tables:
                statement = statement.outerjoin(table, on)
        return statement.where(*self._where())

    def count_statement(self) -> Select[int]:
        """The size of the filtered set."""
        tables = _SEARCH_TABLES if self.search else set()
        return self._scoped(select(func.count(Order.id)), set(tables))

    def page_ids_statement(self, window: Window) -> Select[int]:
        """The ids of one page, in page order (reversed for `from_end`)."""
        statement = self._scoped(select(Order.id), self._tables_needed())
        if window.after is not None:
            statement = statement.where(self._beyond(window.after, forward=True))
        if window.before is not None:
            statement = statement.where(self._beyond(window.before, forward=False))
        reverse = window.from_end
        statement = statement.order_by(*self._order_clauses(reverse=reverse))
        if window.offset:
            statement = statement.offset(bindparam(OFFSET_PARAMETER, window.offset, BigInteger))
        return statement.limit(bindparam(LIMIT_PARAMETER, window.limit, BigInteger))

    def page_statement(self, window: Window, *, counted: bool = False) -> AnySelect:
        """The page's orders with reference rows and item/payment sums, in list order.

        `counted` adds the size of the whole filtered set as a last column, `total_count`:
        an uncorrelated subquery, which both databases compute once per statement. A page
        and its count then cost one round trip."""
        ids = self.page_ids_statement(window).correlate(None).scalar_subquery()
        columns = [*ORDER_COLUMNS, *REFERENCE_COLUMNS, *SUM_COLUMNS]
        if counted:
            count = self.count_statement().correlate(None).scalar_subquery()
            columns.append(count.label("total_count"))
        statement = select(*columns).select_from(Order)
        for table, on in _JOINS:
            statement = statement.outerjoin(table, on)
        # The customer condition again: cheap, and isolation never rests on one clause.
        statement = statement.where(Order.customer_id == self._customer(), Order.id.in_(ids))
        return statement.order_by(*self._order_clauses(reverse=False))

    def count_execution(self) -> Execution:
        """`count_statement()` with its parameters; a plain query reuses a built statement."""
        if self.is_plain:
            return _plain_count_statement(), {CUSTOMER_PARAMETER: self.customer_id}
        return self.count_statement(), {}

    def page_execution(self, window: Window, *, counted: bool = False) -> Execution:
        """`page_statement(window, counted=counted)` with its parameters. A plain query's
        pages reuse a statement built once per ordering and window shape, with the customer,
        the window and the keyset bounds as parameters: building the statement costs more
        than running it."""
        if not self.is_plain:
            return self.page_statement(window, counted=counted), {}
        statement = _plain_page_statement(
            self.ordering,
            window.from_end,
            bool(window.offset),
            counted,
            _nulls(window.after),
            _nulls(window.before),
        )
        parameters = {CUSTOMER_PARAMETER: self.customer_id, LIMIT_PARAMETER: window.limit}
        if window.offset:
            parameters[OFFSET_PARAMETER] = window.offset
        for prefix, values in ((AFTER_PARAMETER, window.after), (BEFORE_PARAMETER, window.before)):
            for position, value in enumerate(values or ()):
                if value is not None:
                    parameters[f"{prefix}{position}"] = value
        return statement, parameters

    def _order_clauses(self, *, reverse: bool) -> list[Any]:
        return [OrderingKey(key.field, key.descending != reverse).clause() for key in self.ordering]

    def _beyond(self, values: Sequence[Any], *, forward: bool) -> ColumnElement[bool]:
        """Rows strictly after (`forward`) or before the row whose sort keys are `values`."""
        if len(values) != len(self.ordering):
            raise ValueError("cursor does not match the ordering")
        alternatives = []
        equal_so_far: list[ColumnElement[bool]] = []
        for key, value in zip(self.ordering, values, strict=True):
            later = _later(key, value, ascending=(not key.descending) == forward)
            alternatives.append(and_(*equal_so_far, later))
            equal_so_far.append(key.column.is_(None) if value is None else key.column == value)
        beyond = or_(*alternatives)
        first, first_value = self.ordering[0], values[0]
        if first.field in NULLABLE_FIELDS or first_value is None:
            return beyond
        # Implied by `beyond`, but stated alone it bounds an index range scan, so a page deep
        # in the list costs about what the first page costs.
        if (not first.descending) == forward:
            return and_(first.column >= first_value, beyond)
        return and_(first.column <= first_value, beyond)

    def sort_values(self, row: Any) -> tuple[Any, ...]:
        """The sort-key values of a row of `page_statement`, for a cursor."""
        return sort_values_getter(self.ordering)(row)


def _later(key: OrderingKey, value: Any, *, ascending: bool) -> ColumnElement[bool]:
    """Rows after `value` in one key's order: NULLs come last ascending, first descending."""
    column = key.column
    nullable = key.field in NULLABLE_FIELDS
    if ascending:
        if value is None:
            return false()
        return or_(column > value, column.is_(None)) if nullable else column > value
    if value is None:
        return column.is_not(None) if nullable else true()
    before: ColumnElement[bool] = column < value
    return before


@lru_cache(maxsize=256)
def sort_values_getter(ordering: tuple[OrderingKey, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """Reads an ordering's sort-key values from a row of `page_statement`."""
    getter = itemgetter(*(_SORT_POSITIONS[key.field] for key in ordering))
    if len(ordering) == 1:
        return lambda row: (getter(row),)
    return getter


@cache
def _plain_count_statement() -> AnySelect:
    return OrderQuery(customer_id=0).count_statement()


def _nulls(values: tuple[Any, ...] | None) -> tuple[bool, ...] | None:
    """Which keyset values are NULL: they shape the SQL (`IS NULL`), the others are bound."""
    return None if values is None else tuple(value is None for value in values)


@lru_cache(maxsize=256)
def _plain_page_statement(
    ordering: tuple[OrderingKey, ...],
    from_end: bool,
    with_offset: bool,
    counted: bool,
    after_nulls: tuple[bool, ...] | None,
    before_nulls: tuple[bool, ...] | None,
) -> AnySelect:
    def bounds(prefix: str, nulls: tuple[bool, ...] | None) -> tuple[Any, ...] | None:
        if nulls is None:
            return None
        return tuple(
            None if null else bindparam(f"{prefix}{position}", type_=key.column.type)
            for position, (key, null) in enumerate(zip(ordering, nulls, strict=True))
        )

    window = Window(
        limit=1,
        offset=1 if with_offset else 0,
        after=bounds(AFTER_PARAMETER, after_nulls),
        before=bounds(BEFORE_PARAMETER, before_nulls),
        from_end=from_end,
    )
    return OrderQuery(customer_id=0, ordering=ordering).page_statement(window, counted=counted)


ORDER_COLUMNS = (
    Order.id,
    Order.key,
    Order.status,
    Order.payment_method_id,
    Order.shipping_method_id,
    Order.shipping_cost,
    Order.discount,
    Order.notes,
    Order.created_at,
    Order.updated_at,
    Order.billing_country_id,
    Order.billing_state_id,
    Order.billing_city_id,
    Order.billing_address,
    Order.billing_postal_code,
    Order.billing_national_code,
    Order.billing_mobile_number,
    Order.billing_first_name,
    Order.billing_last_name,
)
REFERENCE_COLUMNS = (
    PaymentMethod.name.label("payment_method_name"),
    PaymentMethod.code.label("payment_method_code"),
    ShippingMethod.name.label("shipping_method_name"),
    ShippingMethod.code.label("shipping_method_code"),
    Country.name.label("billing_country_name"),
    Country.code.label("billing_country_code"),
    State.name.label("billing_state_name"),
    State.country_id.label("billing_state_country_id"),
    City.name.label("billing_city_name"),
    City.state_id.label("billing_city_state_id"),
)
SUM_COLUMNS = (
    money.item_count().label("item_count"),
    money.item_quantity().label("item_quantity"),
    money.items_subtotal_cents().label("items_subtotal_cents"),
    money.items_discount_cents().label("items_discount_cents"),
    money.amount_paid_cents().label("amount_paid_cents"),
)
_PAGE_LABELS = [column.key for column in (*ORDER_COLUMNS, *REFERENCE_COLUMNS, *SUM_COLUMNS)]
# Where each sort key's value is in a row of `page_statement`.
_SORT_POSITIONS = {
    field: _PAGE_LABELS.index(label)
    for field, label in {
        OrderField.ID: "id",
        OrderField.CREATED_AT: "created_at",
        OrderField.UPDATED_AT: "updated_at",
        OrderField.STATUS: "status",
        OrderField.SHIPPING_COST: "shipping_cost",
        OrderField.BILLING_COUNTRY_NAME: "billing_country_name",
        OrderField.BILLING_STATE_NAME: "billing_state_name",
        OrderField.BILLING_CITY_NAME: "billing_city_name",
        OrderField.PAYMENT_METHOD_NAME: "payment_method_name",
        OrderField.SHIPPING_METHOD_NAME: "shipping_method_name",
    }.items()
}
