"""`/graphql` over HTTP: GET and POST, GraphiQL and its packaged assets."""

import base64
import hashlib
import re
from pathlib import Path

import pytest

from gateway.graphql.view import STATIC_DIRECTORY
from tests.factories import add_order
from tests.graphql.conftest import MY_TOKEN

AUTH = {"Authorization": f"Token {MY_TOKEN}"}
MY_ORDERS = "query ($first: Int) { myOrders(first: $first) { nodes { key } } }"
INTROSPECTION = "{ __schema { queryType { name } } }"
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


async def test_other_methods_are_refused(client):
    response = await client.put("/graphql", json={"query": INTROSPECTION})

    assert response.status_code == 405
