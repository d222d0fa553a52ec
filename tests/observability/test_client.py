from __future__ import annotations

import pytest

from gateway.observability.client import client_address


def scope(*forwarded: bytes) -> dict[str, object]:
    headers = [(b"x-forwarded-for", value) for value in forwarded]
    return {"type": "http", "client": ("10.0.0.5", 4711), "headers": headers}


def test_without_trust_the_peer_address_is_used() -> None:
    assert client_address(scope(b"203.0.113.9"), trust_proxy=False) == "10.0.0.5"


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ((b"203.0.113.9",), "203.0.113.9"),
        # the entries before the last were written by the client: not believed
        ((b"198.51.100.1, 203.0.113.9",), "203.0.113.9"),
        ((b"198.51.100.1", b"203.0.113.9"), "203.0.113.9"),
        ((b"2001:db8::1",), "2001:db8::1"),
        ((b"not-an-address",), "10.0.0.5"),
        ((b"203.0.113.9, ",), "10.0.0.5"),
        ((), "10.0.0.5"),
    ],
)
def test_behind_a_trusted_proxy_the_last_forwarded_entry_is_used(
    forwarded: tuple[bytes, ...], expected: str
) -> None:
    assert client_address(scope(*forwarded), trust_proxy=True) == expected


def test_no_peer_gives_none() -> None:
    assert client_address({"type": "http", "headers": []}, trust_proxy=False) is None
