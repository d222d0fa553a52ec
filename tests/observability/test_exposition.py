"""`/metrics` in one process, and prometheus-client's multiprocess mode across processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from gateway.observability.multiprocess import VARIABLE

# One "worker": counts a request with its own Metrics, writing to the shared folder.
WORKER = """
from gateway.observability.metrics import Metrics
Metrics().observe_request("GET", "/healthz", 200, 0.01)
"""
SCRAPE = """
import sys
from gateway.observability.exposition import scrape
from gateway.observability.metrics import Metrics
sys.stdout.write(scrape(Metrics()).decode())
"""


def samples(exposition: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(exposition)
        for s in family.samples
    }


HEALTHZ_200 = frozenset({("method", "GET"), ("route", "/healthz"), ("status", "200")})


async def test_metrics_endpoint_counts_requests_by_route(client: httpx.AsyncClient) -> None:
    # given three requests (one of them an unknown path with an id in it)
    await client.get("/healthz")
    await client.get("/healthz")
    await client.get("/orders/12345")
    # when scraped
    response = await client.get("/metrics")
    # then counts are by route template, the raw path never appears
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    found = samples(response.text)
    assert found[("gateway_http_requests_total", HEALTHZ_200)] == 2
    unmatched = frozenset({("method", "GET"), ("route", "unmatched"), ("status", "404")})
    assert found[("gateway_http_requests_total", unmatched)] == 1
    assert "12345" not in response.text
    assert found[("gateway_db_pool_checked_out", frozenset({("pid", str(os.getpid()))}))] == 0


@pytest.mark.slow
def test_multiprocess_scrape_adds_up_every_process(tmp_path: Path) -> None:
    # given two worker processes that each served a request, in multiprocess mode
    env = {**os.environ, VARIABLE: str(tmp_path)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", WORKER], env=env, check=True, timeout=60)
    # when a third process answers the scrape
    done = subprocess.run(
        [sys.executable, "-c", SCRAPE], env=env, check=True, timeout=60, capture_output=True
    )
    # then it reports both requests
    found = samples(done.stdout.decode())
    assert found[("gateway_http_requests_total", HEALTHZ_200)] == 2
    assert len(list(tmp_path.glob("counter_*.db"))) == 2


# A scrape that meets another worker's metric file in the moment it exists at 0 bytes
# (created, not sized yet); the "worker" sizes it while the scrape waits to read again.
SCRAPE_DURING_CREATION = """
import sys
from pathlib import Path
from gateway.observability import exposition
from gateway.observability.metrics import Metrics
fresh = Path(sys.argv[1]) / "counter_4242.db"
fresh.touch()
waits = []
def sized_meanwhile(seconds):
    waits.append(seconds)
    fresh.unlink()
exposition.time.sleep = sized_meanwhile
sys.stdout.write(exposition.scrape(Metrics()).decode())
sys.stderr.write(str(len(waits)))
"""


@pytest.mark.slow
def test_a_scrape_reads_again_past_a_file_being_created(tmp_path: Path) -> None:
    # given a worker's counted request, and a metric file still at 0 bytes
    env = {**os.environ, VARIABLE: str(tmp_path)}
    subprocess.run([sys.executable, "-c", WORKER], env=env, check=True, timeout=60)
    # when a process scrapes
    done = subprocess.run(
        [sys.executable, "-c", SCRAPE_DURING_CREATION, str(tmp_path)],
        env=env,
        check=True,
        timeout=60,
        capture_output=True,
    )
    # then it read the folder again once and answered every metric
    assert done.stderr.decode() == "1"
    assert samples(done.stdout.decode())[("gateway_http_requests_total", HEALTHZ_200)] == 1
