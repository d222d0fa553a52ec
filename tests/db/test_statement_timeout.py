"""A statement that runs longer than `statement_timeout` is cancelled by the database
(PostgreSQL) or interrupted (SQLite), is translated to `DatabaseUnavailable`, and leaves the
connection usable."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from gateway.db.core import execute_select
from gateway.db.engine import create_engine
from gateway.errors import DatabaseUnavailable
from gateway.settings import Settings, load_settings
from tests.conftest import POSTGRES_SKIP, POSTGRES_URL
from tests.databases import asyncpg_dsn

LIMIT = 0.3
# Several seconds of work on each backend, far past the limit.
SLOW = {
    "sqlite": "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n LIMIT 200000000) "
    "SELECT count(*) FROM n",
    "postgresql": "SELECT pg_sleep(5)",
}
QUICK = {
    "sqlite": "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n LIMIT 1000) "
    "SELECT count(*) FROM n",
    "postgresql": "SELECT count(*) FROM generate_series(1, 1000)",
}


async def test_a_slow_statement_is_cancelled_at_the_limit(backend: str, settings: Settings) -> None:
    # given an engine with a short statement timeout
    engine = create_engine(settings.model_copy(update={"statement_timeout": LIMIT}))
    try:
        # when a statement runs past it
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable):
            async with engine.connect() as connection:
                await execute_select(connection, text(SLOW[backend]))
        elapsed = time.monotonic() - started

        # then it stops at about the limit, as "unavailable", and the engine still works
        assert LIMIT <= elapsed < LIMIT + 1.5
        async with engine.connect() as connection:
            assert (await connection.execute(text(QUICK[backend]))).scalar() == 1000
    finally:
        await engine.dispose()


async def test_statements_within_the_limit_are_untouched(backend: str, settings: Settings) -> None:
    # given a limit and statements that each finish well within it, one after the other
    engine = create_engine(settings.model_copy(update={"statement_timeout": LIMIT}))
    try:
        async with engine.connect() as connection:
            for _ in range(5):
                assert (await connection.execute(text(QUICK[backend]))).scalar() == 1000
            # then a connection that sat idle longer than the limit is not interrupted later
            time.sleep(LIMIT + 0.1)  # noqa: ASYNC251  # idle time on purpose, no I/O to await
            assert (await connection.execute(text(QUICK[backend]))).scalar() == 1000
    finally:
        await engine.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason=POSTGRES_SKIP)
async def test_postgresql_sessions_carry_the_limit_in_milliseconds() -> None:
    # given PostgreSQL settings with a 2.5 s statement timeout
    engine = create_engine(load_settings(database_url=POSTGRES_URL, statement_timeout=2.5))
    try:
        # then every connection runs with statement_timeout = 2500 ms
        async with engine.connect() as connection:
            assert (await connection.execute(text("SHOW statement_timeout"))).scalar() == "2500ms"
    finally:
        await engine.dispose()


@pytest.fixture
async def database_with_its_own_timeout() -> AsyncIterator[str]:
    """A database whose DBA set `statement_timeout` (ALTER DATABASE … SET): its URL."""
    name = f"gw_timeout_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(asyncpg_dsn(POSTGRES_URL))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.execute(f"ALTER DATABASE \"{name}\" SET statement_timeout = '250ms'")
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason=POSTGRES_SKIP)
@pytest.mark.parametrize(
    ("gateway_timeout", "prepared_statements", "in_force"),
    [
        (0, True, "250ms"),  # 0: the gateway sets none; the database's applies
        (2.5, True, "2500ms"),  # the session's setting takes precedence over the database's
        (2.5, False, "250ms"),  # behind PgBouncer nothing is sent: the database's applies too
    ],
)
async def test_the_gateways_timeout_and_the_databases_own(
    database_with_its_own_timeout: str,
    gateway_timeout: float,
    prepared_statements: bool,
    in_force: str,
) -> None:
    settings = load_settings(
        database_url=database_with_its_own_timeout,
        statement_timeout=gateway_timeout,
        db_prepared_statements=prepared_statements,
    )
    engine = create_engine(settings, read_only=True)
    try:
        async with engine.connect() as connection:
            shown = (await connection.execute(text("SHOW statement_timeout"))).scalar()
            # then a statement past the timeout in force is cancelled, as "unavailable"
            with pytest.raises(DatabaseUnavailable):
                await execute_select(connection, text("SELECT pg_sleep(4)"))
    finally:
        await engine.dispose()
    assert shown == in_force
