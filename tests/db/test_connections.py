"""`Database`: connections whose failures arrive translated; `SharedConnection`: one pooled
connection per request, lent to its tasks in turn."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.db.connections import Database, SharedConnection
from gateway.db.engine import create_engine
from gateway.errors import DatabaseUnavailable
from gateway.settings import load_settings
from tests.pg_server import free_port


class CountingDatabase(Database):
    """The test's engine, noting every connection it opens."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        self.opened: list[AsyncConnection] = []

    async def open(self) -> AsyncConnection:
        connection = await super().open()
        self.opened.append(connection)
        return connection


async def test_concurrent_tasks_share_one_connection_in_turn(engine: AsyncEngine) -> None:
    # given a request's shared connection
    database = CountingDatabase(engine)
    shared = SharedConnection(database)
    inside = 0
    most_inside = 0

    async def task(n: int) -> int:
        nonlocal inside, most_inside
        async with shared() as connection:
            inside += 1
            most_inside = max(most_inside, inside)
            value = (await connection.execute(text(f"SELECT {n}"))).scalar_one()
            await asyncio.sleep(0)  # another task would step in here if it could
            inside -= 1
            return int(value)

    # when five tasks query at once
    results = await asyncio.gather(*(task(n) for n in range(5)))
    await shared.close()

    # then each got its answer, one at a time, on a single checkout that is now returned
    assert results == [0, 1, 2, 3, 4]
    assert most_inside == 1
    assert len(database.opened) == 1
    assert database.opened[0].closed
    assert engine.pool.checkedout() == 0


async def test_a_failed_statement_discards_the_connection(engine: AsyncEngine) -> None:
    # given a task whose statement fails
    database = CountingDatabase(engine)
    shared = SharedConnection(database)
    with pytest.raises(Exception, match="no_such_table"):
        async with shared() as connection:
            await connection.execute(text("SELECT * FROM no_such_table"))

    # when the next task queries
    async with shared() as connection:
        value = (await connection.execute(text("SELECT 1"))).scalar_one()
    await shared.close()

    # then it ran on a fresh connection, and both went back to the pool
    assert value == 1
    assert len(database.opened) == 2
    assert all(connection.closed for connection in database.opened)
    assert engine.pool.checkedout() == 0


UNREACHABLE = [
    pytest.param(
        lambda _tmp: f"postgresql://postgres@127.0.0.1:{free_port()}/shop",
        ConnectionRefusedError,
        id="postgresql refuses",
    ),
    pytest.param(
        lambda tmp: f"sqlite:///{tmp / 'no-such-folder' / 'shop.sqlite3'}",
        OperationalError,  # SQLITE_CANTOPEN
        id="sqlite file cannot be opened",
    ),
]


@pytest.mark.parametrize(("url", "cause"), UNREACHABLE)
async def test_a_database_that_cannot_be_reached_is_unavailable(
    tmp_path: Path, url: Callable[[Path], str], cause: type[Exception]
) -> None:
    # given a database that cannot be reached
    engine = create_engine(load_settings(database_url=url(tmp_path)))
    try:
        # when a connection is asked for
        with pytest.raises(DatabaseUnavailable) as raised:
            async with Database(engine).connect():
                pass
    finally:
        await engine.dispose()

    # then the failure arrives translated, the driver's error kept as its cause
    assert isinstance(raised.value.__cause__, cause)
