"""`GATEWAY_RATE_LIMIT` on the legacy endpoint: DRF's throttle, answer for answer (body,
`Retry-After`, the endpoint's own headers), checked after authentication and before the
method; the IETF rate-limit fields on every counted answer."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from gateway.settings import Settings
from tests.app_client import serve
from tests.rest.conftest import AUTH, ORDERS

OTHER = {"Authorization": "Token " + "b" * 40}
POLICY = '"requests";q=2;w=60'


async def test_over_the_limit_answers_drf_throttled(
    settings: Settings, three_orders: dict[str, Any]
) -> None:
    async with serve(settings, rate_limit="2/minute") as served:
        client = served.client
        first = await client.get(ORDERS, headers=AUTH)
        second = await client.head(ORDERS, headers=AUTH)
        third = await client.get(ORDERS, headers=AUTH)
        metrics = (await client.get("/metrics")).text
    assert (first.status_code, second.status_code) == (200, 200)
    assert 'gateway_rate_limited_total{policy="requests"} 1.0' in metrics
    assert first.headers["ratelimit-policy"] == POLICY
    assert first.headers["ratelimit"] in ('"requests";r=1;t=60', '"requests";r=1;t=59')
    assert second.headers["ratelimit"].startswith('"requests";r=0;t=')
    # the third within the minute: DRF's body, its Retry-After, the endpoint's headers
    wait = int(third.headers["retry-after"])
    assert wait in (59, 60)
    assert third.status_code == 429
    assert third.content == (
        b'{"detail":"Request was throttled. Expected available in %d seconds."}' % wait
    )
    assert {name: third.headers[name] for name in ("content-type", "allow", "vary")} == {
        "content-type": "application/json",
        "allow": "GET, HEAD, OPTIONS",
        "vary": "Accept",
    }
    assert third.headers["ratelimit-policy"] == POLICY
    assert third.headers["ratelimit"] == f'"requests";r=0;t={wait}'
    assert "www-authenticate" not in third.headers


async def test_one_second_is_singular(settings: Settings, three_orders: dict[str, Any]) -> None:
    async with serve(settings, rate_limit="1/second") as served:
        client = served.client
        assert (await client.get(ORDERS, headers=AUTH)).status_code == 200
        refused = await client.get(ORDERS, headers=AUTH)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"
    assert refused.json() == {"detail": "Request was throttled. Expected available in 1 second."}


async def test_each_customer_has_their_own_count(
    settings: Settings, three_orders: dict[str, Any]
) -> None:
    async with serve(settings, rate_limit="1/minute") as served:
        client = served.client
        assert (await client.get(ORDERS, headers=AUTH)).status_code == 200
        assert (await client.get(ORDERS, headers=AUTH)).status_code == 429
        other = await client.get(ORDERS, headers=OTHER)
    assert other.status_code == 200
    assert other.headers["ratelimit"].startswith('"requests";r=0;t=')


async def test_unauthenticated_requests_are_not_counted(
    settings: Settings, three_orders: dict[str, Any]
) -> None:
    async with serve(settings, rate_limit="1/minute") as served:
        client = served.client
        for _ in range(3):
            refused = await client.get(ORDERS, headers={"Authorization": "Token nope"})
            assert refused.status_code == 401
            assert "ratelimit" not in refused.headers
        assert (await client.get(ORDERS, headers=AUTH)).status_code == 200


@pytest.mark.parametrize(("method", "status"), [("POST", 405), ("OPTIONS", 200)])
async def test_every_method_counts_and_throttling_comes_before_the_method(
    settings: Settings, three_orders: dict[str, Any], method: str, status: int
) -> None:
    async with serve(settings, rate_limit="1/minute") as served:
        client = served.client
        counted = await client.request(method, ORDERS, headers=AUTH)
        refused = await client.request(method, ORDERS, headers=AUTH)
    assert counted.status_code == status
    assert counted.headers["ratelimit"].startswith('"requests";r=0;t=')
    assert refused.status_code == 429


async def test_bad_input_counts_and_carries_the_fields(
    settings: Settings, three_orders: dict[str, Any]
) -> None:
    async with serve(settings, rate_limit="2/minute") as served:
        client = served.client
        bad = await client.get(f"{ORDERS}?status=nonsense", headers=AUTH)
    assert bad.status_code == 400
    assert bad.headers["ratelimit"].startswith('"requests";r=1;t=')


async def test_without_a_limit_no_fields(
    client: httpx.AsyncClient, three_orders: dict[str, Any]
) -> None:
    response = await client.get(ORDERS, headers=AUTH)
    assert "ratelimit" not in response.headers
    assert "ratelimit-policy" not in response.headers
