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
    String,
    Table,
    case,
    distinct,
    func,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncConnection

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

# What the installer writes last, once the back-fill is complete: (name, version) rows.
gateway_meta = Table(
    "gw_meta",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
)
STORED_TOTALS = "order_totals"
# Raised whenever the triggers' or the table's definition changes: an older install is then
# not ready until `gateway db indexes` installs this one.
STORED_TOTALS_VERSION = 1

# The legacy tables whose writes change an order's sums, the column naming the order, and
# the columns whose update does.
WATCHED_TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "shop_order": ("id", ("id", "customer_id", "discount", "shipping_cost")),
    "shop_orderitem": (
        "order_id",
        ("order_id", "product_id", "unit_price", "quantity", "discount"),
    ),
    "shop_payment": ("order_id", ("order_id", "amount", "status")),
}
OUTSTANDING_INDEX = "gw_order_totals_outstanding_idx"
TOTAL_INDEX = "gw_order_totals_total_idx"
TOTALS_INDEXES: dict[str, tuple[str, ...]] = {
    OUTSTANDING_INDEX: ("customer_id", "amount_outstanding_cents"),
    TOTAL_INDEX: ("customer_id", "total_cents", "order_id"),
}


def trigger_names(dialect: str) -> list[str]:
    """The triggers that keep the table exact: PostgreSQL fires one function on insert or
    delete and one, filtered, on update; SQLite has one trigger per event."""
    events = ("write", "update") if dialect == "postgresql" else ("insert", "update", "delete")
    return [f"gw_order_totals_{table}_{event}" for table in WATCHED_TABLES for event in events]


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


def translated_schema(connection: AsyncConnection) -> str | None:
    """The schema statements name when they name one (PostgreSQL behind PgBouncer:
    `schema_translate_map`); None when the search path (or SQLite) finds the tables."""
    options = connection.sync_engine.get_execution_options()
    if connection.sync_connection is not None:
        options = connection.sync_connection.get_execution_options()
    schema: str | None = (options.get("schema_translate_map") or {}).get(None)
    return schema


def schema_prefix(connection: AsyncConnection) -> str:
    """The quoted translated schema and a dot, or "" (see `translated_schema`)."""
    schema = translated_schema(connection)
    if not schema:
        return ""
    return connection.dialect.identifier_preparer.quote_schema(schema) + "."


async def stored_totals_ready(connection: AsyncConnection) -> bool:
    """Whether `gw_order_totals` may be read: its table, triggers and indexes are present
    (triggers enabled, indexes valid) and its install finished (`gw_meta`, written last).

    Two cheap catalogue reads, meant for start-up; never writes.
    """
    triggers = trigger_names(connection.dialect.name)
    if connection.dialect.name == "postgresql":
        prefix = schema_prefix(connection)
        present = text(
            "SELECT (SELECT count(*) FROM pg_trigger WHERE tgenabled <> 'D'"
            " AND tgname = ANY(:triggers) AND tgrelid IN"
            " (to_regclass(:order), to_regclass(:item), to_regclass(:payment)))"
            " + (SELECT count(*) FROM pg_index WHERE indisvalid"
            " AND indexrelid IN (to_regclass(:outstanding), to_regclass(:total)))"
            " + (SELECT count(*) FROM pg_class WHERE oid = to_regclass(:meta))"
        )
        names = {
            "order": "shop_order",
            "item": "shop_orderitem",
            "payment": "shop_payment",
            "outstanding": OUTSTANDING_INDEX,
            "total": TOTAL_INDEX,
            "meta": "gw_meta",
        }
        parameters: dict[str, object] = {key: prefix + name for key, name in names.items()}
        parameters["triggers"] = triggers
    else:
        objects = [*triggers, *TOTALS_INDEXES, "gw_meta"]
        present = text(
            "SELECT count(*) FROM sqlite_master WHERE name IN ("
            + ", ".join(f"'{name}'" for name in objects)
            + ")"
        )
        parameters = {}
    expected = len(triggers) + len(TOTALS_INDEXES) + 1
    if (await connection.execute(present, parameters)).scalar() != expected:
        return False
    version = select(gateway_meta.c.version).where(gateway_meta.c.name == STORED_TOTALS)
    return (await connection.execute(version)).scalar() == STORED_TOTALS_VERSION
