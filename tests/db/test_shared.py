"""`SharedConnection`: one pooled connection per request, lent to its tasks in turn."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.db.shared import SharedConnection


def counting(engine: AsyncEngine, checkouts: list[AsyncConnection]) -> SharedConnection:
    def connect() -> AsyncConnection:
        connection = engine.connect()
        checkouts.append(connection)
        return connection

    return SharedConnection(connect)


async def test_concurrent_tasks_share_one_connection_in_turn(engine: AsyncEngine) -> None:
    # given a request's shared connection
    checkouts: list[AsyncConnection] = []
    shared = counting(engine, checkouts)
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
    assert len(checkouts) == 1
    assert checkouts[0].closed
    assert engine.pool.checkedout() == 0


async def test_a_failed_statement_discards_the_connection(engine: AsyncEngine) -> None:
    # given a task whose statement fails
    checkouts: list[AsyncConnection] = []
    shared = counting(engine, checkouts)
    with pytest.raises(Exception, match="no_such_table"):
        async with shared() as connection:
            await connection.execute(text("SELECT * FROM no_such_table"))

    # when the next task queries
    async with shared() as connection:
        value = (await connection.execute(text("SELECT 1"))).scalar_one()
    await shared.close()

    # then it ran on a fresh connection, and both went back to the pool
    assert value == 1
    assert len(checkouts) == 2
    assert all(connection.closed for connection in checkouts)
    assert engine.pool.checkedout() == 0
