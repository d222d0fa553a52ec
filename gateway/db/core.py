"""Running Core SELECTs on a connection, or through an ORM session."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Result
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from gateway.db.errors import translated_errors
from gateway.db.retry import is_retry_safe, read_again

# What the read paths run their statements on: the service's requests use connections
# (`Database.connect`); the CLI and tests may pass a session.
Reader = AsyncConnection | AsyncSession


async def execute_select(
    reader: Reader, statement: Any, parameters: dict[str, Any] | None = None
) -> Result[Any]:
    """Run a SELECT of plain columns: Core execution, without the ORM's per-row loading
    machinery, which costs about a millisecond per page and buys nothing when no entities
    are loaded. A session still owns its transaction. `DatabaseUnavailable` when the
    database is (`gateway.db.errors`).

    On a connection (the service's), a read whose connection was lost or which a standby
    cancelled is sent once more on another connection first (`gateway.db.retry`)."""
    with translated_errors():
        if isinstance(reader, AsyncSession):
            connection = await reader.connection()
            session_result: Result[Any] = await connection.execute(statement, parameters)
            return session_result
        try:
            result: Result[Any] = await reader.execute(statement, parameters)
        except DBAPIError as error:
            if not is_retry_safe(error):
                raise
            result = await read_again(reader, error, statement, parameters)
    return result
