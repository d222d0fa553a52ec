"""Behind PgBouncer in transaction pooling (Debian's 1.18, which keeps no prepared statement
for a client): with `db_prepared_statements=False` the service connects, serves a burst of
mixed REST and GraphQL requests exactly as it does directly, and its statement timeout
still fires (503, not 500). PgBouncer and PostgreSQL are this test's own."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest
from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gateway.db.core import execute_select
from gateway.db.engine import create_engine
from gateway.settings import Settings, load_settings
from tests.app_client import serve
from tests.pg_server import ThrowawayPostgres, running
from tests.processes import Server, pgbouncer
from tests.traffic import Call, mixed_calls, seed_shop

pytestmark = pytest.mark.slow  # its own PostgreSQL and PgBouncer
SCHEMA = "shop"  # the tables live outside search_path: each statement must name it
REQUESTS = 400
CONCURRENCY = 16
SERVER_CONNECTIONS = 3  # PgBouncer's pool: far fewer than the service's 10 + 5
UNAVAILABLE = {"detail": "Service temporarily unavailable, try again later."}
SLEEP_MARKER = "pgbouncer-timeout-test"


@pytest.fixture(scope="module")
def postgres() -> Iterator[ThrowawayPostgres]:
    with running() as server:
        yield server


@pytest.fixture(scope="module")
def bouncer(
    postgres: ThrowawayPostgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("pgbouncer")
    databases = {"shop": f"host=127.0.0.1 port={postgres.port} dbname=postgres"}
    settings = {
        "pool_mode": "transaction",
        "default_pool_size": str(SERVER_CONNECTIONS),
        "max_client_conn": "200",
    }
    server = pgbouncer("pgbouncer", databases, settings, folder)
    try:
        server.start()
        yield server
    finally:
        server.destroy()


@pytest.fixture(scope="module")
def tokens(postgres: ThrowawayPostgres) -> list[str]:
    async def seed() -> list[str]:
        connection = await asyncpg.connect(port=postgres.port, host="127.0.0.1", user="postgres")
        await connection.execute(f"CREATE SCHEMA {SCHEMA}")
        await connection.close()
        settings = load_settings(database_url=postgres.url, database_schema=SCHEMA)
        engine = create_engine(settings)
        try:
            return await seed_shop(engine)
        finally:
            await engine.dispose()

    return asyncio.run(seed())


def through(bouncer: Server, **overrides: object) -> Settings:
    return load_settings(
        database_url=f"postgresql://postgres@127.0.0.1:{bouncer.port}/shop",
        database_schema=SCHEMA,
        cursor_secret="pgbouncer-test",
        **overrides,
    )


@asynccontextmanager
async def client(settings: Settings, *routes: Route) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(settings) as served:
        for route in routes:  # test-only routes, ahead of the catch-all under /api/
            served.app.router.routes.insert(0, route)
        yield served.client


async def send(c: httpx.AsyncClient, call: Call) -> httpx.Response:
    return await c.request(call.method, call.path, headers=call.headers, json=call.body)


async def test_prepared_statements_mode_is_refused_by_pgbouncer(
    bouncer: Server, tokens: list[str]
) -> None:
    # given the default settings (statement timeout and schema sent at start-up)
    async with client(through(bouncer)) as c:
        # when the service is asked whether it is ready, then it is not
        ready = await c.get("/readyz")
    assert ready.status_code == 503
    # and the reason is PgBouncer refusing the start-up parameter
    engine = create_engine(through(bouncer))
    try:
        with pytest.raises(Exception, match="unsupported startup parameter: statement_timeout"):
            async with engine.connect():
                pass
    finally:
        await engine.dispose()


async def test_mixed_requests_through_transaction_pooling_answer_as_directly(
    postgres: ThrowawayPostgres, bouncer: Server, tokens: list[str]
) -> None:
    calls = list(zip(range(REQUESTS), mixed_calls(tokens), strict=False))
    direct = load_settings(
        database_url=postgres.url, database_schema=SCHEMA, cursor_secret="pgbouncer-test"
    )
    # given the answers of the service connected directly
    async with client(direct) as c:
        expected = [(await send(c, call)).content for _, call in calls]

    # when the same requests go through PgBouncer, CONCURRENCY at a time
    limit = asyncio.Semaphore(CONCURRENCY)

    async def one(call: Call) -> httpx.Response:
        async with limit:
            return await send(c, call)

    async with client(through(bouncer, db_prepared_statements=False)) as c:
        responses = await asyncio.gather(*(one(call) for _, call in calls))

    # then every one succeeds, with the same body as directly
    statuses = [response.status_code for response in responses]
    assert statuses.count(200) == REQUESTS, {s: statuses.count(s) for s in set(statuses)}
    assert [response.content for response in responses] == expected
    assert [body for body in expected if b'"errors"' in body] == []
    kinds = {call.method for _, call in calls}
    assert kinds == {"GET", "POST"}


async def slow(request: Request) -> JSONResponse:
    """A statement of `seconds`, on the service's own connection and error handling."""
    async with request.app.state.database.connect() as connection:
        sleep = text(f"SELECT pg_sleep(:seconds) /* {SLEEP_MARKER} */")
        await execute_select(connection, sleep, {"seconds": float(request.query_params["seconds"])})
    return JSONResponse({"slept": True})


async def running_sleeps(postgres: ThrowawayPostgres) -> int:
    connection = await asyncpg.connect(port=postgres.port, host="127.0.0.1", user="postgres")
    try:
        query = "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1"
        count: int = await connection.fetchval(query, f"%{SLEEP_MARKER}%")
        return count
    finally:
        await connection.close()


async def test_the_statement_timeout_fires_behind_pgbouncer(
    postgres: ThrowawayPostgres, bouncer: Server, tokens: list[str]
) -> None:
    settings = through(bouncer, db_prepared_statements=False, statement_timeout=0.5)
    async with client(settings, Route("/api/test-slow", slow)) as c:
        # when a statement runs past the limit
        started = time.monotonic()
        response = await c.get("/api/test-slow?seconds=30")
        elapsed = time.monotonic() - started

        # then the client gets a 503 at about the limit
        assert (response.status_code, response.json()) == (503, UNAVAILABLE)
        assert response.headers["Retry-After"] == "1"
        assert 0.5 <= elapsed < 2.0
        # and the server was told to stop it (the cancel went through PgBouncer)
        await asyncio.sleep(0.5)  # the server handles the cancel at its next interrupt check
        assert await running_sleeps(postgres) == 0
        # and the service goes on answering
        quick = await c.get("/api/test-slow?seconds=0")
        assert quick.status_code == 200
        orders = await c.get(
            "/api/shop/customers/me/orders", headers={"Authorization": f"Token {tokens[0]}"}
        )
        assert orders.status_code == 200
