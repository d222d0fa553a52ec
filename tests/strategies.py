"""Hypothesis strategies: small shops full of awkward data, and queries over them.

Names and notes mix the letters whose case mapping differs between `upper`, `lower` and
`ILIKE` (ı İ ς ß ẞ …), LIKE's wildcards and escapes, quotes and commas; foreign keys are
often NULL, timestamps tie and sit on both sides of midnight, and money values are the ones
that drift as floats (0.10 + 0.20).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from gateway.db.models import ORDER_STATUSES, PAYMENT_STATUSES
from gateway.orders import OrderFilter
from tests.factories import ItemRow, OrderRow, PaymentRow, ReferenceRow, Shop

TRICKY = "ıİiIςΣßẞίΊ%_\\'\""
ALPHABET = TRICKY + " ,0123456789aAsSzZéÉöÖçÇşŞğĞüÜσαΑωΩόΌ"
WORDS = ("Yılmaz", "YILMAZ", "Παπαδόπουλος", "ΟΥΛΟΣ", "Ísland", "ísland", "İstanbul",
         "istanbul", "straße", "STRASSE", "Fuß", "GROẞ", "Masse", "50%_off", "a\\b", "it's",
         '"quoted"')  # fmt: skip
# UTC; +03:30 and -03:30; one whose midnight falls in a DST gap (2024-09-08) and repeats.
ZONES = tuple(ZoneInfo(z) for z in ("UTC", "Asia/Tehran", "America/St_Johns", "America/Santiago"))

# Instants that tie across orders and sit around midnight (UTC and local).
_BASE = datetime(2024, 3, 1, tzinfo=UTC)
TIMESTAMPS = (
    _BASE,
    _BASE - timedelta(microseconds=1),
    _BASE + timedelta(hours=20, minutes=30),  # the next day in Tehran (+03:30)
    _BASE + timedelta(hours=3, minutes=29, seconds=59, microseconds=484601),  # St John's: 29 Feb
    _BASE + timedelta(days=1, hours=23, minutes=59, seconds=59),
    datetime(2023, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2024, 9, 8, 3, 59, 59, 999999, tzinfo=UTC),  # Santiago: 23:59 on 7 September
    datetime(2024, 9, 8, 4, tzinfo=UTC),  # Santiago: 01:00 on 8 September (no midnight)
)


def texts(max_size: int = 12) -> st.SearchStrategy[str]:
    return st.text(ALPHABET, max_size=max_size) | st.sampled_from(WORDS)


def cents(*, min_value: int = 0, max_value: int = 10**6) -> st.SearchStrategy[Decimal]:
    """Two-place amounts: float-drifting ones (0.10, 0.20, 0.30 …) often, any in range."""
    drifting = st.sampled_from([0, 1, 10, 20, 30, 33, 70, 99, 110, 333, 1005])
    return (drifting | st.integers(min_value, max_value)).map(
        lambda c: (Decimal(c) / 100).quantize(Decimal("0.01"))
    )


def _local_midnights() -> st.SearchStrategy[datetime]:
    """An instant at, or a microsecond or a second before, a zone's local midnight."""
    day = st.sampled_from([date(2024, 2, 29), date(2024, 3, 1), date(2024, 9, 8)])
    shift = st.sampled_from([timedelta(0), -timedelta(microseconds=1), -timedelta(seconds=1)])
    return st.builds(
        lambda zone, d, delta: datetime.combine(d, time(), zone).astimezone(UTC) + delta,
        st.sampled_from(ZONES),
        day,
        shift,
    )


def timestamps() -> st.SearchStrategy[datetime]:
    """Tied and near-midnight instants, or any in a few days (so that dates collide)."""
    any_instant = st.datetimes(
        min_value=datetime(2024, 2, 28), max_value=datetime(2024, 3, 3), timezones=st.just(UTC)
    )
    return st.one_of(st.sampled_from(TIMESTAMPS), _local_midnights(), any_instant)


def _optional(ids: list[int]) -> st.SearchStrategy[int | None]:
    return (st.none() | st.sampled_from(ids)) if ids else st.none()


