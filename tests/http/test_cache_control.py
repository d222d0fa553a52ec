from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from gateway.http.cache_control import NoStoreMiddleware
from tests.app_client import asgi_client


async def plain(request: Request) -> PlainTextResponse:
    return PlainTextResponse("x")


async def cacheable(request: Request) -> PlainTextResponse:
    return PlainTextResponse("x", headers={"Cache-Control": "public, max-age=60"})


async def test_customer_data_is_never_stored_by_caches() -> None:
    app = Starlette(
        routes=[
            Route("/api/orders", plain),
            Route("/graphql", plain, methods=["GET", "POST"]),
            Route("/graphql/static/app.js", cacheable),
            Route("/healthz", plain),
        ],
        middleware=[Middleware(NoStoreMiddleware, prefixes=("/api", "/graphql"))],
    )
    async with asgi_client(app) as client:
        api = await client.get("/api/orders")
        graphql = await client.post("/graphql")
        not_found = await client.get("/api/nothing")
        static = await client.get("/graphql/static/app.js")
        health = await client.get("/healthz")
    assert api.headers["cache-control"] == "private, no-store"
    assert graphql.headers["cache-control"] == "private, no-store"
    assert not_found.headers["cache-control"] == "private, no-store"
    # an endpoint's own choice is kept; other paths are left alone
    assert static.headers["cache-control"] == "public, max-age=60"
    assert "cache-control" not in health.headers
