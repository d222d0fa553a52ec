"""`gateway db indexes`: creating and dropping on both backends, and what it buys on PostgreSQL.

The EXPLAIN tests load 5,000 orders for one customer among 200 customers, ANALYZE, and read
`EXPLAIN (ANALYZE, FORMAT JSON)` of the core's page statement.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement, Executable

from gateway.cli import main
from gateway.db.indexes import create_indexes, drop_indexes, present_indexes
from gateway.orders import OrderQuery, Window
from gateway.settings import Settings
from tests.conftest import POSTGRESQL_ONLY
from tests.sql_counter import count_statements

ALL_NAMES = [
    "gw_order_customer_created_idx",
    "gw_order_customer_updated_idx",
    "gw_order_customer_status_created_idx",
    "gw_order_customer_id_idx",
]
DEFAULT_ORDER_INDEX = "gw_order_customer_created_idx"
CUSTOMER = 1
CUSTOMER_ORDERS = 5_000


def _order_index_names(connection: Connection) -> set[str]:
    return {index["name"] or "" for index in inspect(connection).get_indexes("shop_order")}


async def test_create_makes_every_index_once(engine: AsyncEngine) -> None:
    # given: the legacy tables only
    # when
    with count_statements(engine) as first_log:
        first = await create_indexes(engine)
    with count_statements(engine) as second_log:
        second = await create_indexes(engine)
    # then: the second run only looks (one query per index) and creates nothing
    assert first == ALL_NAMES
    assert len(first_log.matching("CREATE INDEX")) == len(ALL_NAMES)
    assert second == []
    assert second_log.count == len(ALL_NAMES)
    assert second_log.matching("CREATE") == []
    assert await present_indexes(engine) == ALL_NAMES


async def test_drop_removes_only_the_gateway_indexes(engine: AsyncEngine) -> None:
    # given
    async with engine.connect() as connection:
        legacy = await connection.run_sync(_order_index_names)
    await create_indexes(engine)
    async with engine.connect() as connection:
        assert await connection.run_sync(_order_index_names) == legacy | set(ALL_NAMES)
    # when
    dropped = await drop_indexes(engine)
    dropped_again = await drop_indexes(engine)
    # then
    assert dropped == ALL_NAMES
    assert dropped_again == []
    assert await present_indexes(engine) == []
    async with engine.connect() as connection:
        assert await connection.run_sync(_order_index_names) == legacy


async def test_indexes_can_be_created_again_after_a_drop(engine: AsyncEngine) -> None:
    # given
    await create_indexes(engine)
    await drop_indexes(engine)
    # when
    created = await create_indexes(engine)
    # then
    assert created == ALL_NAMES
    async with engine.connect() as connection:
        assert set(ALL_NAMES) <= await connection.run_sync(_order_index_names)


async def test_migration_applies_to_the_shops_own_schema(legacy_engine: AsyncEngine) -> None:
    # given: tables created by the shop's Django DDL, not by the gateway's models
    # when
    with count_statements() as log:
        created = await create_indexes(legacy_engine)
    dropped = await drop_indexes(legacy_engine)
    # then
    assert created == ALL_NAMES
    assert len(log.matching("CREATE INDEX")) == len(ALL_NAMES)
    assert dropped == ALL_NAMES
    assert await present_indexes(legacy_engine) == []


async def test_command_creates_then_drops_and_says_so(
    engine: AsyncEngine,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given
    monkeypatch.setenv("GATEWAY_DATABASE_SCHEMA", settings.database_schema)
    command = ["db", "indexes", "--only", "orders", "--database-url", settings.database_url]
    # when: the CLI runs its own event loop, so it runs in a thread here
    codes = [
        await asyncio.to_thread(main, command),
        await asyncio.to_thread(main, command),
        await asyncio.to_thread(main, [*command, "--drop"]),
    ]
    # then
    assert codes == [0, 0, 0]
    assert capsys.readouterr().out.splitlines() == [
        *(f"created {name}" for name in ALL_NAMES),
        "all indexes already exist",
        *(f"dropped {name}" for name in ALL_NAMES),
    ]


@POSTGRESQL_ONLY
async def test_an_invalid_leftover_index_is_built_again(engine: AsyncEngine) -> None:
    # given: what an interrupted CREATE INDEX CONCURRENTLY leaves behind, an invalid index
    # (marked so directly in the catalogue, which the test's superuser may do)
    await create_indexes(engine)
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE pg_index SET indisvalid = false WHERE indexrelid = to_regclass(:name)"),
            {"name": DEFAULT_ORDER_INDEX},
        )
    assert await present_indexes(engine) == ALL_NAMES[1:]
    # when
    created = await create_indexes(engine)
    # then
    assert created == [DEFAULT_ORDER_INDEX]
    assert await present_indexes(engine) == ALL_NAMES


# --- EXPLAIN on PostgreSQL ------------------------------------------------------------------


class Explain(Executable, ClauseElement):
    """`EXPLAIN (ANALYZE, FORMAT JSON) <statement>`, with the statement's own parameters."""

    inherit_cache = False

    def __init__(self, statement: Any) -> None:
        self.statement = statement


