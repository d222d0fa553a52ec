"""`extensions.cost` on every answer (requested and actual, on both execution paths), and the
customer's cost budget (`GATEWAY_GRAPHQL_COST_LIMIT`): checked before, charged after, 429
when an operation does not fit."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from gateway.graphql import compiled
from gateway.settings import Settings
from tests.app_client import serve
from tests.factories import add_order
from tests.graphql.conftest import MY_TOKEN, Customers, counted

AUTH = {"Authorization": f"Token {MY_TOKEN}"}
# myOrders 1 + 10 × (nodes 1 + items 1): 21 requested; 1 + 2 × 2 = 5 for two orders
PAGE = "{ myOrders(first: 10) { nodes { key items { productId } } } }"
# `me` keeps the document off the compiled path: me 1 + myOrders 1 + 10 × nodes 1
MIXED = "{ me { email } myOrders(first: 10) { nodes { key } } }"


@pytest.fixture
async def two_orders(session: AsyncSession, customers: Customers) -> None:
    for product in (1, 2):
        await add_order(session, customers.me, items=[(product, "1.00", 1, "0.00")])
    await session.commit()


async def cost_of(client: httpx.AsyncClient, document: str, **headers: str) -> Any:
    response = await client.post("/graphql", json={"query": document}, headers=headers or AUTH)
    return response.json()["extensions"]["cost"]


async def test_a_page_costs_what_it_returned_on_the_compiled_path(
    settings: Settings, engine: AsyncEngine, two_orders: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = counted(monkeypatch, compiled, "execute")
    # the compiled path on, whatever GATEWAY_GRAPHQL_COMPILED says (the suite runs both ways)
    async with serve(settings, graphql_compiled=True) as served:
        cost = await cost_of(served.client, PAGE)
    assert cost == {"requestedQueryCost": 21, "actualQueryCost": 5}
    assert runs == [1]


async def test_and_on_graphql_cores_path(
    client: httpx.AsyncClient, two_orders: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = counted(monkeypatch, compiled, "execute")
    assert await cost_of(client, MIXED) == {"requestedQueryCost": 12, "actualQueryCost": 4}
    assert runs == []


@pytest.mark.parametrize(
    ("document", "cost"),
    [
        ("{ myOrders {", {"requestedQueryCost": 0, "actualQueryCost": 0}),  # does not parse
        ("{ nope }", {"requestedQueryCost": 0, "actualQueryCost": 0}),  # does not validate
        # over GATEWAY_GRAPHQL_MAX_COST (5000): measured, refused, not run
        (
            "{ myOrders(first: 100) { nodes { items { productId } payments { amount } "
            "billingCity { state { country { name } } } customer { id } } } }",
            {"requestedQueryCost": 1 + 100 * 7, "actualQueryCost": 0},
        ),
    ],
)
async def test_what_did_not_run_cost_nothing(
    settings: Settings, two_orders: None, document: str, cost: dict[str, int]
) -> None:
    async with serve(settings, graphql_max_cost=700) as served:
        assert await cost_of(served.client, document) == cost


async def test_the_budget_is_checked_then_charged(settings: Settings, two_orders: None) -> None:
    async with serve(settings, graphql_cost_limit="30/minute") as served:
        client = served.client
        first = await client.post("/graphql", json={"query": PAGE}, headers=AUTH)
        second = await client.post("/graphql", json={"query": PAGE}, headers=AUTH)
        third = await client.post("/graphql", json={"query": PAGE}, headers=AUTH)
    # each page asked for 21 points and was charged the 5 it returned
    status = {"maximumAvailable": 30, "restoreRate": 0.5}
    assert first.json()["extensions"]["cost"] == {
        "requestedQueryCost": 21,
        "actualQueryCost": 5,
        "throttleStatus": {**status, "currentlyAvailable": 25},
    }
    assert first.headers["ratelimit-policy"] == '"cost";q=30;qu="graphql-cost";w=60'
    assert first.headers["ratelimit"].startswith('"cost";r=25;t=')
    assert second.json()["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 20
    # 21 do not fit in 20: refused before running, 2 s to regain the missing point at 0.5/s
    assert third.status_code == 429
    assert third.headers["retry-after"] == "2"
    assert third.json()["errors"] == [
        {
            "message": "Request was throttled. Expected available in 2 seconds.",
            "extensions": {"code": "RATE_LIMITED"},
        }
    ]
    assert third.json()["extensions"]["cost"] == {
        "requestedQueryCost": 21,
        "actualQueryCost": 0,
        "throttleStatus": {**status, "currentlyAvailable": 20},
    }
    assert third.headers["ratelimit"].startswith('"cost";r=20;t=')


async def test_unauthenticated_operations_are_not_charged(
    settings: Settings, two_orders: None
) -> None:
    async with serve(settings, graphql_cost_limit="30/minute") as served:
        client = served.client
        for _ in range(3):
            cost = await cost_of(client, "{ __typename }", Authorization="Token nope")
            assert cost == {"requestedQueryCost": 0, "actualQueryCost": 0}
        allowed = await cost_of(client, PAGE)
    assert allowed["throttleStatus"]["currentlyAvailable"] == 25
