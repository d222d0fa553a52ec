"""What the service answers while its database is unavailable, as the resilience tests hold it."""

from __future__ import annotations

import httpx

UNAVAILABLE = "Service temporarily unavailable, try again later."  # DRF's text


def assert_rest_unavailable(response: httpx.Response) -> None:
    """The legacy endpoint's 503: DRF's body, `Retry-After`, and its usual headers."""
    assert response.status_code == 503
    assert response.content == b'{"detail":"' + UNAVAILABLE.encode() + b'"}'
    assert {k: response.headers[k] for k in ("Retry-After", "Content-Type", "Allow", "Vary")} == {
        "Retry-After": "1",
        "Content-Type": "application/json",
        "Allow": "GET, HEAD, OPTIONS",
        "Vary": "Accept",
    }
