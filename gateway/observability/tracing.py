"""Tracing set-up (OpenTelemetry), from the standard `OTEL_*` variables.

Tracing is on when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) or
`OTEL_TRACES_EXPORTER` is set, unless `OTEL_SDK_DISABLED=true` or the exporter is `none`.
Off, nothing of this module runs per request: no provider, no middleware, no engine listener,
and `spans.span()` is a null context. On:

- the SDK's `TracerProvider`, whose resource (`OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`;
  `shop-gateway` by default) and sampler (`OTEL_TRACES_SAMPLER`, `…_ARG`) the SDK reads;
  spans are exported in batches (`OTEL_BSP_*`) by the exporters of `OTEL_TRACES_EXPORTER`
  (`otlp` by default; `console`; several, comma-separated). OTLP speaks
  `OTEL_EXPORTER_OTLP_PROTOCOL` (`http/protobuf` by default, or `grpc`) to the endpoint,
  headers, timeout and compression of the `OTEL_EXPORTER_OTLP_*` variables (read by the
  exporter itself).
- `TracingMiddleware`: the server span of each request (opentelemetry-instrumentation-asgi),
  continuing the caller's trace from `traceparent`/`tracestate` (`OTEL_PROPAGATORS`: W3C
  trace context and baggage by default). The query string stays out of the span (it
  carries customers' search terms, as it stays out of the access log); probes and scrapes
  (`/healthz`, `/readyz`, `/metrics`) are not traced unless `OTEL_PYTHON_EXCLUDED_URLS`
  (or `…_ASGI_EXCLUDED_URLS`) says otherwise.
- `trace_statements`: one client span per SQL statement (opentelemetry-instrumentation-
  sqlalchemy's `EngineTracer`, on one engine): `db.system`, `db.name`, `db.statement` as
  sent, with placeholders (`$1`, `?`), never the parameters' values.

The instrumentations' own meters are given a no-op provider: `/metrics` is the service's
metrics endpoint.
"""

from __future__ import annotations

import os
from importlib.metadata import version
from typing import Any

from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.instrumentation.sqlalchemy.version import __version__ as SQL_VERSION
from opentelemetry.metrics import NoOpMeterProvider, NoOpUpDownCounter
from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_VERSION, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.trace import Tracer
from opentelemetry.util.http import ExcludeList, get_excluded_urls, parse_excluded_urls
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.errors import ConfigurationError

SERVICE = "shop-gateway"
INSTRUMENTATION = "gateway"
PROTOCOLS = ("http/protobuf", "grpc")
EXPORTERS = ("otlp", "console", "none")
UNTRACED_PATHS = "/healthz$,/readyz$,/metrics$"
_QUERY_STRING = "gateway.query_string"


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


def tracing_requested() -> bool:
    """Whether the `OTEL_*` variables ask for traces."""
    environ = os.environ
    if _flag(environ.get("OTEL_SDK_DISABLED")):
        return False
    exporters = environ.get("OTEL_TRACES_EXPORTER", "").strip()
    if exporters:
        return exporters.lower() != "none"
    return bool(
        environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )


def _otlp_exporter() -> SpanExporter:
    environ = os.environ
    protocol = (
        environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
        or environ.get("OTEL_EXPORTER_OTLP_PROTOCOL")
        or "http/protobuf"
    ).strip()
    # Imported when chosen: the gRPC one loads grpcio, which a process exporting over
    # HTTP does not need.
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
            OTLPSpanExporter as GrpcExporter,
        )

        return GrpcExporter()
    if protocol == "http/protobuf":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
            OTLPSpanExporter as HttpExporter,
        )

        return HttpExporter()
    raise ConfigurationError(
        f"OTEL_EXPORTER_OTLP_PROTOCOL: {protocol!r} is not supported "
        f"(one of {', '.join(PROTOCOLS)})"
    )


