"""Opaque keyset cursors of GraphQL pages (REST pages by offset): an ordering's sort values,
signed so clients cannot forge them.

A cursor is urlsafe base64 (unpadded) of `MAC || payload`, where the payload is compact JSON
`[signature, values]` and the MAC is HMAC-SHA-256 (first 16 bytes) of the payload under the
deployment's key, which the app's wiring provides (`gateway.cursor_secret`, read in the
lifespan). The signature names the ordering, so a cursor made under another `orderBy` is
refused; each value is tagged with its type, so decoding restores the exact
Python value (an `int`, `str`, `None`, `Decimal` or aware `datetime`) the keyset needs.

A cursor only positions a page inside a query that is already scoped to one customer: it
carries no customer, filter or id that could widen what the query can reach.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson

from gateway.errors import BadUserInput
from gateway.orders.ordering import OrderingKey

MAC_SIZE = 16
# Far beyond any real cursor (ten keys of short values); bounds the work spent on garbage.
MAX_CURSOR_LENGTH = 2_000
INVALID_CURSOR = "Invalid cursor: it was not issued for this ordering, or it was altered."


def ordering_signature(ordering: Sequence[OrderingKey]) -> str:
    """The ordering as text (`-created_at,-id`): what a cursor is bound to."""
    return ",".join(f"{'-' if key.descending else ''}{key.field.value}" for key in ordering)


def _tagged(value: Any) -> list[Any]:
    if value is None:
        return ["n"]
    if isinstance(value, bool):
        raise TypeError("booleans are not sort values")
    if isinstance(value, int):
        return ["i", value]
    if isinstance(value, str):
        return ["s", value]
    if isinstance(value, Decimal):
        return ["d", str(value)]
    if isinstance(value, datetime):
        return ["t", value.isoformat()]
    raise TypeError(f"cannot put a {type(value).__name__} in a cursor")


def _untagged(item: Any) -> Any:
    """The value of one tagged item; ValueError/TypeError/InvalidOperation if malformed."""
    match item:
        case ["n"]:
            return None
        case ["i", int() as number] if not isinstance(number, bool):
            return number
        case ["s", str() as text]:
            return text
        case ["d", str() as text]:
            amount = Decimal(text)
            if not amount.is_finite():
                raise ValueError("not a finite decimal")
            return amount
        case ["t", str() as text]:
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                raise ValueError("naive timestamp")
            return moment
    raise ValueError("unknown cursor value")


def _mac(key: bytes, payload: bytes) -> bytes:
    return hmac.digest(key, payload, hashlib.sha256)[:MAC_SIZE]


def encode_cursor(key: bytes, signature: str, values: Sequence[Any]) -> str:
    """A signed cursor for the row whose sort values are `values` under `signature`."""
    payload = orjson.dumps([signature, [_tagged(value) for value in values]])
    return base64.urlsafe_b64encode(_mac(key, payload) + payload).rstrip(b"=").decode("ascii")


def decode_cursor(key: bytes, signature: str, cursor: str) -> tuple[Any, ...]:
    """The sort values a cursor carries. Raises `BadUserInput` for a cursor that this key
    did not sign, that was altered, or that belongs to another ordering."""
    if len(cursor) > MAX_CURSOR_LENGTH or not cursor.isascii():
        raise BadUserInput(INVALID_CURSOR)
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        raise BadUserInput(INVALID_CURSOR) from None
    mac, payload = raw[:MAC_SIZE], raw[MAC_SIZE:]
    if len(mac) != MAC_SIZE or not hmac.compare_digest(mac, _mac(key, payload)):
        raise BadUserInput(INVALID_CURSOR)
    try:
        cursor_signature, items = orjson.loads(payload)
        if cursor_signature != signature or not isinstance(items, list):
            raise ValueError("another ordering")
        return tuple(_untagged(item) for item in items)
    except (ValueError, TypeError, InvalidOperation):
        raise BadUserInput(INVALID_CURSOR) from None
