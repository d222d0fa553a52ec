"""A customer's stored per-order totals (`gw_order_totals`), as one derived table that money
filters and the computed orderings join once when the DBA installed the table and it is
valid: `order_id`, `total_cents`, `amount_outstanding_cents` (integer cents).

The customer condition is inside, so the derived table holds no other customer's order, and
the table's `(customer_id, …)` indexes serve it. Without the table the query computes the
same amounts per order (`orders.money`).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Subquery, select

from gateway.db.stored import order_totals

TOTALS_NAME = "gw_totals"


def stored_totals(customer: ColumnElement[int]) -> Subquery:
    """The stored totals of every order of `customer` (a bound customer id)."""
    table = order_totals
    return (
        select(table.c.order_id, table.c.total_cents, table.c.amount_outstanding_cents)
        .where(table.c.customer_id == customer)
        .subquery(TOTALS_NAME)
    )
