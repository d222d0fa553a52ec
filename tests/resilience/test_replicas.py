"""On a real streaming replica (this test's own primary and standby): what a standby's
failures answer, and how the pool follows a failover by itself.

- A read the standby cancels for a conflict with recovery (SQLSTATE 40001) answers 503 with
  `Retry-After`, not 500.
- A URL whose `target_session_attrs` no host satisfies answers 503 on every door.
- When the primary stops, a multi-host URL's reads move to the standby; when the standby is
  promoted, a URL that asks for a primary finds it. Neither needs a restart.

The tests share one primary/standby pair and run in order (the last one stops the primary).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
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
from gateway.db.errors import translated_errors
from gateway.settings import load_settings
from tests.app_client import serve
from tests.pg_server import ThrowawayPostgres, running
from tests.resilience.answers import UNAVAILABLE
from tests.traffic import MY_ORDERS, ORDERS, seed_shop

pytestmark = pytest.mark.slow  # its own primary and standby
RECOVERY_SECONDS = 2.0
# The standby cancels a read at once when replay needs what it reads (no grace period), and
# tells the primary nothing of its readers, so the primary's VACUUM removes their rows.
STANDBY_SETTINGS = {"max_standby_streaming_delay": "0", "hot_standby_feedback": "off"}
CONFLICT_MARKER = "recovery-conflict-test"


@pytest.fixture(scope="module")
def pair() -> Iterator[tuple[ThrowawayPostgres, ThrowawayPostgres]]:
    with running() as primary, running(STANDBY_SETTINGS, standby_of=primary) as standby:
        yield primary, standby


async def connect(server: ThrowawayPostgres) -> asyncpg.Connection:
    return await asyncpg.connect(host="127.0.0.1", port=server.port, user="postgres")


async def replayed(on_primary: asyncpg.Connection, on_standby: asyncpg.Connection) -> None:
    """Wait until the standby has replayed everything the primary has written so far."""
    lsn = await on_primary.fetchval("SELECT pg_current_wal_lsn()::text")
    query = "SELECT pg_last_wal_replay_lsn() >= $1::text::pg_lsn"
    await within(10, lambda: on_standby.fetchval(query, lsn))


@pytest.fixture(scope="module")
def tokens(pair: tuple[ThrowawayPostgres, ThrowawayPostgres]) -> list[str]:
    """The shop on the primary, replayed on the standby."""
    primary, standby = pair

    async def seed() -> list[str]:
        engine = create_engine(load_settings(database_url=primary.url))
        try:
            keys = await seed_shop(engine, orders=40, customers=4)
        finally:
            await engine.dispose()
        on_primary = await connect(primary)
        on_standby = await connect(standby)
        try:
            await replayed(on_primary, on_standby)
        finally:
            await on_primary.close()
            await on_standby.close()
        return keys

    return asyncio.run(seed())


async def conflicting_read(request: Request) -> JSONResponse:
    """A test-only route: a slow read of `conflict_rows` on the service's own connection and
    error translation; `?retry=1`: through `execute_select`, as the service's reads run."""
    statement = text(f"SELECT count(*) FROM conflict_rows, pg_sleep(2) /* {CONFLICT_MARKER} */")
    async with request.app.state.database.connect() as connection:
        if request.query_params.get("retry"):
            rows = (await execute_select(connection, statement)).scalar_one()
        else:
            with translated_errors():
                rows = (await connection.execute(statement)).scalar_one()
    return JSONResponse({"rows": rows})


@asynccontextmanager
async def service(url: str, *routes: Route) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(load_settings(database_url=url, cursor_secret="replica-test")) as served:
        for route in routes:  # ahead of the catch-all under /api/
            served.app.router.routes.insert(0, route)
        yield served.client


def libpq_url(*servers: ThrowawayPostgres, attrs: str = "any") -> str:
    hosts = ",".join(f"127.0.0.1:{server.port}" for server in servers)
    return f"postgresql://postgres@{hosts}/postgres?target_session_attrs={attrs}"


async def statuses(c: httpx.AsyncClient, token: str) -> tuple[int, int, int]:
    """/readyz, REST and GraphQL, in that order."""
    auth = {"Authorization": f"Token {token}"}
    body = {"query": MY_ORDERS, "variables": {"first": 2}}
    return (
        (await c.get("/readyz")).status_code,
        (await c.get(ORDERS, headers=auth)).status_code,
        (await c.post("/graphql", json=body, headers=auth)).status_code,
    )


async def within(seconds: float, check: Callable[[], Awaitable[bool]]) -> float:
    """Seconds until `check` holds (fails the test past `seconds`)."""
    started = time.monotonic()
    while not await check():
        assert time.monotonic() - started < seconds, f"not within {seconds} s"
        await asyncio.sleep(0.02)
    return time.monotonic() - started


