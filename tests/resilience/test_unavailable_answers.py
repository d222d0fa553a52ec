"""How each door answers when the database is unavailable mid-request (pool exhausted,
statement cancelled, connection refused): 503 + `Retry-After`, the driver's message kept out
of the body. Any other database error stays a masked 500."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import exc as sa

from tests.factories import add_customer, add_order
from tests.leaks import assert_no_leak

TOKEN = "a" * 40
AUTH = {"Authorization": f"Token {TOKEN}"}
ORDERS = "/api/shop/customers/me/orders"
UNAVAILABLE = "Service temporarily unavailable, try again later."


def canceled_statement() -> sa.DBAPIError:
    """A statement PostgreSQL cancelled at `statement_timeout`, as SQLAlchemy raises it."""
    driver = asyncpg.QueryCanceledError("canceling statement due to statement timeout")
    try:
        raise sa.DBAPIError("SELECT secret FROM shop_order", {}, driver) from driver
    except sa.DBAPIError as error:
        return error


FAILURES: dict[str, Any] = {
    "pool exhausted": lambda: sa.TimeoutError("QueuePool limit of size 10 overflow 5 reached"),
    "statement timeout": canceled_statement,
    "connection refused": lambda: ConnectionRefusedError(111, "Connect call failed 10.0.0.7"),
}


@pytest.fixture
async def customer(session: Any) -> None:
    me = await add_customer(session, token=TOKEN)
    await add_order(session, me, key="K")
    await session.commit()


def failing(monkeypatch: pytest.MonkeyPatch, target: str, make: Any) -> None:
    async def fail(*args: Any, **kwargs: Any) -> Any:
        raise make()

    monkeypatch.setattr(target, fail)


@pytest.mark.parametrize("failure", list(FAILURES))
async def test_rest_answers_503_with_its_usual_headers(
    client: httpx.AsyncClient, customer: None, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    failing(monkeypatch, "gateway.rest.routes.fetch_page", FAILURES[failure])

    response = await client.get(ORDERS, headers=AUTH)

    assert response.status_code == 503
    assert response.content == b'{"detail":"' + UNAVAILABLE.encode() + b'"}'
    assert {k: response.headers[k] for k in ("Retry-After", "Content-Type", "Allow", "Vary")} == {
        "Retry-After": "1",
        "Content-Type": "application/json",
        "Allow": "GET, HEAD, OPTIONS",
        "Vary": "Accept",
    }
    assert_no_leak(response.content)
    assert "10.0.0.7" not in response.text


async def test_rest_keeps_other_database_errors_a_masked_500(
    client: httpx.AsyncClient, customer: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing_table() -> sa.ProgrammingError:
        return sa.ProgrammingError("SELECT x FROM gone", {}, Exception("no such table: gone"))

    failing(monkeypatch, "gateway.rest.routes.fetch_page", missing_table)

    response = await client.get(ORDERS, headers=AUTH)

    assert (response.status_code, response.json()) == (500, {"detail": "A server error occurred."})


@pytest.mark.parametrize("failure", list(FAILURES))
async def test_graphql_answers_503_and_service_unavailable(
    client: httpx.AsyncClient, customer: None, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    failing(monkeypatch, "gateway.graphql.schema.fetch_orders", FAILURES[failure])

    response = await client.post(
        "/graphql", json={"query": '{ me { databaseId } myOrder(key: "K") { key } }'}, headers=AUTH
    )

    # then 503; the fields that did not need the failing statement still answer
    assert (response.status_code, response.headers["Retry-After"]) == (503, "1")
    body = response.json()
    assert body["data"]["myOrder"] is None
    assert body["data"]["me"] is not None
    assert body["errors"] == [
        {
            "message": UNAVAILABLE,
            "locations": [{"line": 1, "column": 21}],
            "path": ["myOrder"],
            "extensions": {"code": "SERVICE_UNAVAILABLE"},
        }
    ]
    assert_no_leak(response.content)


@pytest.mark.parametrize("counted", [False, True], ids=["page", "page and count"])
async def test_a_compiled_page_waits_on_an_unavailable_database_once(
    client: httpx.AsyncClient, customer: None, monkeypatch: pytest.MonkeyPatch, counted: bool
) -> None:
    # given a database that times out on every page statement
    attempts: list[str] = []

    async def timing_out(*args: Any, **kwargs: Any) -> Any:
        attempts.append("page")
        raise canceled_statement()

    monkeypatch.setattr("gateway.graphql.schema.fetch_orders", timing_out)
    monkeypatch.setattr("gateway.graphql.schema.fetch_page", timing_out)
    count = "totalCount " if counted else ""

    # when a page the compiled path answers is asked for
    response = await client.post(
        "/graphql",
        json={"query": f"{{ __typename orders: myOrders {{ {count}nodes {{ key }} }} }}"},
        headers=AUTH,
    )

    # then the statement was tried once (no second run by graphql-core), and the answer is
    # graphql-core's for a failed non-null root field: no data, one coded error
    assert attempts == ["page"]
    assert (response.status_code, response.headers["Retry-After"]) == (503, "1")
    assert response.json() == {
        "data": None,
        "errors": [
            {
                "message": UNAVAILABLE,
                "locations": [{"line": 1, "column": 14}],
                "path": ["orders"],
                "extensions": {"code": "SERVICE_UNAVAILABLE"},
            }
        ],
        # the page (1 + 20 × nodes) returned nothing: only the field itself is counted
        "extensions": {"cost": {"requestedQueryCost": 21, "actualQueryCost": 1}},
    }
    assert_no_leak(response.content)
