"""Running Core SELECTs on a connection, or through an ORM session."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Result
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from gateway.db.errors import translated_errors

# What the read paths run their statements on: the service's requests use connections
# (`Database.connect`); the CLI and tests may pass a session.
Reader = AsyncConnection | AsyncSession


async def execute_select(
    reader: Reader, statement: Any, parameters: dict[str, Any] | None = None
) -> Result[Any]:
    """Run a SELECT of plain columns: Core execution, without the ORM's per-row loading
    machinery, which costs about a millisecond per page and buys nothing when no entities
    are loaded. A session still owns its transaction. `DatabaseUnavailable` when the
    database is (`gateway.db.errors`)."""
    with translated_errors():
        connection = reader if isinstance(reader, AsyncConnection) else await reader.connection()
        result: Result[Any] = await connection.execute(statement, parameters)
    return result
