"""`/graphql` over HTTP, to the letter of the GraphQL-over-HTTP specification (current
draft) and the GraphQL specification (October 2021): media types by `Accept` and their
status codes, request errors without `data`, coded transport errors, GET rules; GraphiQL
and its packaged assets; the switches."""

import base64
import hashlib
import re
from pathlib import Path

import pytest

from gateway.graphql.transport import GRAPHQL_RESPONSE
from gateway.graphql.view import STATIC_DIRECTORY
from tests.app_client import serve
from tests.factories import add_order
from tests.graphql.conftest import MY_TOKEN, without_cost

AUTH = {"Authorization": f"Token {MY_TOKEN}"}
MY_ORDERS = "query ($first: Int) { myOrders(first: $first) { nodes { key } } }"
INTROSPECTION = "{ __schema { queryType { name } } }"
METHOD = "METHOD_NOT_ALLOWED"
ASSETS = [
    "react.production.min.js",
    "react-dom.production.min.js",
    "graphiql.min.js",
    "graphiql.min.css",
    "plugin-explorer.umd.js",
    "plugin-explorer.css",
]


async def test_get_runs_a_query_with_variables(client, session, customers):
    await add_order(session, customers.me, key="K1")
    await session.commit()

    response = await client.get(
        "/graphql", params={"query": MY_ORDERS, "variables": '{"first": 1}'}, headers=AUTH
    )

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "data": {"myOrders": {"nodes": [{"key": "K1"}]}},
        "extensions": {"cost": {"requestedQueryCost": 2, "actualQueryCost": 2}},
    }


async def test_introspection_needs_no_token(client, customers):
    get = await client.get("/graphql", params={"query": INTROSPECTION})
    post = await client.post("/graphql", json={"query": INTROSPECTION})

    expected = {
        "data": {"__schema": {"queryType": {"name": "Query"}}},
        "extensions": {"cost": {"requestedQueryCost": 2, "actualQueryCost": 2}},
    }
    assert get.json() == post.json() == expected


async def test_responses_are_compact_json(client, customers):
    response = await client.post("/graphql", json={"query": INTROSPECTION})

    assert response.content == (
        b'{"data":{"__schema":{"queryType":{"name":"Query"}}},'
        b'"extensions":{"cost":{"requestedQueryCost":2,"actualQueryCost":2}}}'
    )


async def test_a_browser_gets_graphiql_loading_only_local_assets(client):
    response = await client.get("/graphql", headers={"Accept": "text/html"})

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    sources = [s for s in re.findall(r'(?:src|href)="([^"]+)"', page) if not s.startswith("data:")]
    assert sorted(sources) == sorted(f"/graphql/static/{name}" for name in ASSETS)
    assert "unpkg.com" not in page
    assert '{"Authorization": "Token <your key>"}' in page


async def test_assets_are_served_and_match_their_integrity_hashes(client):
    page = (await client.get("/graphql", headers={"Accept": "text/html"})).text
    tags = re.findall(r'(?:src|href)="/graphql/static/([^"]+)"\s+integrity="([^"]+)"', page)
    assert sorted(name for name, _ in tags) == sorted(ASSETS)

    for name, integrity in tags:
        response = await client.get(f"/graphql/static/{name}")
        assert response.status_code == 200
        digest = base64.b64encode(hashlib.sha384(response.content).digest()).decode()
        assert integrity == f"sha384-{digest}", name


@pytest.mark.parametrize("package", ["react", "react-dom", "graphiql", "plugin-explorer"])
def test_each_packaged_asset_ships_its_license(package):
    license_text = (Path(STATIC_DIRECTORY) / f"{package}.LICENSE").read_text()
    assert "MIT License" in license_text
    assert "Permission is hereby granted, free of charge" in license_text


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS"])
async def test_other_methods_are_405_with_allow_and_a_coded_error(client, method):
    response = await client.request(method, "/graphql", json={"query": INTROSPECTION})

    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, POST"
    assert response.json() == {
        "errors": [{"message": f"Method {method} is not allowed.", "extensions": {"code": METHOD}}]
    }


async def test_head_answers_like_get_without_a_body(client, customers):
    get = await client.get("/graphql", params={"query": INTROSPECTION})
    head = await client.head("/graphql", params={"query": INTROSPECTION})

    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-length"] == str(len(get.content))
    assert head.headers["content-type"] == get.headers["content-type"]


async def test_a_mutation_over_get_is_405_with_allow(client, customers):
    response = await client.get(
        "/graphql",
        params={"query": "mutation { __typename }"},
        headers={"Accept": GRAPHQL_RESPONSE},
    )

    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, POST"
    assert response.json() == {
        "errors": [
            {"message": "Mutations are not allowed when using GET.", "extensions": {"code": METHOD}}
        ]
    }


# --- media types and status codes ----------------------------------------------------------

