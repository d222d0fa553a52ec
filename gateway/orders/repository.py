"""Running order queries. The caller owns the connection (or session)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import BigInteger, literal, select

from gateway.db.core import Reader, execute_select
from gateway.orders.filters import ID_MAX, ID_MIN
from gateway.orders.query import OrderQuery, Window, sort_values_getter
from gateway.orders.records import OrderRecord


async def count_orders(reader: Reader, query: OrderQuery) -> int:
    count: int = (await execute_select(reader, *query.count_execution())).scalar_one()
    return count


async def fetch_orders(reader: Reader, query: OrderQuery, window: Window) -> list[OrderRecord]:
    """One page of orders in list order (also for `window.from_end`)."""
    if window.limit <= 0:
        return []
    return _records(query, await execute_select(reader, *query.page_execution(window)))


async def fetch_page(
    reader: Reader, query: OrderQuery, window: Window
) -> tuple[list[OrderRecord], int]:
    """One page and how many orders match over all pages, in one statement while the page
    has rows; an empty page (past the end, or nothing matches) is counted on its own. An
    offset no database integer holds is past the end of any set: only counted."""
    rows: Sequence[Any] = ()
    if window.limit > 0 and window.offset <= ID_MAX:
        result = await execute_select(reader, *query.page_execution(window, counted=True))
        rows = result.all()
    if not rows:
        return [], await count_orders(reader, query)
    total: int = rows[0][-1]
    return _records(query, rows), total


def _records(query: OrderQuery, rows: Iterable[Any]) -> list[OrderRecord]:
    customer_id = query.customer_id
    sort_values = sort_values_getter(query.ordering)
    return [OrderRecord.from_row(row, customer_id, sort_values(row)) for row in rows]


async def reference_exists(reader: Reader, model: Any, row_id: int) -> bool:
    """Whether a reference table (country, payment method, …) has a row with this id."""
    if not ID_MIN <= row_id <= ID_MAX:
        return False
    statement = select(model.id).where(model.id == literal(row_id, BigInteger))
    return (await execute_select(reader, statement)).first() is not None
