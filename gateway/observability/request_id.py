"""Request ids: generated here, or taken from a trusted proxy when they are safe to log."""

from __future__ import annotations

import re
import uuid

HEADER = "X-Request-ID"
MAX_LENGTH = 128
# Printable ASCII only: the id goes into log lines and response headers unescaped.
_SANE = re.compile(rf"[\x20-\x7e]{{1,{MAX_LENGTH}}}")


def new_request_id() -> str:
    """A fresh random id: 32 lower-case hex digits."""
    return uuid.uuid4().hex


def is_sane(value: str) -> bool:
    """1 to 128 printable ASCII characters (spaces allowed inside, not at either end)."""
    return value == value.strip() and _SANE.fullmatch(value) is not None


def choose_request_id(incoming: bytes | None, *, trust_proxy: bool) -> str:
    """The id for a request: the incoming `X-Request-ID` when a trusted proxy sent a sane
    one, else a new one (an untrusted client must not choose what our logs say)."""
    if trust_proxy and incoming is not None:
        value = incoming.decode("latin-1")
        if is_sane(value):
            return value
    return new_request_id()
