"""Which database failures mean "unavailable": down, overloaded or too slow.

Those are worth a `503` and a retry (`DatabaseUnavailable`); every other database error is a
bug or a schema mismatch and stays an internal error. Drivers wrap their errors in
SQLAlchemy's, so the whole chain (`orig`, `__cause__`) is examined.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import asyncpg
from sqlalchemy import exc as sa

from gateway.errors import DatabaseUnavailable

# PostgreSQL SQLSTATE classes: 08 connection exception, 53 insufficient resources (too many
# connections, out of memory), 57 operator intervention (statement_timeout's 57014, admin
# shutdown, crash recovery, "the database system is starting up").
UNAVAILABLE_SQLSTATE_CLASSES = frozenset({"08", "53", "57"})
# A read cancelled for a conflict with recovery on a standby ("canceling statement due to
# conflict with recovery": 40001; a buffer-pin deadlock with the startup process: 40P01):
# the same read succeeds when run again. The gateway's reads never write, so it never
# causes a serialization failure of its own.
UNAVAILABLE_SQLSTATES = frozenset({"40001", "40P01"})
# SQLite reports these as OperationalError, as it does "no such table" (which is a bug): only
# these messages mean "try again".
UNAVAILABLE_SQLITE_MESSAGES = ("interrupted", "database is locked", "unable to open database")
FILESYSTEM_ERRORS = (
    FileNotFoundError,
    FileExistsError,
    IsADirectoryError,
    NotADirectoryError,
    PermissionError,
)


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error, the driver error it wraps and the errors it was raised `from`, once each
    (not `__context__`: an unrelated bug raised while handling an error is still a bug)."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        pending += [orig if isinstance(orig, BaseException) else None, current.__cause__]


def _means_unavailable(error: BaseException) -> bool:
    if isinstance(error, sqlite3.OperationalError):
        return str(error).startswith(UNAVAILABLE_SQLITE_MESSAGES)
    if isinstance(error, sa.DBAPIError) and error.connection_invalidated:
        return True
    sqlstate = getattr(error, "sqlstate", None)
    if isinstance(sqlstate, str) and (
        sqlstate[:2] in UNAVAILABLE_SQLSTATE_CLASSES or sqlstate in UNAVAILABLE_SQLSTATES
    ):
        return True
    if isinstance(error, asyncpg.TargetServerAttributeNotMatched):
        # Every host answered, none is what target_session_attrs asks for (say, no primary
        # while a standby is being promoted): like a refused connection, it passes.
        return True
    if isinstance(error, OSError):
        # Refused, reset, unreachable, name not found, connect timeout (TimeoutError); a
        # missing or forbidden file is a bug, not an outage.
        return not isinstance(error, FILESYSTEM_ERRORS)
    # No pooled connection within db_pool_timeout; a connection lost mid-statement (asyncpg
    # raises this client-side, without a SQLSTATE).
    return isinstance(error, (sa.TimeoutError, asyncpg.ConnectionDoesNotExistError))


def is_database_unavailable(error: BaseException) -> bool:
    """True when `error` means the database is down, overloaded or timed out (answer 503
    and let the client retry); False for every other failure."""
    if isinstance(error, DatabaseUnavailable):
        return True
    chain = list(_chain(error))
    if any(_means_unavailable(cause) for cause in chain):
        return True
    # Any other OperationalError or InterfaceError (a lost connection, a server-side
    # failure) counts too, except on SQLite, which raises them for mistakes in the SQL.
    on_sqlite = any(isinstance(cause, sqlite3.Error) for cause in chain)
    return not on_sqlite and any(
        isinstance(cause, (sa.OperationalError, sa.InterfaceError)) for cause in chain
    )
