"""Fixtures for tests on Redis (a plugin of `tests/conftest.py`): the test Redis reached
through a proxy the test controls, a link to it, and a clock the test moves."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import pytest
from redis.asyncio import Redis

from gateway.fleet.redis import RedisLink
from gateway.observability.metrics import Metrics
from tests.conftest import REDIS_SKIP, REDIS_URL
from tests.tcp_proxy import TcpProxy

# Long enough that a healthy Redis behind the test's proxy answers within it on a loaded
# 2-core CI machine (0.2 s did not, once), short enough for the tests that wait it out.
TIMEOUT = 1.0


@dataclass
class Clock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A key prefix of this test's own on the Redis of `GATEWAY_TEST_REDIS_URL`; the keys
    under it (and only those) are deleted after the test."""
    if not REDIS_URL:
        pytest.skip(REDIS_SKIP)
    prefix = f"gw-test-{uuid.uuid4().hex[:12]}:"
    yield prefix
    client = Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*", count=1000)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.fixture
async def proxy(redis_prefix: str) -> AsyncIterator[TcpProxy]:
    """A proxy to the test Redis (needs `GATEWAY_TEST_REDIS_URL`, like `redis_prefix`)."""
    url = urlsplit(REDIS_URL)
    proxy = TcpProxy(url.hostname or "127.0.0.1", url.port or 6379)
    await proxy.start()
    yield proxy
    await proxy.stop()


def proxied_url(proxy: TcpProxy) -> str:
    """The test Redis's URL (its database number and credentials) through the proxy."""
    url = urlsplit(REDIS_URL)
    credentials = url.netloc.rpartition("@")[0]
    netloc = f"{credentials}@" if credentials else ""
    return urlunsplit(url._replace(netloc=f"{netloc}127.0.0.1:{proxy.port}"))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
async def link(
    proxy: TcpProxy, redis_prefix: str, metrics: Metrics, clock: Clock
) -> AsyncIterator[RedisLink]:
    """A link to the test Redis through the proxy, with a `TIMEOUT` timeout."""
    link = RedisLink(
        proxied_url(proxy),
        prefix=redis_prefix,
        timeout=TIMEOUT,
        metrics=metrics.redis(),
        clock=clock,
    )
    yield link
    await link.close()


@pytest.fixture
async def direct(redis_prefix: str) -> AsyncIterator[Redis]:
    """A plain client to the test Redis, to look at what the code under test wrote."""
    client = Redis.from_url(REDIS_URL)
    yield client
    await client.aclose()
