from __future__ import annotations

import pytest

from gateway.observability.access_log import AccessRecord, loggable_path
from gateway.observability.context import RequestContext


@pytest.mark.parametrize(
    ("raw_path", "path", "expected"),
    [
        (b"/api/shop/customers/me/orders", "", "/api/shop/customers/me/orders"),
        # query strings carry search terms: never logged
        (b"/graphql?query=secret", "", "/graphql"),
        (b"/caf%C3%A9", "/café", "/caf%C3%A9"),
        (None, "/café", "/caf%C3%A9"),
        (None, "/a\nb c", "/a%0Ab%20c"),
        (b"/a\x1b[31m\x7f", "", "/a%1B[31m%7F"),
        (b"/" + b"x" * 2000, "", "/" + "x" * 1023),
    ],
)
def test_loggable_path(raw_path: bytes | None, path: str, expected: str) -> None:
    assert loggable_path(raw_path, path) == expected


def test_fields_of_a_graphql_request() -> None:
    request = RequestContext(
        request_id="r1", customer_id=7, graphql=True, operation_name="MyOrders"
    )
    record = AccessRecord(request, "POST", "/graphql", 200, 12.3456, "203.0.113.9")
    assert record.message() == "POST /graphql (MyOrders) 200"
    assert record.fields() == {
        "request_id": "r1",
        "method": "POST",
        "path": "/graphql",
        "operation": "MyOrders",
        "status": 200,
        "duration_ms": 12.35,
        "customer_id": 7,
        "error_code": None,
        "client": "203.0.113.9",
        "trace_id": None,
    }


def test_fields_of_a_rest_request() -> None:
    request = RequestContext(request_id="r2", error_code="AUTHENTICATION_FAILED")
    record = AccessRecord(request, "GET", "/api/x", 401, 1.0, None)
    assert record.message() == "GET /api/x 401"
    assert record.fields()["operation"] is None
    assert record.fields()["error_code"] == "AUTHENTICATION_FAILED"
