"""Does the configured database hold what the gateway reads? Checked by `gateway serve`
before it starts and by `/readyz`, so an empty database or a wrong
`GATEWAY_DATABASE_SCHEMA` is one clear line (and a 503 with the reason), not a 500 per
request.

What is required comes from the models (`gateway.db.models`), which map the columns the
gateway's statements are built from: every table of `Base.metadata` and its columns, except
tables marked `info={"optional": True}` (structures the gateway can do without).
"""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.db.models import Base


def required_columns() -> dict[str, list[str]]:
    """`{table: [column, …]}` that the gateway reads."""
    return {
        table.name: [column.name for column in table.columns]
        for table in Base.metadata.sorted_tables
        if not table.info.get("optional")
    }


def _missing(connection: Connection, schema: str | None) -> list[str]:
    inspector = inspect(connection)
    required = required_columns()
    present = set(inspector.get_table_names(schema=schema))
    missing = [f"table {name}" for name in required if name not in present]
    found = [name for name in required if name in present]
    if found:
        columns = inspector.get_multi_columns(schema=schema, filter_names=found)
        for (_, table), described in sorted(columns.items(), key=lambda item: item[0][1]):
            names = {column["name"] for column in described}
            missing += [f"column {table}.{name}" for name in required[table] if name not in names]
    return missing


async def schema_problem(connection: AsyncConnection, schema: str | None) -> str | None:
    """One line naming what the database lacks, or None when it has everything."""
    missing = await connection.run_sync(_missing, schema or None)
    if not missing:
        return None
    where = f' (schema "{schema}")' if schema else ""
    return f"the database{where} lacks the shop's {'; '.join(missing)}"
