"""Fixtures shared by the suite.

Every database-touching test runs twice: on its own SQLite file and on its own PostgreSQL
schema (`tests/databases.py`). The PostgreSQL half needs `GATEWAY_TEST_POSTGRES_URL`;
without it, it is skipped with that reason (shown in pytest's summary), never silently.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from gateway.db.engine import create_engine, create_session_factory
from gateway.settings import Settings, load_settings
from tests.app_client import Served, serve
from tests.databases import PostgresSchemas, SqliteTemplate, empty_schema
from tests.gateway_process import GatewayServer, start_serve

POSTGRES_URL = os.environ.get("GATEWAY_TEST_POSTGRES_URL", "")
POSTGRES_SKIP = "GATEWAY_TEST_POSTGRES_URL is not set: PostgreSQL half of the suite skipped"
REDIS_URL = os.environ.get("GATEWAY_TEST_REDIS_URL", "")
REDIS_SKIP = "GATEWAY_TEST_REDIS_URL is not set: the tests on Redis are skipped"

pytest_plugins = ["tests.redis_fixtures"]
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


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    return SqliteTemplate(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def postgres_schemas() -> Iterator[PostgresSchemas]:
    schemas = PostgresSchemas(POSTGRES_URL)
    yield schemas
    schemas.drop_all()


@pytest.fixture
async def settings(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Settings]:
    """Settings for the test's own database: a SQLite file or a PostgreSQL schema. It holds
    the ten tables, empty, when the test uses `engine` (directly or through `session`,
    `client`, …): a copy of tables built once per session (`tests/databases.py`). Otherwise
    it is empty, for tests that create tables, apply the shop's DDL or start on nothing."""
    with_tables = "engine" in request.fixturenames
    if backend == "sqlite":
        path = tmp_path / "shop.sqlite3"
        if with_tables:
            request.getfixturevalue("sqlite_template").copy_to(path)
        yield load_settings(database_url=f"sqlite:///{path}")
    elif with_tables:
        schemas: PostgresSchemas = request.getfixturevalue("postgres_schemas")
        schema = await schemas.take()
        try:
            yield load_settings(database_url=POSTGRES_URL, database_schema=schema)
        finally:
            await schemas.give_back(schema)
    else:
        async with empty_schema(POSTGRES_URL) as schema:
            yield load_settings(database_url=POSTGRES_URL, database_schema=schema)


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """An engine on the test's database, whose ten tables exist (see `settings`)."""
    engine = create_engine(settings)
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
