"""The order-query core against the plain-Python oracle, on random shops and queries.

Hypothesis draws a shop and several queries per example; the shop is inserted into the
test's database (fixtures are per test function, so each example empties it again first).
The money filters and orderings read the customer's totals computed from the legacy tables,
or (`stored`) from `gw_order_totals`, filled here by `order_sums` as its install fills it.
`indexed`: the search spelled for the trigram indexes (`search_indexes`), which must find
the same orders (the spelling is standard SQL: checked on both backends).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.orders import (
    OrderField,
    OrderingKey,
    OrderQuery,
    OrderRecord,
    Window,
    count_orders,
    fetch_orders,
    fetch_page,
    split_search_terms,
)
from tests import oracle
from tests.factories import Shop, delete_everything, fill_stored_totals, insert_shop
from tests.strategies import QueryValues, queries, shops

# A failure shrinks for up to Hypothesis's own five minutes (each example fills a database):
# let it finish, so that the report shows the small example instead of a timeout.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
# 20 examples, each with up to 6 queries, per test, spelling and backend: 18 runs of ~10 s that
# keep the whole suite within its 15 minutes on a 2-core machine.
PROPERTIES = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def order_query(values: QueryValues, *, stored: bool = False, indexed: bool = False) -> OrderQuery:
    return OrderQuery(
        customer_id=values.customer_id,
        filter=values.filter,
        search=tuple(split_search_terms(values.search)),
        ordering=tuple(OrderingKey(OrderField(f), desc) for f, desc in values.ordering),
        zone=values.zone,
        stored_totals=stored,
        search_indexes=indexed,
    )


def expected(shop: Shop, values: QueryValues) -> oracle.Expected:
    return oracle.evaluate(
        shop,
        values.customer_id,
        filter=values.filter,
        terms=split_search_terms(values.search),
        ordering=values.ordering,
        limit=values.window.limit,
        offset=values.window.offset,
        zone=values.zone,
    )


def totals_of(records: list[OrderRecord]) -> dict[int, dict[str, str]]:
    return {r.id: oracle.Totals(**_fields(r)).as_text() for r in records}


def _fields(record: OrderRecord) -> dict[str, object]:
    return {name: getattr(record.totals, name) for name in oracle.Totals.__dataclass_fields__}


async def given_shop(
    sessions: async_sessionmaker[AsyncSession], shop: Shop, *, stored: bool = False
) -> None:
    """The shop in the database; `stored`: with its totals in `gw_order_totals` too."""
    async with sessions() as session:
        await delete_everything(session)
        await insert_shop(session, shop)
        if stored:
            await fill_stored_totals(session)


TOTALS_SOURCES = pytest.mark.parametrize(
    ("stored", "indexed"),
    [(False, False), (True, False), (False, True)],
    ids=["computed", "stored", "indexed-search"],
)


@TOTALS_SOURCES
@PROPERTIES
@given(data=st.data())
async def test_count_and_page_match_the_oracle(
    sessions: async_sessionmaker[AsyncSession], data: st.DataObject, stored: bool, indexed: bool
) -> None:
    # given a shop in the database and queries over it
    shop = data.draw(shops(), label="shop")
    await given_shop(sessions, shop, stored=stored)
    for values in data.draw(st.lists(queries(shop), min_size=2, max_size=6), label="queries"):
        want = expected(shop, values)
        query = order_query(values, stored=stored, indexed=indexed)
        window = Window(limit=values.window.limit, offset=values.window.offset)

        # when the core counts and fetches a page, apart and in one statement
        async with sessions() as session:
            count = await count_orders(session, query)
            records = await fetch_orders(session, query, window)
            page, page_count = await fetch_page(session, query, window)

        # then it finds the oracle's orders, in its order, with its totals, either way
        assert count == page_count == want.count
        assert [r.id for r in records] == [r.id for r in page] == want.ids
        assert totals_of(records) == {i: t.as_text() for i, t in want.totals.items()}
        assert page == records


@TOTALS_SOURCES
@PROPERTIES
@given(data=st.data())
async def test_no_query_reaches_another_customers_orders(
    sessions: async_sessionmaker[AsyncSession], data: st.DataObject, stored: bool, indexed: bool
) -> None:
    # given a shop with several customers
    shop = data.draw(shops(), label="shop")
    await given_shop(sessions, shop, stored=stored)
    for values in data.draw(st.lists(queries(shop), min_size=2, max_size=6), label="queries"):
        own = {o.id for o in shop.orders if o.customer_id == values.customer_id}

        # when a customer queries their orders, however filtered and searched
        async with sessions() as session:
            query = order_query(values, stored=stored, indexed=indexed)
            records = await fetch_orders(session, query, Window(limit=100))
            count = await count_orders(session, query)

        # then every order returned is theirs, and the count covers no one else's
        assert {r.id for r in records} <= own
        assert count <= len(own)


@TOTALS_SOURCES
@PROPERTIES
@given(data=st.data())
async def test_keyset_pages_continue_from_any_row_in_oracle_order(
    sessions: async_sessionmaker[AsyncSession], data: st.DataObject, stored: bool, indexed: bool
) -> None:
    # given a shop, a query over it, and one row of its result as a cursor
    shop = data.draw(shops(), label="shop")
    await given_shop(sessions, shop, stored=stored)
    for values in data.draw(st.lists(queries(shop), min_size=2, max_size=6), label="queries"):
        everything = oracle.evaluate(
            shop,
            values.customer_id,
            filter=values.filter,
            terms=split_search_terms(values.search),
            ordering=values.ordering,
            limit=100,
            zone=values.zone,
        ).ids
        query = order_query(values, stored=stored, indexed=indexed)
        async with sessions() as session:
            rows = await fetch_orders(session, query, Window(limit=100))
        if not rows:
            continue
        at = data.draw(st.integers(0, len(rows) - 1), label="cursor row")
        limit = data.draw(st.integers(1, 5), label="limit")
        offset = data.draw(st.integers(0, 3), label="offset")
        cursor = rows[at].sort_values

        # when the core pages forward after that row and backward before it
        async with sessions() as session:
            after = await fetch_orders(
                session, query, Window(limit=limit, offset=offset, after=cursor)
            )
            before = await fetch_orders(
                session, query, Window(limit=limit, before=cursor, from_end=True)
            )

        # then the pages are the oracle's neighbours of that row, in list order
        assert [r.id for r in rows] == everything
        assert [r.id for r in after] == everything[at + 1 + offset :][:limit]
        assert [r.id for r in before] == everything[max(at - limit, 0) : at]
