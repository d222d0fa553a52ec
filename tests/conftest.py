"""Fixtures shared by the suite.

Every database-touching test runs twice: on a fresh SQLite file and on a fresh PostgreSQL
schema. The PostgreSQL half needs `GATEWAY_TEST_POSTGRES_URL`; without it, it is skipped
with that reason (shown in pytest's summary), never silently.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from gateway.db.bootstrap import create_tables
from gateway.db.engine import create_engine, create_session_factory
from gateway.settings import Settings, load_settings
from tests.app_client import Served, serve
from tests.gateway_process import GatewayServer, start_serve

POSTGRES_URL = os.environ.get("GATEWAY_TEST_POSTGRES_URL", "")
POSTGRES_SKIP = "GATEWAY_TEST_POSTGRES_URL is not set: PostgreSQL half of the suite skipped"
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=[pytest.mark.postgres, pytest.mark.skipif(not POSTGRES_URL, reason=POSTGRES_SKIP)],
    ),
]
# For the tests of one backend's own behaviour (the PostgreSQL one keeps its skip mark).
SQLITE_ONLY = pytest.mark.parametrize("backend", [BACKENDS[0]])
POSTGRESQL_ONLY = pytest.mark.parametrize("backend", [BACKENDS[1]])


def asyncpg_dsn(url: str) -> str:
    """A plain libpq-style DSN for asyncpg from a SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
async def settings(backend: str, tmp_path: Path) -> AsyncIterator[Settings]:
    """Settings for an empty database of the backend: a SQLite file or a PostgreSQL schema
    created for this test and dropped after it."""
    if backend == "sqlite":
        yield load_settings(database_url=f"sqlite:///{tmp_path / 'shop.sqlite3'}")
        return
    schema = f"gw_test_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(asyncpg_dsn(POSTGRES_URL))
    try:
        await connection.execute(f'CREATE SCHEMA "{schema}"')
        yield load_settings(database_url=POSTGRES_URL, database_schema=schema)
    finally:
        await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await connection.close()


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """An engine on the test database, with the legacy tables created."""
    engine = create_engine(settings)
    await create_tables(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


@pytest.fixture
async def session(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessions() as session:
        yield session


@pytest.fixture
async def served(engine: AsyncEngine, settings: Settings) -> AsyncIterator[Served]:
    """The whole app (lifespan running) on the test database, and a client on it."""
    async with serve(settings) as served:
        yield served


@pytest.fixture
def client(served: Served) -> httpx.AsyncClient:
    """An HTTP client talking to the whole app on the test database."""
    return served.client


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., GatewayServer]]:
    """Starts `python -m gateway serve` (`start(*args, cwd=…, env=…)`); every server it
    started is stopped at the end, whatever happened."""
    servers: list[GatewayServer] = []

    def start(*args: str, cwd: Path, env: dict[str, str] | None = None) -> GatewayServer:
        output = tmp_path / f"serve-{len(servers)}.out"
        server = start_serve(*args, cwd=cwd, output=output, env=env)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
