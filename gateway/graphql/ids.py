"""Relay global IDs: base64 of `TypeName:databaseId` (e.g. `Order:12`).

ID arguments also take the bare integer database id as a string, where the type is known.
Only canonical spellings are accepted: an id that does not re-encode to itself (base64 of
`Order:018`, other padding bits, `+12`, `012`) is `BadUserInput`, so an object has one id
and a node is answered under the id it was asked for.
"""

from __future__ import annotations

import base64
import binascii
import re
from functools import lru_cache

from gateway.errors import BadUserInput

# Types that have global IDs; a global ID naming anything else is malformed.
NODE_TYPES = frozenset(
    {"Order", "Customer", "Country", "State", "City", "PaymentMethod", "ShippingMethod"}
)
# Digits enough for any 64-bit id and then some; longer strings are not ids.
_INTEGER = re.compile(r"[+-]?\d{1,30}", re.ASCII)
_DATABASE_ID = re.compile(r"\d{1,30}", re.ASCII)
_MAX_GLOBAL_ID_LENGTH = 200


@lru_cache(maxsize=4096)
def encode_global_id(type_name: str, database_id: int) -> str:
    """Cached: a page names the same reference rows (a country, a method) many times."""
    return base64.b64encode(f"{type_name}:{database_id}".encode()).decode("ascii")


def decode_global_id(value: str) -> tuple[str, int]:
    """The type name and database id of a global ID; `BadUserInput` if it is malformed."""
    invalid = BadUserInput(f"Invalid ID {value[:50]!r}: not a global ID.")
    if len(value) > _MAX_GLOBAL_ID_LENGTH or not value.isascii():
        raise invalid
    try:
        text = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise invalid from None
    type_name, _, database_id = text.partition(":")
    if type_name not in NODE_TYPES or not _DATABASE_ID.fullmatch(database_id):
        raise invalid
    if encode_global_id(type_name, int(database_id)) != value:
        raise invalid  # not canonical: leading zeros, padding bits, line breaks, …
    return type_name, int(database_id)


def parse_id(value: str, type_name: str) -> int:
    """The database id an ID argument names: a global ID of `type_name`, or an integer."""
    if _INTEGER.fullmatch(value):
        if str(int(value)) != value:
            raise BadUserInput(f"Invalid ID {value[:50]!r}: write the integer as {int(value)}.")
        return int(value)
    decoded_type, database_id = decode_global_id(value)
    if decoded_type != type_name:
        raise BadUserInput(
            f"Invalid ID {value[:50]!r}: it names a {decoded_type}, expected {type_name}."
        )
    return database_id
