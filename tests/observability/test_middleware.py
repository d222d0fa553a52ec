"""The observability middleware on a tiny app built inline (the real `Gateway` class, so the
middleware sits where `create_app` puts it: outside Starlette's error middleware)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Mount, Route, Router

from gateway.app import Gateway
from gateway.http.server_error import server_error
from gateway.observability import context
from gateway.observability.metrics import Metrics
from tests.app_client import asgi_client

HEX32 = re.compile(r"[0-9a-f]{32}")


async def item(request: Request) -> PlainTextResponse:
    context.set_customer_id(7)
    return PlainTextResponse(f"item {request.path_params['id']}")


async def graphql(request: Request) -> JSONResponse:
    context.set_customer_id(9)
    context.set_operation_name(request.query_params.get("op"))
    context.set_error_code("BAD_USER_INPUT")
    return JSONResponse({"request_id": context.request_id()})


async def crash(request: Request) -> PlainTextResponse:
    raise RuntimeError("secret internal detail")


def build(metrics: Metrics, *, trust_proxy: bool = False) -> Gateway:
    return Gateway(
        routes=[
            Route("/items/{id:int}", item),
            Route("/graphql", graphql, methods=["GET"]),
            Route("/crash", crash),
            Mount("/v1", routes=[Route("/items/{id:int}", item)]),
            Mount("/asgi", app=Router(routes=[])),
        ],
        exception_handlers={Exception: server_error},
        metrics=metrics,
        trust_proxy=trust_proxy,
    )


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
async def client(metrics: Metrics) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(build(metrics), peer=("198.51.100.7", 5000)) as c:
        yield c


@pytest.fixture
def access(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="gateway")
    return caplog


def access_fields(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [r.fields for r in caplog.records if r.name == "gateway.access"]  # type: ignore[attr-defined]


async def test_every_response_carries_a_new_request_id(client: httpx.AsyncClient) -> None:
    first = await client.get("/items/1", headers={"X-Request-ID": "chosen-by-client"})
    second = await client.get("/nowhere")
    assert HEX32.fullmatch(first.headers["x-request-id"])
    assert HEX32.fullmatch(second.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_a_trusted_proxy_sets_the_request_id(metrics: Metrics) -> None:
    async with asgi_client(build(metrics, trust_proxy=True)) as c:
        kept = await c.get("/graphql", headers={"X-Request-ID": "proxy-7f3a"})
        replaced = await c.get("/graphql", headers={"X-Request-ID": "x" * 129})
    assert kept.headers["x-request-id"] == "proxy-7f3a"
    # the adapters read the same id from the context
    assert kept.json() == {"request_id": "proxy-7f3a"}
    assert HEX32.fullmatch(replaced.headers["x-request-id"])


async def test_one_access_line_per_request(
    client: httpx.AsyncClient, access: pytest.LogCaptureFixture
) -> None:
    # when a request with a query string is served
    response = await client.get(
        "/items/5?search=private+words", headers={"Authorization": "Token k"}
    )
    # then one line describes it, without the query string or the token
    (fields,) = access_fields(access)
    duration = fields.pop("duration_ms")
    assert isinstance(duration, float)
    assert duration >= 0
    assert fields == {
        "request_id": response.headers["x-request-id"],
        "method": "GET",
        "path": "/items/5",
        "operation": None,
        "status": 200,
        "customer_id": 7,
        "error_code": None,
        "client": "198.51.100.7",
    }
    (record,) = [r for r in access.records if r.name == "gateway.access"]
    assert (record.levelname, record.getMessage()) == ("INFO", "GET /items/5 200")
    assert "private" not in access.text
    assert "Token" not in access.text


async def test_graphql_operation_is_logged_and_counted(
    client: httpx.AsyncClient, access: pytest.LogCaptureFixture, metrics: Metrics
) -> None:
    await client.get("/graphql?op=MyOrders")
    await client.get("/graphql")
    first, second = access_fields(access)
    assert (first["operation"], first["customer_id"], first["error_code"]) == (
        "MyOrders",
        9,
        "BAD_USER_INPUT",
    )
    assert second["operation"] is None
    sample = metrics.registry.get_sample_value
    labels = {"operation": "MyOrders", "error_code": "BAD_USER_INPUT"}
    assert sample("gateway_graphql_operations_total", labels) == 1
    labels = {"operation": "anonymous", "error_code": "BAD_USER_INPUT"}
    assert sample("gateway_graphql_operations_total", labels) == 1


@pytest.mark.parametrize(
    ("path", "route"),
    [
        ("/items/7", "/items/{id:int}"),
        ("/v1/items/7", "/v1/items/{id:int}"),
        ("/asgi/anything", "/asgi"),  # a 404 under a mount counts for the mount
        ("/items/x", "unmatched"),
        ("/crash", "/crash"),
    ],
)
async def test_requests_are_counted_by_route_template(
    client: httpx.AsyncClient, metrics: Metrics, path: str, route: str
) -> None:
    response = await client.get(path)
    labels = {"method": "GET", "route": route, "status": str(response.status_code)}
    assert metrics.registry.get_sample_value("gateway_http_requests_total", labels) == 1


async def test_a_mounted_asgi_app_is_labelled_with_its_prefix(metrics: Metrics) -> None:
    async def plain(scope: object, receive: object, send: object) -> None:
        await PlainTextResponse("ok")(scope, receive, send)  # type: ignore[arg-type]

    app = Gateway(routes=[Mount("/graphql", app=plain)], metrics=metrics, trust_proxy=False)
    async with asgi_client(app) as c:
        await c.get("/graphql/")
    labels = {"method": "GET", "route": "/graphql", "status": "200"}
    assert metrics.registry.get_sample_value("gateway_http_requests_total", labels) == 1


async def test_an_unexpected_error_is_a_json_500_with_the_id_in_the_log(
    client: httpx.AsyncClient, access: pytest.LogCaptureFixture
) -> None:
    # when an endpoint raises
    response = await client.get("/crash")
    # then the client sees a bare JSON 500 with the request id, and nothing internal
    assert response.status_code == 500
    assert response.content == b'{"detail":"A server error occurred."}'
    assert response.headers["content-type"] == "application/json"
    request_id = response.headers["x-request-id"]
    # and the log has the traceback once, with that id, and the access line
    (error,) = [r for r in access.records if r.name == "gateway.errors"]
    assert error.exc_info is not None
    assert str(error.exc_info[1]) == "secret internal detail"
    (fields,) = access_fields(access)
    assert (fields["status"], fields["request_id"]) == (500, request_id)


async def test_without_any_error_handler_the_middleware_answers_500(metrics: Metrics) -> None:
    async def broken_handler(request: Request, exc: Exception) -> PlainTextResponse:
        raise exc

    app = Gateway(
        routes=[Route("/crash", crash)],
        exception_handlers={Exception: broken_handler},
        metrics=metrics,
        trust_proxy=False,
    )
    async with asgi_client(app) as c:
        response = await c.get("/crash")
    assert response.status_code == 500
    assert json.loads(response.content) == {"detail": "A server error occurred."}
    assert HEX32.fullmatch(response.headers["x-request-id"])


async def test_probes_are_logged_at_debug_level(
    metrics: Metrics, access: pytest.LogCaptureFixture
) -> None:
    async def ok(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    app = Gateway(routes=[Route("/healthz", ok)], metrics=metrics, trust_proxy=False)
    async with asgi_client(app) as c:
        await c.get("/healthz")
    (record,) = [r for r in access.records if r.name == "gateway.access"]
    assert record.levelname == "DEBUG"
