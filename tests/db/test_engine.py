"""The engine: SQLite connections set up like Django's, PostgreSQL pooled in the schema."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from gateway.db.engine import create_engine
from gateway.db.models import ApiToken
from gateway.settings import load_settings
from tests.conftest import POSTGRESQL_ONLY, SQLITE_ONLY


@SQLITE_ONLY
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


@POSTGRESQL_ONLY
async def test_postgresql_engine_uses_the_schema_and_a_sized_pool(engine, settings):
    async with engine.connect() as connection:
        schema = (await connection.execute(text("SELECT current_schema()"))).scalar()
        name = (await connection.execute(text("SHOW application_name"))).scalar()

    assert (schema, name) == (settings.database_schema, "shop-gateway")
    assert engine.pool.size() == 10
    assert engine.pool._max_overflow == 5  # the pool offers no public accessor
    assert engine.pool._pre_ping is True


@POSTGRESQL_ONLY
@pytest.mark.parametrize("prepared_statements", [True, False])
async def test_without_prepared_statements_nothing_outlives_a_statement(
    engine, settings, prepared_statements
):
    # given the service's engine, with or without prepared statements (PgBouncer's mode)
    service = create_engine(
        settings.model_copy(update={"db_prepared_statements": prepared_statements}),
        read_only=True,
    )
    try:
        async with service.connect() as connection:
            # when the same statement runs twice on one connection
            for _ in range(2):
                await connection.execute(select(ApiToken.key).where(ApiToken.customer_id == 1))
            raw = (await connection.get_raw_connection()).driver_connection
            named = await raw.fetchval("SELECT count(*) FROM pg_prepared_statements")
            startup = {
                name: await raw.fetchval(f"SHOW {name}")
                for name in ("statement_timeout", "search_path", "application_name")
            }
    finally:
        await service.dispose()

    # then with prepared statements the server keeps them (named, cached) and the session
    # carries the timeout and schema; without, no statement is kept and only the name is sent
    if prepared_statements:
        assert named > 0
        assert startup == {
            "statement_timeout": "5s",
            "search_path": settings.database_schema,
            "application_name": "shop-gateway",
        }
    else:
        assert named == 0
        assert startup == {
            "statement_timeout": "0",
            "search_path": '"$user", public',
            "application_name": "shop-gateway",
        }
