"""Admitting a GraphQL request before its document runs: the caller's request rate.

With `GATEWAY_RATE_LIMIT`, an authenticated caller's request counts against their limit, as
on the REST door (every request, whatever it asks; the cost limit is the schema's,
`cost.py`). Over it: HTTP 429 with `Retry-After`, one error coded `RATE_LIMITED` with DRF's
throttled message, and nothing runs. A request without valid credentials is not counted: the
fields that need a customer answer `UNAUTHENTICATED` as usual.
"""

from __future__ import annotations

from graphql import GraphQLError
from strawberry.types import ExecutionResult

from gateway.errors import AuthenticationFailed
from gateway.graphql.context import GatewayContext
from gateway.observability import context as observed
from gateway.throttling.answers import (
    RATE_LIMITED,
    ratelimit_fields,
    refusal_fields,
    throttled_message,
)
from gateway.throttling.limiter import RequestLimit


async def admit(context: GatewayContext, limit: RequestLimit | None) -> ExecutionResult | None:
    """None when the request may run; otherwise the refusal to answer (the context's
    response carries its status and fields)."""
    if limit is None or "authorization" not in context.request.headers:
        return None
    try:
        customer = await context.customer()
    except AuthenticationFailed:
        return None
    verdict = await limit.hit(customer.id)
    context.counted.append((limit, verdict))
    if verdict.allowed:
        return None
    wait = verdict.retry_after or 1
    observed.set_error_code(RATE_LIMITED)
    context.response.status_code = 429
    context.response.headers.update(refusal_fields(context.counted, wait))
    error = GraphQLError(throttled_message(wait), extensions={"code": RATE_LIMITED})
    return ExecutionResult(data=None, errors=[error])


def counted_fields(context: GatewayContext) -> dict[str, str]:
    """The `RateLimit-Policy`/`RateLimit` fields of the policies that counted the request."""
    return ratelimit_fields(context.counted)
