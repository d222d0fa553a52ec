"""Counting requests and cost per customer: in memory, on Redis shared by two instances, and
on each process's own counters while Redis is away."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from gateway.fleet.redis import RedisLink
from gateway.throttling.limiter import CostLimit, RequestLimit, Verdict
from gateway.throttling.rates import Rate
from tests.redis_fixtures import TIMEOUT, proxied_url
from tests.tcp_proxy import TcpProxy

ME, OTHER = 1, 2


async def test_requests_are_refused_past_the_rate_and_others_are_not() -> None:
    limit = RequestLimit(Rate(3, 60), None)
    verdicts = [await limit.hit(ME) for _ in range(4)]
    assert [(v.allowed, v.remaining) for v in verdicts] == [
        (True, 2),
        (True, 1),
        (True, 0),
        (False, 0),
    ]
    # DRF's wait: until the oldest request leaves the window (here, almost a minute)
    refused = verdicts[-1]
    assert refused.retry_after in (59, 60)
    assert refused.reset == refused.retry_after
    assert all(v.reset in (59, 60) for v in verdicts)
    assert await limit.hit(OTHER) == Verdict(True, 2, 60)


async def test_refused_requests_are_not_counted() -> None:
    limit = RequestLimit(Rate(1, 1), None)
    assert (await limit.hit(ME)).allowed
    for _ in range(5):
        assert not (await limit.hit(ME)).allowed


async def test_cost_is_checked_against_the_budget_and_charged_as_actual() -> None:
    limit = CostLimit(Rate(100, 60), None)
    first = await limit.check(ME, 60)
    assert first.allowed
    assert first.remaining == 100
    assert await limit.charge(ME, 60, first) == Verdict(True, 40, first.reset)
    # 50 points do not fit in 40: the wait is what the average restore rate (100 points a
    # minute) takes to give back the 10 missing
    refused = await limit.check(ME, 50)
    assert (refused.allowed, refused.remaining, refused.retry_after) == (False, 40, 6)
    assert (await limit.check(ME, 40)).allowed
    assert (await limit.check(OTHER, 100)).allowed


async def test_an_operation_that_cost_nothing_is_not_charged() -> None:
    limit = CostLimit(Rate(10, 60), None)
    before = await limit.check(ME, 10)
    await limit.charge(ME, 0, before)
    assert (await limit.check(ME, 10)).remaining == 10


@pytest.fixture
async def other_link(proxy: TcpProxy, redis_prefix: str) -> AsyncIterator[RedisLink]:
    """A second instance's link to the same Redis."""
    link = RedisLink(proxied_url(proxy), prefix=redis_prefix, timeout=TIMEOUT)
    yield link
    await link.close()


async def test_two_instances_share_a_customers_count(
    link: RedisLink, other_link: RedisLink
) -> None:
    mine, theirs = RequestLimit(Rate(3, 60), link), RequestLimit(Rate(3, 60), other_link)
    assert (await mine.hit(ME)).remaining == 2
    assert (await theirs.hit(ME)).remaining == 1
    assert (await mine.hit(ME)).remaining == 0
    assert not (await theirs.hit(ME)).allowed
    assert (await theirs.hit(OTHER)).remaining == 2


async def test_two_instances_share_a_customers_budget(
    link: RedisLink, other_link: RedisLink
) -> None:
    mine, theirs = CostLimit(Rate(100, 60), link), CostLimit(Rate(100, 60), other_link)
    await mine.charge(ME, 70, await mine.check(ME, 70))
    assert (await theirs.check(ME, 30)).remaining == 30
    assert not (await theirs.check(ME, 31)).allowed


async def test_redis_away_falls_back_to_the_process_counters(
    link: RedisLink, proxy: TcpProxy
) -> None:
    limit = RequestLimit(Rate(2, 60), link)
    assert (await limit.hit(ME)).remaining == 1
    assert (await limit.hit(ME)).remaining == 0
    await proxy.stop()
    # the process's own counters start from zero: the request is answered, not failed
    assert (await limit.hit(ME)).remaining == 1
    assert not link.up
    cost = CostLimit(Rate(10, 60), link)
    assert (await cost.check(ME, 10)).allowed
