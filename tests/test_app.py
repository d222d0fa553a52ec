"""The app skeleton: liveness and readiness, JSON on both, 503 when the database is away or
lacks a table or column the gateway reads."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.db.models import Base
from gateway.db.schema_check import required_columns
from gateway.settings import Settings, load_settings
from tests.app_client import serve
from tests.pg_server import free_port


async def test_healthz_says_the_process_is_alive(client):
    response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"status": "ok"}


async def test_readyz_says_the_database_answers(client):
    response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_readyz_is_503_while_postgresql_is_unreachable_and_the_app_keeps_answering():
    # Given the app pointed at a PostgreSQL port where nothing listens
    port = free_port()  # nothing listens there
    settings = load_settings(database_url=f"postgresql://postgres@127.0.0.1:{port}/shop")

    async with serve(settings) as served:
        # When readiness is asked twice
        first = await served.client.get("/readyz")
        second = await served.client.get("/readyz")
        # Then both say 503 in JSON, without internals, and liveness still answers
        alive = await served.client.get("/healthz")

    for response in (first, second):
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/json"
        assert response.json() == {"status": "unavailable", "database": "unreachable"}
    assert alive.status_code == 200


async def test_readyz_is_503_when_the_sqlite_folder_is_missing(tmp_path: Path):
    # Given a SQLite file in a folder that does not exist
    missing = tmp_path / "no-such-folder" / "shop.sqlite3"
    settings = load_settings(database_url=f"sqlite:///{missing}")

    async with serve(settings) as served:
        # When readiness is asked
        response = await served.client.get("/readyz")
        alive = await served.client.get("/healthz")

    # Then it is 503 in JSON, nothing was created, and liveness still answers
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}
    assert not missing.parent.exists()
    assert alive.json() == {"status": "ok"}


async def test_readyz_is_503_naming_a_missing_table_or_column(
    client, engine: AsyncEngine, settings: Settings
):
    # Given a database that lost a table and a column the gateway reads
    ready = await client.get("/readyz")
    async with engine.begin() as connection:
        await connection.execute(text("DROP TABLE shop_payment"))
        await connection.execute(text("ALTER TABLE shop_order DROP COLUMN notes"))

    # When readiness is asked
    response = await client.get("/readyz")

    # Then it is 503 with the reason, which names them
    where = f' (schema "{settings.database_schema}")' if settings.database_schema else ""
    assert ready.status_code == 200
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "incomplete",
        "reason": f"the database{where} lacks the shop's table shop_payment; "
        "column shop_order.notes",
    }


def test_the_required_columns_come_from_the_models():
    required = required_columns()

    assert sorted(required) == sorted(table.name for table in Base.metadata.sorted_tables)
    assert required["shop_apitoken"] == ["key", "created_at", "customer_id"]
    assert "amount" in required["shop_payment"]
