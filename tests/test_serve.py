"""`gateway serve` end to end, as real processes: `--demo` creates and seeds the demo
database once; any other database is only read, and must hold the shop's tables; every
start-up error is one line on stderr, exit code 2, no traceback."""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import asyncpg
import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.settings import Settings
from tests.conftest import POSTGRES_URL
from tests.databases import asyncpg_dsn
from tests.gateway_process import GRAPHIQL_LINK, TOKEN, environment
from tests.pg_server import free_port

pytestmark = pytest.mark.slow


def serve_once(*args: str, cwd: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    """`gateway serve` that is expected to stop at start-up."""
    return subprocess.run(
        [sys.executable, "-m", "gateway", "serve", "--port", str(free_port()), *args],
        cwd=cwd, env=environment(**variables), capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_demo_first_start_creates_and_seeds_the_demo_database_and_the_second_reuses_it(
    start_server, tmp_path
):
    # Given an empty working folder
    work = tmp_path / "work"
    work.mkdir()
    database = work / ".gateway" / "demo.sqlite3"

    # When serve --demo starts there the first time
    first = start_server("--demo", cwd=work)
    first.wait_until_ready()
    token = TOKEN.search(first.stdout)
    assert token is not None, first.stdout
    orders = httpx.get(
        first.url("/api/shop/customers/me/orders?limit=1"),
        headers={"Authorization": f"Token {token.group(1)}"},
        timeout=10,
    )
    first.stop()

    # Then it created and seeded the demo database, and its token works
    assert "creating the demo database .gateway/demo.sqlite3" in first.stdout
    assert orders.status_code == 200
    with closing(sqlite3.connect(database)) as connection:
        demo_orders = connection.execute(
            "SELECT count(*) FROM shop_order WHERE customer_id = 1"
        ).fetchone()
    assert demo_orders == (2500,)
    fingerprint = sha256(database)

    # When it starts a second time
    second = start_server("--demo", cwd=work)
    second.wait_until_ready()
    second.stop()

    # Then it neither recreated nor reseeded the file, and prints the same token
    assert "creating the demo database" not in second.stdout
    again = TOKEN.search(second.stdout)
    assert again is not None
    assert again.group(1) == token.group(1)
    assert sha256(database) == fingerprint


def test_the_demo_prints_a_graphiql_link_with_the_token_header(start_server, tmp_path):
    # Given the demo
    work = tmp_path / "work"
    work.mkdir()
    server = start_server("--demo", cwd=work)
    server.wait_until_ready()
    server.stop()

    # Then its GraphiQL link carries the demo token's header, for GraphiQL to fill in
    token = TOKEN.search(server.stdout)
    link = GRAPHIQL_LINK.search(server.stdout)
    assert token is not None, server.stdout
    assert link is not None, server.stdout
    url = urlsplit(link.group(1))
    assert (url.path, list(parse_qs(url.query))) == ("/graphql", ["headers"])
    headers = json.loads(parse_qs(url.query)["headers"][0])
    assert headers == {"Authorization": f"Token {token.group(1)}"}


def test_no_database_configured_is_one_line_saying_how(tmp_path):
    # Given no GATEWAY_DATABASE_URL and no flag
    result = serve_once(cwd=tmp_path)

    # Then serve stops with one line naming the three ways, and creates nothing
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "error: no database configured: set GATEWAY_DATABASE_URL or pass --database-url "
        "(postgresql://user@host/db or sqlite:///path/file.sqlite3), or pass --demo for the "
        "demo database\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_misspelt_variable_is_one_line_naming_the_closest_setting(tmp_path):
    # Given a misspelt variable (the demo database would otherwise be served)
    result = serve_once("--demo", cwd=tmp_path, GATEWAY_DATABSE_URL="postgresql://db/shop")

    # Then serve stops with one line naming it and the setting meant
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "error: unknown variable GATEWAY_DATABSE_URL: did you mean GATEWAY_DATABASE_URL? "
        "(see docs/configuration.md)\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_missing_sqlite_file_stops_start_up_and_creates_nothing(tmp_path):
    # Given an empty folder
    work = tmp_path / "work"
    work.mkdir()

    # When serve is pointed at a SQLite file that does not exist
    result = subprocess.run(
        [sys.executable, "-m", "gateway", "serve", "--port", str(free_port()),
         "--database-url", "sqlite:///missing.sqlite3"],
        cwd=work, env=environment(), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip

    # Then it stops with one clear line, and the folder stays empty
    assert result.returncode == 2
    assert result.stderr == "error: GATEWAY_DATABASE_URL: no SQLite database at missing.sqlite3\n"
    assert list(work.iterdir()) == []


async def _postgres_tables(schema: str) -> list[str]:
    connection = await asyncpg.connect(asyncpg_dsn(POSTGRES_URL))
    try:
        rows = await connection.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = $1", schema
        )
    finally:
        await connection.close()
    return [row["table_name"] for row in rows]


def _sqlite_tables(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as connection:
        return [row[0] for row in connection.execute("SELECT name FROM sqlite_master")]


def _database_variables(settings: Settings) -> dict[str, str]:
    variables = {"GATEWAY_DATABASE_URL": settings.database_url}
    if settings.database_schema:
        variables["GATEWAY_DATABASE_SCHEMA"] = settings.database_schema
    return variables


def test_an_empty_database_stops_start_up_with_one_line(settings: Settings, tmp_path):
    # Given an existing database without any table (an empty SQLite file / an empty schema)
    work = tmp_path / "work"
    work.mkdir()
    if not settings.database_schema:
        (tmp_path / "shop.sqlite3").touch()

    # When serve is pointed at it
    result = serve_once(cwd=work, **_database_variables(settings))

    # Then it stops with one line naming what is missing, and created nothing
    where = f' (schema "{settings.database_schema}")' if settings.database_schema else ""
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith(
        f"error: the database{where} lacks the shop's table shop_country; table shop_customer; "
    )
    assert result.stderr.count("\n") == 1
    if settings.database_schema:
        assert asyncio.run(_postgres_tables(settings.database_schema)) == []
    else:
        assert _sqlite_tables(tmp_path / "shop.sqlite3") == []
    assert list(work.iterdir()) == []


def test_serve_on_a_shop_database_only_reads(
    start_server, settings: Settings, engine: AsyncEngine, tmp_path
):
    # Given a database with the shop's (empty) tables
    work = tmp_path / "work"
    work.mkdir()

    # When serve runs on it
    server = start_server(cwd=work, env=environment(**_database_variables(settings)))
    server.wait_until_ready()
    server.stop()

    # Then it served without seeding or printing a demo token, and wrote no file
    assert "Demo token" not in server.stdout
    assert list(work.iterdir()) == []


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ("{not json", "not a JSON file"),
        ('{"0000000000000000000000000000000000000000000000000000000000000000": "{ me { id } }"}',
         "the entry 0000000000000000000000000000000000000000000000000000000000000000 does not "
         "match its document"),
        ('{"format": "apollo-persisted-query-manifest", "version": 2, "operations": []}',
         "expected version 1 with a list of operations"),
    ],
    ids=["not JSON", "wrong hash", "unknown version"],
)  # fmt: skip
def test_a_bad_manifest_stops_start_up_with_one_line(tmp_path, manifest, message):
    # Given a database and a manifest that cannot be used
    database = tmp_path / "shop.sqlite3"
    database.touch()
    (tmp_path / "persisted.json").write_text(manifest, encoding="utf-8")

    # When serve starts with it
    result = serve_once(
        "--database-url", f"sqlite:///{database}", cwd=tmp_path,
        GATEWAY_PERSISTED_QUERIES_FILE="persisted.json",
    )  # fmt: skip

    # Then it stops with one line naming the setting, the file and the problem
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith("error: GATEWAY_PERSISTED_QUERIES_FILE: persisted.json: ")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1


def test_allow_list_mode_with_a_missing_manifest_is_one_line(tmp_path):
    result = serve_once(
        "--demo", cwd=tmp_path,
        GATEWAY_PERSISTED_QUERIES_FILE="missing.json", GATEWAY_PERSISTED_QUERIES_ONLY="true",
    )  # fmt: skip

    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == ("error: GATEWAY_PERSISTED_QUERIES_FILE: missing.json: no such file\n")


def test_uvicorn_logs_through_the_gateway_formatter(start_server, tmp_path):
    # Given the demo served with JSON logs
    work = tmp_path / "work"
    work.mkdir()
    server = start_server("--demo", "--log-format", "json", cwd=work)
    server.wait_until_ready()
    server.stop()

    # Then uvicorn's own lines are JSON objects in the gateway's shape
    lines = [json.loads(line) for line in server.stdout.splitlines() if line.startswith("{")]
    uvicorn_lines = [line for line in lines if line["logger"].startswith("uvicorn")]
    messages = [line["message"] for line in uvicorn_lines]
    assert "Application startup complete." in messages
    assert {tuple(sorted(line)) for line in uvicorn_lines} == {
        ("level", "logger", "message", "time")
    }
    assert not [line for line in server.stdout.splitlines() if line.startswith("INFO:")]
