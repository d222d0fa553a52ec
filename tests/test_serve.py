"""`gateway serve` end to end, as real processes: the embedded demo database is created and
seeded once; any other database is only read; a missing SQLite file stops start-up."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest

from gateway.settings import Settings
from tests.conftest import POSTGRES_URL
from tests.databases import asyncpg_dsn
from tests.pg_server import free_port

pytestmark = pytest.mark.slow
STARTUP_SECONDS = 120  # seeding the demo data on a loaded CI machine included
TOKEN = re.compile(r"^Demo token:\s+([0-9a-f]{40})$", re.MULTILINE)


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    output: Path

    @property
    def stdout(self) -> str:
        return self.output.read_text(encoding="utf-8", errors="replace")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_until_ready(self) -> None:
        """Until `/readyz` answers 200; fails with the output if the process dies."""
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"serve exited with {self.process.returncode}:\n{self.stdout}")
            try:
                if httpx.get(self.url("/readyz"), timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        pytest.fail(f"serve was not ready after {STARTUP_SECONDS}s:\n{self.stdout}")

    def stop(self) -> None:
        """SIGTERM to the whole process group (workers included), SIGKILL if it lingers."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=20)


def environment(**variables: str) -> dict[str, str]:
    """This environment without `GATEWAY_*` (so only the test's own settings count)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    return env | {"PYTHONUNBUFFERED": "1"} | variables


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Starts `python -m gateway serve` in a folder of the test's; every server it started
    is stopped at the end, whatever happened."""
    servers: list[Server] = []

    def start(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Server:
        port = free_port()
        output = tmp_path / f"serve-{len(servers)}.out"
        with output.open("wb") as sink:
            process = subprocess.Popen(
                [sys.executable, "-m", "gateway", "serve", "--port", str(port), *args],
                cwd=cwd,
                env=env or environment(),
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() reaches workers too
            )
        server = Server(process, port, output)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_first_start_creates_and_seeds_the_demo_database_and_the_second_reuses_it(
    start_server, tmp_path
):
    # Given an empty working folder
    work = tmp_path / "work"
    work.mkdir()
    database = work / ".gateway" / "demo.sqlite3"

    # When serve starts there the first time
    first = start_server(cwd=work)
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
    second = start_server(cwd=work)
    second.wait_until_ready()
    second.stop()

    # Then it neither recreated nor reseeded the file, and prints the same token
    assert "creating the demo database" not in second.stdout
    again = TOKEN.search(second.stdout)
    assert again is not None
    assert again.group(1) == token.group(1)
    assert sha256(database) == fingerprint


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


def test_serve_on_another_database_never_creates_tables(start_server, settings: Settings, tmp_path):
    # Given an existing database without any table (an empty SQLite file / an empty schema)
    work = tmp_path / "work"
    work.mkdir()
    env = environment(GATEWAY_DATABASE_URL=settings.database_url)
    if settings.database_schema:
        env["GATEWAY_DATABASE_SCHEMA"] = settings.database_schema
    else:
        (tmp_path / "shop.sqlite3").touch()

    # When serve runs on it
    server = start_server(cwd=work, env=env)
    server.wait_until_ready()
    server.stop()

    # Then it served without creating tables, seeding or printing a demo token
    if settings.database_schema:
        assert asyncio.run(_postgres_tables(settings.database_schema)) == []
    else:
        assert _sqlite_tables(tmp_path / "shop.sqlite3") == []
    assert "Demo token" not in server.stdout
    assert list(work.iterdir()) == []