@st.composite
def _references(draw: st.DrawFn, first_id: int, parents: list[int] | None) -> list[ReferenceRow]:
    count = draw(st.integers(0, 3))
    if parents == []:  # no country, so no state (no state, no city)
        return []
    return [
        ReferenceRow(
            first_id + n,
            draw(texts(20)),
            None if parents is None else draw(st.sampled_from(parents)),
        )
        for n in range(count)
    ]


def _in_letters(number: int) -> str:
    """A number's digits as letters (412 -> "ebc"): keys stay unique without containing the
    id, so a search for digits can only find an order through its id."""
    return "".join(chr(ord("a") + int(digit)) for digit in str(number))


@st.composite
def _order(
    draw: st.DrawFn, order_id: int, customer_id: int, shop: dict[str, list[int]]
) -> OrderRow:
    items = draw(
        st.lists(
            st.builds(
                ItemRow,
                product_id=st.integers(1, 5),
                unit_price=cents() | st.just(Decimal("9999999999.99")),
                quantity=st.integers(0, 50),
                discount=cents(max_value=5000),
            ),
            max_size=4,
        )
    )
    payments = draw(
        st.lists(
            st.builds(
                PaymentRow,
                amount=cents(min_value=-500),
                status=st.sampled_from(PAYMENT_STATUSES),
            ),
            max_size=3,
        )
    )
    created = draw(timestamps())
    return OrderRow(
        id=order_id,
        key=f"{draw(st.text(ALPHABET, max_size=8))}-{_in_letters(order_id)}",
        customer_id=customer_id,
        status=draw(st.sampled_from(ORDER_STATUSES)),
        payment_method_id=draw(_optional(shop["payment_methods"])),
        shipping_method_id=draw(_optional(shop["shipping_methods"])),
        billing_country_id=draw(_optional(shop["countries"])),
        billing_state_id=draw(_optional(shop["states"])),
        billing_city_id=draw(_optional(shop["cities"])),
        shipping_cost=draw(cents(max_value=5000)),
        discount=draw(cents(max_value=20000)),
        notes=draw(st.just("") | texts()),
        billing_first_name=draw(texts()),
        billing_last_name=draw(texts()),
        billing_mobile_number=draw(st.text("+0123456789 ", max_size=20)),
        created_at=created,
        updated_at=draw(st.just(created) | timestamps()),
        items=tuple(items),
        payments=tuple(payments),
    )


@st.composite
def shops(draw: st.DrawFn) -> Shop:
    """2-4 customers with 0-25 orders each; reference rows with ids 1-3 per table (some
    tables empty); order ids unique among 1-999 so that ids also match searches as text."""
    customer_ids = list(range(1, draw(st.integers(2, 4)) + 1))
    countries = draw(_references(1, None))
    states = draw(_references(1, [c.id for c in countries]))
    cities = draw(_references(1, [s.id for s in states]))
    payment_methods = draw(_references(1, None))
    shipping_methods = draw(_references(1, None))
    ids = {
        "countries": [r.id for r in countries],
        "states": [r.id for r in states],
        "cities": [r.id for r in cities],
        "payment_methods": [r.id for r in payment_methods],
        "shipping_methods": [r.id for r in shipping_methods],
    }
    sizes = st.one_of(st.integers(0, 25), st.integers(8, 25))  # few empty customers
    owners = [c for c in customer_ids for _ in range(draw(sizes))]
    order_ids = draw(
        st.lists(st.integers(1, 999), min_size=len(owners), max_size=len(owners), unique=True)
    )
    orders = [draw(_order(i, c, ids)) for i, c in zip(order_ids, owners, strict=True)]
    return Shop(
        customer_ids=tuple(customer_ids),
        countries=tuple(countries),
        states=tuple(states),
        cities=tuple(cities),
        payment_methods=tuple(payment_methods),
        shipping_methods=tuple(shipping_methods),
        orders=tuple(orders),
    )


