"""DRF's throttled wording, and the IETF rate-limit fields."""

from __future__ import annotations

from gateway.throttling.answers import ratelimit_fields, refusal_fields, throttled_message
from gateway.throttling.limiter import CostLimit, RequestLimit, Verdict
from gateway.throttling.rates import Rate


def test_drf_message_singular_and_plural() -> None:
    assert throttled_message(1) == "Request was throttled. Expected available in 1 second."
    assert throttled_message(59) == "Request was throttled. Expected available in 59 seconds."


def test_fields_of_both_policies() -> None:
    requests = RequestLimit(Rate(600, 60), None)
    cost = CostLimit(Rate(100000, 3600), None)
    fields = ratelimit_fields([(requests, Verdict(True, 598, 60)), (cost, Verdict(True, 99011, 3))])
    assert fields == {
        "RateLimit-Policy": '"requests";q=600;w=60, "cost";q=100000;qu="graphql-cost";w=3600',
        "RateLimit": '"requests";r=598;t=60, "cost";r=99011;t=3',
    }


def test_no_policy_no_fields() -> None:
    assert ratelimit_fields([]) == {}


def test_refusal_fields() -> None:
    requests = RequestLimit(Rate(2, 1), None)
    assert refusal_fields([(requests, Verdict(False, 0, 1, 1))], 1) == {
        "Retry-After": "1",
        "RateLimit-Policy": '"requests";q=2;w=1',
        "RateLimit": '"requests";r=0;t=1',
    }
