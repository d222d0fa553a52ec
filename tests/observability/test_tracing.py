"""Traces of whole requests, collected by the SDK's in-memory exporter: the span tree of a REST
request and of a GraphQL page on the compiled path, in the caller's trace, with SQL spans that
carry placeholders and no values."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import version
from pathlib import Path
from typing import ClassVar

import httpx
import pytest
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.app import create_app
from gateway.errors import ConfigurationError
from gateway.observability.middleware import ObservabilityMiddleware
from gateway.observability.tracing import (
    resource,
    span_exporters,
    tracer_provider_from_environment,
    tracing_requested,
)
from gateway.settings import Settings
from tests.app_client import asgi_client
from tests.factories import add_customer, add_order, add_references
from tests.graphql.conftest import MY_TOKEN
from tests.graphql.test_compiled import EVERY_FIELD
from tests.observability.span_tree import render

CALLER_TRACE = "0af7651916cd43dd8448eb211c80319c"
CALLER_SPAN = "b7ad6b7169203331"
TRACEPARENT = f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"
SEARCH = "Kadıköy"
HEADERS = {"Authorization": f"Token {MY_TOKEN}", "traceparent": TRACEPARENT}

REST_TREE = """\
GET /api/shop/customers/me/orders
  authenticate
    SQL SELECT
  SQL SELECT"""
GRAPHQL_TREE = """\
POST /graphql
  query EveryField
    graphql.parse
    graphql.validate
    graphql.execute
      graphql.compiled
        authenticate
          SQL SELECT
        SQL SELECT
        dataloader items  [gateway.dataloader.keys=2]
          SQL SELECT
        dataloader payments  [gateway.dataloader.keys=2]
          SQL SELECT"""


@dataclass(frozen=True, slots=True)
class Traced:
    client: httpx.AsyncClient
    exporter: InMemorySpanExporter

    def spans(self) -> tuple[ReadableSpan, ...]:
        return self.exporter.get_finished_spans()


def sql_label(span: ReadableSpan) -> str:
    """SQL spans as `SQL <operation>` (their name also holds the database's name, which
    differs between backends)."""
    attributes = span.attributes or {}
    if "db.statement" in attributes:
        return "SQL " + span.name.split()[0]
    return span.name


@pytest.fixture
async def traced(engine: object, settings: Settings) -> AsyncIterator[Traced]:
    """The whole app traced to an in-memory exporter."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = create_app(settings, tracer_provider=provider)
    async with app.router.lifespan_context(app), asgi_client(app) as client:
        exporter.clear()  # start-up's own statements (optional structures' check): no request's
        yield Traced(client, exporter)
    provider.shutdown()


@pytest.fixture
async def customer(session: AsyncSession) -> int:
    """Reference rows and a customer holding `MY_TOKEN`."""
    await add_references(session)
    customer_id = await add_customer(session, token=MY_TOKEN)
    await session.commit()
    return customer_id


@pytest.fixture
async def two_orders(session: AsyncSession, customer: int) -> None:
    for product in (1, 2):
        await add_order(
            session,
            customer,
            items=[(product, "12.50", 2, "0.00")],
            payments=[("25.00", "succeeded")],
            billing_country_id=1,
            billing_state_id=1,
            billing_city_id=1,
            payment_method_id=1,
        )
    await session.commit()


def assert_in_callers_trace(spans: tuple[ReadableSpan, ...]) -> ReadableSpan:
    """Every span is in the caller's trace; the server span is the caller span's child."""
    assert {format(s.context.trace_id, "032x") for s in spans if s.context} == {CALLER_TRACE}
    (server,) = [s for s in spans if s.kind is SpanKind.SERVER]
    assert server.parent is not None
    assert format(server.parent.span_id, "016x") == CALLER_SPAN
    assert server.parent.is_remote
    return server


def assert_no_values(spans: tuple[ReadableSpan, ...], *secrets: str) -> None:
    """SQL spans carry the statement with placeholders, and no attribute of any span holds
    a value the customer sent (token, search term) or the query string."""
    statements = [
        str(s.attributes["db.statement"]) for s in spans if "db.statement" in (s.attributes or {})
    ]
    assert statements
    for statement in statements:
        assert "?" in statement or "$1" in statement
    for span in spans:
        for value in (span.attributes or {}).values():
            for secret in secrets:
                assert secret not in str(value), (span.name, value)


