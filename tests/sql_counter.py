"""Counting the SQL statements a piece of code sends, for statement-budget tests.

    with count_statements(engine) as log:
        await do_something()
    assert log.count == 2

`count_statements()` without an engine listens to every engine in the process: the `client`
fixture's app opens its own engine in its lifespan, which a test cannot reach otherwise.
Statements that SQLAlchemy's connection set-up sends behind the cursor API (SQLite pragmas,
pool pre-ping) are not counted: they are not the code's statements.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass(slots=True)
class StatementLog:
    """The statements seen, in order, as the SQL text sent to the driver."""

    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    def matching(self, prefix: str) -> list[str]:
        """The statements that start with `prefix` (case-insensitive), e.g. "SELECT"."""
        return [s for s in self.statements if s.lstrip().upper().startswith(prefix.upper())]

    def clear(self) -> None:
        self.statements.clear()


@contextmanager
def count_statements(engine: AsyncEngine | None = None) -> Iterator[StatementLog]:
    """Record every statement executed on `engine` (default: on any engine) inside the block."""
    log = StatementLog()
    target: Any = Engine if engine is None else engine.sync_engine

    def record(
        _connection: Any,
        _cursor: Any,
        statement: str,
        _parameters: Any,
        _context: Any,
        _executemany: bool,
    ) -> None:
        log.statements.append(statement)

    event.listen(target, "before_cursor_execute", record)
    try:
        yield log
    finally:
        event.remove(target, "before_cursor_execute", record)
