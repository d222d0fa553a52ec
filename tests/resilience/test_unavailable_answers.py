"""How each door answers when the database is unavailable mid-request (pool exhausted,
statement cancelled, connection refused): 503 + `Retry-After`, the driver's message kept out
of the body. Any other database error stays a masked 500.

The failures are raised where the database layer runs the statement that reads orders (an
engine event), so they take the path a real outage takes: translated by `gateway.db.errors`,
then mapped by each transport."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import asyncpg
import pytest
from sqlalchemy import event
from sqlalchemy import exc as sa
from starlette.applications import Starlette

from tests.app_client import Served
from tests.factories import add_customer, add_order
from tests.leaks import assert_no_leak
from tests.resilience.answers import UNAVAILABLE, assert_rest_unavailable

TOKEN = "a" * 40
AUTH = {"Authorization": f"Token {TOKEN}"}
ORDERS = "/api/shop/customers/me/orders"


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


def failing_order_reads(app: Starlette, make: Callable[[], Exception]) -> list[str]:
    """Every statement that reads the orders table fails with `make()` as it is sent; the
    returned list holds the statements tried."""
    tried: list[str] = []

    @event.listens_for(app.state.database.engine.sync_engine, "before_cursor_execute")
    def fail(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "FROM shop_order" in statement:
            tried.append(statement)
            raise make()

    return tried


@pytest.mark.parametrize("failure", list(FAILURES))
async def test_rest_answers_503_with_its_usual_headers(
    served: Served, customer: None, failure: str
) -> None:
    failing_order_reads(served.app, FAILURES[failure])

    response = await served.client.get(ORDERS, headers=AUTH)

    assert_rest_unavailable(response)
    assert_no_leak(response.content)
    assert "10.0.0.7" not in response.text


async def test_rest_keeps_other_database_errors_a_masked_500(
    served: Served, customer: None
) -> None:
    def missing_table() -> sa.ProgrammingError:
        return sa.ProgrammingError("SELECT x FROM gone", {}, Exception("no such table: gone"))

    failing_order_reads(served.app, missing_table)

    response = await served.client.get(ORDERS, headers=AUTH)

    assert (response.status_code, response.json()) == (500, {"detail": "A server error occurred."})


@pytest.mark.parametrize("failure", list(FAILURES))
async def test_graphql_answers_503_and_service_unavailable(
    served: Served, customer: None, failure: str
) -> None:
    failing_order_reads(served.app, FAILURES[failure])

    response = await served.client.post(
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
    served: Served, customer: None, counted: bool
) -> None:
    # given a database that times out on every page statement
    attempts = failing_order_reads(served.app, canceled_statement)
    count = "totalCount " if counted else ""

    # when a page the compiled path answers is asked for
    response = await served.client.post(
        "/graphql",
        json={"query": f"{{ __typename orders: myOrders {{ {count}nodes {{ key }} }} }}"},
        headers=AUTH,
    )

    # then the statement was tried once (no second run by graphql-core), and the answer is
    # graphql-core's for a failed non-null root field: no data, one coded error
    assert len(attempts) == 1
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
    }
    assert_no_leak(response.content)