async def test_rest_request_span_tree(traced: Traced, two_orders: None) -> None:
    # when a REST page is asked for within the caller's trace, with a search term
    response = await traced.client.get(
        "/api/shop/customers/me/orders", params={"search": SEARCH}, headers=HEADERS
    )
    assert response.status_code == 200
    # then its spans hang under the server span: authentication, the page (the count rides
    # on the page's statement)
    spans = traced.spans()
    assert render(spans, label=sql_label) == REST_TREE
    server = assert_in_callers_trace(spans)
    assert (server.attributes or {})["http.route"] == "/api/shop/customers/me/orders"
    assert (server.attributes or {})["http.status_code"] == 200
    assert_no_values(spans, MY_TOKEN, SEARCH, "search=", "K%C4%B1")


async def test_graphql_page_span_tree_on_the_compiled_path(
    traced: Traced, two_orders: None
) -> None:
    # when a full page (every field of every order) is asked for with a search term
    response = await traced.client.post(
        "/graphql",
        json={"query": EVERY_FIELD, "variables": {"first": 20, "search": SEARCH}},
        headers=HEADERS,
    )
    assert response.status_code == 200
    assert len(response.json()["data"]["myOrders"]["nodes"]) == 2
    # then the compiled path answered, and its batches and statements are in the trace
    spans = traced.spans()
    assert render(spans, label=sql_label, attributes=["gateway.dataloader.keys"]) == GRAPHQL_TREE
    assert_in_callers_trace(spans)
    (operation,) = [s for s in spans if s.name == "query EveryField"]
    assert operation.attributes == {
        "graphql.operation.type": "query",
        "graphql.operation.name": "EveryField",
    }
    assert_no_values(spans, MY_TOKEN, SEARCH, "$filter: OrderFilterInput")


async def test_access_line_carries_the_trace_id(
    traced: Traced, customer: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gateway.access")
    await traced.client.get("/api/shop/customers/me/orders", headers=HEADERS)
    (record,) = [r for r in caplog.records if r.name == "gateway.access"]
    assert record.fields["trace_id"] == CALLER_TRACE  # type: ignore[attr-defined]


async def test_probes_are_not_traced(traced: Traced) -> None:
    assert (await traced.client.get("/healthz")).status_code == 200
    assert (await traced.client.get("/metrics")).status_code == 200
    assert traced.spans() == ()


async def test_a_request_without_traceparent_starts_a_trace(
    traced: Traced, customer: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gateway.access")
    await traced.client.get("/api/shop/customers/me/orders", headers={"Authorization": "Token x"})
    (server,) = [s for s in traced.spans() if s.kind is SpanKind.SERVER]
    assert server.parent is None
    (record,) = [r for r in caplog.records if r.name == "gateway.access"]
    assert record.fields["trace_id"] == format(server.context.trace_id, "032x")  # type: ignore[attr-defined,union-attr]


async def test_tracing_off_adds_no_middleware(settings: Settings) -> None:
    app = create_app(settings)
    stack = app.build_middleware_stack()
    assert isinstance(stack, ObservabilityMiddleware)
    assert stack.tracer is None


# Set-up from the OTEL_* variables.

Environ = Callable[[dict[str, str]], None]


@pytest.fixture
def otel_environ(monkeypatch: pytest.MonkeyPatch) -> Environ:
    """Sets exactly the given `OTEL_*` variables (the others are removed for the test)."""

    def use(variables: dict[str, str]) -> None:
        for name in [name for name in os.environ if name.startswith("OTEL_")]:
            monkeypatch.delenv(name)
        for name, value in variables.items():
            monkeypatch.setenv(name, value)

    return use


@pytest.mark.parametrize(
    ("environ", "on"),
    [
        ({}, False),
        ({"OTEL_SERVICE_NAME": "shop"}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"}, True),
        ({"OTEL_TRACES_EXPORTER": "console"}, True),
        ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://x:4318"}, False),
        ({"OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://x:4318"}, False),
    ],
)
def test_tracing_is_on_only_when_asked_for(
    environ: dict[str, str], on: bool, otel_environ: Environ
) -> None:
    otel_environ(environ)
    assert tracing_requested() is on
    provider = tracer_provider_from_environment()
    assert (provider is not None) is on
    if provider is not None:
        provider.shutdown()


@pytest.mark.parametrize(
    ("environ", "kinds"),
    [
        ({}, [HttpExporter]),
        ({"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, [GrpcExporter]),
        ({"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc"}, [GrpcExporter]),
        ({"OTEL_TRACES_EXPORTER": "otlp,console"}, [HttpExporter, ConsoleSpanExporter]),
    ],
)
def test_exporters_follow_the_variables(
    environ: dict[str, str], kinds: list[type], otel_environ: Environ
) -> None:
    otel_environ(environ)
    exporters = span_exporters()
    assert [type(e) for e in exporters] == kinds
    for exporter in exporters:
        exporter.shutdown()


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"OTEL_TRACES_EXPORTER": "zipkin"},
            "OTEL_TRACES_EXPORTER: zipkin not supported (use otlp, console, none)",
        ),
        (
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://x:4318",
                "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
            },
            "OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' is not supported "
            "(one of http/protobuf, grpc)",
        ),
    ],
)
def test_variables_the_sdk_cannot_honour_stop_start_up(
    environ: dict[str, str], message: str, otel_environ: Environ
) -> None:
    otel_environ(environ)
    with pytest.raises(ConfigurationError) as raised:
        tracer_provider_from_environment()
    assert str(raised.value) == message


