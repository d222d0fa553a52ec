"""Stored order totals: an optional table the gateway owns, for customers with many orders.

`gw_order_totals` holds, per order, the item and payment sums that the computed fields of
`spec/database.md` derive from (in integer cents, as `db.functions.cents` reads them), plus
the derived total and amount outstanding, so that money filters and orderings can read an
index instead of summing every candidate order's rows. The shop's DBA installs it with
`gateway db indexes` (triggers on `shop_order`, `shop_orderitem` and `shop_payment` keep it
exact); the service only reads it, and only while `stored_totals_ready` says so.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, MetaData, Table

# Not the legacy tables' metadata: `create_all` for the demo and tests never makes it.
metadata = MetaData()

order_totals = Table(
    "gw_order_totals",
    metadata,
    Column("order_id", Integer, primary_key=True),
    Column("customer_id", Integer, nullable=False),
    Column("item_count", Integer, nullable=False),
    Column("item_quantity", BigInteger, nullable=False),
    Column("items_subtotal_cents", BigInteger, nullable=False),
    Column("items_discount_cents", BigInteger, nullable=False),
    Column("amount_paid_cents", BigInteger, nullable=False),
    # max(items_subtotal - items_discount - discount + shipping_cost, 0)
    Column("total_cents", BigInteger, nullable=False),
    # max(total - amount_paid, 0): 0 exactly when the order is paid.
    Column("amount_outstanding_cents", BigInteger, nullable=False),
)
