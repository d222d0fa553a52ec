"""Every error has `extensions.code`; unexpected ones are masked and logged with the request
id that the response carries."""

import logging

import pytest

from gateway.graphql import dataloaders
from tests.factories import add_order
from tests.graphql.conftest import MY_TOKEN, error_codes

MY_ORDERS = "query { myOrders { nodes { key } } }"
WITH_ITEMS = "query { myOrders { nodes { key items { productId } } } }"
UNPARSABLE = "query { myOrders { nodes { key } }"
INVALID = "query { myOrders { nodes { nope } } }"
TYPED_VARIABLE = "query ($first: Int) { myOrders(first: $first) { nodes { key } } }"
MISSING_VARIABLE = "query ($id: ID!) { node(id: $id) { id } }"


async def test_parse_errors(post, customers):
    body = await post(UNPARSABLE)

    assert body == {
        "errors": [
            {
                "message": "Syntax Error: Expected Name, found <EOF>.",
                "locations": [{"line": 1, "column": 35}],
                "extensions": {"code": "GRAPHQL_PARSE_FAILED"},
            }
        ],
        "extensions": {"cost": {"requestedQueryCost": 0, "actualQueryCost": 0}},
    }


async def test_validation_errors(post, customers):
    body = await post(INVALID)

    assert "data" not in body  # a request error: nothing was executed
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    assert body["errors"][0]["message"] == (
        "Cannot query field 'nope' on type 'Order'. Did you mean 'notes'?"
    )


@pytest.mark.parametrize(
    ("document", "variables"),
    [
        (TYPED_VARIABLE, {"first": "ten"}),
        (TYPED_VARIABLE, {"first": 2**40}),
        (MISSING_VARIABLE, {}),
    ],
)
async def test_variables_that_do_not_fit_are_bad_user_input(post, customers, document, variables):
    body = await post(document, **variables)

    assert "data" not in body  # a request error: nothing was executed
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_unexpected_errors_are_masked_with_a_request_id(
    client, customers, monkeypatch, caplog
):
    async def broken(*args, **kwargs):
        raise RuntimeError("SELECT secret FROM internals")

    monkeypatch.setattr("gateway.graphql.schema.fetch_orders", broken)

    with caplog.at_level(logging.ERROR, logger="gateway.graphql.errors"):
        response = await client.post(
            "/graphql", json={"query": MY_ORDERS}, headers={"Authorization": f"Token {MY_TOKEN}"}
        )

    request_id = response.headers["X-Request-ID"]
    assert response.status_code == 200
    assert response.json() == {
        "data": None,
        "errors": [
            {
                "message": "Internal server error",
                "locations": [{"line": 1, "column": 9}],
                "path": ["myOrders"],
                "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
            }
        ],
        # myOrders(first: 20) { nodes { … } } asked for 1 + 20 × 1; the page failed
        "extensions": {"cost": {"requestedQueryCost": 21, "actualQueryCost": 1}},
    }
    assert "SELECT secret" not in response.text
    assert "Traceback" not in response.text
    [record] = caplog.records
    assert request_id in record.getMessage()
    assert record.exc_info[0] is RuntimeError
    assert "SELECT secret FROM internals" in caplog.text


async def test_a_failing_batch_is_masked_too(post, session, customers, monkeypatch):
    await add_order(session, customers.me, key="K")
    await session.commit()

    real_execute = dataloaders.execute_select

    async def broken(session, statement, parameters=None):
        if statement is dataloaders.ITEMS_STATEMENT:
            raise RuntimeError("database at 10.0.0.7 refused")
        return await real_execute(session, statement, parameters)

    monkeypatch.setattr(dataloaders, "execute_select", broken)

    body = await post(WITH_ITEMS)

    assert body["data"] is None
    assert error_codes(body) == ["INTERNAL_SERVER_ERROR"]
    assert body["errors"][0]["message"] == "Internal server error"
    assert body["errors"][0]["path"] == ["myOrders", "nodes", 0, "items"]
    assert "10.0.0.7" not in str(body)
