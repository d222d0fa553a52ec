"""hypothesis-graphql against the schema the app serves (read by introspection): valid
queries over every root field and over `myOrders` alone, and invalid documents, with a
valid token. No 5xx, every error coded and never INTERNAL_SERVER_ERROR, no leaks."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import httpx
import pytest
from graphql import GraphQLSchema, build_client_schema, get_introspection_query
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, nodes, queries

from tests.fuzz.conftest import AUTH
from tests.leaks import assert_no_leak

FUZZ = settings(
    max_examples=40,  # per variant and backend: 120 per backend, 240 in all
    deadline=None,
    derandomize=True,  # the same examples on every run: no flaky CI
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Dates around the shop's orders, and the calendar's edges.
pytestmark = pytest.mark.slow
DATES = st.dates(min_value=date(1, 1, 1)).map(lambda d: nodes.String(d.isoformat()))
VARIANTS = {
    "all root fields": {"mode": Mode.POSITIVE},
    "myOrders": {"mode": Mode.POSITIVE, "fields": ["myOrders"]},
    "invalid documents": {"mode": Mode.NEGATIVE},
}
_strategies: dict[tuple[int, str], st.SearchStrategy[Any]] = {}


async def served_schema(client: httpx.AsyncClient) -> GraphQLSchema:
    response = await client.post("/graphql", json={"query": get_introspection_query()})
    return build_client_schema(response.json()["data"])


async def documents(client: httpx.AsyncClient, variant: str) -> st.SearchStrategy[Any]:
    key = (id(client), variant)
    if key not in _strategies:
        schema = await served_schema(client)
        _strategies[key] = queries(schema, custom_scalars={"Date": DATES}, **VARIANTS[variant])
    return _strategies[key]


@pytest.mark.parametrize("variant", list(VARIANTS))
@FUZZ
@given(data=st.data())
async def test_no_server_errors(
    client: httpx.AsyncClient,
    mine_and_theirs: None,
    fuzz_report: Counter[tuple[str, int]],
    backend: str,
    variant: str,
    data: st.DataObject,
) -> None:
    # given a generated document
    document = data.draw(await documents(client, variant))

    # when a customer sends it
    response = await client.post("/graphql", json={"query": document}, headers=AUTH)

    # then a clean answer: every error coded, none internal, nothing internal leaked
    fuzz_report[(f"GraphQL {variant} {backend}", response.status_code)] += 1
    assert response.status_code in {200, 400}, (document, response.text)
    assert_no_leak(response.content)
    if response.status_code == 200:
        codes = [e.get("extensions", {}).get("code") for e in response.json().get("errors", [])]
        assert None not in codes, (document, response.text)
        assert "INTERNAL_SERVER_ERROR" not in codes, (document, response.text)
