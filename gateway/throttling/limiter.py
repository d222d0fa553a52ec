"""Counting each customer's requests and GraphQL cost, with the `limits` library.

Requests (`RequestLimit`) use a moving window, the algorithm of DRF's `SimpleRateThrottle`:
a request is allowed while fewer than N were allowed in the last period, refused requests
are not counted, and the wait is the time until the oldest counted request leaves the
window (DRF's `wait()` when the history is full). `limits` keeps the window as a Redis list
of timestamps, N entries at most per customer, as DRF keeps its history in its cache.

GraphQL cost (`CostLimit`) uses a sliding window counter: two counters per customer, so that
a budget of a million points costs what a budget of ten does. Before an operation runs, its
requested cost must fit the remaining budget; after it ran, its actual cost is charged
(Shopify's model: clients pay for what was returned). Operations running side by side each
check the budget before any of them is charged, so together they may overdraw it by what
they ask; a charge that no longer fits is dropped, and the budget is empty for all of them
until the window moves on.

With Redis (`GATEWAY_REDIS_URL`), counters are shared by every instance. Without it, or
while it does not answer, each process counts in its own memory (those counters start from
zero: a customer may get up to the limit once more per process while Redis is away).
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import (
    MovingWindowRateLimiter,
    RateLimiter,
    SlidingWindowCounterRateLimiter,
)
from limits.util import WindowStats
from prometheus_client import Counter

from gateway.fleet.redis import RedisLink, RedisUnavailable
from gateway.throttling.rates import Rate

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Verdict:
    """One policy's answer for one request.

    Attributes:
        allowed: the request may run.
        remaining: units left in the window (after this request's, when allowed).
        reset: seconds until more units are available (the IETF field's `t`).
        retry_after: seconds to wait before asking again, when refused (at least 1).
    """

    allowed: bool
    remaining: int
    reset: int
    retry_after: int | None = None


def seconds_until(moment: float) -> int:
    """Whole seconds from now until `moment` (a Unix time), rounded up as DRF rounds."""
    return max(0, math.ceil(moment - time.time()))


class Policy:
    """One limit applied to every customer separately, shared through Redis when there is one.

    Parameters:
        rate: how many units per period.
        redis: the deployment's Redis (None: per process only).
        refusals: counts the requests it refuses, by policy name (None: not counted).
    """

    name: str  # in the IETF fields
    strategy: type[RateLimiter]

    def __init__(
        self, rate: Rate, redis: RedisLink | None, refusals: Counter | None = None
    ) -> None:
        self.rate = rate
        self.refusals = refusals
        self.item: RateLimitItem = RateLimitItemPerSecond(
            rate.amount, rate.seconds, namespace=self.name
        )
        self.redis = redis
        self.local = self.strategy(MemoryStorage())
        self.shared: RateLimiter | None = None
        if redis is not None:
            # The URI only names the kind of storage: connections come from the link's pool.
            storage = RedisStorage(
                "async+redis://",
                connection_pool=redis.pool,  # type: ignore[arg-type]  # documented; typed too narrowly
                implementation="redispy",
                key_prefix=redis.key("limits"),
            )
            self.shared = self.strategy(storage)

    async def _count(self, use: Callable[[RateLimiter], Awaitable[T]]) -> T:
        """`use` on the shared counters, or on this process's while Redis is away."""
        if self.shared is not None and self.redis is not None:
            shared = self.shared
            try:
                return await self.redis.run("rate_limit", lambda: use(shared))
            except RedisUnavailable:
                pass
        return await use(self.local)

    async def _stats(self, customer: str) -> WindowStats:
        return await self._count(lambda limiter: limiter.get_window_stats(self.item, customer))

    def _refused(self, remaining: int, reset: int, wait: int) -> Verdict:
        if self.refusals is not None:
            self.refusals.labels(self.name).inc()
        return Verdict(False, remaining, reset, retry_after=max(1, wait))


class RequestLimit(Policy):
    """Requests per customer and period (DRF's algorithm: see the module docstring)."""

    name = "requests"
    strategy = MovingWindowRateLimiter

    async def hit(self, customer_id: int) -> Verdict:
        """Count one request of the customer, if the window has room for it."""
        customer = str(customer_id)

        async def hit_and_look(limiter: RateLimiter) -> tuple[bool, WindowStats]:
            allowed = await limiter.hit(self.item, customer)
            return allowed, await limiter.get_window_stats(self.item, customer)

        allowed, stats = await self._count(hit_and_look)
        reset = seconds_until(stats.reset_time)
        if allowed:
            return Verdict(True, stats.remaining, reset)
        return self._refused(0, reset, reset)


class CostLimit(Policy):
    """GraphQL cost points per customer and period (see the module docstring)."""

    name = "cost"
    strategy = SlidingWindowCounterRateLimiter

    @property
    def restore_rate(self) -> float:
        """Points per second the budget regains on average (the limit over its period)."""
        return self.rate.amount / self.rate.seconds

    async def check(self, customer_id: int, requested: int) -> Verdict:
        """Whether an operation asking for `requested` points fits the remaining budget;
        if not, the wait is the time the average restore rate takes to cover the gap."""
        stats = await self._stats(str(customer_id))
        reset = seconds_until(stats.reset_time)
        if requested <= stats.remaining:
            return Verdict(True, stats.remaining, reset)
        missing = requested - stats.remaining
        return self._refused(stats.remaining, reset, math.ceil(missing / self.restore_rate))

    async def charge(self, customer_id: int, actual: int, before: Verdict) -> Verdict:
        """Charge an operation's actual cost; the budget left, as far as this process knows
        (`before`: what `check` said)."""
        if actual > 0:
            await self._count(lambda limiter: limiter.hit(self.item, str(customer_id), cost=actual))
        return Verdict(True, max(0, before.remaining - actual), before.reset)


@dataclass(frozen=True, slots=True)
class Throttles:
    """The deployment's limits; either may be off (None).

    Attributes:
        requests: requests per customer (`GATEWAY_RATE_LIMIT`).
        cost: GraphQL cost points per customer (`GATEWAY_GRAPHQL_COST_LIMIT`).
    """

    requests: RequestLimit | None = None
    cost: CostLimit | None = None
