"""`OrderQuery`: a customer's order set (filters, search, ordering) and its SQL statements.

A query cannot exist without a customer id, and every statement built here starts from
`WHERE customer_id = :customer`, so no caller can reach another customer's orders.

A page is one statement: an inner SELECT picks the page's order ids (filters, search,
ordering, then keyset bounds, OFFSET and LIMIT), and the outer SELECT reads those orders with
their reference rows and the item/payment sums, for at most one page of rows.

Money filters and the computed orderings (`TOTAL`, `AMOUNT_OUTSTANDING`) read the
customer's stored totals (`orders.totals`, joined once) when `stored_totals` says the table
is installed and valid. Otherwise they compute each candidate order's amounts from its
items and payments (`orders.money`: one or two index lookups per order; a filter stops at a
full page): measured faster and steadier than a set-based aggregate of all the customer's
orders, whose row estimates the planner cannot know (docs/scaling.md, "Big customers").
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
    Subquery,
    and_,
    bindparam,
    false,
    func,
    literal_column,
    or_,
    select,
    true,
)

from gateway.db.models import City, Country, Order, PaymentMethod, ShippingMethod, State
from gateway.orders import money
from gateway.orders.filters import OrderFilter
from gateway.orders.ordering import (
    COMPUTED_FIELDS,
    NULLABLE_FIELDS,
    OrderField,
    OrderingKey,
    complete_ordering,
)
from gateway.orders.search import has_trigram, indexed_search_condition, search_condition
from gateway.orders.totals import stored_totals

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
        stored_totals: read the customer's totals from the stored table `gw_order_totals`
            (the app says so when it is installed and valid), not from the legacy tables.
        search_indexes: spell the search for the trigram indexes (`db.search_indexes`;
            the app says so when they are installed): the same orders, found through them.
            Only when every term has a trigram; a shorter term is a scan in any spelling.
    """

    customer_id: int
    filter: OrderFilter = field(default_factory=OrderFilter)
    search: tuple[str, ...] = ()
    ordering: tuple[OrderingKey, ...] = ()
    zone: ZoneInfo = _UTC
    stored_totals: bool = False
    search_indexes: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "ordering", complete_ordering(self.ordering))

    def _tables_needed(self) -> set[Any]:
        tables = {key.column.class_ for key in self.ordering if key.field in NULLABLE_FIELDS}
        if self.search and not self._indexed_search:
            tables |= _SEARCH_TABLES
        return tables

    @property
    def is_plain(self) -> bool:
        """No filter and no search: the customer's whole list, in some ordering."""
        return not self.search and self.filter == _NO_FILTER

    def _customer(self) -> BindParameter[int]:
        return bindparam(CUSTOMER_PARAMETER, self.customer_id, type_=Integer)

    @property
    def computed_keys(self) -> tuple[OrderingKey, ...]:
        """The ordering's keys on computed money fields (`COMPUTED_FIELDS`)."""
        return tuple(key for key in self.ordering if key.field in COMPUTED_FIELDS)

    def _totals(self, needed: bool) -> Subquery | None:
        """The customer's stored totals to join, if `needed`."""
        return stored_totals(self._customer()) if needed else None

    def _where(self, totals: Subquery | None) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = [self._customer_condition()]
        outstanding = None if totals is None else totals.c.amount_outstanding_cents
        conditions.extend(self.filter.conditions(self.zone, outstanding))
        if self._indexed_search:
            conditions.append(indexed_search_condition(self.search, self._customer()))
        elif self.search:
            conditions.append(search_condition(self.search))
        return conditions

    @property
    def _indexed_search(self) -> bool:
        """The search is spelled for the trigram indexes (`search_indexes`)."""
        return self.search_indexes and bool(self.search) and all(map(has_trigram, self.search))

    def _customer_condition(self) -> ColumnElement[bool]:
        """The customer's orders. With the indexed search the matching orders' ids (each
        lookup bounded to the customer) drive the statement: `+ 0` keeps the planner from
        reading all of the customer's orders to join them with the few that match."""
        if self._indexed_search:
            return Order.customer_id + literal_column("0") == self._customer()
        return Order.customer_id == self._customer()

    def _scoped(self, statement: AnySelect, tables: set[Any], totals: Subquery | None) -> AnySelect:
        statement = statement.select_from(Order)
        if totals is not None:
            statement = statement.join(totals, totals.c.order_id == Order.id)
        for table, on in _JOINS:
            if table in tables:
                statement = statement.outerjoin(table, on)
        return statement.where(*self._where(totals))

    def count_statement(self) -> Select[int]:
        """The size of the filtered set. `count(*)`: an index-only scan can count it."""
        return self._count(self._totals(self._count_reads_totals))

    def _count(self, totals: Subquery | None) -> Select[int]:
        tables = _SEARCH_TABLES if self.search and not self._indexed_search else set()
        return self._scoped(select(func.count()), set(tables), totals)

    def page_ids_statement(self, window: Window) -> AnySelect:
        """The ids of one page, in page order (reversed for `from_end`), then the values of
        the computed sort keys (`computed_keys`), named as the totals' columns."""
        return self._page_ids(window, self._totals(self._page_reads_totals))

    @property
    def _count_reads_totals(self) -> bool:
        return self.filter.reads_totals and self.stored_totals

    @property
    def _page_reads_totals(self) -> bool:
        return self.stored_totals and (self.filter.reads_totals or bool(self.computed_keys))

    def _page_ids(self, window: Window, totals: Subquery | None) -> AnySelect:
        computed = [
            _computed_column(key, totals).label(COMPUTED_FIELDS[key.field])
            for key in self.computed_keys
        ]
        statement = self._scoped(select(Order.id, *computed), self._tables_needed(), totals)
        if window.after is not None:
            statement = statement.where(self._beyond(window.after, forward=True, totals=totals))
        if window.before is not None:
            statement = statement.where(self._beyond(window.before, forward=False, totals=totals))
        reverse = window.from_end
        statement = statement.order_by(*self._order_clauses(reverse=reverse, totals=totals))
        if window.offset:
            statement = statement.offset(bindparam(OFFSET_PARAMETER, window.offset, BigInteger))
        return statement.limit(bindparam(LIMIT_PARAMETER, window.limit, BigInteger))

    def page_statement(self, window: Window, *, counted: bool = False) -> AnySelect:
        """The page's orders with reference rows and item/payment sums, in list order, then
        the computed sort keys' values (from the page's ids statement, joined), if any.

        `counted` adds the size of the whole filtered set as a last column, `total_count`:
        an uncorrelated subquery, which both databases compute once per statement. A page
        and its count then cost one round trip."""
        totals = self._totals(self._page_reads_totals)
        ids = self._page_ids(window, totals)
        columns = [*ORDER_COLUMNS, *REFERENCE_COLUMNS, *SUM_COLUMNS]
        page: Subquery | None = None
        if self.computed_keys:
            page = ids.subquery("gw_page")
            columns.extend(_computed_column(key, page) for key in self.computed_keys)
        if counted:
            count_totals = totals if self._count_reads_totals else None
            count = self._count(count_totals).correlate(None).scalar_subquery()
            columns.append(count.label("total_count"))
        statement = select(*columns).select_from(Order)
        if page is None:
            statement = statement.where(Order.id.in_(ids.correlate(None).scalar_subquery()))
        else:
            statement = statement.join(page, page.c.id == Order.id)
        for table, on in _JOINS:
            statement = statement.outerjoin(table, on)
        # The customer condition again, for isolation never to rest on one clause; `+ 0`
        # keeps the planner from using it as an index condition: a generic plan (made for
        # an average customer) would read all of a big customer's orders to keep a page.
        statement = statement.where(Order.customer_id + literal_column("0") == self._customer())
        return statement.order_by(*self._order_clauses(reverse=False, totals=page))

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
            self.stored_totals,
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

    def _order_clauses(self, *, reverse: bool, totals: Subquery | None) -> list[Any]:
        """ORDER BY terms; `totals`: where the computed keys' columns are."""
        return [
            OrderingKey(key.field, key.descending != reverse).clause(_sort_column(key, totals))
            for key in self.ordering
        ]

    def _beyond(
        self, values: Sequence[Any], *, forward: bool, totals: Subquery | None
    ) -> ColumnElement[bool]:
        """Rows strictly after (`forward`) or before the row whose sort keys are `values`."""
        if len(values) != len(self.ordering):
            raise ValueError("cursor does not match the ordering")
        alternatives = []
        equal_so_far: list[ColumnElement[bool]] = []
        for key, value in zip(self.ordering, values, strict=True):
            column = _sort_column(key, totals)
            later = _later(key, column, value, ascending=(not key.descending) == forward)
            alternatives.append(and_(*equal_so_far, later))
            equal_so_far.append(column.is_(None) if value is None else column == value)
        beyond = or_(*alternatives)
        first, first_value = self.ordering[0], values[0]
        if first.field in NULLABLE_FIELDS or first_value is None:
            return beyond
        # Implied by `beyond`, but stated alone it bounds an index range scan, so a page deep
        # in the list costs about what the first page costs.
        first_column = _sort_column(first, totals)
        if (not first.descending) == forward:
            return and_(first_column >= first_value, beyond)
        return and_(first_column <= first_value, beyond)

    def sort_values(self, row: Any) -> tuple[Any, ...]:
        """The sort-key values of a row of `page_statement`, for a cursor."""
        return sort_values_getter(self.ordering)(row)


