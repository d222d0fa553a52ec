"""Which database failures leave the database layer as `DatabaseUnavailable` (503), classified
by type, SQLSTATE and SQLite result code; every other error passes through unchanged."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import asyncpg
import pytest
from sqlalchemy import exc as sa
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.db.connections import Database
from gateway.db.core import execute_select
from gateway.db.engine import create_engine
from gateway.db.errors import translated_errors
from gateway.errors import BadUserInput, DatabaseUnavailable
from gateway.settings import Settings
from tests.conftest import POSTGRESQL_ONLY, SQLITE_ONLY


def wrapped(error: BaseException, wrapper: type[sa.DBAPIError] = sa.DBAPIError) -> sa.DBAPIError:
    """`error` as SQLAlchemy raises it: wrapped, with the driver error as `orig` and cause."""
    try:
        raise wrapper("SELECT 1", {}, error) from error
    except sa.DBAPIError as raised:
        return raised


def sqlite_error(code: int, message: str) -> sqlite3.OperationalError:
    """A SQLite error as the driver raises it, result code included."""
    error = sqlite3.OperationalError(message)
    error.sqlite_errorcode = code
    return error


def translated(error: Exception) -> BaseException:
    """What leaves `translated_errors()` when `error` is raised inside it."""
    try:
        with translated_errors():
            raise error
    except Exception as raised:
        return raised
    raise AssertionError("nothing left the block")


UNAVAILABLE = [
    sa.TimeoutError("QueuePool limit of size 10 overflow 5 reached"),
    ConnectionRefusedError(111, "Connect call failed"),
    OSError(104, "Connection reset by peer"),
    TimeoutError(),
    OSError("Multiple exceptions: [Errno 111] Connect call failed, [Errno 99] …"),
    asyncpg.QueryCanceledError("canceling statement due to statement timeout"),
    asyncpg.CannotConnectNowError("the database system is starting up"),
    asyncpg.AdminShutdownError("terminating connection due to administrator command"),
    asyncpg.TooManyConnectionsError("sorry, too many clients already"),
    asyncpg.SerializationError("canceling statement due to conflict with recovery"),
    asyncpg.DeadlockDetectedError("canceling statement due to conflict with recovery"),
    asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
    asyncpg.exceptions.TargetServerAttributeNotMatched("None of the hosts match"),
    wrapped(asyncpg.QueryCanceledError("canceling statement due to statement timeout")),
    wrapped(asyncpg.SerializationError("conflict with recovery"), sa.OperationalError),
    wrapped(sqlite_error(sqlite3.SQLITE_INTERRUPT, "interrupted"), sa.OperationalError),
    wrapped(sqlite_error(sqlite3.SQLITE_BUSY, "database is locked"), sa.OperationalError),
    wrapped(sqlite_error(sqlite3.SQLITE_LOCKED, "database table is locked"), sa.OperationalError),
    wrapped(sqlite_error(sqlite3.SQLITE_CANTOPEN, "unable to open"), sa.OperationalError),
    wrapped(sqlite_error(sqlite3.SQLITE_BUSY_SNAPSHOT, "snapshot"), sa.OperationalError),
    wrapped(RuntimeError("server closed the connection"), sa.OperationalError),
    wrapped(RuntimeError("connection is closed"), sa.InterfaceError),
    sa.DBAPIError("SELECT 1", {}, RuntimeError("gone"), connection_invalidated=True),
]
NOT_UNAVAILABLE = [
    ValueError("bad"),
    FileNotFoundError(2, "No such file or directory"),
    PermissionError(13, "Permission denied"),
    BadUserInput("first must be between 0 and 100."),
    asyncpg.UndefinedTableError('relation "shop_order" does not exist'),
    asyncpg.InvalidCatalogNameError('database "shop" does not exist'),
    # The message says "locked", the result code says a mistake in the SQL: the code counts.
    wrapped(sqlite_error(sqlite3.SQLITE_ERROR, "database is locked"), sa.OperationalError),
    wrapped(sqlite_error(sqlite3.SQLITE_ERROR, "no such table: shop_order"), sa.OperationalError),
    wrapped(sqlite3.InterfaceError("Error binding parameter 1"), sa.InterfaceError),
    wrapped(asyncpg.UniqueViolationError("duplicate key"), sa.IntegrityError),
]


@pytest.mark.parametrize("error", UNAVAILABLE, ids=repr)
def test_an_outage_leaves_as_database_unavailable_from_the_original(error: Exception) -> None:
    raised = translated(error)

    assert isinstance(raised, DatabaseUnavailable)
    assert raised.__cause__ is error


@pytest.mark.parametrize("error", NOT_UNAVAILABLE, ids=repr)
def test_any_other_error_passes_unchanged(error: Exception) -> None:
    assert translated(error) is error


def test_database_unavailable_passes_unchanged() -> None:
    error = DatabaseUnavailable("down")

    assert translated(error) is error


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

    assert translated(raised.value) is raised.value


async def test_a_real_sql_mistake_passes_unchanged(engine: AsyncEngine) -> None:
    # when a statement names a table that does not exist (a bug, on either backend)
    with pytest.raises(sa.DBAPIError):
        async with engine.connect() as connection:
            await execute_select(connection, text("SELECT * FROM no_such_table"))


@SQLITE_ONLY
async def test_a_sqlite_lock_held_past_the_busy_timeout_is_unavailable(
    settings: Settings, engine: AsyncEngine
) -> None:
    # given another connection's write lock on the file, and no patience for it
    path = make_url(settings.database_url).database
    assert path is not None
    impatient = create_engine(settings.model_copy(update={"sqlite_busy_timeout": 0}))
    with closing(sqlite3.connect(path)) as writer:
        writer.execute("BEGIN EXCLUSIVE")
        try:
            # when a statement runs, then SQLITE_BUSY arrives translated
            with pytest.raises(DatabaseUnavailable):
                async with Database(impatient).connect() as connection:
                    await execute_select(connection, text("SELECT count(*) FROM shop_order"))
        finally:
            writer.rollback()
            await impatient.dispose()


@POSTGRESQL_ONLY
async def test_a_serialization_failure_on_a_read_is_unavailable(engine: AsyncEngine) -> None:
    # when a read fails with SQLSTATE 40001 (as a hot standby cancels a query that conflicts
    # with recovery), then it arrives translated: the same read succeeds when retried
    conflict = "DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$"
    with pytest.raises(DatabaseUnavailable) as raised:
        async with Database(engine).connect() as connection:
            await execute_select(connection, text(conflict))

    cause = raised.value.__cause__
    assert isinstance(cause, sa.DBAPIError)
    assert isinstance(cause.orig.__cause__, asyncpg.SerializationError)


@POSTGRESQL_ONLY
async def test_no_host_of_the_wanted_kind_is_unavailable(settings: Settings) -> None:
    # given a URL that asks for a standby, where only a primary answers
    url = make_url(settings.database_url).update_query_dict({"target_session_attrs": "standby"})
    standby_only = url.render_as_string(hide_password=False)
    engine = create_engine(settings.model_copy(update={"database_url": standby_only}))
    try:
        # when a connection is asked for, then asyncpg's refusal arrives translated
        with pytest.raises(DatabaseUnavailable):
            async with Database(engine).connect():
                pass
    finally:
        await engine.dispose()
