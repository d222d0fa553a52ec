"""A read whose connection is lost mid-statement is sent once more, on another connection;
a read that failed for its own reasons (a timeout, a bug) is not. On PostgreSQL, with a
backend terminated the way a stopping server terminates it (SQLSTATE 57P01)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.db.core import execute_select
from gateway.db.engine import create_engine
from gateway.db.retry import is_retry_safe
from gateway.errors import DatabaseUnavailable
from gateway.settings import load_settings
from tests.conftest import POSTGRES_SKIP, POSTGRES_URL
from tests.databases import asyncpg_dsn

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(not POSTGRES_URL, reason=POSTGRES_SKIP)]

SLOW_READ = text("SELECT pg_sleep(0.5), 42")


@pytest.fixture
async def engine() -> AsyncIterator[AsyncEngine]:
    engine = create_engine(
        load_settings(database_url=POSTGRES_URL, statement_timeout=0.2), read_only=True
    )
    yield engine
    await engine.dispose()


def count_statements(engine: AsyncEngine) -> list[str]:
    sent: list[str] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _sent(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        sent.append(sql)

    return sent


async def terminate_soon(pid: int) -> None:
    """What a server shutting down does to a backend: `pg_terminate_backend`."""
    await asyncio.sleep(0.1)
    admin = await asyncpg.connect(asyncpg_dsn(POSTGRES_URL))
    try:
        await admin.execute("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()


async def test_a_read_whose_connection_is_lost_is_sent_again_elsewhere(
    engine: AsyncEngine,
) -> None:
    fresh = create_engine(load_settings(database_url=POSTGRES_URL), read_only=True)
    try:
        async with fresh.connect() as connection:
            pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            sent = count_statements(fresh)

            # when the backend is terminated while the read runs
            terminator = asyncio.create_task(terminate_soon(pid))
            result = await execute_select(connection, SLOW_READ)
            await terminator

            # then the read was sent twice, and answered by another backend
            assert result.one()[1] == 42
            assert sent.count(str(SLOW_READ)) == 2
            # and the connection serves the next statement (reconnected)
            assert (await connection.execute(text("SELECT pg_backend_pid()"))).scalar() != pid
    finally:
        await fresh.dispose()


async def test_a_read_past_the_statement_timeout_is_not_sent_again(engine: AsyncEngine) -> None:
    sent = count_statements(engine)
    async with engine.connect() as connection:
        with pytest.raises(DatabaseUnavailable) as raised:
            await execute_select(connection, SLOW_READ)

    assert isinstance(raised.value.__cause__, DBAPIError)
    assert is_retry_safe(raised.value.__cause__) is False
    assert sent.count(str(SLOW_READ)) == 1