async def provoke_a_conflict(
    pair: tuple[ThrowawayPostgres, ThrowawayPostgres], path: str
) -> httpx.Response:
    """A slow read of rows on the standby, while the primary deletes and vacuums them."""
    primary, standby = pair
    on_primary = await connect(primary)
    on_standby = await connect(standby)
    try:
        await on_primary.execute("DROP TABLE IF EXISTS conflict_rows")
        await on_primary.execute("CREATE TABLE conflict_rows AS SELECT generate_series(1, 1000)")
        await replayed(on_primary, on_standby)
        async with service(standby.url, Route("/api/test-read", conflicting_read)) as c:
            read = asyncio.create_task(c.get(path))
            running = (
                "SELECT count(*) > 0 FROM pg_stat_activity WHERE query LIKE $1 AND state = 'active'"
            )
            await within(10, lambda: on_standby.fetchval(running, f"%{CONFLICT_MARKER} */%"))
            await on_primary.execute("DELETE FROM conflict_rows")
            # TRUNCATE false: a truncation replayed would also cancel the read sent again (a lock
            # conflict), which is another race than the one under test.
            await on_primary.execute("VACUUM (TRUNCATE false) conflict_rows")
            return await asyncio.wait_for(read, 15)
    finally:
        await on_primary.close()
        await on_standby.close()


def conflicts(pair: tuple[ThrowawayPostgres, ThrowawayPostgres]) -> int:
    """How many reads the standby has cancelled for a conflict with recovery so far."""
    return pair[1].log.read_text().count("conflict with recovery")


async def test_a_read_cancelled_for_a_recovery_conflict_answers_503(
    pair: tuple[ThrowawayPostgres, ThrowawayPostgres], tokens: list[str]
) -> None:
    # given a read on the standby not sent again (a plain `execute`), when replay conflicts
    before = conflicts(pair)
    response = await provoke_a_conflict(pair, "/api/test-read")

    # then the standby cancelled the read, and the client is told to retry
    assert response.status_code == 503
    assert response.json() == {"detail": UNAVAILABLE}
    assert response.headers["Retry-After"] == "1"
    assert conflicts(pair) - before == 1


async def test_a_read_the_standby_cancelled_is_sent_again(
    pair: tuple[ThrowawayPostgres, ThrowawayPostgres], tokens: list[str]
) -> None:
    # given a read run as the service runs its reads (execute_select), when replay conflicts
    before = conflicts(pair)
    response = await provoke_a_conflict(pair, "/api/test-read?retry=1")

    # then the standby cancelled the first attempt once, and the second answers, reading
    # what replay left: no rows
    assert (response.status_code, response.json()) == (200, {"rows": 0})
    assert conflicts(pair) - before == 1


async def test_no_host_matching_target_session_attrs_answers_503(
    pair: tuple[ThrowawayPostgres, ThrowawayPostgres], tokens: list[str]
) -> None:
    _, standby = pair
    # given a URL that asks for a primary and lists only the standby
    async with service(libpq_url(standby, attrs="read-write")) as c:
        # then every door answers 503, none 500
        assert await statuses(c, tokens[0]) == (503, 503, 503)
        graphql = await c.post(
            "/graphql",
            json={"query": MY_ORDERS, "variables": {"first": 2}},
            headers={"Authorization": f"Token {tokens[0]}"},
        )
    codes = {error["extensions"]["code"] for error in graphql.json()["errors"]}
    assert codes == {"SERVICE_UNAVAILABLE"}


async def test_reads_follow_a_failover_without_a_restart(
    pair: tuple[ThrowawayPostgres, ThrowawayPostgres], tokens: list[str]
) -> None:
    primary, standby = pair
    token = tokens[0]

    async def serving(c: httpx.AsyncClient) -> bool:
        return await statuses(c, token) == (200, 200, 200)

    async def refusing(c: httpx.AsyncClient) -> bool:
        return await statuses(c, token) == (503, 503, 503)

    # given two services: reads anywhere (primary listed first), and reads on a primary only
    async with (
        service(libpq_url(primary, standby)) as anywhere,
        service(libpq_url(primary, standby, attrs="primary")) as on_primary,
    ):
        assert await serving(anywhere)
        assert await serving(on_primary)

        # when the primary stops
        primary.stop()

        # then reads move to the standby by themselves; the primary-only service refuses
        moved = await within(RECOVERY_SECONDS, lambda: serving(anywhere))
        await within(RECOVERY_SECONDS, lambda: refusing(on_primary))

        # when the standby is promoted, then the primary-only service finds it
        standby.promote()
        found = await within(RECOVERY_SECONDS, lambda: serving(on_primary))
        assert await serving(anywhere)
    print(f"\nreads on the standby {moved:.2f} s after the primary stopped; "
          f"the promoted standby served {found:.2f} s after promotion")  # fmt: skip
