"""No connection leaks: after a burst of statement timeouts, request deadlines, an exhausted
pool and clients that hang up mid-request, every pooled connection is back and idle, and the
database runs none of the abandoned statements.

The slow work is a test-only route mounted on the real app (not part of the service): it runs
`pg_sleep` through the app's own session factory, so it takes the same path as the
endpoints: pool, session, error mapping, deadline middleware.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gateway.db.core import execute_select
from gateway.settings import load_settings
from tests.app_client import Served, serve
from tests.conftest import POSTGRES_SKIP, POSTGRES_URL
from tests.databases import asyncpg_dsn

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason=POSTGRES_SKIP),
]

POOL_SIZE = 3
MARKER = f"pool-test-{uuid.uuid4().hex}"  # finds this test's statements on the shared server
SLEEP = text(f"SELECT pg_sleep(:seconds) /* {MARKER} */")


async def slow(request: Request) -> JSONResponse:
    """`?seconds=S&times=N`: N statements of S seconds each, one connection."""
    seconds = float(request.query_params["seconds"])
    async with request.app.state.database.connect() as connection:
        for _ in range(int(request.query_params.get("times", "1"))):
            await execute_select(connection, SLEEP, {"seconds": seconds})
    return JSONResponse({"slept": seconds})


@pytest.fixture
async def small_pool() -> AsyncIterator[Served]:
    """The service with a small pool and short limits, plus the test-only slow route."""
    settings = load_settings(
        database_url=POSTGRES_URL,
        db_pool_size=POOL_SIZE,
        db_max_overflow=0,
        db_pool_timeout=0.5,
        statement_timeout=0.3,
        request_timeout=0.8,
    )
    async with serve(settings) as served:
        # First, ahead of the catch-all 404 under /api/, so the deadline middleware covers it.
        served.app.router.routes.insert(0, Route("/api/test-slow", slow))
        yield served


async def get(client: httpx.AsyncClient, query: str, hang_up_after: float | None = None) -> str:
    """The status of one request, or "hung up" when the client gave up waiting first."""
    request = client.get(f"/api/test-slow?{query}")
    if hang_up_after is None:
        response = await request
    else:
        try:
            response = await asyncio.wait_for(request, hang_up_after)
        except TimeoutError:
            return "hung up"
    if response.status_code == 503:
        assert response.headers["Retry-After"] == "1"
        assert response.json() == {"detail": "Service temporarily unavailable, try again later."}
    return str(response.status_code)


async def running_statements() -> int:
    connection = await asyncpg.connect(asyncpg_dsn(POSTGRES_URL))
    try:
        count: int = await connection.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1",
            f"%{MARKER}%",
        )
        return count
    finally:
        await connection.close()


async def test_the_pool_is_idle_after_a_burst_of_failures(small_pool: Served) -> None:
    pool = small_pool.app.state.database.engine.pool
    client = small_pool.client
    # given a burst: statements past the timeout, requests past the deadline, more
    # requests than connections, and clients hanging up mid-statement
    burst = (
        [get(client, "seconds=5") for _ in range(6)]  # statement timeout (0.3 s)
        + [get(client, "seconds=0.25&times=6") for _ in range(3)]  # deadline (0.8 s)
        + [get(client, "seconds=0.25", hang_up_after=0.1) for _ in range(6)]
    )
    statuses = await asyncio.gather(*burst)

    # then every request failed fast and cleanly (503 + Retry-After, or the client left)
    assert sorted(set(statuses)) == ["503", "hung up"]
    assert statuses.count("hung up") == 6

    # and nothing is checked out, nothing still runs on the server
    await asyncio.sleep(0.3)  # abandoned statements end at their 0.3 s timeout at most
    assert pool.checkedout() == 0
    assert await running_statements() == 0

    # and the pool serves a full set of concurrent requests again
    quick = await asyncio.gather(*(get(client, "seconds=0") for _ in range(POOL_SIZE)))
    assert quick == ["200"] * POOL_SIZE
    assert (pool.checkedout(), pool.checkedin(), pool.size()) == (0, POOL_SIZE, POOL_SIZE)
