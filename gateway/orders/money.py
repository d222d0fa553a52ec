"""The computed order fields of `spec/database.md`, defined once.

The database sums items and payments as integer cents (`db.functions.cents`), which is exact
on both backends; `OrderTotals.from_sums` derives every other field from those sums in
Python; `is_paid_condition` and its kin state the same formula in SQL for filtering, or
read the outstanding amount of the customer's joined totals (`orders.totals`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, distinct, func, or_, select
from sqlalchemy.sql.selectable import ScalarSelect

from gateway.db.functions import cents, greatest
from gateway.db.models import Order, OrderItem, Payment
from gateway.db.types import CENT

# Statuses in which an unpaid order can no longer be paid.
UNPAYABLE_STATUSES = ("cancelled", "refunded", "deleted")


def _per_order(expression: ColumnElement[Any], table: Any) -> ScalarSelect[Any]:
    return (
        select(func.coalesce(expression, 0))
        .where(table.order_id == Order.id)
        .correlate(Order)
        .scalar_subquery()
    )


def item_count() -> ScalarSelect[int]:
    """Distinct products among the order's items."""
    return _per_order(func.count(distinct(OrderItem.product_id)), OrderItem)


def item_quantity() -> ScalarSelect[int]:
    return _per_order(func.sum(OrderItem.quantity), OrderItem)


def items_subtotal_cents() -> ScalarSelect[int]:
    return _per_order(func.sum(cents(OrderItem.unit_price) * OrderItem.quantity), OrderItem)


def items_discount_cents() -> ScalarSelect[int]:
    return _per_order(func.sum(cents(OrderItem.discount)), OrderItem)


def amount_paid_cents() -> ScalarSelect[int]:
    paid = func.sum(cents(Payment.amount))
    return (
        select(func.coalesce(paid, 0))
        .where(Payment.order_id == Order.id, Payment.status == "succeeded")
        .correlate(Order)
        .scalar_subquery()
    )


def _items_net_cents() -> ScalarSelect[int]:
    """Items subtotal minus items discount, in one lookup of the order's items."""
    net = cents(OrderItem.unit_price) * OrderItem.quantity - cents(OrderItem.discount)
    return _per_order(func.sum(net), OrderItem)


def total_cents() -> ColumnElement[int]:
    """The order's total, `max(T, 0)` with T unclamped: its items read once."""
    unclamped = _items_net_cents() - cents(Order.discount) + cents(Order.shipping_cost)
    return greatest(unclamped, 0)


def amount_outstanding_cents() -> ColumnElement[int]:
    """`max(total - paid, 0)`: the order's items and payments each read once."""
    return greatest(total_cents() - amount_paid_cents(), 0)


def _owed_and_paid() -> tuple[ColumnElement[int], ColumnElement[int]]:
    """The order's total and amount paid: amount_outstanding = max(total - paid, 0)."""
    return total_cents(), amount_paid_cents()


def is_paid_condition(outstanding: ColumnElement[int] | None) -> ColumnElement[bool]:
    """`amount_outstanding = 0`: on the outstanding cents of the customer's joined totals
    (`orders.totals`), or, with None, from the order's own items and payments (two index
    lookups per candidate order, evaluated only until a page is full)."""
    if outstanding is not None:
        return outstanding == 0
    total, paid = _owed_and_paid()
    return total <= paid


def is_not_paid_condition(outstanding: ColumnElement[int] | None) -> ColumnElement[bool]:
    """`amount_outstanding > 0` (never negative: `!= 0`, as a range an index on the stored
    totals' `(customer_id, amount_outstanding_cents)` can scan)."""
    if outstanding is not None:
        return outstanding > 0
    total, paid = _owed_and_paid()
    return total > paid


def is_payable_condition(outstanding: ColumnElement[int] | None) -> ColumnElement[bool]:
    return and_(is_not_paid_condition(outstanding), Order.status.not_in(UNPAYABLE_STATUSES))


def is_not_payable_condition(outstanding: ColumnElement[int] | None) -> ColumnElement[bool]:
    return or_(is_paid_condition(outstanding), Order.status.in_(UNPAYABLE_STATUSES))


def _money(amount_in_cents: int) -> Decimal:
    return (Decimal(amount_in_cents) * CENT).quantize(CENT)


@dataclass(frozen=True, slots=True)
class OrderTotals:
    """Every computed field of an order, exact to the cent."""

    count: int
    quantity: int
    items_subtotal: Decimal
    items_discount: Decimal
    subtotal: Decimal
    total_discount: Decimal
    total: Decimal
    amount_paid: Decimal
    amount_outstanding: Decimal
    is_paid: bool
    is_payable: bool

    @classmethod
    def from_sums(
        cls,
        *,
        status: str,
        discount: Decimal,
        shipping_cost: Decimal,
        count: int,
        quantity: int,
        items_subtotal_cents: int,
        items_discount_cents: int,
        amount_paid_cents: int,
    ) -> OrderTotals:
        items_subtotal = _money(int(items_subtotal_cents))
        items_discount = _money(int(items_discount_cents))
        amount_paid = _money(int(amount_paid_cents))
        subtotal = items_subtotal - items_discount
        total = max(subtotal - discount + shipping_cost, Decimal("0.00"))
        outstanding = max(total - amount_paid, Decimal("0.00"))
        is_paid = outstanding == 0
        return cls(
            count=int(count),
            quantity=int(quantity),
            items_subtotal=items_subtotal,
            items_discount=items_discount,
            subtotal=subtotal,
            total_discount=items_discount + discount,
            total=total,
            amount_paid=amount_paid,
            amount_outstanding=outstanding,
            is_paid=is_paid,
            is_payable=not is_paid and status not in UNPAYABLE_STATUSES,
        )


def format_money(value: Decimal) -> str:
    """Two decimals, rounded half to even as `quantize` rounds, never `-0.00` (the wire
    format of both APIs). Decimal's own `.2f` formatting: several times faster than
    quantizing first, which matters at 1,500 amounts in a page of 100."""
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text
