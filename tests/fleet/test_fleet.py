"""Two instances of the gateway (two apps, one database, one Redis) behave as one: a
persisted query registered on one is found by the other, one customer's rate limit is
counted across both while another customer is unaffected, and with Redis stopped or hanging
mid-test both keep answering (never a 500), on their own counters, until it is back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.app import create_app
from gateway.fleet.redis import RETRY_INTERVAL
from gateway.graphql.persisted import document_hash
from gateway.settings import Settings
from tests.app_client import asgi_client
from tests.factories import add_customer, add_order, add_references
from tests.redis_fixtures import TIMEOUT, proxied_url
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.slow  # two whole apps, a proxy and the real Redis per test

ORDERS = "/api/shop/customers/me/orders"
MINE = {"Authorization": "Token " + "a" * 40}
THEIRS = {"Authorization": "Token " + "b" * 40}
DOCUMENT = "query Keys { myOrders(first: 5) { nodes { key } } }"
PERSISTED = {"persistedQuery": {"version": 1, "sha256Hash": document_hash(DOCUMENT)}}


@dataclass(frozen=True, slots=True)
class Fleet:
    one: httpx.AsyncClient
    two: httpx.AsyncClient


@pytest.fixture
async def shop(session: AsyncSession) -> None:
    await add_references(session)
    for token in ("a" * 40, "b" * 40):
        customer = await add_customer(session, token=token)
        await add_order(session, customer)
    await session.commit()


@pytest.fixture
async def fleet(
    settings: Settings, engine: object, shop: None, proxy: TcpProxy, redis_prefix: str
) -> AsyncIterator[Fleet]:
    """Two apps with the same settings: Redis through the proxy, 3 requests a minute."""
    shared = settings.model_copy(
        update={
            "redis_url": proxied_url(proxy),
            "redis_prefix": redis_prefix,
            "redis_timeout": TIMEOUT,
            "rate_limit": "3/minute",
            "cursor_secret": "fleet-test",
        }
    )
    async with AsyncExitStack() as stack:
        clients = []
        for _ in range(2):
            app = create_app(shared)
            await stack.enter_async_context(app.router.lifespan_context(app))
            clients.append(await stack.enter_async_context(asgi_client(app)))
        yield Fleet(*clients)


async def graphql(client: httpx.AsyncClient, body: dict[str, Any], **headers: str) -> Any:
    return await client.post("/graphql", json=body, headers=headers or MINE)


async def test_a_persisted_query_registered_on_one_instance_runs_on_the_other(
    fleet: Fleet,
) -> None:
    # given the document registered through instance one (the protocol's miss, then retry)
    miss = await graphql(fleet.one, {"extensions": PERSISTED})
    assert miss.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    full = await graphql(fleet.one, {"query": DOCUMENT, "extensions": PERSISTED})
    assert "errors" not in full.json()
    # when the hash alone reaches instance two, then it runs there at once
    by_hash = await graphql(fleet.two, {"extensions": PERSISTED})
    assert by_hash.status_code == 200
    assert by_hash.json()["data"] == full.json()["data"]


async def test_one_customers_limit_is_counted_across_instances(fleet: Fleet) -> None:
    # given three requests of mine, spread over both instances and both doors
    assert (await fleet.one.get(ORDERS, headers=MINE)).status_code == 200
    assert (await graphql(fleet.two, {"query": DOCUMENT})).status_code == 200
    last = await fleet.one.get(ORDERS, headers=MINE)
    assert last.headers["ratelimit"].startswith('"requests";r=0;t=')
    # when I ask again on either instance, then I am throttled there
    rest = await fleet.two.get(ORDERS, headers=MINE)
    assert rest.status_code == 429
    assert rest.json() == {
        "detail": f"Request was throttled. Expected available in {rest.headers['retry-after']} "
        "seconds."
    }
    refused = await graphql(fleet.one, {"query": DOCUMENT})
    assert refused.status_code == 429
    assert refused.headers["retry-after"] in ("59", "60")
    (error,) = refused.json()["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["message"].startswith("Request was throttled. Expected available in ")
    # and the other customer is not
    theirs = await fleet.two.get(ORDERS, headers=THEIRS)
    assert theirs.status_code == 200
    assert theirs.headers["ratelimit"].startswith('"requests";r=2;t=')


async def test_redis_stopped_mid_test_never_fails_a_request(fleet: Fleet, proxy: TcpProxy) -> None:
    # given a shared document and two counted requests
    await graphql(fleet.one, {"query": DOCUMENT, "extensions": PERSISTED})
    assert (await fleet.two.get(ORDERS, headers=MINE)).status_code == 200
    # when Redis goes away
    await proxy.stop()
    # then both instances answer: the hash is "not found" (the client sends the document,
    # which runs), the limit counts on each process, and readiness says Redis is away
    other = DOCUMENT + " "  # a document Redis never saw
    hashed = {"persistedQuery": {"version": 1, "sha256Hash": document_hash(other)}}
    for client in (fleet.one, fleet.two):
        assert (await client.get(ORDERS, headers=MINE)).status_code == 200
        unknown = await graphql(client, {"extensions": hashed})
        assert unknown.status_code == 200
        assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        retried = await graphql(client, {"query": other, "extensions": hashed})
        assert retried.status_code == 200
        assert "errors" not in retried.json()
        ready = await client.get("/readyz")
        assert (ready.status_code, ready.json()["redis"]) == (200, "unavailable")
        assert "gateway_redis_up 0.0" in (await client.get("/metrics")).text
    # and each process's own counters refuse past the limit (2 counted here so far)
    assert (await fleet.one.get(ORDERS, headers=MINE)).status_code == 200
    assert (await fleet.one.get(ORDERS, headers=MINE)).status_code == 429


async def test_a_hanging_redis_costs_a_request_at_most_its_timeout(
    fleet: Fleet, proxy: TcpProxy
) -> None:
    assert (await fleet.one.get(ORDERS, headers=MINE)).status_code == 200
    proxy.hang()
    started = time.perf_counter()
    first = await fleet.one.get(ORDERS, headers=MINE)
    took = time.perf_counter() - started
    assert first.status_code == 200
    assert TIMEOUT - 0.05 < took < TIMEOUT + 1.0
    # while it is down, requests do not wait on it at all (two waits would take 2 * TIMEOUT)
    started = time.perf_counter()
    for _ in range(2):
        assert (await graphql(fleet.one, {"query": DOCUMENT})).status_code in (200, 429)
    assert time.perf_counter() - started < TIMEOUT


async def test_shared_counting_resumes_when_redis_is_back(fleet: Fleet, proxy: TcpProxy) -> None:
    assert (await fleet.one.get(ORDERS, headers=MINE)).status_code == 200
    await proxy.stop()
    assert (await fleet.one.get(ORDERS, headers=MINE)).status_code == 200
    await proxy.start()
    await asyncio.sleep(RETRY_INTERVAL)  # the next call tries Redis again
    back = await fleet.two.get(ORDERS, headers=MINE)
    assert back.status_code == 200
    # counted in Redis again: the request before the outage and this one
    assert back.headers["ratelimit"].startswith('"requests";r=1;t=')
    ready = await fleet.two.get("/readyz")
    assert ready.json()["redis"] == "ok"
