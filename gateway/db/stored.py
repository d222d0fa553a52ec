"""Stored order totals: an optional table the gateway owns, for customers with many orders.

`gw_order_totals` holds, per order, the item and payment sums that the computed fields of
`spec/database.md` derive from (in integer cents, as `db.functions.cents` reads them), plus
the derived total and amount outstanding, so that money filters and orderings can read an
index instead of summing every candidate order's rows. The shop's DBA installs it with
`gateway db indexes` (triggers on `shop_order`, `shop_orderitem` and `shop_payment` keep it
exact); the service only reads it, and only while `stored_totals_ready` says so.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    Integer,
    MetaData,
    Select,
    Table,
    case,
    distinct,
    func,
    select,
)

from gateway.db.functions import cents
from gateway.db.models import Order, OrderItem, Payment

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


def _at_least_zero(value: ColumnElement[int]) -> ColumnElement[int]:
    # CASE, not GREATEST: SQLite has no GREATEST, and its scalar max() is not PostgreSQL's.
    return case((value > 0, value), else_=0)


def order_sums(*orders: ColumnElement[bool]) -> Select[*tuple[Any, ...]]:
    """Every column of `gw_order_totals`, computed from the legacy tables, for the orders
    matching `orders` (conditions on `Order`; all orders without any).

    Set-based: items and payments are each aggregated once, grouped by order, over the
    selected orders only, and joined to them; no correlated subquery per order. The same
    statement back-fills and checks the stored table and serves the money filters and
    orderings where it is absent.
    """
    items = (
        select(
            OrderItem.order_id,
            func.count(distinct(OrderItem.product_id)).label("item_count"),
            func.sum(OrderItem.quantity).label("item_quantity"),
            func.sum(cents(OrderItem.unit_price) * OrderItem.quantity).label("subtotal"),
            func.sum(cents(OrderItem.discount)).label("discount"),
        )
        .join(Order, Order.id == OrderItem.order_id)
        .where(*orders)
        .group_by(OrderItem.order_id)
        .subquery("gw_items")
    )
    payments = (
        select(Payment.order_id, func.sum(cents(Payment.amount)).label("paid"))
        .join(Order, Order.id == Payment.order_id)
        .where(Payment.status == "succeeded", *orders)
        .group_by(Payment.order_id)
        .subquery("gw_payments")
    )
    subtotal = func.coalesce(items.c.subtotal, 0)
    items_discount = func.coalesce(items.c.discount, 0)
    paid = func.coalesce(payments.c.paid, 0)
    total = _at_least_zero(
        subtotal - items_discount - cents(Order.discount) + cents(Order.shipping_cost)
    )
    return (
        select(
            Order.id.label("order_id"),
            Order.customer_id,
            func.coalesce(items.c.item_count, 0).label("item_count"),
            func.coalesce(items.c.item_quantity, 0).label("item_quantity"),
            subtotal.label("items_subtotal_cents"),
            items_discount.label("items_discount_cents"),
            paid.label("amount_paid_cents"),
            total.label("total_cents"),
            _at_least_zero(total - paid).label("amount_outstanding_cents"),
        )
        .select_from(Order)
        .outerjoin(items, items.c.order_id == Order.id)
        .outerjoin(payments, payments.c.order_id == Order.id)
        .where(*orders)
    )
