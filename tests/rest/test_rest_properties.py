"""The legacy endpoint against the plain-Python oracle, on random shops and query strings.

Each parameter is drawn as a raw value together with what `spec/rest.md` says it means
(a filter value, no filter, or a 400), so the expected answer never comes from the
gateway's own parsing. Customer A (the first) holds the token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.db.models import ORDER_STATUSES
from gateway.orders import OrderFilter, split_search_terms
from tests import oracle
from tests.factories import Shop, delete_everything, insert_shop
from tests.strategies import ORDERING_FIELDS, searches, shops

# A failure shrinks for up to Hypothesis's own five minutes (each example fills a database):
# let it finish, so that the report shows the small example instead of a timeout.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
ORDERS = "/api/shop/customers/me/orders"
TOKEN = "A" * 40
MONEY_FIELDS = ("items_subtotal", "items_discount", "subtotal", "total_discount", "total",
                "amount_paid", "amount_outstanding")  # fmt: skip
ABSENT = object()  # the parameter applies no filter
INVALID = object()  # the parameter is a 400
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")  # fmt: skip
BEYOND_64_BITS = "99999999999999999999"


@dataclass
class Request:
    """Raw query parameters and what they mean."""

    params: list[tuple[str, str]] = field(default_factory=list)
    filters: dict[str, Any] = field(default_factory=dict)
    invalid: set[str] = field(default_factory=set)
    search: str = ""
    ordering: list[tuple[str, bool]] = field(default_factory=list)
    limit: int = 20
    offset: int = 0


def _id_texts(known: list[int]) -> st.SearchStrategy[tuple[str, Any]]:
    """A reference parameter: an existing id (as `int()` reads it), or no such row."""
    valid = st.sampled_from(known).flatmap(
        lambda i: st.sampled_from([(str(i), i), (f"+{i}", i), (f" {i}", i)])
    )
    invalid = st.sampled_from(["999", "abc", "1.0", "0", BEYOND_64_BITS]).map(
        lambda t: (t, INVALID)
    )
    return (valid | invalid) if known else invalid


def _id_list_texts(known: list[int]) -> st.SearchStrategy[tuple[str, Any]]:
    """A `*_in` list: numbers read as decimals and truncated; `,` matches nothing."""
    item = st.sampled_from(
        [(str(i), i) for i in known]
        + [(f"{i}.9", i) for i in known]
        + [("2e0", 2), ("1_0", 10), ("-1", -1), (BEYOND_64_BITS, int(BEYOND_64_BITS))]
    )
    listed = st.lists(item, min_size=1, max_size=3).map(
        lambda items: (",".join(t for t, _ in items), tuple(v for _, v in items))
    )
    return listed | st.sampled_from([(",", ()), ("abc", INVALID), ("1,x", INVALID)])


def _date_texts(days: list[date]) -> st.SearchStrategy[tuple[str, Any]]:
    def spellings(d: date) -> list[tuple[str, Any]]:
        month = MONTHS[d.month - 1]
        texts = [d.isoformat(), f" {d.isoformat()} ", f"{d.year}-{d.month}-{d.day}",
                 f"{d:%m/%d/%Y}", f"{d:%m/%d/%y}", f"{month[:3]} {d.day:02} {d.year}",
                 f"{d.day} {month}, {d.year}"]  # fmt: skip
        return [(t, d) for t in texts] + [(f"{d.isoformat()}T10:00:00", INVALID)]

    return st.sampled_from(days).flatmap(lambda d: st.sampled_from(spellings(d)))


def _values(shop: Shop, name: str) -> st.SearchStrategy[tuple[str, Any]]:
    """Raw text for a filter parameter and its meaning (`ABSENT`, `INVALID` or a value)."""
    references = {
        "payment_method": [r.id for r in shop.payment_methods],
        "shipping_method": [r.id for r in shop.shipping_methods],
        "billing_country": [r.id for r in shop.countries],
        "billing_state": [r.id for r in shop.states],
        "billing_city": [r.id for r in shop.cities],
    }
    order_ids = [o.id for o in shop.orders] or [1]
    if name == "status":
        valid = st.sampled_from(ORDER_STATUSES).map(lambda s: (s, s))
        return valid | st.sampled_from([("NEW", INVALID), (" new", INVALID)])
    if name == "status_in":
        items = st.lists(st.sampled_from([*ORDER_STATUSES, "pending"]), min_size=1, max_size=3)
        return items.map(lambda s: (", ".join(s), tuple(s)))
    if name in references:
        return _id_texts(references[name])
    if name.removesuffix("_in") in references:
        return _id_list_texts(references[name.removesuffix("_in")])
    if name in ("is_paid", "is_payable", "has_notes"):
        return st.sampled_from([("true", True), ("FALSE", False), ("1", True), ("0", False),
                                ("True", True), ("yes", ABSENT), ("t", ABSENT),
                                (" true", ABSENT), ("2", ABSENT)])  # fmt: skip
    if name in ("id_min", "id_max"):
        near = st.sampled_from(order_ids).flatmap(
            lambda i: st.sampled_from([(str(i), i), (f"{i}.5", i), (f"{i - 1}", i - 1)])
        )
        odd = st.sampled_from([("-1.5", -1), (BEYOND_64_BITS, int(BEYOND_64_BITS)),
                               ("1e1", 10), ("NaN", INVALID), ("  ", INVALID)])  # fmt: skip
        return near | odd
    stamps = [o.created_at for o in shop.orders] + [o.updated_at for o in shop.orders]
    return _date_texts(sorted({t.date() for t in stamps}) or [date(2024, 3, 1)])


FILTER_NAMES = tuple(n for n in OrderFilter.__dataclass_fields__ if n != "key")
# limit / offset: raw text and the value that `int()` and the fallbacks give.
LIMITS = [("5", 5), ("+5", 5), ("1_0", 10), ("٣", 3), ("0", 20), ("-1", 20), ("abc", 20),
          ("1.5", 20), ("1e2", 20), ("", 20), ("1000", 100), ("2", 2)]  # fmt: skip
OFFSETS = [("0", 0), ("3", 3), (" 3", 3), ("-1", 0), ("x", 0), (BEYOND_64_BITS, 10**20)]
ORDERING_ITEMS = (
    [(f, (f, False)) for f in ORDERING_FIELDS]
    + [(f"-{f}", (f, True)) for f in ORDERING_FIELDS]
    + [(" -status ", ("status", True)), ("Status", None), ("--id", None), ("total", None)]
)


@st.composite
def requests(draw: st.DrawFn, shop: Shop) -> Request:
    request = Request()
    for name in draw(st.lists(st.sampled_from(FILTER_NAMES), max_size=2, unique=True)):
        values = _values(shop, name)
        text, meaning = draw(st.one_of(values, values, values, st.just(("", ABSENT))))
        if draw(st.booleans()):  # an earlier value of the same parameter: the last one wins
            request.params.append((name, draw(st.sampled_from(["", "garbage", "1"]))))
        request.params.append((name, text))
        if meaning is INVALID:
            request.invalid.add(name)
        elif meaning is not ABSENT:
            request.filters[name] = meaning
    if draw(st.booleans()):
        request.search = draw(searches(shop))
        request.params.append(("search", request.search))
    if draw(st.booleans()):
        items = draw(st.lists(st.sampled_from(ORDERING_ITEMS), min_size=1, max_size=3))
        request.params.append(("ordering", ",".join(text for text, _ in items)))
        request.ordering = [key for _, key in items if key is not None]
    if draw(st.booleans()):
        text, request.limit = draw(st.sampled_from(LIMITS))
        request.params.append(("limit", text))
    if draw(st.booleans()):
        text, request.offset = draw(st.sampled_from(OFFSETS))
        request.params.append(("offset", text))
    return request


def money(value: Decimal) -> str:
    """rest.md's money: two decimals, never `-0.00`."""
    return "0.00" if value == 0 else f"{value:.2f}"