def test_service_name_defaults_to_the_gateway(otel_environ: Environ) -> None:
    otel_environ({})
    assert resource().attributes["service.name"] == "shop-gateway"
    otel_environ({"OTEL_SERVICE_NAME": "shop-eu"})
    named = resource().attributes
    assert named["service.name"] == "shop-eu"
    assert named["service.version"] == version("shop-gateway")
    assert named["service.instance.id"]  # the SDK's, one per process


class _Receiver(BaseHTTPRequestHandler):
    """An OTLP/HTTP trace receiver: keeps what it is sent in `received`."""

    received: ClassVar[list[ExportTraceServiceRequest]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        self.received.append(request)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def receiver() -> Iterator[str]:
    """An OTLP/HTTP receiver on a free port: its endpoint."""
    _Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


async def test_spans_reach_an_otlp_receiver(
    receiver: str,
    settings: Settings,
    engine: object,
    customer: int,
    otel_environ: Environ,
) -> None:
    # given the variables an operator sets
    otel_environ({"OTEL_SERVICE_NAME": "shop-test", "OTEL_EXPORTER_OTLP_ENDPOINT": receiver})
    provider = tracer_provider_from_environment()
    assert provider is not None
    app = create_app(settings, tracer_provider=provider)
    # when a request is served and the app stops (it flushes its spans)
    async with app.router.lifespan_context(app), asgi_client(app) as client:
        await client.get("/api/shop/customers/me/orders", headers=HEADERS)
    provider.shutdown()
    # then the receiver has the request's spans, from this service, in the caller's trace
    spans = [
        span
        for request in _Receiver.received
        for resource_spans in request.resource_spans
        for scope in resource_spans.scope_spans
        for span in scope.spans
    ]
    services = {
        attribute.value.string_value
        for request in _Receiver.received
        for resource_spans in request.resource_spans
        for attribute in resource_spans.resource.attributes
        if attribute.key == "service.name"
    }
    assert services == {"shop-test"}
    in_trace = [span.name for span in spans if span.trace_id.hex() == CALLER_TRACE]
    assert "GET /api/shop/customers/me/orders" in in_trace
    # and nothing else but start-up's own statements (the optional structures' check), each
    # a trace of its own
    others = [span for span in spans if span.trace_id.hex() != CALLER_TRACE]
    assert {(span.name.split()[0], span.parent_span_id) for span in others} <= {("SELECT", b"")}


def test_the_fleet_page_shows_these_trees() -> None:
    """docs/fleet.md shows the trees these tests check, as they are."""
    page = (Path(__file__).resolve().parents[2] / "docs" / "fleet.md").read_text()
    assert f"```\n{REST_TREE}\n```" in page
    assert f"```\n{GRAPHQL_TREE}\n```" in page
