"""The gateway's own spans, and what the logs take from the current trace.

Code that does something worth a span (authentication, a DataLoader batch, a GraphQL phase)
opens one with `span()`. The tracer comes from the request's context (`RequestContext.tracer`,
set by `ObservabilityMiddleware` when tracing is on): with tracing off, or outside a
request, `span()` returns one shared null context, so a span costs a context-variable read.

    with span("dataloader.batch", {"gateway.dataloader": "Country", "gateway.keys": 3}):
        ...

Attributes never carry values a customer sent (search terms, filters), tokens or bodies.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from opentelemetry import trace
from opentelemetry.util.types import AttributeValue

from gateway.observability import context

_NO_SPAN: AbstractContextManager[Any] = nullcontext()


def span(
    name: str, attributes: Mapping[str, AttributeValue] | None = None
) -> AbstractContextManager[Any]:
    """A span named `name`, child of the current one, for the duration of a `with` block
    (the span is what `as` gives; None with tracing off)."""
    request = context.current()
    tracer = None if request is None else request.tracer
    if tracer is None:
        return _NO_SPAN
    return tracer.start_as_current_span(name, attributes=attributes)


def current_trace_id() -> str | None:
    """The current trace's id (32 hex digits, as `traceparent` writes it), or None."""
    span_context = trace.get_current_span().get_span_context()
    if not span_context.is_valid:
        return None
    return trace.format_trace_id(span_context.trace_id)


def name_request_span(method: str, route: str) -> None:
    """Name the current server span after the route template (`GET /graphql`), as the
    semantic conventions ask, once routing has found it."""
    current = trace.get_current_span()
    if current.is_recording():
        current.update_name(f"{method} {route}")
        current.set_attribute("http.route", route)
