"""Databases for the database-layer tests: one built from the shop's own DDL, and a second
empty one beside the test's database (to compare the two)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.db.engine import create_engine
from gateway.db.urls import sqlite_path
from gateway.settings import Settings, load_settings
from tests.conftest import POSTGRES_URL
from tests.databases import asyncpg_dsn, empty_schema

LEGACY_SCHEMA = Path(__file__).parent.parent / "fixtures" / "legacy-schema"


async def apply_legacy_ddl(settings: Settings) -> None:
    """Run the shop's DDL (its Django migrations' SQL) on the settings' empty database."""
    if settings.database_url.startswith("sqlite"):
        path = sqlite_path(settings.database_url)
        assert path is not None
        with closing(sqlite3.connect(path)) as connection:
            connection.executescript((LEGACY_SCHEMA / "sqlite.sql").read_text())
        return
    connection = await asyncpg.connect(
        asyncpg_dsn(POSTGRES_URL), server_settings={"search_path": settings.database_schema}
    )
    try:
        await connection.execute((LEGACY_SCHEMA / "postgresql.sql").read_text())
    finally:
        await connection.close()


@pytest.fixture
async def legacy_engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """The gateway's engine on the test's database, whose tables come from the legacy DDL."""
    await apply_legacy_ddl(settings)
    engine = create_engine(settings)
    yield engine
    await engine.dispose()


@pytest.fixture
async def other_settings(backend: str, tmp_path: Path) -> AsyncIterator[Settings]:
    """A second empty database of the same backend (another file / another schema)."""
    if backend == "sqlite":
        yield load_settings(database_url=f"sqlite:///{tmp_path / 'other.sqlite3'}")
        return
    async with empty_schema(POSTGRES_URL) as schema:
        yield load_settings(database_url=POSTGRES_URL, database_schema=schema)