# Ids that fit no 64-bit column, and the edges of the 64-bit range.
EXTREME_IDS = (0, -1, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**64, 10**50)


def _ids(known: list[int]) -> st.SearchStrategy[int]:
    extreme = st.sampled_from(EXTREME_IDS)
    return (st.sampled_from(known) | extreme) if known else extreme


def _dates(shop: Shop) -> st.SearchStrategy[date]:
    stamps = [o.created_at for o in shop.orders] + [o.updated_at for o in shop.orders]
    days = sorted({t.date() for t in stamps} | {_BASE.date()})
    near = st.sampled_from(days).flatmap(
        lambda d: st.sampled_from([d - timedelta(days=1), d, d + timedelta(days=1)])
    )
    return near | st.sampled_from([date.min, date.max])


def _filter_value(shop: Shop, name: str) -> st.SearchStrategy[Any]:
    references = {
        "payment_method": [r.id for r in shop.payment_methods],
        "shipping_method": [r.id for r in shop.shipping_methods],
        "billing_country": [r.id for r in shop.countries],
        "billing_state": [r.id for r in shop.states],
        "billing_city": [r.id for r in shop.cities],
    }
    order_ids = [o.id for o in shop.orders] or [1]
    statuses = st.sampled_from(ORDER_STATUSES) | st.sampled_from(["pending", "NEW", " new"])
    if name == "status":
        return statuses
    if name == "status_in":
        return st.lists(statuses, max_size=3).map(tuple)
    if name in references:
        return _ids(references[name])
    if name.removesuffix("_in") in references:
        return st.lists(_ids(references[name.removesuffix("_in")]), max_size=3).map(tuple)
    if name in ("is_paid", "is_payable", "has_notes"):
        return st.booleans()
    if name in ("id_min", "id_max"):
        return st.sampled_from(order_ids).flatmap(
            lambda i: st.sampled_from([i - 1, i, i + 1])
        ) | st.sampled_from(EXTREME_IDS)
    return _dates(shop)


FILTER_NAMES = tuple(
    name for name in OrderFilter.__dataclass_fields__ if name != "key"
)  # the public filters


@st.composite
def order_filters(draw: st.DrawFn, shop: Shop) -> OrderFilter:
    """Up to two filters set at once (more would mostly leave nothing to compare)."""
    names = draw(st.lists(st.sampled_from(FILTER_NAMES), max_size=2, unique=True))
    return OrderFilter(**{name: draw(_filter_value(shop, name)) for name in names})


@st.composite
def searches(draw: st.DrawFn, shop: Shop) -> str:
    """A raw `search` value: empty, awkward characters, or pieces of the shop's own text
    (in another case, quoted or comma-joined) so that terms do match."""
    pieces = [str(o.id) for o in shop.orders] + [o.billing_last_name for o in shop.orders]
    pieces += [o.notes for o in shop.orders] + [r.name for r in shop.countries + shop.cities]
    pieces = [p for p in pieces if p] or ["x"]

    @st.composite
    def piece(draw: st.DrawFn) -> str:
        text = draw(st.sampled_from(pieces))
        start = draw(st.integers(0, len(text)))
        text = text[start : draw(st.integers(start, len(text)))]
        return draw(st.sampled_from([text, text.upper(), text.lower(), f'"{text}"']))

    # Mostly the shop's own text, so that most searches find something.
    term = st.one_of(piece(), piece(), piece(), st.text(ALPHABET, max_size=3))
    parts = draw(st.lists(term, min_size=1, max_size=2))
    return draw(st.sampled_from([" ", ",", ", "])).join(parts)


ORDERING_FIELDS = ("id", "created_at", "updated_at", "status", "shipping_cost",
                   "billing_country__name", "billing_state__name", "billing_city__name",
                   "payment_method__name", "shipping_method__name")  # fmt: skip
# The core's and GraphQL's: the legacy fields and the computed money fields.
CORE_ORDERING_FIELDS = (*ORDERING_FIELDS, "total", "amount_outstanding")


