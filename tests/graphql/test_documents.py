"""Parsed and validated documents are cached per document text; a document that does not
parse is still reported as GRAPHQL_PARSE_FAILED."""

from __future__ import annotations

import uuid

import httpx
import pytest
import strawberry.schema.schema as strawberry_schema

from gateway.graphql.documents import DOCUMENT_CACHE_SIZE, CachedParser
from tests.graphql.conftest import MY_TOKEN, Customers, counted

AUTH = {"Authorization": f"Token {MY_TOKEN}"}


async def test_a_repeated_document_is_parsed_and_validated_once(
    client: httpx.AsyncClient, customers: Customers, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a count of graphql-core validations and the parse cache's hits
    validations = counted(monkeypatch, strawberry_schema, "validate")
    parse_cache = CachedParser(maxsize=DOCUMENT_CACHE_SIZE).cached_parse_document
    hits = parse_cache.cache_info().hits
    document = f"{{ myOrders {{ totalCount }} unique_{uuid.uuid4().hex}: __typename }}"

    # when the same document arrives twice
    for _ in range(2):
        response = await client.post("/graphql", json={"query": document}, headers=AUTH)
        assert response.json()["data"]["myOrders"] == {"totalCount": 0}

    # then graphql-core validated it once, and the second parse came from the cache
    assert len(validations) == 1
    assert parse_cache.cache_info().hits == hits + 1


@pytest.mark.parametrize("attempt", [1, 2])
async def test_a_document_that_does_not_parse_is_a_parse_error(
    client: httpx.AsyncClient, customers: Customers, attempt: int
) -> None:
    response = await client.post("/graphql", json={"query": "{ myOrders {"}, headers=AUTH)

    assert response.status_code == 200
    assert response.json() == {
        "errors": [
            {
                "message": "Syntax Error: Expected Name, found <EOF>.",
                "locations": [{"line": 1, "column": 13}],
                "extensions": {"code": "GRAPHQL_PARSE_FAILED"},
            }
        ],
        "extensions": {"cost": {"requestedQueryCost": 0, "actualQueryCost": 0}},
    }
