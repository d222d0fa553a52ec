"""The current request's context: what the adapters tell the logs and metrics about it.

`ObservabilityMiddleware` opens one `RequestContext` per HTTP request; code running for that
request (REST views, GraphQL resolvers and their child tasks) reads and fills it through the
functions below. Outside a request they read `None` and write nothing, so callers need no
checks:

    from gateway.observability import context

    context.set_customer_id(customer.id)        # once authenticated
    context.set_operation_name("MyOrders")      # GraphQL: the operation run (None: anonymous)
    context.set_error_code("BAD_USER_INPUT")    # the code that describes the failure
    context.request_id()                        # for 500 bodies and masked GraphQL errors

None of these values may be a token or a request body: they go to the logs as they are.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from dataclasses import dataclass

from opentelemetry.trace import Tracer


@dataclass(slots=True)
class RequestContext:
    """What is known about the request being served.

    Attributes:
        request_id: the id the response carries in `X-Request-ID`.
        customer_id: the authenticated customer, once known.
        graphql: the request ran a GraphQL operation (`operation_name` None: anonymous).
        operation_name: the GraphQL operation name as the client sent it.
        error_code: the code of the failure that describes the request, if any.
        tracer: where the request's spans go (`spans.span`); None with tracing off.
    """

    request_id: str
    customer_id: int | None = None
    graphql: bool = False
    operation_name: str | None = None
    error_code: str | None = None
    tracer: Tracer | None = None


# Child tasks copy the context but share this object, so what a resolver records is seen by
# the middleware that opened it.
_current: ContextVar[RequestContext | None] = ContextVar("gateway_request", default=None)


def current() -> RequestContext | None:
    """The context of the request being served, or None outside a request."""
    return _current.get()


def request_id() -> str | None:
    """The current request's id (the `X-Request-ID` response header)."""
    context = _current.get()
    return context.request_id if context is not None else None


def set_customer_id(customer_id: int) -> None:
    """Record the authenticated customer (logged as `customer_id`)."""
    context = _current.get()
    if context is not None:
        context.customer_id = customer_id


def set_operation_name(name: str | None) -> None:
    """Mark the request as a GraphQL operation; `None` or empty means anonymous."""
    context = _current.get()
    if context is not None:
        context.graphql = True
        context.operation_name = name or None


def set_error_code(code: str) -> None:
    """Record the error code that describes the request (the last one set wins)."""
    context = _current.get()
    if context is not None:
        context.error_code = code


def open_context(request: RequestContext) -> Token[RequestContext | None]:
    """Make `request` the current context; give the token to `close_context` when done."""
    return _current.set(request)


def close_context(token: Token[RequestContext | None]) -> None:
    _current.reset(token)
