"""SQLite connection set-up: the pragmas and SQL functions the gateway relies on."""

from __future__ import annotations

from functools import cache
from typing import Any

UPPER_FUNCTION = "gateway_upper"


@cache
def _simple_uppercase_table() -> dict[int, str]:
    """Unicode's *simple* uppercase mapping, one character to one character.

    `str.upper` applies the full mapping (ß -> SS); PostgreSQL's `UPPER` maps character by
    character, as the legacy search does. Where the full mapping has several characters, the
    simple one is the single-character titlecase form if there is one (ᾳ -> ᾼ), else none.
    """
    table: dict[int, str] = {}
    for code in range(0x110000):
        char = chr(code)
        upper = char.upper()
        if len(upper) > 1:
            upper = char.title()
        if len(upper) == 1 and upper != char:
            table[code] = upper
    return table


def unicode_upper(value: object) -> object:
    """`UPPER` for SQLite that folds like PostgreSQL's on a UTF-8 database."""
    if not isinstance(value, str):
        return value if value is None else unicode_upper(str(value))
    if value.isascii():
        return value.upper()
    return value.translate(_simple_uppercase_table())


def configure_connection(dbapi_connection: Any, busy_timeout: float) -> None:
    """Foreign keys on (as Django does), a lock wait instead of instant SQLITE_BUSY, and the
    Unicode upper-casing function used by search."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
    cursor.close()
    dbapi_connection.create_function(UPPER_FUNCTION, 1, unicode_upper, deterministic=True)