def orderings() -> st.SearchStrategy[tuple[tuple[str, bool], ...]]:
    """`(field, descending)` keys of the core, possibly none, possibly a field twice."""
    key = st.tuples(st.sampled_from(CORE_ORDERING_FIELDS), st.booleans())
    return st.lists(key, max_size=3).map(tuple)


@dataclass(frozen=True, slots=True)
class WindowValues:
    limit: int
    offset: int


def windows() -> st.SearchStrategy[WindowValues]:
    return st.builds(
        WindowValues,
        limit=st.integers(1, 30) | st.just(100),
        offset=st.one_of(st.just(0), st.integers(0, 30), st.just(2**63 - 1)),
    )


@dataclass(frozen=True, slots=True)
class QueryValues:
    """Everything one request asks for: whose orders, filters, raw search, ordering, window,
    and the time zone of the date filters."""

    customer_id: int
    filter: OrderFilter
    search: str
    ordering: tuple[tuple[str, bool], ...]
    window: WindowValues
    zone: ZoneInfo


def customers(shop: Shop) -> st.SearchStrategy[int]:
    """One of the shop's customers, mostly one who has orders."""
    with_orders = sorted({o.customer_id for o in shop.orders}) or list(shop.customer_ids)
    return st.one_of(st.sampled_from(with_orders), st.sampled_from(shop.customer_ids))


@st.composite
def _mixed_queries(draw: st.DrawFn, shop: Shop) -> QueryValues:
    return QueryValues(
        customer_id=draw(customers(shop)),
        filter=draw(order_filters(shop)),
        search=draw(st.just("") | searches(shop)),
        ordering=draw(orderings()),
        window=draw(windows()),
        zone=draw(st.just(ZONES[0]) | st.sampled_from(ZONES)),
    )


# Letters whose upper cases collide or do not: ı/i/I/İ, ς/σ/Σ, ß/ẞ/s/S, ί/Ί.
FOLDING_LETTERS = "ıİiIςσΣßẞsSίΊ%_\\"
FOLDING_TERMS = ("ss", "SS", "ß", "ẞ", "ı", "i", "I", "İ", "ς", "σ", "Σ", "ί", "Ί")


@st.composite
def _search_queries(draw: st.DrawFn, shop: Shop) -> QueryValues:
    """Searches only, for one or two awkward letters: they match often, in any case."""
    return QueryValues(
        customer_id=draw(customers(shop)),
        filter=OrderFilter(),
        search=draw(
            st.one_of(
                st.sampled_from(FOLDING_TERMS),
                st.text(FOLDING_LETTERS, min_size=1, max_size=2),
                searches(shop),
            )
        ),
        ordering=draw(orderings()),
        window=WindowValues(limit=100, offset=0),
        zone=ZONES[0],
    )


BOUND_FILTERS = ("id_min", "id_max", "created_date", "updated_date", "created_from",
                 "created_to", "updated_from", "updated_to")  # fmt: skip


@st.composite
def _bound_queries(draw: st.DrawFn, shop: Shop) -> QueryValues:
    """One id or date bound, on or next to the orders' own values (dates in any zone, over
    timestamps around local midnights): off-by-one errors show."""
    name = draw(st.sampled_from(BOUND_FILTERS))
    customer_id = draw(customers(shop))
    own = [o for o in shop.orders if o.customer_id == customer_id]
    value = draw(_filter_value(shop, name))
    if own and name in ("id_min", "id_max"):
        value = draw(st.sampled_from(own)).id + draw(st.sampled_from([-1, 0, 0, 1]))
    return QueryValues(
        customer_id=customer_id,
        filter=OrderFilter(**{name: value}),
        search="",
        ordering=(),
        window=WindowValues(limit=100, offset=0),
        zone=draw(st.sampled_from(ZONES)),
    )


def queries(shop: Shop) -> st.SearchStrategy[QueryValues]:
    """Queries over `shop`: anything at all, or aimed at search folding or at bounds."""
    return st.one_of(_mixed_queries(shop), _search_queries(shop), _bound_queries(shop))
