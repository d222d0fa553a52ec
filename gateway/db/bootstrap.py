"""Creating tables: for the embedded demo database and for tests, never for a shop's own."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.db.models import Base


async def create_tables(engine: AsyncEngine) -> None:
    """Create the ten legacy tables (those missing) from the models."""
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)


def _missing_tables(connection: Connection) -> list[str]:
    present = set(inspect(connection).get_table_names())
    return [name for name in Base.metadata.tables if name not in present]


async def missing_tables(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        return await connection.run_sync(_missing_tables)


def embedded_database_exists(path: Path) -> bool:
    return path.exists() and path.stat().st_size > 0
