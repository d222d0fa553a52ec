from __future__ import annotations

import re

import pytest

from gateway.observability.request_id import choose_request_id, is_sane, new_request_id


def test_a_new_id_is_32_hex_digits_and_unique() -> None:
    first, second = new_request_id(), new_request_id()
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


@pytest.mark.parametrize(
    "value",
    ["abc", "a" * 128, "7d9f-11ee/req:1", "with inner space", "~!@#$%^&*()_+{}|:<>?"],
)
def test_sane_ids_from_a_trusted_proxy_are_kept(value: str) -> None:
    assert is_sane(value)
    assert choose_request_id(value.encode(), trust_proxy=True) == value


@pytest.mark.parametrize(
    "value",
    [b"", b"a" * 129, b"line\nbreak", b"tab\there", b"\x7f", "é".encode(), b" lead", b"trail "],
)
def test_insane_ids_are_replaced(value: bytes) -> None:
    chosen = choose_request_id(value, trust_proxy=True)
    assert re.fullmatch(r"[0-9a-f]{32}", chosen)


def test_an_untrusted_client_cannot_choose_the_id() -> None:
    chosen = choose_request_id(b"client-chosen", trust_proxy=False)
    assert re.fullmatch(r"[0-9a-f]{32}", chosen)


def test_without_a_header_an_id_is_generated() -> None:
    assert re.fullmatch(r"[0-9a-f]{32}", choose_request_id(None, trust_proxy=True))
