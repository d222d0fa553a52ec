"""The trigram search indexes (PostgreSQL): each serves its field's exact search expression,
a customer's indexed search reads them, answers do not change, and a user who may not create
the extensions is told so in one line (on a server of the test's own).

20,000 orders of 20 customers, with ANALYZE; EXPLAIN runs with `enable_seqscan = off`, so a
plan that can use an index does, and one that cannot still scans (the assertion tells them
apart: the expression must match the index's for the index to be usable at all).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import asyncpg
import pytest
from sqlalchemy import Text, literal, or_, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.cli import main
from gateway.db.functions import folded_upper
from gateway.db.models import City, Country, Order, State
from gateway.db.search_indexes import (
    NO_EXTENSION,
    ORDER_SEARCH_INDEXES,
    SEARCH_INDEX_NAMES,
    create_search_indexes,
    drop_search_indexes,
    search_indexes_ready,
)
from gateway.orders import OrderQuery, Window
from gateway.orders.search import SEARCH_FIELDS
from tests.conftest import POSTGRESQL_ONLY, SQLITE_ONLY
from tests.db.test_indexes import Explain, _nodes
from tests.pg_server import ThrowawayPostgres, running

# 20,000 orders and up to nine GIN indexes per test (2-7 s each on PostgreSQL), or a server of
# the test's own: not for the fast loop.
pytestmark = pytest.mark.slow
ORDERS = 20_000
# The index each search field's expression is served by, in SEARCH_FIELDS order.
FIELD_INDEXES = dict(zip([name for name, _ in SEARCH_FIELDS], SEARCH_INDEX_NAMES, strict=True))


@pytest.fixture
async def shop(engine: AsyncEngine) -> AsyncEngine:
    async with engine.begin() as connection:
        for sql in (
            "INSERT INTO shop_customer (id, first_name, last_name, email, mobile_number, "
            "is_active, date_joined) SELECT g, 'A', 'B', 'c' || g || '@example.com', '', true, "
            "now() FROM generate_series(1, 20) g",
            "INSERT INTO shop_country (id, name, code) VALUES (1, 'Türkiye', 'TR'), "
            "(2, 'Deutschland', 'DE')",
            "INSERT INTO shop_state (id, name, country_id) VALUES (1, 'İstanbul', 1), "
            "(2, 'Bayern', 2)",
            "INSERT INTO shop_city (id, name, state_id) VALUES (1, 'Kadıköy', 1), "
            "(2, 'München', 2)",
            "INSERT INTO shop_order (key, customer_id, status, shipping_cost, discount, notes, "
            "billing_address, billing_postal_code, billing_national_code, billing_mobile_number,"
            " billing_first_name, billing_last_name, created_at, updated_at, billing_country_id,"
            " billing_state_id, billing_city_id) SELECT md5(g::text), 1 + g % 20, 'new', 0, 0, "
            "'note ' || md5((g * 7)::text), '', '', '', '+90 5' || lpad(g::text, 9, '0'), "
            "(ARRAY['Ayşe', 'Mario', 'Işıl', 'Jürgen'])[1 + g % 4] || g, "
            "'Yılmaz' || (g % 97), now(), now(), 1 + g % 2, 1 + g % 2, 1 + g % 2 "
            "FROM generate_series(1, :orders) g",
        ):
            await connection.execute(text(sql), {"orders": ORDERS})
        # Only the test's own tables: a database-wide ANALYZE meets other tests' DDL.
        await connection.execute(text("ANALYZE shop_order, shop_country, shop_state, shop_city"))
    return engine


def _matching(column: Any, term: str) -> Any:
    """The search's own expression for one field and one term."""
    pattern = folded_upper(literal(f"%{term}%", Text))
    return folded_upper(column).like(pattern, escape="\\")


async def _index_names(engine: AsyncEngine, statement: Any) -> set[str]:
    async with engine.connect() as connection:
        await connection.execute(text("SET enable_seqscan = off"))
        document = (await connection.execute(Explain(statement))).scalar_one()
    plan = (json.loads(document) if isinstance(document, str) else document)[0]["Plan"]
    return {node["Index Name"] for node in _nodes(plan) if "Index Name" in node}


@POSTGRESQL_ONLY
@pytest.mark.parametrize("field", list(FIELD_INDEXES))
async def test_each_fields_expression_is_served_by_its_index(shop: AsyncEngine, field: str) -> None:
    # given
    column = dict(SEARCH_FIELDS)[field]
    table = {"billing_country__name": Country, "billing_state__name": State}.get(
        field, City if field == "billing_city__name" else Order
    )
    statement = select(table.id).where(_matching(column, "mün"))
    assert FIELD_INDEXES[field] not in await _index_names(shop, statement)
    # when
    lines = await create_search_indexes(shop)
    # then
    assert lines == [f"created {name}" for name in SEARCH_INDEX_NAMES]
    assert FIELD_INDEXES[field] in await _index_names(shop, statement)


