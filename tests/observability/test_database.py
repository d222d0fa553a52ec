from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, Histogram
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.observability.database import PoolCollector, time_statements
from gateway.observability.metrics import Metrics


async def test_every_statement_is_timed(engine: AsyncEngine) -> None:
    # given an instrumented engine
    registry = CollectorRegistry()
    histogram = Histogram("statements_seconds", "test", registry=registry)
    time_statements(engine, histogram)
    # when three statements run, one of them failing
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
        await connection.execute(text("SELECT 2"))
    async with engine.connect() as connection:
        with pytest.raises(DBAPIError, match="no_such_table"):
            await connection.execute(text("SELECT * FROM no_such_table"))
    # then the two that completed are observed
    assert registry.get_sample_value("statements_seconds_count") == 2


async def test_pool_gauges_are_read_when_scraped(engine: AsyncEngine) -> None:
    # given a metrics registry watching the engine's pool
    metrics = Metrics()
    metrics.pool.watch(engine)
    sample = metrics.registry.get_sample_value
    size = engine.pool.size()  # type: ignore[attr-defined]  # QueuePool on both backends
    # when a connection is checked out
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
        (pid_label,) = {
            s.labels["pid"]
            for m in metrics.registry.collect()
            for s in m.samples
            if s.name == "gateway_db_pool_checked_out"
        }
        busy = sample("gateway_db_pool_checked_out", {"pid": pid_label})
    # then the scrape during it sees one in use, and none after it
    assert busy == 1
    assert sample("gateway_db_pool_checked_out", {"pid": pid_label}) == 0
    assert sample("gateway_db_pool_size", {"pid": pid_label}) == size


def test_without_an_engine_the_pool_collector_reports_nothing() -> None:
    assert list(PoolCollector().collect()) == []
