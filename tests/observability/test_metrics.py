from __future__ import annotations

import pytest

from gateway.observability.metrics import (
    Metrics,
    OperationNames,
    error_code_label,
    method_label,
)


def test_operation_names_are_bounded() -> None:
    # given a limit of two distinct names
    names = OperationNames(limit=2)
    # when clients send many names
    labels = [names.label(n) for n in ["A", "B", "C", "A", None, "", "bad-name", "x" * 65]]
    # then the first two are kept, later ones collapse, malformed and anonymous are grouped
    assert labels == ["A", "B", "other", "A", "anonymous", "anonymous", "other", "other"]


@pytest.mark.parametrize(
    ("method", "label"), [("GET", "GET"), ("OPTIONS", "OPTIONS"), ("BREW", "OTHER")]
)
def test_method_label(method: str, label: str) -> None:
    assert method_label(method) == label


@pytest.mark.parametrize(
    ("code", "label"),
    [(None, "none"), ("BAD_USER_INPUT", "BAD_USER_INPUT"), ("lower", "OTHER"), ("A" * 41, "OTHER")],
)
def test_error_code_label(code: str | None, label: str) -> None:
    assert error_code_label(code) == label


def test_observations_land_in_the_registry() -> None:
    metrics = Metrics()
    metrics.observe_request("GET", "/healthz", 200, 0.02)
    metrics.observe_request("GET", "/healthz", 200, 0.2)
    metrics.observe_operation(None, "BAD_USER_INPUT", 0.003)
    sample = metrics.registry.get_sample_value
    assert (
        sample(
            "gateway_http_requests_total", {"method": "GET", "route": "/healthz", "status": "200"}
        )
        == 2
    )
    bucket = {"method": "GET", "route": "/healthz", "le": "0.025"}
    assert sample("gateway_http_request_duration_seconds_bucket", bucket) == 1
    assert (
        sample(
            "gateway_graphql_operations_total",
            {"operation": "anonymous", "error_code": "BAD_USER_INPUT"},
        )
        == 1
    )
    assert (
        sample("gateway_graphql_operation_duration_seconds_count", {"operation": "anonymous"}) == 1
    )