PARSE_ERROR = "{ me {"
VALIDATION_ERROR = "{ nothingHere }"
VARIABLES_ERROR = "query ($first: Int) { myOrders(first: $first) { totalCount } }"
TWO_OPERATIONS = "query A { __typename } query B { me { id } }"
REQUEST_ERRORS = [
    ({"query": PARSE_ERROR}, "GRAPHQL_PARSE_FAILED"),
    ({"query": VALIDATION_ERROR}, "GRAPHQL_VALIDATION_FAILED"),
    ({"query": VARIABLES_ERROR, "variables": {"first": "ten"}}, "BAD_USER_INPUT"),
    ({"query": TWO_OPERATIONS}, "OPERATION_RESOLUTION_FAILURE"),
    ({"query": TWO_OPERATIONS, "operationName": "C"}, "OPERATION_RESOLUTION_FAILURE"),
    ({"query": "fragment F on Query { me { id } }"}, "OPERATION_RESOLUTION_FAILURE"),
    ({"query": "{ " + " ".join(f"a{n}: __typename" for n in range(16)) + " }"},
     "QUERY_TOO_COMPLEX"),
    ({"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}},
     "PERSISTED_QUERY_NOT_FOUND"),
]  # fmt: skip
REQUEST_ERROR_IDS = [
    "parse", "validation", "variables", "two operations", "unknown operationName",
    "no operation", "limit", "persisted query not found",
]  # fmt: skip


@pytest.mark.parametrize(("body", "code"), REQUEST_ERRORS, ids=REQUEST_ERROR_IDS)
async def test_request_errors_under_graphql_response_json_are_400_without_data(
    client, customers, body, code
):
    response = await client.post("/graphql", json=body, headers={"Accept": GRAPHQL_RESPONSE})

    assert response.status_code == 400
    assert response.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
    assert "data" not in response.json()  # a request error (extensions: its cost, if measured)
    assert "errors" in response.json()
    assert [error["extensions"]["code"] for error in response.json()["errors"]] == [code]


@pytest.mark.parametrize(("body", "code"), REQUEST_ERRORS, ids=REQUEST_ERROR_IDS)
async def test_request_errors_under_application_json_are_200_without_data(
    client, customers, body, code
):
    response = await client.post("/graphql", json=body, headers={"Accept": "application/json"})

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert "data" not in response.json()  # a request error (extensions: its cost, if measured)
    assert "errors" in response.json()
    assert [error["extensions"]["code"] for error in response.json()["errors"]] == [code]


async def test_several_operations_need_an_operation_name(client, customers):
    # When the document holds two operations and the request names none
    unnamed = await client.post("/graphql", json={"query": TWO_OPERATIONS})
    named = await client.post("/graphql", json={"query": TWO_OPERATIONS, "operationName": "A"})

    # Then nothing runs (the GraphQL spec's GetOperation()), unless one is named
    assert without_cost(unnamed.json()) == {
        "errors": [
            {
                "message": "Must provide operation name if query contains multiple operations.",
                "extensions": {"code": "OPERATION_RESOLUTION_FAILURE"},
            }
        ]
    }
    assert without_cost(named.json()) == {"data": {"__typename": "Query"}}


async def test_an_unknown_operation_name_is_a_coded_request_error(client, customers):
    response = await client.post("/graphql", json={"query": TWO_OPERATIONS, "operationName": "C"})

    assert response.json() == {
        "errors": [
            {
                "message": 'Unknown operation named "C".',
                "extensions": {"code": "OPERATION_RESOLUTION_FAILURE"},
            }
        ]
    }


async def test_execution_errors_are_200_with_data_under_both_media_types(client, customers):
    # Given a field error (no token): execution started
    for accept in (GRAPHQL_RESPONSE, "application/json"):
        response = await client.post(
            "/graphql", json={"query": "{ me { id } }"}, headers={"Accept": accept}
        )

        assert response.status_code == 200
        body = response.json()
        assert body["data"] == {"me": None}
        assert [error["extensions"]["code"] for error in body["errors"]] == ["UNAUTHENTICATED"]


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("application/*", "application/json"),
        ("application/json", "application/json"),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}, application/json", GRAPHQL_RESPONSE),
        (f"application/json, {GRAPHQL_RESPONSE}", "application/json"),
        (f"application/json;q=0.5, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE};q=0.9, application/json", "application/json"),
        (f"{GRAPHQL_RESPONSE}; charset=utf-8, application/json; charset=utf-8",
         GRAPHQL_RESPONSE),
        ("application/json;q=0, */*", GRAPHQL_RESPONSE),
        ("text/html, */*;q=0.8", "application/json"),
    ],
)  # fmt: skip
async def test_the_media_type_follows_accept(client, customers, accept, media_type):
    headers = {} if accept is None else {"Accept": accept}
    response = await client.post("/graphql", json={"query": INTROSPECTION}, headers=headers)

    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type


