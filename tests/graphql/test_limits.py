"""Query limits: depth, aliases, tokens and cost are measured as documented, a query over a
limit is refused with QUERY_TOO_COMPLEX before any SQL runs, and the validation cache stays
effective with the limits on."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import strawberry.schema.schema as strawberry_schema
from graphql import get_introspection_query, parse
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.graphql import limits
from gateway.graphql.internals import graphql_schema
from gateway.graphql.limits import Measure, Page, QueryLimits, actual_cost, measure_operation
from gateway.graphql.schema import build_schema
from gateway.settings import Settings, load_settings
from tests.app_client import serve
from tests.graphql.conftest import MY_TOKEN, Customers, counted
from tests.sql_counter import count_statements

AUTH = {"Authorization": f"Token {MY_TOKEN}"}
INTROSPECTION_QUERY = get_introspection_query(descriptions=True)
LIMITS = QueryLimits.from_settings(load_settings())
SCHEMA = graphql_schema(build_schema())

BRIEF_EXAMPLE = "{ myOrders(first: 100) { edges { node { items { productId } } } } }"
FULL_PAGE = """
query Page($first: Int) {
  myOrders(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { key customer { id } paymentMethod { name } shippingMethod { name }
      billingCountry { name } billingState { name country { code } }
      billingCity { name state { name country { code } } } items { productId total }
      payments { amount } } }
  }
}
"""
# 14 `ofType` levels: depth 17 (introspection is measured like everything else).
TOO_DEEP = "{ __schema { types { " + "ofType { " * 14 + "name" + " }" * 14 + " } } }"
TOO_MANY_ALIASES = "{ " + " ".join(f"a{n}: me {{ id }}" for n in range(16)) + " }"
TOO_COSTLY = (
    "{ "
    + " ".join(
        f"p{n}: myOrders(first: 100) {{ edges {{ node {{ billingCity {{ state {{ country {{ name }}"
        f" }} }} customer {{ id }} items {{ productId }} payments {{ amount }} }} }} }}"
        for n in range(7)
    )
    + " }"
)
TOO_LONG = "{ me { " + "id " * 1000 + "} }"  # 1005 tokens


def measure(document: str, variables: dict[str, Any] | None = None) -> Measure:
    result = measure_operation(SCHEMA, parse(document), None, variables, LIMITS)
    assert result is not None
    return result


def test_page_size_multiplies_the_nested_cost() -> None:
    # myOrders 1 + 100 × (edges 1 + node 1 + items 1); the leaf costs nothing
    assert measure(BRIEF_EXAMPLE) == Measure(
        depth=5, aliases=0, cost=301, pages=(Page(("myOrders",), 100, 3),)
    )


@pytest.mark.parametrize(
    ("variables", "cost"),
    [
        ({"first": 7}, 1 + 7 * 2),
        ({}, 1 + 20 * 2),  # default page size
        ({"first": None}, 1 + 20 * 2),
        ({"first": 10**12}, 1 + 100 * 2),  # counted at the cap; the field refuses it
        ({"first": -5}, 1),
        ({"first": "7"}, 1 + 20 * 2),  # not an Int: the variable check refuses it later
    ],
)
def test_page_size_comes_from_variables(variables: dict[str, Any], cost: int) -> None:
    document = "query ($first: Int) { myOrders(first: $first) { nodes { items { productId } } } }"

    assert measure(document, variables).cost == cost


def test_last_counts_like_first() -> None:
    assert measure("{ myOrders(last: 3) { nodes { customer { id } } } }").cost == 1 + 3 * 2


def test_fragments_count_where_they_are_spread() -> None:
    document = """
    { a: myOrders(first: 2) { nodes { ...Parts } } b: myOrders(first: 3) { nodes { ...Parts } } }
    fragment Parts on Order { c: customer { id } billingCity { ... on City { state { name } } } }
    """

    # each page: 1 + size × (nodes 1 + customer 1 + billingCity 1 + state 1); aliases a, b, c, c
    assert measure(document) == Measure(
        depth=5,
        aliases=4,
        cost=(1 + 2 * 4) + (1 + 3 * 4),
        pages=(Page(("a",), 2, 4), Page(("b",), 3, 4)),
    )


def test_actual_cost_counts_what_the_pages_returned() -> None:
    measured = measure(BRIEF_EXAMPLE)  # 1 + 100 × 3
    assert actual_cost(measured, {("myOrders",): 7}) == 1 + 7 * 3
    assert actual_cost(measured, {("myOrders",): 100}) == 301
    assert actual_cost(measured, {}) == 1  # nothing returned (or the page failed)
    two = measure("{ a: myOrders(first: 2) { nodes { id } } b: myOrders { nodes { id } } }")
    assert actual_cost(two, {("a",): 1, ("b",): 20}) == (1 + 1 * 1) + (1 + 20 * 1)


def test_a_field_asked_for_twice_counts_once() -> None:
    # execution merges fields by response key: `x` runs once, `y` and `z` are two fields
    document = """
    { myOrders(first: 10) { nodes { x: customer { id } ...C } nodes { x: customer { email } } } }
    fragment C on Order { x: customer { id } y: items { productId } z: items { total } }
    """

    # myOrders 1 + 10 × (nodes 1 + x 1 + y 1 + z 1); aliases x, y, z
    assert measure(document) == Measure(
        depth=4, aliases=3, cost=1 + 10 * 4, pages=(Page(("myOrders",), 10, 4),)
    )


def test_a_fragment_bomb_is_measured_without_exploding() -> None:
    # given 40 levels of fragments, each asking for the next one twice under two aliases:
    # 2**40 fields once expanded
    levels = 40
    fragments = [
        f"fragment F{n} on __Type "
        f"{{ a{n}: ofType {{ ...F{n + 1} }} b{n}: ofType {{ ...F{n + 1} }} }}"
        for n in range(levels)
    ]
    fragments.append(f"fragment F{levels} on __Type {{ name }}")
    document = '{ __type(name: "Order") { ...F0 } } ' + " ".join(fragments)

    # when it is measured
    started = time.monotonic()
    result = measure(document)

    # then at once (expanded, it would never end), every alias counted where it answers
    assert time.monotonic() - started < 5
    assert result == Measure(
        depth=levels + 2, aliases=2 ** (levels + 1) - 2, cost=2 ** (levels + 1) - 1
    )


@pytest.fixture
async def limited_client(
    engine: AsyncEngine, settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    """The whole app with small, configured limits."""
    limited = serve(
        settings,
        graphql_max_depth=4,
        graphql_max_aliases=1,
        graphql_max_cost=300,
        graphql_max_tokens=100,
    )
    async with limited as served:
        yield served.client


async def refused(client: httpx.AsyncClient, document: str, **variables: Any) -> list[Any]:
    """The errors of a refused query; asserts that no SQL statement ran for it."""
    with count_statements() as log:
        response = await client.post(
            "/graphql", json={"query": document, "variables": variables}, headers=AUTH
        )
    assert log.statements == []
    assert response.status_code == 200
    body = response.json()
    assert "data" not in body  # a request error: nothing was executed
    errors: list[Any] = body["errors"]
    return [(e["message"], e["extensions"]["code"]) for e in errors]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (TOO_DEEP, "Query depth 17 exceeds the limit of 15."),
        (TOO_MANY_ALIASES, "Query alias count 16 exceeds the limit of 15."),
        (TOO_COSTLY, "Query cost 5607 exceeds the limit of 5000."),
    ],
    ids=["depth", "aliases", "cost"],
)
async def test_default_limits_refuse_before_any_sql(
    client: httpx.AsyncClient, customers: Customers, document: str, message: str
) -> None:
    assert await refused(client, document) == [(message, "QUERY_TOO_COMPLEX")]


async def test_the_token_limit_refuses_while_parsing(
    client: httpx.AsyncClient, customers: Customers
) -> None:
    response = await client.post("/graphql", json={"query": TOO_LONG}, headers=AUTH)

    errors = response.json()["errors"]
    assert [(e["message"], e["extensions"]) for e in errors] == [
        ("Query token count 1005 exceeds the limit of 1000.", {"code": "QUERY_TOO_COMPLEX"})
    ]


async def test_queries_within_the_defaults_run(
    client: httpx.AsyncClient, customers: Customers
) -> None:
    # a full page of 100 orders with every nested object (cost 1401) and GraphiQL's
    # schema query (depth 14) are within the defaults
    page = await client.post(
        "/graphql", json={"query": FULL_PAGE, "variables": {"first": 100}}, headers=AUTH
    )
    introspection = await client.post("/graphql", json={"query": INTROSPECTION_QUERY})

    assert page.json() == {
        "data": {
            "myOrders": {
                "totalCount": 0,
                "pageInfo": {"hasNextPage": False, "endCursor": None},
                "edges": [],
            }
        },
        "extensions": {"cost": {"requestedQueryCost": 1401, "actualQueryCost": 1}},
    }
    assert "errors" not in introspection.json()
    assert measure(FULL_PAGE, {"first": 100}).cost == 1401


async def test_limits_are_configurable(
    limited_client: httpx.AsyncClient, customers: Customers
) -> None:
    client = limited_client

    deep = "{ myOrders { nodes { billingCity { state { name } } } } }"
    aliased = "{ a: me { id } b: me { id } }"
    costly = "{ myOrders(first: 100) { nodes { customer { id } items { productId } } } }"
    assert await refused(client, deep) == [
        ("Query depth 5 exceeds the limit of 4.", "QUERY_TOO_COMPLEX")
    ]
    assert await refused(client, aliased) == [
        ("Query alias count 2 exceeds the limit of 1.", "QUERY_TOO_COMPLEX")
    ]
    assert await refused(client, costly) == [
        ("Query cost 301 exceeds the limit of 300.", "QUERY_TOO_COMPLEX")
    ]
    assert await refused(client, "{ me { " + "id " * 96 + "} }") == [
        ("Query token count 101 exceeds the limit of 100.", "QUERY_TOO_COMPLEX")
    ]


async def test_the_validation_cache_stays_effective(
    client: httpx.AsyncClient, customers: Customers, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a count of graphql-core validations (Strawberry's cache wraps the call)
    calls = counted(monkeypatch, strawberry_schema, "validate")
    document = f"{{ me {{ id }} unique_{uuid.uuid4().hex}: __typename }}"

    # when the same query arrives twice, then another one
    for query in (document, document, "{ me { email } }"):
        response = await client.post("/graphql", json={"query": query}, headers=AUTH)
        assert "errors" not in response.json()

    # then the repeated query was validated once
    assert len(calls) == 2


async def padded_body() -> AsyncIterator[bytes]:
    """A 70 kB request body sent in chunks, without Content-Length."""
    yield b'{"query": "{ me { id } }", "variables": {"pad": "'
    for _ in range(70):
        yield b"x" * 1000
    yield b'"}}'


@pytest.mark.parametrize("streamed", [False, True], ids=["declared", "chunked"])
async def test_a_large_body_is_refused_with_413(
    client: httpx.AsyncClient, customers: Customers, streamed: bool
) -> None:
    body = padded_body() if streamed else b"".join([chunk async for chunk in padded_body()])

    response = await client.post(
        "/graphql", content=body, headers={**AUTH, "Content-Type": "application/json"}
    )

    assert response.status_code == 413
    assert response.json() == {
        "errors": [
            {
                "message": "Request body exceeds the limit of 65536 bytes.",
                "extensions": {"code": "QUERY_TOO_COMPLEX"},
            }
        ]
    }


PAGED = """
query Paged($first: Int, $search: String) {
  myOrders(first: $first, search: $search) { nodes { customer { id } items { productId } } }
}
"""


async def test_measures_are_cached_by_page_size_only(
    limited_client: httpx.AsyncClient, customers: Customers, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a count of the measures taken
    calls = counted(monkeypatch, limits, "measure_operation")

    # when one document runs with the same page size and other variables changing
    for search in ("a", "b", "c"):
        response = await limited_client.post(
            "/graphql",
            json={"query": PAGED, "variables": {"first": 1, "search": search}},
            headers=AUTH,
        )
        assert "errors" not in response.json()

    # then it was measured once; a page size over the cost limit is still refused
    assert len(calls) == 1
    assert await refused(limited_client, PAGED, first=100, search="a") == [
        ("Query cost 301 exceeds the limit of 300.", "QUERY_TOO_COMPLEX")
    ]
    assert len(calls) == 2


@pytest.mark.parametrize("first", [[1], {"a": 1}, "7", 7.0, True, None])
def test_a_measure_key_holds_any_json_value(first: Any) -> None:
    key = limits.measure_key(PAGED, parse(PAGED), None, {"first": first, "search": [1]})

    assert hash(key) == hash((PAGED, None, (("first", None),)))
