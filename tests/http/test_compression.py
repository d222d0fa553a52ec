"""gzip, and what it must not do to the legacy endpoint's `Vary: Accept`."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.http.compression import CompressionMiddleware
from tests.app_client import asgi_client

BIG = b'{"data":"' + b"x" * 4000 + b'"}'
SMALL = b'{"data":"x"}'


async def legacy(request: Request) -> Response:
    return Response(BIG, media_type="application/json", headers={"Vary": "Accept"})


async def graphql(request: Request) -> Response:
    body = SMALL if request.query_params.get("small") else BIG
    return Response(body, media_type="application/json")


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = Starlette(
        routes=[
            Route("/api/shop/customers/me/orders", legacy),
            Route("/graphql", graphql),
        ],
        middleware=[Middleware(CompressionMiddleware, minimum_size=1024, excluded=["/api"])],
    )
    async with asgi_client(app) as client:
        yield client


async def raw(
    client: httpx.AsyncClient, path: str, encoding: str | None
) -> tuple[httpx.Headers, bytes]:
    """Headers and the body as sent (httpx would otherwise decompress it)."""
    headers = {"Accept-Encoding": encoding} if encoding else {}
    request = client.build_request("GET", path, headers=headers)
    if encoding is None:
        del request.headers["Accept-Encoding"]  # httpx sends one by default
    response = await client.send(request, stream=True)
    body = b"".join([chunk async for chunk in response.aiter_raw()])
    return response.headers, body


async def test_large_responses_are_gzipped_for_clients_that_accept_it(
    client: httpx.AsyncClient,
) -> None:
    headers, body = await raw(client, "/graphql", "gzip, deflate")
    assert headers["content-encoding"] == "gzip"
    assert headers["vary"] == "Accept-Encoding"
    assert gzip.decompress(body) == BIG
    assert int(headers["content-length"]) == len(body) < len(BIG)


async def test_small_responses_are_sent_as_they_are(client: httpx.AsyncClient) -> None:
    headers, body = await raw(client, "/graphql?small=1", "gzip")
    assert "content-encoding" not in headers
    assert body == SMALL


@pytest.mark.parametrize("encoding", [None, "gzip", "identity"])
async def test_the_legacy_endpoint_keeps_exactly_vary_accept(
    client: httpx.AsyncClient, encoding: str | None
) -> None:
    headers, body = await raw(client, "/api/shop/customers/me/orders", encoding)
    assert headers.get_list("vary") == ["Accept"]
    assert "content-encoding" not in headers
    assert body == BIG
