"""The tests' databases: each test has its own, empty or with the ten tables, and the tables
are built once per session, not once per test.

SQLite: a template file with the tables is built once; a test gets a copy of it (a copy
costs milliseconds, creating the tables a fifth of a second).

PostgreSQL: schemas with the tables are built when needed and reused. When a test is over,
its schema's rows are deleted and its sequences restarted in one round trip (milliseconds,
where creating the tables and dropping the schema cost a third of a second), unless the test
changed the schema's objects (added an index, created or dropped a table): that schema is
dropped. Either way the next test starts from empty tables, as if freshly created.
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import create_engine, create_mock_engine
from sqlalchemy.engine import make_url

from gateway.db.models import Base

# Rows go first from the tables that point to others (the foreign keys are deferred anyway).
TABLES = [table.name for table in reversed(Base.metadata.sorted_tables)]


def asyncpg_dsn(url: str) -> str:
    """A plain libpq-style DSN for asyncpg from a SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def new_schema_name() -> str:
    return f"gw_test_{uuid.uuid4().hex[:12]}"


def postgresql_tables_ddl() -> str:
    """The statements `create_tables` runs on PostgreSQL, as one script (one round trip)."""
    statements: list[str] = []

    def record(sql: Any, *_args: Any, **_kwargs: Any) -> None:
        statements.append(str(sql.compile(dialect=engine.dialect)).strip())

    engine = create_mock_engine("postgresql+asyncpg://", record)
    Base.metadata.create_all(engine, checkfirst=False)
    return ";\n".join(statements) + ";"


class SqliteTemplate:
    """A SQLite file with the ten tables, built once; tests take copies.

    Parameters:
        folder: where the template file is made.
    """

    def __init__(self, folder: Path) -> None:
        self.path = folder / "template.sqlite3"
        engine = create_engine(f"sqlite:///{self.path}")
        Base.metadata.create_all(engine)
        engine.dispose()

    def copy_to(self, path: Path) -> None:
        shutil.copyfile(self.path, path)


class PostgresSchemas:
    """Schemas with the ten tables, reused from test to test once emptied.

    Parameters:
        url: the server (`GATEWAY_TEST_POSTGRES_URL`).
    """

    def __init__(self, url: str) -> None:
        self.dsn = asyncpg_dsn(url)
        self.ddl = postgresql_tables_ddl()
        self.free: list[str] = []
        self.objects: dict[str, int] = {}  # schema -> how many objects it has, pristine
        self.sequences: dict[str, list[str]] = {}  # schema -> its sequences

    async def take(self) -> str:
        """A schema whose tables exist and are empty."""
        if self.free:
            return self.free.pop()
        schema = new_schema_name()
        connection = await asyncpg.connect(self.dsn)
        try:
            await connection.execute(f'CREATE SCHEMA "{schema}"; SET search_path TO "{schema}"')
            await connection.execute(self.ddl)
            self.objects[schema] = await _object_count(connection, schema)
            self.sequences[schema] = [
                name
                for (name,) in await connection.fetch(
                    "SELECT format('%I.%I', schemaname, sequencename) FROM pg_sequences "
                    "WHERE schemaname = $1",
                    schema,
                )
            ]
        finally:
            await connection.close()
        return schema

    async def give_back(self, schema: str) -> None:
        """Empty the schema for the next test, or drop it if the test changed its objects."""
        connection = await asyncpg.connect(self.dsn, server_settings={"lock_timeout": "10s"})
        try:
            if await _object_count(connection, schema) != self.objects[schema]:
                await connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
                return
            await connection.execute(
                "; ".join(
                    [f'DELETE FROM "{schema}"."{table}"' for table in TABLES]
                    + [f"SELECT setval('{name}', 1, false)" for name in self.sequences[schema]]
                )
            )
            self.free.append(schema)
        finally:
            await connection.close()

    def drop_all(self) -> None:
        """Drop the schemas kept for reuse (the session is over)."""
        if self.free:
            asyncio.run(drop_schemas(self.dsn, self.free))
            self.free.clear()


async def _object_count(connection: asyncpg.Connection, schema: str) -> int:
    """How many tables, indexes, sequences, … the schema holds."""
    count: int = await connection.fetchval(
        "SELECT count(*) FROM pg_class WHERE relnamespace = $1::regnamespace", schema
    )
    return count


async def drop_schemas(dsn: str, schemas: list[str]) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        for schema in schemas:
            await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await connection.close()


@asynccontextmanager
async def empty_schema(url: str) -> AsyncIterator[str]:
    """A PostgreSQL schema with nothing in it, dropped after the block."""
    schema = new_schema_name()
    dsn = asyncpg_dsn(url)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(f'CREATE SCHEMA "{schema}"')
    finally:
        await connection.close()
    try:
        yield schema
    finally:
        await drop_schemas(dsn, [schema])
