"""The Redis link: short timeouts, down marked at once, tried again once per interval, logged
at most once a minute, and its state in `/metrics`."""

from __future__ import annotations

import logging
import time

import pytest
from prometheus_client import generate_latest

from gateway.fleet.redis import LOG_INTERVAL, RETRY_INTERVAL, RedisLink, RedisUnavailable
from gateway.observability.metrics import Metrics
from tests.redis_fixtures import TIMEOUT, Clock
from tests.tcp_proxy import TcpProxy


def scraped(metrics: Metrics) -> str:
    return generate_latest(metrics.registry).decode()


async def test_commands_run_with_the_prefix(link: RedisLink, redis_prefix: str) -> None:
    key = link.key("probe", "1")
    assert key == f"{redis_prefix}probe:1"
    await link.run("test", lambda: link.client.set(key, b"x"))
    assert await link.run("test", lambda: link.client.get(key)) == b"x"
    assert await link.ping()


async def test_a_stopped_redis_is_marked_down_at_once(
    link: RedisLink,
    proxy: TcpProxy,
    metrics: Metrics,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert await link.ping()
    assert "gateway_redis_up 1.0" in scraped(metrics)
    # when Redis goes away
    await proxy.stop()
    started = time.perf_counter()
    with pytest.raises(RedisUnavailable):
        await link.run("apq_get", link.client.ping)
    # then the call failed without waiting the timeout out (refused at once), Redis is down,
    # and it is logged and counted
    assert time.perf_counter() - started < TIMEOUT
    assert not link.up
    assert 'gateway_redis_errors_total{operation="apq_get"} 1.0' in scraped(metrics)
    assert "gateway_redis_up 0.0" in scraped(metrics)
    (warning,) = [r for r in caplog.records if r.name == "gateway.fleet.redis"]
    assert warning.levelname == "WARNING"
    assert warning.getMessage().startswith("Redis unavailable (apq_get: ")


async def test_a_hanging_redis_times_out(link: RedisLink, proxy: TcpProxy) -> None:
    assert await link.ping()
    proxy.hang()
    started = time.perf_counter()
    assert not await link.ping()
    assert TIMEOUT - 0.05 < time.perf_counter() - started < TIMEOUT + 1.0
    assert not link.up


async def test_while_down_one_call_per_interval_tries_again(
    link: RedisLink, proxy: TcpProxy, clock: Clock, metrics: Metrics
) -> None:
    await proxy.stop()
    assert not await link.ping()
    tried: list[int] = []

    async def call() -> bool:
        tried.append(1)
        return await link.client.ping()

    # within the interval: refused without trying
    clock.now += RETRY_INTERVAL / 2
    with pytest.raises(RedisUnavailable):
        await link.run("rate_limit", call)
    assert tried == []
    # past it: one caller tries (and fails again: still down); the next waits again
    clock.now += RETRY_INTERVAL
    with pytest.raises(RedisUnavailable):
        await link.run("rate_limit", call)
    with pytest.raises(RedisUnavailable):
        await link.run("rate_limit", call)
    assert tried == [1]
    # once Redis is back, the next attempt marks it up
    await proxy.start()
    clock.now += RETRY_INTERVAL
    assert await link.run("rate_limit", call)
    assert link.up
    assert "gateway_redis_up 1.0" in scraped(metrics)


async def test_down_is_logged_at_most_once_a_minute(
    link: RedisLink, proxy: TcpProxy, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gateway.fleet.redis")
    await proxy.stop()
    for _ in range(5):
        assert not await link.ping()
        clock.now += RETRY_INTERVAL
    assert len([r for r in caplog.records if r.levelname == "WARNING"]) == 1
    clock.now += LOG_INTERVAL
    assert not await link.ping()
    assert len([r for r in caplog.records if r.levelname == "WARNING"]) == 2
    await proxy.start()
    clock.now += RETRY_INTERVAL
    assert await link.ping()
    assert caplog.records[-1].getMessage() == "Redis answers again; shared state resumed"
