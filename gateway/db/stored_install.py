"""Installing and dropping the stored order totals (`gateway db indexes`, the DBA's command).

Install, in this order, so that the table is exact whatever the shop writes meanwhile:
1. one short transaction: the table (and `gw_meta`), the triggers' functions and the
   triggers; from its commit on, every write to an order's rows refreshes its totals;
2. the back-fill, in batches of order ids, one short transaction each: the batch's orders
   are share-locked against deletion (`FOR KEY SHARE`, which does not block updates), then
   refreshed with the triggers' own statements (`stored_triggers.refresh_statements`);
3. the two indexes (built `CONCURRENTLY` on PostgreSQL), then `ANALYZE`;
4. the `gw_meta` row that `stored_totals_ready` looks for, last.
An interrupted install is resumed by running it again (every step is idempotent).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from sqlalchemy import ColumnElement, and_, delete, func, insert, inspect, select, text, true
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.orm import InstrumentedAttribute

from gateway.db.indexes import IndexSpec, create_indexes
from gateway.db.models import Order
from gateway.db.stored import (
    STORED_TOTALS,
    STORED_TOTALS_VERSION,
    TOTALS_INDEXES,
    gateway_meta,
    metadata,
    stored_totals_ready,
    translated_schema,
)
from gateway.db.stored_triggers import (
    OrderIds,
    postgresql_drop_ddl,
    postgresql_install_ddl,
    refresh_statements,
    sqlite_drop_ddl,
    sqlite_install_ddl,
)

BATCH_SIZE = 5_000
TOTALS_INDEX_SPECS = tuple(
    IndexSpec(name, "gw_order_totals", columns, "a customer's orders by stored money")
    for name, columns in TOTALS_INDEXES.items()
)


async def _schema(connection: AsyncConnection) -> str | None:
    """PostgreSQL: the schema the trigger functions name (the statements' translated schema,
    else the search path's current one); SQLite: none."""
    if connection.dialect.name != "postgresql":
        return None
    schema = translated_schema(connection)
    if schema is None:
        schema = (await connection.execute(text("SELECT current_schema()"))).scalar_one()
    return str(schema)


async def _exists(connection: AsyncConnection, table: str) -> bool:
    def check(sync_connection: Connection) -> bool:
        return inspect(sync_connection).has_table(table)

    return await connection.run_sync(check)


def id_range(low: int | None, high: int | None) -> OrderIds:
    """Order ids in (low, high]; an open end where None."""

    def condition(column: ColumnElement[int] | InstrumentedAttribute[int]) -> ColumnElement[bool]:
        bounds = [column > low] if low is not None else []
        if high is not None:
            bounds.append(column <= high)
        return and_(true(), *bounds)

    return condition


async def order_id_batches(
    engine: AsyncEngine, size: int
) -> AsyncIterator[tuple[int | None, int | None, int]]:
    """Ranges (low, high] of order ids covering `size` orders each (and how many), then
    (last, None, 0) for rows beyond the last order; each read in its own short statement."""
    low: int | None = None
    while True:
        following = select(Order.id).where(id_range(low, None)(Order.id))
        batch = following.order_by(Order.id).limit(size).subquery()
        async with engine.connect() as connection:
            bounds = select(func.max(batch.c.id), func.count())
            high, count = (await connection.execute(bounds)).one()
        if high is None:
            yield low, None, 0
            return
        yield low, high, count
        low = high


async def _refresh(connection: AsyncConnection, orders: OrderIds) -> None:
    if connection.dialect.name == "postgresql":
        # Orders deleted meanwhile wait for this batch (or it for them): none is left behind.
        await connection.execute(
            select(Order.id).where(orders(Order.id)).with_for_update(key_share=True, read=True)
        )
    for statement in refresh_statements(connection.dialect.name, orders):
        await connection.execute(statement)


# The readiness row `stored_totals_ready` looks for: deleted first by an install (written
# again last) and by a drop.
_FORGET_READINESS = delete(gateway_meta).where(gateway_meta.c.name == STORED_TOTALS)


async def _trigger_ddl(connection: AsyncConnection, *, install: bool) -> None:
    """Create (or drop) the triggers and their functions, as the backend spells them."""
    if connection.dialect.name == "postgresql":
        schema = await _schema(connection)
        ddl = postgresql_install_ddl(schema) if install else postgresql_drop_ddl(schema)
    else:
        ddl = sqlite_install_ddl() if install else sqlite_drop_ddl()
    for statement in ddl:
        await connection.exec_driver_sql(statement)


async def install_stored_totals(
    engine: AsyncEngine,
    *,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> list[str]:
    """Install (or finish installing) the stored totals; what was done, one line each
    (empty: it was installed and ready already)."""
    async with engine.connect() as connection:
        if await stored_totals_ready(connection):
            return []
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
        await connection.execute(_FORGET_READINESS)
        await _trigger_ddl(connection, install=True)
    done = 0
    async for low, high, count in order_id_batches(engine, batch_size):
        async with engine.begin() as connection:
            await _refresh(connection, id_range(low, high))
        done += count
        if progress:
            progress(done)
    created = await create_indexes(engine, TOTALS_INDEX_SPECS)
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.exec_driver_sql(
                f"ANALYZE {await _qualified(connection, 'gw_order_totals')}"
            )
        await connection.execute(
            insert(gateway_meta).values(name=STORED_TOTALS, version=STORED_TOTALS_VERSION)
        )
    return [
        f"created gw_order_totals (triggers on shop_order, shop_orderitem, shop_payment; "
        f"{done} orders back-filled)",
        *(f"created {name}" for name in created),
    ]


async def _qualified(connection: AsyncConnection, name: str) -> str:
    schema = await _schema(connection)
    if not schema:
        return name
    return connection.dialect.identifier_preparer.quote_schema(schema) + "." + name


async def retire_stored_totals(engine: AsyncEngine) -> bool:
    """Remove the readiness row alone, in its own transaction: running services stop reading
    the table at their next check of the optional structures, while its triggers still keep
    it exact. Whether the row was there (the table was being read)."""
    async with engine.begin() as connection:
        if not await _exists(connection, "gw_meta"):
            return False
        return bool((await connection.execute(_FORGET_READINESS)).rowcount)


async def drop_stored_totals(engine: AsyncEngine) -> list[str]:
    """Remove the readiness row first (`retire_stored_totals`, if not done already), then the
    triggers, their functions and the table (its indexes with it); what was dropped (empty:
    nothing was installed)."""
    async with engine.begin() as connection:
        existed = await _exists(connection, "gw_order_totals")
        if await _exists(connection, "gw_meta"):
            await connection.execute(_FORGET_READINESS)
            left = (
                await connection.execute(select(func.count()).select_from(gateway_meta))
            ).scalar()
            if not left:
                await connection.run_sync(lambda sync: gateway_meta.drop(sync))
        await _trigger_ddl(connection, install=False)
        if existed:
            await connection.run_sync(lambda sync: metadata.tables["gw_order_totals"].drop(sync))
    return ["dropped gw_order_totals (its triggers and indexes)"] if existed else []