def span_exporters() -> list[SpanExporter]:
    """The exporters `OTEL_TRACES_EXPORTER` names (`otlp` when unset); each reads its own
    variables (endpoint, headers, timeout…)."""
    names = [
        name.strip().lower()
        for name in (os.environ.get("OTEL_TRACES_EXPORTER") or "otlp").split(",")
        if name.strip()
    ]
    unknown = [name for name in names if name not in EXPORTERS]
    if unknown:
        raise ConfigurationError(
            f"OTEL_TRACES_EXPORTER: {', '.join(unknown)} not supported (use {', '.join(EXPORTERS)})"
        )
    exporters: list[SpanExporter] = []
    for name in dict.fromkeys(names):
        if name == "otlp":
            exporters.append(_otlp_exporter())
        elif name == "console":
            exporters.append(ConsoleSpanExporter())
    return exporters


def resource() -> Resource:
    """The SDK's resource (it reads `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES`, and
    gives each process its `service.instance.id`), with this service's name and version
    where those say nothing."""
    detected = Resource({SERVICE_VERSION: version("shop-gateway")}).merge(Resource.create())
    if str(detected.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        detected = detected.merge(Resource({SERVICE_NAME: SERVICE}))
    return detected


def tracer_provider_from_environment() -> TracerProvider | None:
    """The process's tracer provider as the `OTEL_*` variables describe it; None when they
    do not ask for traces. `ConfigurationError` names a variable the SDK cannot honour."""
    if not tracing_requested():
        return None
    provider = TracerProvider(resource=resource())
    for exporter in span_exporters():
        provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def gateway_tracer(provider: TracerProvider) -> Tracer:
    """The tracer of the gateway's own spans."""
    return provider.get_tracer(INSTRUMENTATION, version("shop-gateway"))


def _method_only(scope: Scope) -> tuple[str, dict[str, Any]]:
    """The server span's first name; `spans.name_request_span` adds the route once known
    (the raw path would make one span name per URL)."""
    return str(scope.get("method", "HTTP")), {}


class TracingMiddleware:
    """The server span of every HTTP request (outermost: the access log reads its trace id).

    Parameters:
        app: the application it wraps.
        provider: where the spans go.
        excluded_urls: URLs not traced (default: the `OTEL_PYTHON_…_EXCLUDED_URLS`
            variables, else the probes and the metrics scrape).
    """

    def __init__(
        self, app: ASGIApp, *, provider: TracerProvider, excluded_urls: ExcludeList | None = None
    ) -> None:
        self.app = app
        if excluded_urls is None:
            excluded_urls = get_excluded_urls("ASGI")
            if not os.environ.get("OTEL_PYTHON_ASGI_EXCLUDED_URLS") and not os.environ.get(
                "OTEL_PYTHON_EXCLUDED_URLS"
            ):
                excluded_urls = parse_excluded_urls(UNTRACED_PATHS)
        self.traced = OpenTelemetryMiddleware(
            _RestoreQueryString(app),
            excluded_urls=excluded_urls,
            default_span_details=_method_only,
            tracer_provider=provider,
            meter_provider=NoOpMeterProvider(),
            exclude_spans=["receive", "send"],
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # The instrumentation copies the query string into the span's URL: it sees none.
        hidden = {**scope, "query_string": b"", _QUERY_STRING: scope.get("query_string", b"")}
        await self.traced(hidden, receive, send)


class _RestoreQueryString:
    """Gives the application back the query string `TracingMiddleware` hid."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["query_string"] = scope.pop(_QUERY_STRING, b"")
        await self.app(scope, receive, send)


def trace_statements(engine: AsyncEngine, provider: TracerProvider) -> None:
    """A client span per SQL statement the engine runs, child of the current span.

    `EngineTracer` is the instrumentation's per-engine listener (its instrumentor patches
    SQLAlchemy globally, once per process, for one provider); its pool-usage counter gets a
    no-op instrument, as the pool is reported in `/metrics`."""
    tracer = provider.get_tracer("opentelemetry.instrumentation.sqlalchemy", SQL_VERSION)
    usage = NoOpUpDownCounter("db.client.connections.usage")
    EngineTracer(tracer, engine.sync_engine, usage)  # type: ignore[no-untyped-call]  # unannotated
