"""The database's failures, translated once, where they enter (httpx's `map_exceptions`).

`translated_errors()` wraps every place the service acquires a connection or runs a
statement (`gateway.db.database`, `gateway.db.core`). A failure that means the database is
unavailable (down, overloaded, too slow, not the kind of server asked for) leaves it as
`DatabaseUnavailable`, raised `from` the original: worth a 503 and a retry. Every other
error passes unchanged: a bug or a schema mismatch, which the transports mask as internal.
The transports map only the gateway's own exceptions (`gateway.errors`).

Classified by type, SQLSTATE and SQLite result code, never by message. SQLAlchemy wraps
driver errors (`orig`, `__cause__`), so the whole chain is examined.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg
from sqlalchemy import exc as sa

from gateway.errors import DatabaseUnavailable

# PostgreSQL SQLSTATE classes: 08 connection exception, 53 insufficient resources (too many
# connections, out of memory), 57 operator intervention (statement_timeout's 57014, admin
# shutdown, crash recovery, "the database system is starting up").
UNAVAILABLE_SQLSTATE_CLASSES = frozenset({"08", "53", "57"})
# 40001 serialization_failure: the service only reads, so on its statements this is a hot
# standby cancelling a query that conflicts with recovery ("canceling statement due to
# conflict with recovery"); the same read succeeds when retried. 40P01 deadlock_detected: the
# same, for a read deadlocked with the standby's replay (a buffer pin).
UNAVAILABLE_SQLSTATES = frozenset({"40001", "40P01"})
# SQLite primary result codes (`sqlite_errorcode & 0xFF`): busy and locked (another writer
# holds the lock past the busy timeout), interrupted (the statement timeout), cannot open
# (the file or its folder is away). SQLite raises OperationalError for mistakes in the SQL
# too ("no such table", SQLITE_ERROR): those stay bugs.
UNAVAILABLE_SQLITE_CODES = frozenset(
    {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_INTERRUPT, sqlite3.SQLITE_CANTOPEN}
)
# asyncpg raises these client-side, without a SQLSTATE: a connection lost mid-statement; no
# host of a multi-host URL is what `target_session_attrs` asks for (no primary reachable,
# say, while a replica is promoted).
UNAVAILABLE_ASYNCPG_ERRORS = (
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.exceptions.TargetServerAttributeNotMatched,
)
FILESYSTEM_ERRORS = (
    FileNotFoundError,
    FileExistsError,
    IsADirectoryError,
    NotADirectoryError,
    PermissionError,
)


@contextmanager
def translated_errors() -> Iterator[None]:
    """Raise `DatabaseUnavailable` (from the original) for a failure that means the
    database is unavailable; let every other exception through unchanged."""
    try:
        yield
    except DatabaseUnavailable:
        raise
    except Exception as error:
        if is_unavailable(error):
            first_line = (str(error).splitlines() or [""])[0]
            raise DatabaseUnavailable(f"{type(error).__name__}: {first_line}") from error
        raise


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
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        return isinstance(code, int) and code & 0xFF in UNAVAILABLE_SQLITE_CODES
    if isinstance(error, sa.DBAPIError) and error.connection_invalidated:
        return True
    sqlstate = getattr(error, "sqlstate", None)
    if isinstance(sqlstate, str) and (
        sqlstate[:2] in UNAVAILABLE_SQLSTATE_CLASSES or sqlstate in UNAVAILABLE_SQLSTATES
    ):
        return True
    if isinstance(error, OSError):
        # Refused, reset, unreachable, name not found, connect timeout (TimeoutError); a
        # missing or forbidden file is a bug, not an outage.
        return not isinstance(error, FILESYSTEM_ERRORS)
    # No pooled connection within db_pool_timeout.
    return isinstance(error, (sa.TimeoutError, *UNAVAILABLE_ASYNCPG_ERRORS))


def is_unavailable(error: BaseException) -> bool:
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