@POSTGRESQL_ONLY
async def test_the_orders_own_fields_together_are_one_bitmap_of_their_indexes(
    shop: AsyncEngine,
) -> None:
    # given: the part of the search condition on shop_order's own columns
    own = [column for name, column in SEARCH_FIELDS if not name.endswith("__name")]
    statement = select(Order.id).where(or_(*(_matching(column, "yılm") for column in own)))
    await create_search_indexes(shop)
    # when
    names = await _index_names(shop, statement)
    # then
    assert names == {name for field, name in FIELD_INDEXES.items() if not field.endswith("__name")}


@POSTGRESQL_ONLY
@pytest.mark.parametrize("statement", ["count", "page"])
async def test_a_customers_search_reads_the_order_indexes_when_installed(
    shop: AsyncEngine, statement: str
) -> None:
    # given: a term in one order's key only (a rare term), the indexed search spelling
    query = OrderQuery(customer_id=3, search=("cfcd2",), search_indexes=True)
    sql = query.count_statement() if statement == "count" else query.page_statement(Window(20))
    assert not await _index_names(shop, sql) & set(ORDER_SEARCH_INDEXES)
    # when
    await create_search_indexes(shop)
    # then: every own field's index, bounded to the customer (`customer_id` is in each)
    assert await _index_names(shop, sql) >= set(ORDER_SEARCH_INDEXES)


async def _answer(engine: AsyncEngine, query: OrderQuery) -> tuple[list[Any], int]:
    """A query's whole first page and its count."""
    async with engine.connect() as connection:
        page = (await connection.execute(query.page_statement(Window(limit=500)))).all()
        count = (await connection.execute(query.count_statement())).scalar_one()
    return [tuple(row) for row in page], count


@POSTGRESQL_ONLY
@pytest.mark.parametrize("term", ["mar", "İSTANBUL", "kadıköy", "5000", "note a", "ß", "ab"])
async def test_answers_do_not_change(shop: AsyncEngine, term: str) -> None:
    # given: a customer's search, its whole first page and count, without the indexes
    scan = OrderQuery(customer_id=3, search=(term,))
    indexed = OrderQuery(customer_id=3, search=(term,), search_indexes=True)
    before = await _answer(shop, scan)
    # when
    await create_search_indexes(shop)
    # then: both spellings, with the indexes, find what the scan found without them
    assert await _answer(shop, scan) == before
    assert await _answer(shop, indexed) == before
    assert await drop_search_indexes(shop) == [f"dropped {name}" for name in SEARCH_INDEX_NAMES]


async def _ready(engine: AsyncEngine) -> bool:
    async with engine.connect() as connection:
        return await search_indexes_ready(connection)


@POSTGRESQL_ONLY
async def test_ready_once_every_order_index_is_there(shop: AsyncEngine) -> None:
    # given / when / then
    assert await _ready(shop) is False
    await create_search_indexes(shop)
    assert await _ready(shop) is True
    async with shop.begin() as connection:
        await connection.execute(text(f"DROP INDEX {ORDER_SEARCH_INDEXES[-1]}"))
    assert await _ready(shop) is False


@SQLITE_ONLY
async def test_sqlite_has_no_search_index(engine: AsyncEngine) -> None:
    # given / when / then: nothing to create, nothing said
    assert await create_search_indexes(engine) == []
    assert await drop_search_indexes(engine) == []
    assert await _ready(engine) is False


# its own PostgreSQL server: a role is the cluster's, not the test's
def test_a_user_who_may_not_create_the_extensions_is_told_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with running() as server:
        # given a user who owns the shop's schema but may not create extensions (no CREATE
        # on the database: pg_trgm and btree_gin are trusted, so that is all they would need)
        clerk = ("CREATE ROLE clerk LOGIN", "CREATE SCHEMA shop AUTHORIZATION clerk")
        asyncio.run(_as_superuser(server, *clerk))
        url = f"postgresql://clerk@127.0.0.1:{server.port}/postgres"
        monkeypatch.setenv("GATEWAY_DATABASE_SCHEMA", "shop")
        assert main(["db", "init", "--database-url", url]) == 0
        capsys.readouterr()

        # when they install everything
        code = main(["db", "indexes", "--database-url", url])

        # then the search part is skipped with one line, after the other parts were installed
        lines = capsys.readouterr().out.splitlines()
        assert code == 0
        assert lines[-1] == NO_EXTENSION
        assert all(line.startswith("created gw_order_") for line in lines[:-1])
        assert any(line.startswith("created gw_order_totals (triggers ") for line in lines)


async def _as_superuser(server: ThrowawayPostgres, *statements: str) -> None:
    connection = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{server.port}/postgres")
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()
