"""The service rides out database outages: it starts while PostgreSQL is down, answers clean
503s (REST and GraphQL) while it is away, and recovers by itself when it returns, twice,
without a restart. Against a throwaway PostgreSQL this test starts and stops itself.

Run with `-s` to see the timeline (seconds from each database event to the service's
answer changing).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.pg_server import ThrowawayPostgres, free_port
from tests.resilience.answers import UNAVAILABLE, assert_rest_unavailable

pytestmark = pytest.mark.slow
RECOVERY_SECONDS = 15  # the most each change may take to show (it takes well under one)
STARTUP_SECONDS = 60
ORDERS = "/api/shop/customers/me/orders"
SEEDED_TOKEN = re.compile(r"^\s+([0-9a-f]{40})\s+customer", re.MULTILINE)
ME = "{ me { databaseId } }"


@dataclass
class Timeline:
    """Seconds from a database event to the service's answers reflecting it."""

    started: float = field(default_factory=time.monotonic)
    events: list[tuple[str, float]] = field(default_factory=list)

    def record(self, what: str, since: float) -> None:
        self.events.append((what, time.monotonic() - since))

    def report(self) -> str:
        return "\n".join(f"  {what:<58} {seconds:6.2f} s" for what, seconds in self.events)


@dataclass
class Service:
    process: subprocess.Popen[bytes]
    base: str
    log: Path

    def get(self, path: str, token: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Token {token}"} if token else {}
        return httpx.get(self.base + path, headers=headers, timeout=10)

    def graphql(self, token: str) -> httpx.Response:
        headers = {"Authorization": f"Token {token}"}
        return httpx.post(self.base + "/graphql", json={"query": ME}, headers=headers, timeout=10)


def gateway(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway", *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=os.environ | env,
    )


@pytest.fixture
def database() -> Iterator[ThrowawayPostgres]:
    server = ThrowawayPostgres()  # initialised, not started
    yield server
    server.destroy()


@pytest.fixture
def service(database: ThrowawayPostgres, tmp_path: Path) -> Iterator[Service]:
    """`gateway serve` on the throwaway database's URL, started while that is down."""
    port = free_port()
    log = tmp_path / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")} | {
        "GATEWAY_CURSOR_SECRET": "fault-test-secret",
        "GATEWAY_LOG_FORMAT": "json",
        "GATEWAY_DB_POOL_TIMEOUT": "1",
        "PYTHONUNBUFFERED": "1",
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gateway", "serve", "--port", str(port),
             "--database-url", database.url],
            stdout=output, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )  # fmt: skip
    running = Service(process, f"http://127.0.0.1:{port}", log)
    try:
        wait_for(lambda: running.get("/healthz").status_code == 200, STARTUP_SECONDS, running)
        yield running
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def wait_for(condition: Callable[[], bool], seconds: float, service: Service) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            pytest.fail(f"serve exited:\n{service.log.read_text(errors='replace')}")
        try:
            if condition():
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    pytest.fail(f"not within {seconds} s:\n{service.log.read_text(errors='replace')[-3000:]}")


def assert_unavailable(service: Service, token: str) -> None:
    """Every door answers a clean 503: no traceback, no SQL, no driver message."""
    ready = service.get("/readyz")
    assert (ready.status_code, ready.json()) == (
        503,
        {"status": "unavailable", "database": "unreachable"},
    )
    assert_rest_unavailable(service.get(ORDERS, token))
    graphql = service.graphql(token)
    assert (graphql.status_code, graphql.headers["Retry-After"]) == (503, "1")
    assert graphql.json() == {
        "data": {"me": None},
        "errors": [
            {
                "message": UNAVAILABLE,
                "locations": [{"line": 1, "column": 3}],
                "path": ["me"],
                "extensions": {"code": "SERVICE_UNAVAILABLE"},
            }
        ],
    }


def answers(service: Service, token: str) -> bool:
    """Ready, and both doors serve the customer's data."""
    return (
        service.get("/readyz").status_code == 200
        and service.get(ORDERS, token).status_code == 200
        and service.graphql(token).status_code == 200
    )


def refuses(service: Service, token: str) -> bool:
    return (
        service.get("/readyz").status_code == 503 and service.get(ORDERS, token).status_code == 503
    )


def test_outages_answer_503_and_recover_without_a_restart(
    database: ThrowawayPostgres, service: Service
) -> None:
    timeline = Timeline()
    token = "f" * 40  # any well-formed key: the database decides once it is there

    # given the service started while the database is down: clean 503s
    assert_unavailable(service, token)
    timeline.record("service up, database down: 503s", timeline.started)

    # when the database starts and gets its tables and data
    since = time.monotonic()
    database.start()
    seeded = gateway("seed", "--database-url", database.url, "--orders", "30", "--customers", "3")
    token = SEEDED_TOKEN.findall(seeded.stdout)[0]
    timeline.record("database started and seeded (gateway seed)", since)

    # then the running service answers 200 on both doors, without a restart
    since = time.monotonic()
    wait_for(lambda: answers(service, token), RECOVERY_SECONDS, service)
    timeline.record("seeded -> /readyz, REST and GraphQL 200", since)
    assert service.get(ORDERS, token).json()["count"] > 0

    # when the database stops, then 503s again
    since = time.monotonic()
    database.stop()
    wait_for(lambda: refuses(service, token), RECOVERY_SECONDS, service)
    timeline.record("database stopped -> 503s", since)
    assert_unavailable(service, token)

    # when it starts again, then 200s again
    since = time.monotonic()
    database.start()
    timeline.record("database restarted (pg_ctl start -w)", since)
    since = time.monotonic()
    wait_for(lambda: answers(service, token), RECOVERY_SECONDS, service)
    timeline.record("restarted -> /readyz, REST and GraphQL 200", since)

    assert service.process.poll() is None  # the same process throughout
    print("\ndatabase fault timeline:\n" + timeline.report())
