"""The optional index migration (`gateway db indexes`): indexes the gateway's statements use.

The legacy schema indexes `shop_order (customer_id, created_at)` but not the `-id`
tie-breaker that every ordering ends with, so PostgreSQL sorts a customer's orders (or
filters a long index range) to find a page. These composite indexes let a page, first or
deep, be read straight from an index in list order.

Everything here is additive and reversible: `CREATE INDEX IF NOT EXISTS` of indexes whose
names start with `gw_`, and `--drop` removes exactly those. On PostgreSQL they are built
`CONCURRENTLY` (outside a transaction), so a live shop keeps writing while they build; an
index left invalid by an interrupted build is dropped and built again.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


@dataclass(frozen=True, slots=True)
class IndexSpec:
    """One index: its name, table, column list (with directions or operator classes), why it
    exists, and its access method (PostgreSQL's `USING`)."""

    name: str
    table: str
    columns: tuple[str, ...]
    purpose: str
    method: str = "btree"

    def create_sql(self, *, concurrently: bool) -> str:
        how = "CONCURRENTLY " if concurrently else ""
        using = "" if self.method == "btree" else f"USING {self.method} "
        return (
            f"CREATE INDEX {how}IF NOT EXISTS {self.name} "
            f"ON {self.table} {using}({', '.join(self.columns)})"
        )

    def drop_sql(self, *, concurrently: bool) -> str:
        how = "CONCURRENTLY " if concurrently else ""
        return f"DROP INDEX {how}IF EXISTS {self.name}"


INDEXES: tuple[IndexSpec, ...] = (
    IndexSpec(
        "gw_order_customer_created_idx",
        "shop_order",
        ("customer_id", "created_at DESC", "id DESC"),
        "the default ordering (-created_at, -id), first and keyset pages; created date filters",
    ),
    IndexSpec(
        "gw_order_customer_updated_idx",
        "shop_order",
        ("customer_id", "updated_at DESC", "id DESC"),
        "ordering by updated_at (either direction); updated date filters",
    ),
    IndexSpec(
        "gw_order_customer_status_created_idx",
        "shop_order",
        ("customer_id", "status", "created_at DESC", "id DESC"),
        "a status filter with the default ordering",
    ),
    IndexSpec(
        "gw_order_customer_id_idx",
        "shop_order",
        ("customer_id", "id DESC"),
        "ordering by id (either direction); id_min / id_max filters",
    ),
)


async def _index_state(connection: AsyncConnection, spec: IndexSpec) -> bool | None:
    """None: absent; True: present and usable; False: an invalid PostgreSQL leftover."""
    if connection.dialect.name == "postgresql":
        statement = text("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(:name)")
        valid = (await connection.execute(statement, {"name": spec.name})).scalar()
        return None if valid is None else bool(valid)
    statement = text("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = :name")
    return True if (await connection.execute(statement, {"name": spec.name})).first() else None


async def create_indexes(
    engine: AsyncEngine, indexes: tuple[IndexSpec, ...] = INDEXES
) -> list[str]:
    """Create the indexes that are missing; the names of those created (empty: none were)."""
    created: list[str] = []
    postgresql = engine.dialect.name == "postgresql"
    # CONCURRENTLY refuses to run inside a transaction block.
    async with engine.connect() as base:
        connection = await base.execution_options(isolation_level="AUTOCOMMIT")
        for spec in indexes:
            state = await _index_state(connection, spec)
            if state is True:
                continue
            if state is False:
                await connection.execute(text(spec.drop_sql(concurrently=True)))
            await connection.execute(text(spec.create_sql(concurrently=postgresql)))
            created.append(spec.name)
    return created


async def drop_indexes(engine: AsyncEngine, indexes: tuple[IndexSpec, ...] = INDEXES) -> list[str]:
    """Drop the gateway's indexes (only those: names starting `gw_`); the names dropped."""
    dropped: list[str] = []
    postgresql = engine.dialect.name == "postgresql"
    async with engine.connect() as base:
        connection = await base.execution_options(isolation_level="AUTOCOMMIT")
        for spec in indexes:
            if await _index_state(connection, spec) is None:
                continue
            await connection.execute(text(spec.drop_sql(concurrently=postgresql)))
            dropped.append(spec.name)
    return dropped


async def present_indexes(
    engine: AsyncEngine, indexes: tuple[IndexSpec, ...] = INDEXES
) -> list[str]:
    """The gateway's indexes that exist and are usable."""
    async with engine.connect() as connection:
        return [spec.name for spec in indexes if await _index_state(connection, spec) is True]
