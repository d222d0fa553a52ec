"""The plan policy on PostgreSQL (`gateway.db.engine.PLAN_SETTINGS`): a statement the
service prepares keeps, on its seventh run for a big customer after six for small ones on
one connection, the plan its first run for the big customer got.

One customer has 4,000 orders, thirty have 20 each (analyzed). Each statement is PREPAREd
as the service sends it (asyncpg's `$n` parameters) on a connection set up like the
service's, and `EXPLAIN (ANALYZE) EXECUTE`d. From the sixth run PostgreSQL may switch a
prepared statement to a generic plan made for an average customer (under its default
`auto` mode all four statements here do: the first test fails without the policy); the
last test shows that such a switch changes the plan the first test compares.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.db.engine import create_engine, postgresql_connect_args
from gateway.db.urls import database_target
from gateway.orders import OrderFilter, OrderQuery, Window, split_search_terms
from gateway.settings import Settings
from tests.conftest import POSTGRES_URL, POSTGRESQL_ONLY
from tests.databases import asyncpg_dsn

BIG = 1  # the big customer's id; the small ones follow
BIG_ORDERS = 4_000
SMALL_CUSTOMERS = 30
SMALL_ORDERS = 20
PAGE = 20

pytestmark = POSTGRESQL_ONLY


@pytest.fixture
async def skewed(engine: AsyncEngine) -> None:
    """Customer 1 with BIG_ORDERS orders, customers 2… with SMALL_ORDERS each; analyzed."""
    small = SMALL_CUSTOMERS * SMALL_ORDERS
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO shop_customer (id, first_name, last_name, email, mobile_number,"
                " is_active, date_joined) SELECT n, 'C', 'N', 'c' || n || '@example.com', '',"
                " true, now() FROM generate_series(1, :customers) n"
            ),
            {"customers": SMALL_CUSTOMERS + 1},
        )
        await connection.execute(
            text(
                "INSERT INTO shop_order (key, customer_id, status, shipping_cost, discount,"
                " notes, billing_address, billing_postal_code, billing_national_code,"
                " billing_mobile_number, billing_first_name, billing_last_name, created_at,"
                " updated_at)"
                " SELECT md5(n::text), CASE WHEN n <= :big THEN 1 ELSE 2 + n % :small END,"
                " 'new', 0, 0, '', 'Main St ' || n, '', '', '', 'Ann', 'Lee',"
                " timestamp with time zone '2024-01-01 00:00Z' + n * interval '1 hour',"
                " timestamp with time zone '2024-01-01 00:00Z' + n * interval '1 hour'"
                " FROM generate_series(1, :orders) n"
            ),
            {"big": BIG_ORDERS, "small": SMALL_CUSTOMERS, "orders": BIG_ORDERS + small},
        )
    async with engine.connect() as connection:
        await connection.execute(text("ANALYZE shop_customer, shop_order"))


@pytest.fixture
async def service_connection(settings: Settings) -> AsyncIterator[asyncpg.Connection]:
    """One connection set up as the service sets up its own (prepared statements on)."""
    target = database_target(settings.database_url)
    connection = await asyncpg.connect(
        asyncpg_dsn(POSTGRES_URL),
        **(target.connect_args | postgresql_connect_args(settings, target)),
    )
    yield connection
    await connection.close()


def _shape(plan: dict[str, Any]) -> tuple[Any, ...]:
    """A plan's nodes (type, table, index), nested as in the plan: what a plan change
    changes."""
    node = (plan["Node Type"], plan.get("Relation Name"), plan.get("Index Name"))
    return (node, tuple(_shape(child) for child in plan.get("Plans", [])))


QUERIES = {
    "default page": lambda customer: OrderQuery(customer_id=customer),
    "date filter": lambda customer: OrderQuery(
        customer_id=customer, filter=OrderFilter(created_from=date(2024, 1, 2))
    ),
    "search": lambda customer: OrderQuery(
        customer_id=customer, search=tuple(split_search_terms("ann"))
    ),
    "money filter": lambda customer: OrderQuery(
        customer_id=customer, filter=OrderFilter(is_paid=False)
    ),
}


async def explain(connection: asyncpg.Connection, name: str, customer: int) -> dict[str, Any]:
    """`EXPLAIN (ANALYZE) EXECUTE` of the prepared statement `page` for `customer`."""
    window = Window(limit=PAGE)
    query = QUERIES[name](customer)
    statement, parameters = query.page_execution(window, counted=False)
    compiled = statement.compile(dialect=asyncpg_dialect.dialect())
    values = compiled.params | parameters
    literals = ", ".join(_literal(values[key]) for key in compiled.positiontup or ())
    explained = await connection.fetchval(
        f"EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE page({literals})"
    )
    plan: dict[str, Any] = json.loads(explained)[0]["Plan"]
    return plan


def _literal(value: Any) -> str:
    return "'" + str(value).replace("'", "''") + "'"


async def prepare(connection: asyncpg.Connection, name: str) -> None:
    """PREPARE `name`'s page statement as the service sends it (asyncpg's `$n`), as `page`."""
    statement, _ = QUERIES[name](0).page_execution(Window(limit=PAGE), counted=False)
    sql = str(statement.compile(dialect=asyncpg_dialect.dialect()))
    if await connection.fetchval("SELECT 1 FROM pg_prepared_statements WHERE name = 'page'"):
        await connection.execute("DEALLOCATE page")
    await connection.execute(f"PREPARE page AS {sql}")


async def first_and_seventh_plans(
    connection: asyncpg.Connection, name: str, *, later_mode: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The big customer's plan on a statement's first run, and on its seventh after six
    runs for small customers, on one connection (whose `plan_cache_mode` is `later_mode`
    after the first run, if given)."""
    await prepare(connection, name)
    first = await explain(connection, name, BIG)
    if later_mode is not None:
        await connection.execute(f"SET plan_cache_mode = {later_mode}")
    await prepare(connection, name)
    for small in range(BIG + 1, BIG + 7):
        await explain(connection, name, small)
    return first, await explain(connection, name, BIG)


@pytest.mark.parametrize("name", list(QUERIES))
async def test_a_big_customer_keeps_the_first_run_plan_on_the_seventh_run(
    skewed: None, service_connection: asyncpg.Connection, name: str
) -> None:
    # when a statement runs six times for small customers, then for the big one
    first, seventh = await first_and_seventh_plans(service_connection, name)

    # then the big customer gets the plan its first run got, not one made for the others
    assert _shape(seventh) == _shape(first)


async def test_generic_plans_would_change_the_big_customer_s_plan(
    skewed: None, service_connection: asyncpg.Connection
) -> None:
    # when the default page runs as above, but on the generic plan PostgreSQL may switch
    # a prepared statement to from its sixth run, which the policy turns off
    first, seventh = await first_and_seventh_plans(
        service_connection, "default page", later_mode="force_generic_plan"
    )

    # then its plan is another one (the test above would see it)
    assert _shape(seventh) != _shape(first)


async def test_the_service_s_connections_plan_every_run_and_compile_nothing(
    settings: Settings,
) -> None:
    # given the service's engine (prepared statements, the default)
    engine = create_engine(settings, read_only=True)
    try:
        # when one of its connections is asked for its plan settings
        async with engine.connect() as connection:
            mode = (await connection.execute(text("SHOW plan_cache_mode"))).scalar()
            jit = (await connection.execute(text("SHOW jit"))).scalar()
    finally:
        await engine.dispose()

    # then every execution is planned for its parameters, and JIT is off
    assert (mode, jit) == ("force_custom_plan", "off")
