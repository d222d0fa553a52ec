"""What the legacy endpoint should answer, computed in plain Python from a generated shop.

Written from `spec/rest.md`, `spec/database.md` and `spec/graphql.md`, not from the gateway's
query code, so that the property tests compare two independent readings of the spec: every
order of the shop is evaluated one by one (filters, search, ordering, window, money).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from gateway.orders import OrderFilter
from tests.factories import OrderRow, ReferenceRow, Shop

UTC = ZoneInfo("UTC")
ZERO = Decimal("0.00")
UNPAYABLE = frozenset({"cancelled", "refunded", "deleted"})

# Unicode's simple uppercase mapping where it differs from Python's full `str.upper` (which
# gives several letters): only the Greek letters with ypogegrammeni have a one-letter simple
# uppercase (UnicodeData.txt, field 12); every other such letter (ß, ŉ, ǰ, ΐ, ﬀ …) stays.
_SIMPLE_UPPER_EXCEPTIONS = {
    **{chr(lower): chr(lower + 8) for start in (0x1F80, 0x1F90, 0x1FA0)
       for lower in range(start, start + 8)},
    "\u1fb3": "\u1fbc",  # ᾳ -> ᾼ
    "\u1fc3": "\u1fcc",  # ῃ -> ῌ
    "\u1ff3": "\u1ffc",  # ῳ -> ῼ
}  # fmt: skip


def simple_upper(text: str) -> str:
    """Upper-case character by character with Unicode's simple mapping (PostgreSQL's `upper`
    on a UTF-8 database): ı -> I, ς -> Σ, ß stays ß, İ stays İ."""
    result = []
    for char in text:
        upper = char.upper()
        result.append(upper if len(upper) == 1 else _SIMPLE_UPPER_EXCEPTIONS.get(char, char))
    return "".join(result)


@dataclass(frozen=True, slots=True)
class Totals:
    """The computed fields of `database.md`; names as in `gateway.orders.OrderTotals`."""

    count: int
    quantity: int
    items_subtotal: Decimal
    items_discount: Decimal
    subtotal: Decimal
    total_discount: Decimal
    total: Decimal
    amount_paid: Decimal
    amount_outstanding: Decimal
    is_paid: bool
    is_payable: bool

    @classmethod
    def of(cls, order: OrderRow) -> Totals:
        items_subtotal = sum((i.unit_price * i.quantity for i in order.items), ZERO)
        items_discount = sum((i.discount for i in order.items), ZERO)
        amount_paid = sum((p.amount for p in order.payments if p.status == "succeeded"), ZERO)
        subtotal = items_subtotal - items_discount
        total = max(subtotal - order.discount + order.shipping_cost, ZERO)
        outstanding = max(total - amount_paid, ZERO)
        is_paid = outstanding == 0
        return cls(
            count=len({i.product_id for i in order.items}),
            quantity=sum(i.quantity for i in order.items),
            items_subtotal=items_subtotal,
            items_discount=items_discount,
            subtotal=subtotal,
            total_discount=items_discount + order.discount,
            total=total,
            amount_paid=amount_paid,
            amount_outstanding=outstanding,
            is_paid=is_paid,
            is_payable=not is_paid and order.status not in UNPAYABLE,
        )

    def as_text(self) -> dict[str, str]:
        """Every field as text: money compares to the cent, `0.10` and `0.1` differ."""
        return {f.name: str(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class Expected:
    """The answer: the window's order ids in order, their totals, and the filtered count."""

    ids: list[int]
    totals: dict[int, Totals]
    count: int


class _Lookup:
    """The shop's reference rows by id, and an order's search and sort values."""

    def __init__(self, shop: Shop) -> None:
        def by_id(rows: tuple[ReferenceRow, ...]) -> dict[int, str]:
            return {row.id: row.name for row in rows}

        self.names: dict[str, dict[int, str]] = {
            "billing_country": by_id(shop.countries),
            "billing_state": by_id(shop.states),
            "billing_city": by_id(shop.cities),
            "payment_method": by_id(shop.payment_methods),
            "shipping_method": by_id(shop.shipping_methods),
        }

    def name(self, order: OrderRow, relation: str) -> str | None:
        """The related row's name; None where the foreign key is NULL."""
        row_id = getattr(order, f"{relation}_id")
        return None if row_id is None else self.names[relation][row_id]

    def search_fields(self, order: OrderRow) -> list[str]:
        """The values a term is looked for in; NULL relations have none (never match)."""
        values = [str(order.id), order.key, order.notes]
        for relation in ("billing_country", "billing_state", "billing_city"):
            name = self.name(order, relation)
            if name is not None:
                values.append(name)
        values += [order.billing_first_name, order.billing_last_name, order.billing_mobile_number]
        return values

    def sort_value(self, order: OrderRow, field: str) -> Any:
        if field in ("total", "amount_outstanding"):
            return getattr(Totals.of(order), field)
        if field.endswith("__name"):
            return self.name(order, field.removesuffix("__name"))
        return getattr(order, field)


