"""Running order queries. The caller owns the session (one per task, never shared)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.db.core import execute_select
from gateway.orders.filters import ID_MAX, ID_MIN
from gateway.orders.query import OrderQuery, Window
from gateway.orders.records import OrderRecord


async def count_orders(session: AsyncSession, query: OrderQuery) -> int:
    count: int = (await execute_select(session, *query.count_execution())).scalar_one()
    return count


async def fetch_orders(
    session: AsyncSession, query: OrderQuery, window: Window
) -> list[OrderRecord]:
    """One page of orders in list order (also for `window.from_end`)."""
    if window.limit <= 0:
        return []
    result = await execute_select(session, *query.page_execution(window))
    return [OrderRecord.from_row(row, query.customer_id, query.sort_values(row)) for row in result]


async def reference_exists(session: AsyncSession, model: Any, row_id: int) -> bool:
    """Whether a reference table (country, payment method, …) has a row with this id."""
    if not ID_MIN <= row_id <= ID_MAX:
        return False
    statement = select(model.id).where(model.id == literal(row_id, BigInteger))
    return (await execute_select(session, statement)).first() is not None
