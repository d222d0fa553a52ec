"""The engine: SQLite connections set up like Django's, PostgreSQL pooled in the schema."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from gateway.db.engine import create_engine
from gateway.db.models import ApiToken
from gateway.settings import load_settings
from tests.conftest import BACKENDS

POSTGRESQL = BACKENDS[1]  # with its skip mark when no server is configured


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_sqlite_connections_enforce_foreign_keys_and_wait_on_locks(engine):
    async with engine.connect() as connection:
        foreign_keys = (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar()
        busy_timeout = (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar()

    assert (foreign_keys, busy_timeout) == (1, 5000)


def test_sqlite_busy_timeout_follows_the_setting(tmp_path):
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'shop.sqlite3'}", sqlite_busy_timeout=0.25
    )

    async def busy_timeout() -> int:
        engine = create_engine(settings)
        try:
            async with engine.connect() as connection:
                return int((await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar())
        finally:
            await engine.dispose()

    assert asyncio.run(busy_timeout()) == 250


async def test_a_token_of_a_missing_customer_is_refused(session):
    # Given a token whose customer does not exist (Django's FKs are checked at commit)
    session.add(ApiToken(key="f" * 40, customer_id=999, created_at=datetime.now(UTC)))

    # When it is committed, then the database refuses it, on both backends
    with pytest.raises(IntegrityError):
        await session.commit()


@pytest.mark.parametrize("backend", [POSTGRESQL])
async def test_postgresql_engine_uses_the_schema_and_a_sized_pool(engine, settings):
    async with engine.connect() as connection:
        schema = (await connection.execute(text("SELECT current_schema()"))).scalar()
        name = (await connection.execute(text("SHOW application_name"))).scalar()

    assert (schema, name) == (settings.database_schema, "shop-gateway")
    assert engine.pool.size() == 10
    assert engine.pool._max_overflow == 5  # the pool offers no public accessor
    assert engine.pool._pre_ping is True