@compiles(Explain)
def _explain(element: Explain, compiler: SQLCompiler, **kw: Any) -> str:
    return "EXPLAIN (ANALYZE, FORMAT JSON) " + compiler.process(element.statement, **kw)


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _page_ids_scan(plan: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """Under the LIMIT that picks the page's ids: the node types, and its scan of shop_order."""
    limit = next(node for node in _nodes(plan) if node["Node Type"] == "Limit")
    below = list(_nodes(limit))[1:]
    scan = next(node for node in below if node.get("Relation Name") == "shop_order")
    return [node["Node Type"] for node in below], scan


async def _plan(engine: AsyncEngine, statement: Any) -> dict[str, Any]:
    async with engine.connect() as connection:
        document = (await connection.execute(Explain(statement))).scalar_one()
    parsed = json.loads(document) if isinstance(document, str) else document
    plan: dict[str, Any] = parsed[0]["Plan"]
    return plan


@pytest.fixture
async def orders(engine: AsyncEngine) -> AsyncEngine:
    """5,000 orders of customer 1 (created_at in pairs of ties) and 5,000 of 199 others."""
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO shop_customer (id, first_name, last_name, email, mobile_number, "
                "is_active, date_joined) SELECT g, 'Ayşe', 'Yılmaz', 'c' || g || '@example.com',"
                " '+90', true, timestamptz '2019-01-01 00:00Z' FROM generate_series(1, 200) g"
            )
        )
        await connection.execute(
            text(
                "INSERT INTO shop_order (key, customer_id, status, shipping_cost, discount, "
                "notes, billing_address, billing_postal_code, billing_national_code, "
                "billing_mobile_number, billing_first_name, billing_last_name, created_at, "
                "updated_at) SELECT 'key-' || g, CASE WHEN g <= :mine THEN :customer "
                "ELSE 2 + g % 199 END, 'new', 0, 0, '', '', '', '', '', '', '', "
                "timestamptz '2020-01-01 00:00Z' + (g / 2) * interval '1 hour', "
                "timestamptz '2020-01-01 00:00Z' FROM generate_series(1, 2 * :mine) g"
            ),
            {"mine": CUSTOMER_ORDERS, "customer": CUSTOMER},
        )
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text("VACUUM ANALYZE"))
    return engine


async def _deep_window(engine: AsyncEngine, query: OrderQuery, depth: int) -> Window:
    """A keyset window starting after the `depth`-th order of the list."""
    async with engine.connect() as connection:
        statement = query.page_statement(Window(limit=1, offset=depth - 1))
        row = (await connection.execute(statement)).one()
    return Window(limit=20, after=query.sort_values(row))


@POSTGRESQL_ONLY
async def test_without_the_migration_the_first_page_sorts(orders: AsyncEngine) -> None:
    # given: only the legacy (customer_id, created_at) index, which lacks the -id tie-breaker
    query = OrderQuery(customer_id=CUSTOMER)
    # when
    plan = await _plan(orders, query.page_statement(Window(limit=20)))
    # then
    node_types, _scan = _page_ids_scan(plan)
    assert {"Sort", "Incremental Sort"} & set(node_types)


@POSTGRESQL_ONLY
@pytest.mark.parametrize("depth", [0, 4_000], ids=["first-page", "4000-deep"])
async def test_page_is_read_from_the_index_in_list_order(orders: AsyncEngine, depth: int) -> None:
    # given
    await create_indexes(orders)
    query = OrderQuery(customer_id=CUSTOMER)
    window = await _deep_window(orders, query, depth) if depth else Window(limit=20)
    # when
    plan = await _plan(orders, query.page_statement(window))
    # then: the ids come off the index already ordered; the only sort is of the 20 rows
    node_types, scan = _page_ids_scan(plan)
    assert scan["Node Type"] in ("Index Scan", "Index Only Scan")
    assert scan["Index Name"] == DEFAULT_ORDER_INDEX
    assert "Sort" not in node_types
    assert "Incremental Sort" not in node_types
    sorts = [node for node in _nodes(plan) if "Sort" in node["Node Type"]]
    assert [node["Actual Rows"] for node in sorts] == [20] * len(sorts)


@POSTGRESQL_ONLY
async def test_deep_page_reads_no_more_index_entries_than_the_first(orders: AsyncEngine) -> None:
    # given
    await create_indexes(orders)
    query = OrderQuery(customer_id=CUSTOMER)
    window = await _deep_window(orders, query, 4_000)
    # when
    plan = await _plan(orders, query.page_statement(window))
    # then: the keyset bound on created_at is an index condition, so the scan starts at the
    # cursor's timestamp instead of discarding the 4,000 orders before it; the one entry it
    # discards is the cursor's own row (order 1001, the newer of a pair of ties)
    _node_types, scan = _page_ids_scan(plan)
    assert scan["Actual Rows"] == 20
    assert scan["Rows Removed by Filter"] == 1