def computed_fields(totals: oracle.Totals) -> dict[str, Any]:
    values: dict[str, Any] = {name: money(getattr(totals, name)) for name in MONEY_FIELDS}
    values.update(count=totals.count, quantity=totals.quantity, is_paid=totals.is_paid,
                  is_payable=totals.is_payable)  # fmt: skip
    return values


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_endpoint_answers_like_the_oracle(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    data: st.DataObject,
) -> None:
    # given a shop in which customer A holds the token
    shop = data.draw(shops(), label="shop")
    me = shop.customer_ids[0]
    async with sessions() as session:
        await delete_everything(session)
        await insert_shop(session, shop, tokens={me: TOKEN})
    others = {o.id: o.key for o in shop.orders if o.customer_id != me}

    for request in data.draw(st.lists(requests(shop), min_size=3, max_size=10), label="requests"):
        # when A sends a random query string
        query = urlencode(request.params)
        response = await client.get(
            f"{ORDERS}?{query}", headers={"Authorization": f"Token {TOKEN}"}
        )
        body = response.json()

        # then invalid filter values are a 400 naming exactly those parameters …
        if request.invalid:
            assert response.status_code == 400, (query, body)
            assert set(body) == request.invalid
            continue
        # … and otherwise the page is the oracle's, and none of it is anyone else's
        assert response.status_code == 200, (query, body)
        want = oracle.evaluate(
            shop,
            me,
            filter=OrderFilter(**request.filters),
            terms=split_search_terms(request.search),
            ordering=request.ordering,
            limit=request.limit,
            offset=request.offset,
        )
        results = body["results"]
        assert body["count"] == want.count, query
        assert [item["id"] for item in results] == want.ids, query
        for item in results:
            assert item["id"] not in others
            assert item["key"] not in others.values()
            assert {k: item[k] for k in computed_fields(want.totals[item["id"]])} == (
                computed_fields(want.totals[item["id"]])
            )
