"""What must never reach a client: a Python traceback, SQL, or driver and library names."""

from __future__ import annotations

LEAKS = ("Traceback", "SELECT ", " FROM ", "sqlalchemy", "asyncpg", "sqlite3", 'File "')


def assert_no_leak(body: bytes) -> None:
    text = body.decode("utf-8", errors="replace")
    assert [leak for leak in LEAKS if leak in text] == []
