"""The OpenAPI 3.1 document: served, valid, complete, and true to the live answers."""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema_rs
import pytest
from schemathesis.specs.openapi.definitions import OPENAPI_31
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.orders import FILTERS
from gateway.rest.openapi import openapi_document
from gateway.settings import load_settings
from tests.rest.conftest import AUTH, ORDERS, get

DOCUMENT = openapi_document(load_settings())
LISTING = DOCUMENT["paths"][ORDERS]["get"]


def _schema_for(status: str) -> dict[str, Any]:
    """The documented body schema of a GET answer, `$ref`s resolvable."""
    response = LISTING["responses"][status]
    if "$ref" in response:
        response = DOCUMENT["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return {
        **response["content"]["application/json"]["schema"],
        "components": DOCUMENT["components"],
    }


def test_valid_openapi_3_1() -> None:
    jsonschema_rs.Draft202012Validator(OPENAPI_31).validate(DOCUMENT)
    assert DOCUMENT["openapi"] == "3.1.0"
    for schema in DOCUMENT["components"]["schemas"].values():
        jsonschema_rs.meta.validate(schema)


def test_every_parameter_described() -> None:
    names = [parameter["name"] for parameter in LISTING["parameters"]]
    assert names == ["limit", "offset", "search", "ordering", "format",
                     *(spec.name for spec in FILTERS)]  # fmt: skip
    assert all(parameter["description"] for parameter in LISTING["parameters"])


def test_every_status_described() -> None:
    assert sorted(LISTING["responses"]) == ["200", "400", "401", "404", "406", "500"]
    refused = DOCUMENT["paths"][ORDERS]["post"]["responses"]
    assert sorted(refused) == ["401", "405"]
    assert sorted(DOCUMENT["paths"][ORDERS]["options"]["responses"]) == ["200", "401"]


async def test_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/schema/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == DOCUMENT


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("", "200"),
        ("status=x&id_min=y", "400"),
        ("search=%00", "400"),
        ("format=xml", "404"),
    ],
)
async def test_live_answers_match_their_schemas(
    client: httpx.AsyncClient, three_orders: dict[str, Any], query: str, status: str
) -> None:
    response = await get(client, query)
    assert str(response.status_code) == status
    jsonschema_rs.validator_for(_schema_for(status)).validate(response.json())


async def test_live_errors_match_their_schemas(
    client: httpx.AsyncClient, session: AsyncSession, three_orders: dict[str, Any]
) -> None:
    unauthenticated = await client.get(ORDERS)
    not_acceptable = await client.get(ORDERS, headers={**AUTH, "Accept": "image/png"})
    refused = await client.post(ORDERS, headers=AUTH)
    options = await client.options(ORDERS, headers=AUTH)
    metadata = {
        **DOCUMENT["components"]["schemas"]["Metadata"],
        "components": DOCUMENT["components"],
    }
    jsonschema_rs.validator_for(metadata).validate(options.json())
    detail = {**DOCUMENT["components"]["schemas"]["Detail"], "components": DOCUMENT["components"]}
    for response, status in ((unauthenticated, 401), (not_acceptable, 406), (refused, 405)):
        assert response.status_code == status
        jsonschema_rs.validator_for(detail).validate(response.json())
    jsonschema_rs.validator_for(_schema_for("401")).validate(unauthenticated.json())
    jsonschema_rs.validator_for(_schema_for("406")).validate(not_acceptable.json())
