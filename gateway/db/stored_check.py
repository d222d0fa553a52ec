"""`gateway db indexes --check`: the stored totals against a recomputation, batch by batch.

Each batch of order ids is one statement: the stored rows FULL OUTER JOIN `order_sums` of the
same orders, keeping the rows where any column differs. One statement sees one snapshot, in
which the shop's committed writes have updated both sides, so a check running beside live
writes reports only real differences.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.db.models import Order
from gateway.db.stored import order_sums, order_totals, stored_totals_ready
from gateway.db.stored_install import BATCH_SIZE, id_range, order_id_batches

COLUMNS = [column.name for column in order_totals.columns if column.name != "order_id"]


def _describe(row: dict[str, Any]) -> str:
    order = row["stored_order_id"] or row["computed_order_id"]
    if row["computed_order_id"] is None:
        return f"order {order}: stored, but there is no such order"
    if row["stored_order_id"] is None:
        return f"order {order}: no stored row"
    differences = ", ".join(
        # int(): PostgreSQL's sums are numeric (Decimal('5E+4') would print as such).
        f"{name} stored {int(row[f'stored_{name}'])} computed {int(row[f'computed_{name}'])}"
        for name in COLUMNS
        if row[f"stored_{name}"] != row[f"computed_{name}"]
    )
    return f"order {order}: {differences}"


async def check_stored_totals(engine: AsyncEngine, *, batch_size: int = BATCH_SIZE) -> list[str]:
    """One line per order whose stored row differs from the recomputation (empty: none);
    a single line if the stored totals are not installed (or not finished installing)."""
    async with engine.connect() as connection:
        if not await stored_totals_ready(connection):
            return ["gw_order_totals is not installed (or its install did not finish)"]
    problems: list[str] = []
    async for low, high, _count in order_id_batches(engine, batch_size):
        orders = id_range(low, high)
        stored = select(order_totals).where(orders(order_totals.c.order_id)).subquery("stored")
        computed = order_sums(orders(Order.id)).subquery("computed")
        names = ["order_id", *COLUMNS]
        differing = (
            select(
                *(stored.c[name].label(f"stored_{name}") for name in names),
                *(computed.c[name].label(f"computed_{name}") for name in names),
            )
            .select_from(stored.join(computed, stored.c.order_id == computed.c.order_id, full=True))
            .where(or_(*(stored.c[name].is_distinct_from(computed.c[name]) for name in names)))
            .order_by(func.coalesce(stored.c.order_id, computed.c.order_id))
        )
        async with engine.connect() as connection:
            rows = (await connection.execute(differing)).mappings().all()
        problems += [_describe(dict(row)) for row in rows]
    return problems
