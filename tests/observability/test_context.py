"""The request context the adapters fill: tests/observability mirrors gateway/observability."""

from __future__ import annotations

import asyncio

from gateway.observability import context
from gateway.observability.context import RequestContext


def test_outside_a_request_reads_none_and_writes_nothing() -> None:
    # given no open context; when the adapters' functions are called
    context.set_customer_id(7)
    context.set_operation_name("MyOrders")
    context.set_error_code("BAD_USER_INPUT")
    # then nothing is recorded anywhere
    assert context.current() is None
    assert context.request_id() is None


def test_inside_a_request_the_values_are_recorded() -> None:
    # given an open context
    request = RequestContext(request_id="abc")
    token = context.open_context(request)
    try:
        # when an adapter records what it knows
        context.set_customer_id(7)
        context.set_operation_name("MyOrders")
        context.set_error_code("BAD_USER_INPUT")
        # then the middleware's object holds it
        assert context.request_id() == "abc"
        assert context.current() is request
    finally:
        context.close_context(token)
    assert request == RequestContext(
        request_id="abc",
        customer_id=7,
        graphql=True,
        operation_name="MyOrders",
        error_code="BAD_USER_INPUT",
    )
    assert context.current() is None


def test_an_empty_operation_name_is_anonymous() -> None:
    request = RequestContext(request_id="abc")
    token = context.open_context(request)
    try:
        context.set_operation_name("")
    finally:
        context.close_context(token)
    assert (request.graphql, request.operation_name) == (True, None)


async def test_what_child_tasks_record_reaches_the_request() -> None:
    # given an open context; when concurrent child tasks (like sibling resolvers) record
    request = RequestContext(request_id="abc")
    token = context.open_context(request)

    async def resolver() -> None:
        context.set_customer_id(42)

    try:
        await asyncio.gather(resolver(), asyncio.create_task(resolver()))
    finally:
        context.close_context(token)
    # then the request's context sees it
    assert request.customer_id == 42
