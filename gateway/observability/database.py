"""Database metrics: statement durations from engine events, pool usage read at scrape time."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client import Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

_STARTED = "_gateway_statement_started"


def time_statements(engine: AsyncEngine, histogram: Histogram) -> None:
    """Observe every statement's duration (cursor execute to result) in `histogram`."""

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _before(
        _conn: Any, _cursor: Any, _sql: str, _params: Any, context: Any, _many: bool
    ) -> None:
        # The execution context lives exactly as long as the statement: a failed statement
        # leaves nothing behind.
        setattr(context, _STARTED, time.perf_counter())

    @event.listens_for(engine.sync_engine, "after_cursor_execute")
    def _after(
        _conn: Any, _cursor: Any, _sql: str, _params: Any, context: Any, _many: bool
    ) -> None:
        started = getattr(context, _STARTED, None)
        if started is not None:
            histogram.observe(time.perf_counter() - started)


class PoolCollector(Collector):
    """Connection pool gauges, read from the engine's pool when scraped.

    Labelled with the process id: in multiprocess mode these describe only the process that
    answered the scrape (pools live in each process's memory, not in the shared files).
    """

    def __init__(self) -> None:
        self.engine: AsyncEngine | None = None

    def watch(self, engine: AsyncEngine | None) -> None:
        """Report this engine's pool (None: report nothing, e.g. after shutdown)."""
        self.engine = engine

    def describe(self) -> Iterable[Metric]:
        return []  # the series only exist while an engine is watched

    def collect(self) -> Iterator[Metric]:
        pool = self.engine.pool if self.engine is not None else None
        if not isinstance(pool, QueuePool):
            return
        pid = str(os.getpid())
        values = {
            "gateway_db_pool_size": ("Connections the pool keeps open (pool_size).", pool.size()),
            "gateway_db_pool_checked_out": (
                "Connections in use by requests right now.",
                pool.checkedout(),
            ),
            "gateway_db_pool_overflow": (
                "Connections open beyond pool_size (negative: not yet opened).",
                pool.overflow(),
            ),
        }
        for name, (documentation, value) in values.items():
            gauge = GaugeMetricFamily(name, documentation, labels=["pid"])
            gauge.add_metric([pid], value)
            yield gauge
