"""The request deadline: a request that takes too long answers 503 with `Retry-After` in
the wire format of its front door; fast ones, and paths without a deadline, are untouched."""

from __future__ import annotations

import asyncio

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

from gateway.http.deadline import DeadlineMiddleware
from gateway.http.refusals import Refusals
from tests.app_client import asgi_client

ENDPOINT_HEADERS = {"Allow": "GET, HEAD, OPTIONS", "Vary": "Accept"}
UNAVAILABLE = "Service temporarily unavailable, try again later."


def app(seconds: float, finished: list[str]) -> Starlette:
    async def sleep(request: Request) -> JSONResponse:
        try:
            await asyncio.sleep(float(request.query_params["for"]))
        except asyncio.CancelledError:
            finished.append("cancelled")
            raise
        finished.append("done")
        return JSONResponse({"slept": True})

    async def stream(request: Request) -> StreamingResponse:
        async def chunks() -> object:
            yield b"first"
            await asyncio.sleep(5)
            yield b"never"

        return StreamingResponse(chunks())

    async def own_timeout(request: Request) -> JSONResponse:
        raise TimeoutError

    refusals = Refusals(
        graphql_paths=["/graphql"], endpoint_headers={"/api/orders": ENDPOINT_HEADERS}
    )
    routes = [
        Route(path, sleep, methods=["GET", "POST"])
        for path in ("/api/orders", "/graphql", "/readyz")
    ]
    routes += [Route("/api/stream", stream), Route("/api/own-timeout", own_timeout)]
    middleware = [
        Middleware(
            DeadlineMiddleware, seconds=seconds, paths=["/api", "/graphql"], refusals=refusals
        )
    ]
    return Starlette(routes=routes, middleware=middleware)


async def test_a_slow_rest_request_answers_503_in_drf_format() -> None:
    # given a 0.2 s deadline
    finished: list[str] = []
    async with asgi_client(app(0.2, finished)) as c:
        # when the endpoint would take 5 s
        response = await c.get("/api/orders?for=5")

    # then the work was cancelled and the client told to retry, with the endpoint's headers
    assert response.status_code == 503
    assert response.content == b'{"detail":"' + UNAVAILABLE.encode() + b'"}'
    assert response.headers["Retry-After"] == "1"
    assert response.headers["Content-Type"] == "application/json"
    assert (response.headers["Allow"], response.headers["Vary"]) == ("GET, HEAD, OPTIONS", "Accept")
    assert finished == ["cancelled"]


async def test_a_slow_graphql_request_answers_a_coded_error() -> None:
    finished: list[str] = []
    async with asgi_client(app(0.2, finished)) as c:
        response = await c.post("/graphql?for=5", json={"query": "{ me { id } }"})

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.json() == {
        "errors": [{"message": UNAVAILABLE, "extensions": {"code": "SERVICE_UNAVAILABLE"}}]
    }


async def test_fast_requests_and_other_paths_are_untouched() -> None:
    finished: list[str] = []
    async with asgi_client(app(0.2, finished)) as c:
        fast = await c.get("/api/orders?for=0")
        probe = await c.get("/readyz?for=0.4")  # no deadline on probes

    assert (fast.status_code, fast.json()) == (200, {"slept": True})
    assert (probe.status_code, probe.json()) == (200, {"slept": True})
    assert finished == ["done", "done"]


async def test_a_started_response_is_dropped_not_replaced() -> None:
    # given a response that started before the deadline passed
    async with asgi_client(app(0.2, [])) as c:
        # then the deadline's error reaches the server, which drops the connection
        with pytest.raises(TimeoutError):
            await c.get("/api/stream")


async def test_the_applications_own_timeout_is_not_taken_for_the_deadline() -> None:
    # given an endpoint that raises TimeoutError itself, well within the deadline
    async with asgi_client(app(5, [])) as c:
        # then the error propagates (to the app's 500 handler), it is not a 503
        with pytest.raises(TimeoutError):
            await c.get("/api/own-timeout")
