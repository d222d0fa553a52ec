"""A customer's per-order totals, as one derived table that money filters and the computed
orderings join once: `order_id`, `total_cents`, `amount_outstanding_cents` (integer cents).

Computed set-based from the legacy tables (`gateway.db.stored.order_sums`: items and
payments each aggregated once over the customer's orders), or read from the stored table
`gw_order_totals` when the DBA installed it and it is valid (`stored`). Either way the
customer condition is inside, so the derived table holds no other customer's order.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Subquery, select

from gateway.db.models import Order
from gateway.db.stored import order_sums, order_totals

TOTALS_NAME = "gw_totals"


def customer_totals(customer: ColumnElement[int], *, stored: bool) -> Subquery:
    """The totals of every order of `customer` (a bound customer id)."""
    if stored:
        table = order_totals
        return (
            select(table.c.order_id, table.c.total_cents, table.c.amount_outstanding_cents)
            .where(table.c.customer_id == customer)
            .subquery(TOTALS_NAME)
        )
    # Only the three columns: PostgreSQL then skips the sums no one reads (item counts).
    sums = order_sums(Order.customer_id == customer).subquery("gw_sums")
    return select(sums.c.order_id, sums.c.total_cents, sums.c.amount_outstanding_cents).subquery(
        TOTALS_NAME
    )
