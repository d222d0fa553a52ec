"""The floor: the gateway's own page-of-20 statement, prepared once and run in a loop straight
from asyncpg, with no HTTP, no Python rendering and no gateway code in the way."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import asyncpg
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect

from gateway.orders import OrderQuery, Window


def page_sql(customer_id: int, limit: int = 20) -> tuple[str, list[Any]]:
    """The core's page statement as asyncpg takes it: SQL with `$n` and positional values."""
    compiled = (
        OrderQuery(customer_id=customer_id)
        .page_statement(Window(limit=limit))
        .compile(dialect=asyncpg_dialect())
    )
    values = compiled.construct_params()
    return str(compiled), [values[name] for name in compiled.positiontup or ()]


async def _loop(dsn: str, sql: str, args: list[Any], deadline: float) -> int:
    connection = await asyncpg.connect(dsn)
    try:
        statement = await connection.prepare(sql)
        done = 0
        while time.monotonic() < deadline:
            await statement.fetch(*args)
            done += 1
        return done
    finally:
        await connection.close()


async def _measure(dsn: str, customer_id: int, connections: int, seconds: float) -> float:
    sql, args = page_sql(customer_id)
    started = time.monotonic()
    deadline = started + seconds
    counts = await asyncio.gather(*(_loop(dsn, sql, args, deadline) for _ in range(connections)))
    return sum(counts) / (time.monotonic() - started)


def floor_rate(dsn: str, customer_id: int, connections: int, seconds: float) -> float:
    """Statements per second over `connections` connections (one process, one event loop)."""
    return asyncio.run(_measure(dsn, customer_id, connections, seconds))
