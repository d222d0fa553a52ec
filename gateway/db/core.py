"""Running Core SELECTs through an ORM session."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Result
from sqlalchemy.ext.asyncio import AsyncSession


async def execute_select(
    session: AsyncSession, statement: Any, parameters: dict[str, Any] | None = None
) -> Result[Any]:
    """Run a SELECT of plain columns on the session's connection: Core execution, without
    the ORM's per-row loading machinery, which costs about a millisecond per page and buys
    nothing when no entities are loaded. The session still owns the transaction."""
    connection = await session.connection()
    result: Result[Any] = await connection.execute(statement, parameters)
    return result