def _computed_column(key: OrderingKey, totals: Subquery | None) -> ColumnElement[Any]:
    """A computed key's column in `totals` (the stored totals, or the page's ids), or, with
    None, its amount computed from the order's items and payments."""
    if totals is None:
        return _COMPUTED_AMOUNTS[key.field]()
    column: ColumnElement[Any] = totals.c[COMPUTED_FIELDS[key.field]]
    return column


_COMPUTED_AMOUNTS: dict[OrderField, Callable[[], ColumnElement[int]]] = {
    OrderField.TOTAL: money.total_cents,
    OrderField.AMOUNT_OUTSTANDING: money.amount_outstanding_cents,
}


def _sort_column(key: OrderingKey, totals: Subquery | None) -> ColumnElement[Any]:
    """What a key sorts by in a statement whose computed keys' columns are in `totals`."""
    return _computed_column(key, totals) if key.field in COMPUTED_FIELDS else key.column


def _later(
    key: OrderingKey, column: ColumnElement[Any], value: Any, *, ascending: bool
) -> ColumnElement[bool]:
    """Rows after `value` in one key's order: NULLs come last ascending, first descending."""
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
    """Reads an ordering's sort-key values from a row of `page_statement`: the computed
    keys' values follow the page's columns, in the ordering's order."""
    computed = [key.field for key in ordering if key.field in COMPUTED_FIELDS]
    positions = [
        len(_PAGE_LABELS) + computed.index(key.field)
        if key.field in COMPUTED_FIELDS
        else _SORT_POSITIONS[key.field]
        for key in ordering
    ]
    getter = itemgetter(*positions)
    if len(ordering) == 1:
        return lambda row: (getter(row),)
    return getter


@cache
def _plain_count_statement() -> AnySelect:  # no filter: the same with stored totals
    return OrderQuery(customer_id=0).count_statement()


def _nulls(values: tuple[Any, ...] | None) -> tuple[bool, ...] | None:
    """Which keyset values are NULL: they shape the SQL (`IS NULL`), the others are bound."""
    return None if values is None else tuple(value is None for value in values)


@lru_cache(maxsize=256)
def _plain_page_statement(
    stored_totals: bool,
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
            None if null else bindparam(f"{prefix}{position}", type_=_sort_type(key))
            for position, (key, null) in enumerate(zip(ordering, nulls, strict=True))
        )

    window = Window(
        limit=1,
        offset=1 if with_offset else 0,
        after=bounds(AFTER_PARAMETER, after_nulls),
        before=bounds(BEFORE_PARAMETER, before_nulls),
        from_end=from_end,
    )
    query = OrderQuery(customer_id=0, ordering=ordering, stored_totals=stored_totals)
    return query.page_statement(window, counted=counted)


def _sort_type(key: OrderingKey) -> Any:
    """The SQL type of a key's values: integer cents for the computed keys."""
    return BigInteger() if key.field in COMPUTED_FIELDS else key.column.type


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
