"""Which failures count as "database unavailable" (503) and which stay internal errors."""

from __future__ import annotations

import sqlite3

import asyncpg
import pytest
from sqlalchemy import exc as sa
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.db.errors import is_database_unavailable
from gateway.errors import BadUserInput, DatabaseUnavailable


def wrapped(error: BaseException, wrapper: type[sa.DBAPIError] = sa.DBAPIError) -> sa.DBAPIError:
    """`error` as SQLAlchemy raises it: wrapped, with the driver error as `orig` and cause."""
    try:
        raise wrapper("SELECT 1", {}, error) from error
    except sa.DBAPIError as raised:
        return raised


@pytest.mark.parametrize(
    "error",
    [
        DatabaseUnavailable("down"),
        sa.TimeoutError("QueuePool limit of size 10 overflow 5 reached"),
        ConnectionRefusedError(111, "Connect call failed"),
        OSError(104, "Connection reset by peer"),
        TimeoutError(),
        OSError("Multiple exceptions: [Errno 111] Connect call failed, [Errno 99] …"),
        asyncpg.QueryCanceledError("canceling statement due to statement timeout"),
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.TooManyConnectionsError("sorry, too many clients already"),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        wrapped(asyncpg.QueryCanceledError("canceling statement due to statement timeout")),
        wrapped(sqlite3.OperationalError("interrupted"), sa.OperationalError),
        wrapped(sqlite3.OperationalError("database is locked"), sa.OperationalError),
        wrapped(RuntimeError("server closed the connection"), sa.OperationalError),
        wrapped(RuntimeError("connection is closed"), sa.InterfaceError),
        # a standby: no host is what target_session_attrs asks for; a read cancelled for a
        # conflict with recovery (SQLSTATE 40001) or a deadlock with recovery (40P01)
        asyncpg.TargetServerAttributeNotMatched("None of the hosts match the target …"),
        wrapped(asyncpg.TargetServerAttributeNotMatched("None of the hosts …"), sa.DBAPIError),
        wrapped(asyncpg.SerializationError("canceling statement due to conflict with recovery")),
        wrapped(asyncpg.DeadlockDetectedError("canceling statement due to conflict with …")),
    ],
    ids=repr,
)
def test_unavailable(error: BaseException) -> None:
    assert is_database_unavailable(error) is True


@pytest.mark.parametrize(
    "error",
    [
        ValueError("bad"),
        FileNotFoundError(2, "No such file or directory"),
        PermissionError(13, "Permission denied"),
        BadUserInput("first must be between 0 and 100."),
        asyncpg.UndefinedTableError('relation "shop_order" does not exist'),
        wrapped(sqlite3.OperationalError("no such table: shop_order"), sa.OperationalError),
        wrapped(sqlite3.InterfaceError("Error binding parameter 1"), sa.InterfaceError),
        wrapped(asyncpg.UniqueViolationError("duplicate key"), sa.IntegrityError),
    ],
    ids=repr,
)
def test_not_unavailable(error: BaseException) -> None:
    assert is_database_unavailable(error) is False


def test_an_invalidated_connection_is_unavailable() -> None:
    # given an error on which SQLAlchemy invalidated the connection (a disconnect)
    error = sa.DBAPIError("SELECT 1", {}, RuntimeError("gone"), connection_invalidated=True)

    assert is_database_unavailable(error) is True


def fail_while_handling_an_outage() -> None:
    try:
        raise ConnectionRefusedError(111, "refused")
    except OSError:
        raise KeyError("missing")  # noqa: B904  # the implicit context is the point


def test_a_bug_raised_while_handling_an_outage_is_still_a_bug() -> None:
    # given a KeyError raised inside an `except OSError` block (implicit context, no `from`)
    with pytest.raises(KeyError) as raised:
        fail_while_handling_an_outage()

    assert isinstance(raised.value.__context__, ConnectionRefusedError)
    assert is_database_unavailable(raised.value) is False


async def test_a_real_sql_mistake_is_not_unavailable(engine: AsyncEngine) -> None:
    # when a statement names a table that does not exist (a bug, on either backend)
    with pytest.raises(sa.DBAPIError) as raised:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT * FROM no_such_table"))

    assert is_database_unavailable(raised.value) is False