def _local_date(order: OrderRow, column: str, zone: ZoneInfo) -> date:
    value = getattr(order, column)
    return value.astimezone(zone).date()  # type: ignore[no-any-return]  # a datetime column


def _filter_tests(values: OrderFilter, zone: ZoneInfo) -> list[Callable[[OrderRow, Totals], bool]]:
    """One predicate per filter that is set (`None` means absent)."""
    tests: list[Callable[[OrderRow, Totals], bool]] = []

    def add(name: str, test: Callable[[OrderRow, Totals, Any], bool]) -> None:
        value = getattr(values, name)
        if value is not None:
            tests.append(lambda order, totals: test(order, totals, value))

    add("status", lambda o, t, v: o.status == v)
    add("status_in", lambda o, t, v: o.status in v)
    for relation in (
        "payment_method",
        "shipping_method",
        "billing_country",
        "billing_state",
        "billing_city",
    ):
        column = f"{relation}_id"
        # A NULL foreign key equals nothing, and an id beyond 64 bits names no row.
        add(relation, lambda o, t, v, c=column: getattr(o, c) == v)
        add(f"{relation}_in", lambda o, t, v, c=column: getattr(o, c) in v)
    add("is_paid", lambda o, t, v: t.is_paid == v)
    add("is_payable", lambda o, t, v: t.is_payable == v)
    add("has_notes", lambda o, t, v: (o.notes != "") == v)
    add("id_min", lambda o, t, v: o.id >= v)
    add("id_max", lambda o, t, v: o.id <= v)
    for column in ("created", "updated"):
        name = f"{column}_at"
        add(f"{column}_date", lambda o, t, v, n=name: _local_date(o, n, zone) == v)
        add(f"{column}_from", lambda o, t, v, n=name: _local_date(o, n, zone) >= v)
        add(f"{column}_to", lambda o, t, v, n=name: _local_date(o, n, zone) <= v)
    return tests


def _sorted(
    orders: list[OrderRow], ordering: Sequence[tuple[str, bool]], lookup: _Lookup
) -> list[OrderRow]:
    """Sort by each `(field, descending)` key in turn: NULLs last ascending, first
    descending; text by code point; then `-id` unless `id` is a key."""
    keys = list(ordering) or [("created_at", True)]
    if "id" not in {field for field, _ in keys}:
        keys.append(("id", True))
    result = list(orders)
    for field, descending in reversed(keys):  # stable sorts, least significant key first
        result.sort(key=lambda o, f=field: _null_last(lookup.sort_value(o, f)), reverse=descending)
    return result


def _null_last(value: Any) -> tuple[bool, Any]:
    return (True, 0) if value is None else (False, value)


def evaluate(
    shop: Shop,
    customer_id: int,
    *,
    filter: OrderFilter = OrderFilter(),  # noqa: B008  # frozen dataclass: a constant
    terms: Sequence[str] = (),
    ordering: Sequence[tuple[str, bool]] = (),
    limit: int = 20,
    offset: int = 0,
    zone: ZoneInfo = UTC,
) -> Expected:
    """The customer's orders that pass every filter and contain every search term, sorted
    by `ordering` (legacy field names, `True` for descending), cut to `[offset:offset+limit]`."""
    lookup = _Lookup(shop)
    tests = _filter_tests(filter, zone)
    folded_terms = [simple_upper(term) for term in terms]
    selected: list[OrderRow] = []
    totals: dict[int, Totals] = {}
    for order in shop.orders:
        if order.customer_id != customer_id:
            continue
        order_totals = Totals.of(order)
        if not all(test(order, order_totals) for test in tests):
            continue
        haystacks = [simple_upper(value) for value in lookup.search_fields(order)]
        if not all(any(term in value for value in haystacks) for term in folded_terms):
            continue
        selected.append(order)
        totals[order.id] = order_totals
    page = _sorted(selected, ordering, lookup)[offset : offset + limit]
    return Expected(
        ids=[order.id for order in page],
        totals={order.id: totals[order.id] for order in page},
        count=len(selected),
    )