@pytest.mark.parametrize("accept", ["text/html", "application/xml", "application/json;q=0"])
async def test_an_accept_the_server_cannot_satisfy_is_406(client, accept):
    response = await client.post(
        "/graphql", json={"query": INTROSPECTION}, headers={"Accept": accept}
    )

    assert response.status_code == 406
    assert response.json()["errors"][0]["extensions"] == {"code": "NOT_ACCEPTABLE"}


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "application/graphql",
     "application/json; charset=latin-1"],
)  # fmt: skip
async def test_an_unsupported_content_type_is_415(client, content_type):
    headers = {} if content_type is None else {"Content-Type": content_type}
    response = await client.post(
        "/graphql", content=b'{"query": "{ __typename }"}', headers=headers
    )

    assert response.status_code == 415
    assert response.json() == {
        "errors": [
            {
                "message": "Content-Type must be application/json (UTF-8).",
                "extensions": {"code": "UNSUPPORTED_MEDIA_TYPE"},
            }
        ]
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "The request body is empty."),
        (b'{"query": ', "The request body is not valid JSON."),
        (b'[{"query": "{ __typename }"}]', "Batched requests (a JSON array) are not supported."),
        (b'"{ __typename }"', "The request body must be a JSON object."),
        (b"{}", "The request has no query."),
        (b'{"qeury": "{ __typename }"}', "The request has no query."),
        (b'{"query": 1}', "query must be a string."),
        (b'{"query": "{ __typename }", "operationName": ["A"]}',
         "operationName must be a string."),
        (b'{"query": "{ __typename }", "variables": "{}"}', "variables must be a JSON object."),
        (b'{"query": "{ __typename }", "extensions": 0}', "extensions must be a JSON object."),
    ],
)  # fmt: skip
async def test_a_malformed_request_is_400_with_a_coded_error_under_any_media_type(
    client, body, message
):
    for accept in (GRAPHQL_RESPONSE, "application/json"):
        response = await client.post(
            "/graphql",
            content=body,
            headers={"Content-Type": "application/json", "Accept": accept},
        )

        assert response.status_code == 400
        assert response.json() == {
            "errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]
        }


async def test_null_parameters_are_absent(client, customers):
    response = await client.post(
        "/graphql",
        json={"query": INTROSPECTION, "operationName": None, "variables": None, "extensions": None},
    )

    assert without_cost(response.json()) == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


async def test_empty_get_parameters_are_absent(client, customers):
    response = await client.get(
        "/graphql?query=%7B__typename%7D&variables=&extensions=&operationName=",
        headers={"Accept": GRAPHQL_RESPONSE},
    )

    assert response.status_code == 200
    assert without_cost(response.json()) == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize(
    ("query_string", "message"),
    [
        ("query=%7B__typename%7D&variables=%5B1%5D", "variables must be a JSON object."),
        ("query=%7B__typename%7D&variables=%7Bnope", "variables is not valid JSON."),
        ("query=%7B__typename%7D&extensions=1", "extensions must be a JSON object."),
        ("query=", "The request has no query."),
        ("", "The request has no query."),
    ],
)
async def test_malformed_get_parameters_are_400(client, query_string, message):
    response = await client.get(f"/graphql?{query_string}")

    assert response.status_code == 400
    assert response.json() == {
        "errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]
    }


# --- switches --------------------------------------------------------------------------------


async def test_introspection_can_be_switched_off(settings, engine):
    # Given a service with introspection off
    async with serve(settings, graphql_introspection=False) as served:
        # When the schema is asked for, and a plain query runs
        schema = await served.client.post("/graphql", json={"query": INTROSPECTION})
        typename = await served.client.post("/graphql", json={"query": "{ __typename }"})

    # Then introspection is a validation error; the rest works
    assert schema.json()["errors"][0]["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED"}
    assert "introspection has been disabled" in schema.json()["errors"][0]["message"]
    assert without_cost(typename.json()) == {"data": {"__typename": "Query"}}


async def test_graphiql_can_be_switched_off(settings, engine):
    async with serve(settings, graphiql=False) as served:
        page = await served.client.get("/graphql", headers={"Accept": "text/html"})
        asset = await served.client.get("/graphql/static/graphiql.min.js")

    assert page.status_code == 406  # no IDE: the browser's Accept allows no GraphQL answer
    assert "text/html" not in page.headers["content-type"]
    assert asset.status_code == 404


async def test_allowed_hosts_close_graphql_to_other_hosts(settings, engine):
    async with serve(settings, allowed_hosts="api.shop.example") as served:
        query = {"query": "{ __typename }"}
        allowed = await served.client.post(
            "/graphql", json=query, headers={"Host": "API.shop.example:8443"}
        )
        other = await served.client.post("/graphql", json=query, headers={"Host": "evil.example"})

    assert without_cost(allowed.json()) == {"data": {"__typename": "Query"}}
    assert other.status_code == 400
    assert other.json() == {
        "errors": [{"message": "Host not allowed.", "extensions": {"code": "BAD_REQUEST"}}]
    }
