"""`gateway serve --workers 2` on PostgreSQL: both processes serve, and `/metrics` adds up
what every process counted (prometheus-client's multiprocess mode)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import POSTGRES_SKIP, POSTGRES_URL
from tests.databases import empty_schema
from tests.pg_server import free_port

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason=POSTGRES_SKIP),
]
REQUESTS = 60


@pytest.fixture
async def scratch_schema() -> AsyncIterator[str]:
    """A PostgreSQL schema for this test only, dropped after it."""
    async with empty_schema(POSTGRES_URL) as schema:
        yield schema


@pytest.fixture
def server(scratch_schema: str, tmp_path: Path) -> Iterator[str]:
    """The service with two workers on the seeded schema; yields its base URL."""
    env = {
        **os.environ,
        "GATEWAY_DATABASE_SCHEMA": scratch_schema,
        "GATEWAY_CURSOR_SECRET": "test-secret",
        "GATEWAY_LOG_FORMAT": "json",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    gateway = [sys.executable, "-m", "gateway"]
    seed = [*gateway, "seed", "--orders", "40", "--customers", "3", "--database-url", POSTGRES_URL]
    subprocess.run(seed, env=env, check=True, capture_output=True, timeout=120)
    port = free_port()
    serve = [*gateway, "serve", "--workers", "2", "--port", str(port)]
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [*serve, "--database-url", POSTGRES_URL], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


async def wait_listening(client: httpx.AsyncClient) -> None:
    for _ in range(150):
        try:
            if (await client.get("/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            pass  # not listening yet
        await asyncio.sleep(0.2)
    pytest.fail("the service did not answer within 30 seconds")


def readyz_count(exposition: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.name == "gateway_http_requests_total"
        and sample.labels == {"method": "GET", "route": "/readyz", "status": "200"}
    )


def answering_pid(exposition: str) -> str:
    (pid,) = {
        sample.labels["pid"]
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.name == "gateway_db_pool_size"
    }
    return pid


async def test_two_workers_share_the_traffic_and_the_metrics(server: str) -> None:
    # a new connection per request, so the kernel may hand each to either worker
    limits = httpx.Limits(max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=server, limits=limits, timeout=10) as client:
        await wait_listening(client)
        # when many requests that touch the database arrive at once
        answers = await asyncio.gather(*(client.get("/readyz") for _ in range(REQUESTS)))
        assert {answer.status_code for answer in answers} == {200}
        # then scrapes are answered by both processes (each names its pid), and each counts
        # the requests of both (a process counts a request just after answering it, so a
        # scrape may briefly see fewer, never more)
        latest: dict[str, float] = {}
        for _ in range(50):
            scrapes = await asyncio.gather(*(client.get("/metrics") for _ in range(4)))
            for scrape in scrapes:
                count = readyz_count(scrape.text)
                assert count <= REQUESTS
                latest[answering_pid(scrape.text)] = count
            if len(latest) == 2 and set(latest.values()) == {REQUESTS}:
                break
            await asyncio.sleep(0.05)
        assert len(latest) == 2
        assert set(latest.values()) == {REQUESTS}
