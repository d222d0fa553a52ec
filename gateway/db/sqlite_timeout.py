"""A per-statement timeout for SQLite, which has none of its own.

SQLite calls a progress handler every few hundred virtual-machine instructions while a
statement runs; returning true interrupts the statement ("interrupted", an
`OperationalError` that `gateway.db.errors` counts as unavailable). The engine's cursor
events start and stop a clock per connection, so only statements the gateway sends are
timed, never the driver's own COMMIT or pragmas.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine

# Instructions between two checks: frequent enough to stop within milliseconds, rare
# enough to cost nothing measurable.
CHECK_EVERY = 1000
_CLOCK = "gateway_statement_clock"


class StatementClock:
    """When the connection's current statement started (None between statements)."""

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.started: float | None = None

    def overdue(self) -> bool:
        """The progress handler: true (interrupt) once the statement has run too long."""
        started = self.started
        return started is not None and time.monotonic() - started > self.limit


def _clock(connection: Connection) -> StatementClock | None:
    clock = connection.connection.info.get(_CLOCK)
    return clock if isinstance(clock, StatementClock) else None


def interrupt_slow_statements(engine: AsyncEngine, limit: float) -> None:
    """Interrupt any statement on `engine` (SQLite) that runs longer than `limit` seconds."""

    @event.listens_for(engine.sync_engine, "connect")
    def _install(dbapi_connection: Any, record: Any) -> None:
        clock = StatementClock(limit)
        record.info[_CLOCK] = clock
        dbapi_connection.run_async(
            lambda driver: driver.set_progress_handler(clock.overdue, CHECK_EVERY)
        )

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _start(connection: Connection, *_args: Any) -> None:
        clock = _clock(connection)
        if clock is not None:
            clock.started = time.monotonic()

    @event.listens_for(engine.sync_engine, "after_cursor_execute")
    def _stop(connection: Connection, *_args: Any) -> None:
        clock = _clock(connection)
        if clock is not None:
            clock.started = None

    @event.listens_for(engine.sync_engine, "handle_error")
    def _stop_on_error(context: ExceptionContext) -> None:
        if context.connection is not None and not context.connection.invalidated:
            clock = _clock(context.connection)
            if clock is not None:
                clock.started = None
