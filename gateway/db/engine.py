"""Async engine and session factory for SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine

from gateway.db.sqlite import configure_connection
from gateway.db.sqlite_timeout import interrupt_slow_statements
from gateway.db.urls import DatabaseTarget, database_target, is_sqlite, parse_database_url
from gateway.settings import Settings


def create_engine(settings: Settings, *, read_only: bool = False) -> AsyncEngine:
    """An engine configured for the settings' database.

    SQLite: foreign keys on, a busy timeout and the Unicode `UPPER` function on every
    connection. PostgreSQL: a sized pool with pre-ping, so connections that died while the
    database restarted are replaced instead of failing a request.
    Both: statements running longer than `statement_timeout` are cancelled (PostgreSQL's
    `statement_timeout`, or the driver's cancel behind PgBouncer; an interrupt on SQLite).

    `read_only` (the service, which never writes): PostgreSQL connections run in autocommit,
    each statement in its own snapshot, as READ COMMITTED gives inside a transaction too. A
    connection then costs no BEGIN and ROLLBACK round trips, and pre-ping is one round trip
    instead of three (asyncpg pings inside a transaction otherwise). SQLite keeps its
    transactions: its round trips are in-process.
    """
    if is_sqlite(settings.database_url):
        engine = _create_async_engine(parse_database_url(settings.database_url))
        busy_timeout = settings.sqlite_busy_timeout

        @event.listens_for(engine.sync_engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            configure_connection(dbapi_connection, busy_timeout)

        if settings.statement_timeout:
            interrupt_slow_statements(engine, settings.statement_timeout)
        return engine
    target = database_target(settings.database_url)
    execution_options: dict[str, Any] = {}
    if settings.database_schema and not settings.db_prepared_statements:
        # No search_path at start-up: every statement names the schema of its tables.
        execution_options["schema_translate_map"] = {None: settings.database_schema}
    return _create_async_engine(
        target.url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        pool_pre_ping=True,
        isolation_level="AUTOCOMMIT" if read_only else "READ COMMITTED",
        connect_args=target.connect_args | postgresql_connect_args(settings, target),
        execution_options=execution_options,
    )


# The service's plan policy on its own connections (docs/scaling.md, "Big customers").
# From its sixth run PostgreSQL may give a prepared statement a generic plan, made for an
# average customer, which can read all of a big customer's orders to keep a page: every
# execution is planned for its customer instead: about 1-2 ms of planning per statement
# where PostgreSQL's default `auto` mode would have reused a generic plan (it often keeps
# custom plans for these statements anyway).
# JIT compiles plans whose estimated cost is high; for these short statements it costs
# more than it saves (0.7 s of a 1.3 s money filter, measured at 100k orders).
PLAN_SETTINGS = {"plan_cache_mode": "force_custom_plan", "jit": "off"}


def postgresql_connect_args(settings: Settings, target: DatabaseTarget) -> dict[str, Any]:
    """asyncpg's connection arguments for the settings.

    Directly on PostgreSQL the statement timeout and the schema are session settings sent
    at start-up, and statements are prepared once per connection (named, cached). So is the
    plan policy (`PLAN_SETTINGS`): custom plans always, and no JIT.

    `db_prepared_statements=False` (PgBouncer in transaction pooling, before 1.21): PgBouncer
    refuses start-up parameters other than a few (`application_name` is one), and a server
    connection serves many clients, so nothing may outlive one statement on it. Statements
    are then prepared unnamed, each right before it runs (asyncpg's statement cache off,
    SQLAlchemy's too); the statement timeout is the driver's: past it asyncpg sends the
    server a cancel request (through PgBouncer, to the server running the statement) and
    raises `TimeoutError`; the schema is written into each statement (see `create_engine`).
    Unnamed statements are planned at each execution with their parameters (custom plans
    by nature); JIT is the role's or database's setting there (`docs/scaling.md`).
    """
    server_settings = {"application_name": "shop-gateway"} | target.server_settings
    if not settings.db_prepared_statements:
        arguments: dict[str, Any] = {
            "server_settings": server_settings,
            "statement_cache_size": 0,
            "prepared_statement_cache_size": 0,
        }
        if settings.statement_timeout:
            arguments["command_timeout"] = settings.statement_timeout
        return arguments
    if settings.statement_timeout:
        # In milliseconds; the server cancels the statement (SQLSTATE 57014) itself.
        server_settings["statement_timeout"] = str(round(settings.statement_timeout * 1000))
    if settings.database_schema:
        server_settings["search_path"] = settings.database_schema
    for name, value in PLAN_SETTINGS.items():
        server_settings.setdefault(name, value)  # the URL's own settings win
    return {"server_settings": server_settings}


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
