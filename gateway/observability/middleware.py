"""The outermost middleware: request id, request context, access log, metrics, last-resort 500.

It wraps Starlette's own error middleware, so every response (500s included) carries
`X-Request-ID`, and the request context is still open while an error handler runs. With
tracing on, it runs inside the server span (`TracingMiddleware`): the access line carries
the trace id, and the span is named after the route.
"""

from __future__ import annotations

import logging
import time

from opentelemetry.trace import Tracer
from starlette.datastructures import MutableHeaders
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.http.server_error import server_error_response
from gateway.observability import context
from gateway.observability.access_log import AccessRecord, log_access, loggable_path
from gateway.observability.client import client_address
from gateway.observability.metrics import Metrics
from gateway.observability.request_id import HEADER, choose_request_id
from gateway.observability.spans import current_trace_id, name_request_span

logger = logging.getLogger("gateway.errors")

# Probes and scrapes arrive every few seconds: their access lines are logged at debug level.
QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})


def route_label(scope: Scope, root_path: str) -> str:
    """The template of the route that served the request (`/items/{id}`, not `/items/7`),
    with the prefixes of the mounts it is under; `unmatched` when no route matched."""
    route = scope.get("route")
    if route is None:
        return "unmatched"
    prefix = str(scope.get("root_path", ""))[len(root_path) :]
    if isinstance(route, Mount):
        return prefix
    return prefix + str(getattr(route, "path", ""))


class ObservabilityMiddleware:
    """Pure ASGI middleware; see the module docstring.

    Parameters:
        app: the application it wraps.
        metrics: where request and GraphQL operation metrics are recorded.
        trust_proxy: take `X-Request-ID` and `X-Forwarded-For` from the request.
        tracer: where the gateway's own spans go (None: tracing off).
    """

    def __init__(
        self, app: ASGIApp, *, metrics: Metrics, trust_proxy: bool, tracer: Tracer | None = None
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.trust_proxy = trust_proxy
        self.tracer = tracer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next(
            (value for name, value in scope["headers"] if name == b"x-request-id"), None
        )
        request_id = choose_request_id(incoming, trust_proxy=self.trust_proxy)
        request = context.RequestContext(request_id=request_id, tracer=self.tracer)
        token = context.open_context(request)
        root_path = str(scope.get("root_path", ""))
        started = time.perf_counter()
        status: int | None = None
        trace_id: str | None = None

        async def send_with_request_id(message: Message) -> None:
            nonlocal status, trace_id
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message)[HEADER] = request_id
                if self.tracer is not None:
                    # The server span ends with the response's last byte: named before.
                    name_request_span(str(scope["method"]), route_label(scope, root_path))
                    trace_id = current_trace_id()
            await send(message)

        try:
            await self.app(scope, receive, send_with_request_id)
        except Exception:
            # Starlette's error middleware has answered (and re-raised so that the server
            # logs it): log it here instead, once, with the request id.
            logger.exception("unhandled error")
            if status is None:  # no error handler could answer
                await server_error_response()(scope, receive, send_with_request_id)
        finally:
            seconds = time.perf_counter() - started
            self._record(scope, request, root_path, status or 500, seconds, trace_id)
            context.close_context(token)

    def _record(
        self,
        scope: Scope,
        request: context.RequestContext,
        root_path: str,
        status: int,
        seconds: float,
        trace_id: str | None,
    ) -> None:
        method = str(scope["method"])
        route = route_label(scope, root_path)
        self.metrics.observe_request(method, route, status, seconds)
        if request.graphql:
            self.metrics.observe_operation(request.operation_name, request.error_code, seconds)
        record = AccessRecord(
            context=request,
            method=method,
            path=loggable_path(scope.get("raw_path"), str(scope["path"])),
            status=status,
            duration_ms=seconds * 1000,
            client=client_address(scope, trust_proxy=self.trust_proxy),
            trace_id=trace_id,
        )
        log_access(record, level=logging.DEBUG if route in QUIET_ROUTES else logging.INFO)
