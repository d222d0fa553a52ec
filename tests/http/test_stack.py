"""The HTTP middleware `create_app` wires from the settings, on the whole app."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.errors import ConfigurationError
from gateway.settings import Settings, load_settings
from tests.app_client import serve

ORIGIN = "https://shop.example"


@pytest.fixture
async def app_client(
    engine: AsyncEngine, settings: Settings, request: pytest.FixtureRequest
) -> AsyncIterator[httpx.AsyncClient]:
    """A client on the whole app built with the test's extra settings (`indirect` param)."""
    extra: dict[str, object] = getattr(request, "param", {})
    async with serve(load_settings(**{**settings.model_dump(), **extra})) as served:
        yield served.client


async def test_health_answers_carry_a_request_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])
    assert "cache-control" not in response.headers


async def test_customer_paths_are_not_stored(client: httpx.AsyncClient) -> None:
    for path in ("/api/no-such-endpoint", "/graphql"):
        response = await client.get(path)
        assert response.headers["cache-control"] == "private, no-store"


async def test_cors_is_off_by_default(client: httpx.AsyncClient) -> None:
    preflight = await client.options(
        "/graphql",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers


@pytest.mark.parametrize("app_client", [{"cors_origins": ORIGIN}], indirect=True)
async def test_cors_allows_the_configured_origins(app_client: httpx.AsyncClient) -> None:
    preflight = await app_client.options(
        "/graphql",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    assert preflight.headers["access-control-allow-methods"] == "GET, POST"
    simple = await app_client.get("/healthz", headers={"Origin": ORIGIN})
    assert simple.headers["access-control-allow-origin"] == ORIGIN
    assert simple.headers["access-control-expose-headers"] == "X-Request-ID"
    other = await app_client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


CLIENT_HEADERS = (
    "authorization, content-type, accept, x-request-id, traceparent, tracestate, "
    "apollographql-client-name, apollographql-client-version"
)


@pytest.mark.parametrize(
    "app_client", [{"cors_origins": ORIGIN, "cors_allow_headers": "X-Shop-Client"}], indirect=True
)
async def test_cors_allows_the_headers_clients_send_and_the_configured_ones(
    app_client: httpx.AsyncClient,
) -> None:
    def preflight(headers: str) -> Awaitable[httpx.Response]:
        return app_client.options(
            "/graphql",
            headers={
                "Origin": ORIGIN,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": headers,
            },
        )

    # Apollo Client's client awareness, W3C trace context, a request id, and the extra one
    usual = await preflight(CLIENT_HEADERS)
    extra = await preflight("x-shop-client")
    unknown = await preflight("x-unknown")

    assert usual.status_code == 200
    assert extra.status_code == 200
    assert unknown.status_code == 400  # Starlette refuses a header that is not allowed


@pytest.mark.parametrize("app_client", [{"gzip_minimum_size": 1}], indirect=True)
async def test_gzip_follows_the_minimum_size(app_client: httpx.AsyncClient) -> None:
    response = await app_client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("app_client", [{"gzip_minimum_size": 0}], indirect=True)
async def test_gzip_minimum_size_zero_turns_compression_off(
    app_client: httpx.AsyncClient,
) -> None:
    response = await app_client.get("/metrics", headers={"Accept-Encoding": "gzip"})
    assert len(response.content) > 1024
    assert "content-encoding" not in response.headers


def test_cors_origins_are_normalised() -> None:
    settings = load_settings(cors_origins=f" {ORIGIN} , http://localhost:3000,")
    assert settings.cors_origins == f"{ORIGIN},http://localhost:3000"
    assert settings.cors_origin_list == [ORIGIN, "http://localhost:3000"]
    assert load_settings().cors_origin_list == []


@pytest.mark.parametrize("value", ["shop.example", "https://shop.example/path", "ftp://x"])
def test_a_value_that_is_not_an_origin_stops_start_up(value: str) -> None:
    with pytest.raises(ConfigurationError, match=r"^invalid configuration: GATEWAY_CORS_ORIGINS"):
        load_settings(cors_origins=value)
