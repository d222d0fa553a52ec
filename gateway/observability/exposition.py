"""`GET /metrics`: the Prometheus text format, from this process or from all of them."""

from __future__ import annotations

import struct
import time

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.requests import Request
from starlette.responses import Response

from gateway.observability.metrics import Metrics, multiprocess_dir

SCRAPE_ATTEMPTS = 5


def scrape(metrics: Metrics) -> bytes:
    """Every metric in the exposition format.

    In multiprocess mode counters and histograms are summed over the files of every process
    (live or exited) in `PROMETHEUS_MULTIPROC_DIR`; the pool gauges are this process's.
    """
    folder = multiprocess_dir()
    if folder is None:
        return generate_latest(metrics.registry)
    registry = CollectorRegistry()
    # prometheus-client leaves this constructor unannotated.
    MultiProcessCollector(registry, path=folder)  # type: ignore[no-untyped-call]
    registry.register(metrics.pool)
    for _ in range(SCRAPE_ATTEMPTS - 1):
        try:
            return generate_latest(registry)
        except struct.error:
            # Another worker's metric file was created but not sized yet (0 bytes for a
            # moment: prometheus/client_python#1199); read the folder again.
            time.sleep(0.001)
    return generate_latest(registry)


async def metrics_endpoint(request: Request) -> Response:
    body = scrape(request.app.state.metrics)
    return Response(body, headers={"Content-Type": CONTENT_TYPE_LATEST})
