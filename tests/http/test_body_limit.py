"""The body limit: a body over `max_bytes` is refused with 413 (declared or streamed), in
the front door's wire format, before the endpoint sees it."""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gateway.http.body_limit import BodyLimitMiddleware
from gateway.http.refusals import Refusals
from tests.app_client import asgi_client

LIMIT = 1024


def app(seen: list[int]) -> Starlette:
    async def echo(request: Request) -> JSONResponse:
        body = await request.body()
        seen.append(len(body))
        return JSONResponse({"length": len(body)})

    routes = [Route(path, echo, methods=["POST"]) for path in ("/api/orders", "/graphql", "/other")]
    refusals = Refusals(graphql_paths=["/graphql"])
    middleware = [
        Middleware(
            BodyLimitMiddleware, max_bytes=LIMIT, paths=["/api", "/graphql"], refusals=refusals
        )
    ]
    return Starlette(routes=routes, middleware=middleware)


async def chunks(total: int) -> AsyncIterator[bytes]:
    for _ in range(total // 256):
        yield b"x" * 256


async def test_a_declared_large_body_is_refused_before_the_endpoint_reads_it() -> None:
    seen: list[int] = []
    async with asgi_client(app(seen)) as c:
        response = await c.post("/api/orders", content=b"x" * (LIMIT + 1))

    assert response.status_code == 413
    assert response.json() == {"detail": "Request body exceeds the limit of 1024 bytes."}
    assert seen == []


async def test_a_streamed_large_body_is_refused_once_past_the_limit() -> None:
    seen: list[int] = []
    async with asgi_client(app(seen)) as c:
        # a chunked upload: no Content-Length
        response = await c.post("/graphql", content=chunks(LIMIT * 4))

    assert response.status_code == 413
    assert response.json() == {
        "errors": [
            {
                "message": "Request body exceeds the limit of 1024 bytes.",
                "extensions": {"code": "QUERY_TOO_COMPLEX"},
            }
        ]
    }
    assert seen == []


async def test_bodies_within_the_limit_and_other_paths_pass() -> None:
    seen: list[int] = []
    async with asgi_client(app(seen)) as c:
        exact = await c.post("/graphql", content=b"x" * LIMIT)
        streamed = await c.post("/api/orders", content=chunks(LIMIT))
        other = await c.post("/other", content=b"x" * (LIMIT * 2))

    assert [exact.status_code, streamed.status_code, other.status_code] == [200, 200, 200]
    assert seen == [LIMIT, LIMIT, LIMIT * 2]
