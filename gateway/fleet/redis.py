"""The deployment's Redis: one asyncio client with short timeouts, and its health.

A slow or absent Redis must never stall or fail a request: every command runs under
`timeout` seconds (connecting included, no retries), and any failure marks Redis down. While
it is down, callers are refused at once (`RedisUnavailable`) and fall back to what the
process knows by itself; one call every `retry_interval` seconds tries Redis again, and the
first that succeeds marks it up. The transitions are logged, "down" at most once a minute,
and `/metrics` shows `gateway_redis_up` and `gateway_redis_errors_total` by operation.

All keys start with `prefix` (`GATEWAY_REDIS_PREFIX`), so several deployments, or tests, can
share one server.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from gateway.observability.metrics import RedisMetrics

logger = logging.getLogger(__name__)

T = TypeVar("T")
RETRY_INTERVAL = 1.0
LOG_INTERVAL = 60.0
MAX_CONNECTIONS = 64


class RedisUnavailable(Exception):
    """Redis did not answer (down, slow, or refused the command); the caller falls back."""


class RedisLink:
    """The client and its health (see the module docstring).

    Parameters:
        url: `redis://[user:password@]host:port/db` (or `rediss://`, `unix://`).
        prefix: the start of every key this deployment writes.
        timeout: seconds one command may take, connecting included.
        metrics: where its state and errors are counted (None: nowhere).
        clock: monotonic seconds (tests pass their own).
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str,
        timeout: float,
        metrics: RedisMetrics | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.prefix = prefix
        self.timeout = timeout
        self.metrics = metrics
        self.clock = clock
        self.pool = BlockingConnectionPool.from_url(
            url,
            max_connections=MAX_CONNECTIONS,
            timeout=timeout,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
        )
        self.client = Redis(connection_pool=self.pool)
        self.up = True
        self._retry_at = 0.0
        self._logged_down_at: float | None = None
        self._report_state()

    def key(self, *parts: str) -> str:
        """A key of this deployment: `<prefix><part>:<part>…`."""
        return self.prefix + ":".join(parts)

    def reachable(self) -> bool:
        """Whether a call may try Redis now: it is up, or it is time to try it again (this
        caller then makes the one attempt of this interval)."""
        if self.up:
            return True
        now = self.clock()
        if now < self._retry_at:
            return False
        self._retry_at = now + RETRY_INTERVAL
        return True

    async def run(self, operation: str, call: Callable[[], Awaitable[T]]) -> T:
        """`call()` within the timeout; `RedisUnavailable` if Redis is down or fails.
        `operation` names the call in the log and in the error counter."""
        if not self.reachable():
            raise RedisUnavailable(f"{operation}: Redis is down")
        try:
            async with asyncio.timeout(self.timeout):
                result = await call()
        except (RedisError, OSError, TimeoutError) as exc:
            self.failed(operation, exc)
            raise RedisUnavailable(f"{operation}: {type(exc).__name__}") from exc
        self.succeeded()
        return result

    def failed(self, operation: str, error: BaseException) -> None:
        """Mark Redis down after a failed call (also for callers using the client through
        another library, such as the rate limiter's storage)."""
        now = self.clock()
        if self.metrics is not None:
            self.metrics.errors.labels(operation).inc()
        was_up, self.up = self.up, False
        self._retry_at = now + RETRY_INTERVAL
        if self._logged_down_at is None or now - self._logged_down_at >= LOG_INTERVAL:
            self._logged_down_at = now
            logger.warning(
                "Redis unavailable (%s: %s: %s); using per-process state until it answers",
                operation,
                type(error).__name__,
                error,
            )
        if was_up:
            self._report_state()

    def succeeded(self) -> None:
        if not self.up:
            self.up = True
            logger.info("Redis answers again; shared state resumed")
            self._report_state()

    async def ping(self) -> bool:
        """Whether Redis answers now (for `/readyz`)."""
        try:
            await self.run("ping", self.client.ping)
        except RedisUnavailable:
            return False
        return True

    async def close(self) -> None:
        await self.client.aclose()
        await self.pool.aclose()

    def _report_state(self) -> None:
        if self.metrics is not None:
            self.metrics.up.set(1 if self.up else 0)
