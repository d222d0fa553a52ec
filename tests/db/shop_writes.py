"""A small shop written with the plain SQL the shop's Django application sends."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

ORDER = (
    "INSERT INTO shop_order (id, key, customer_id, status, shipping_cost, discount, notes, "
    "billing_address, billing_postal_code, billing_national_code, billing_mobile_number, "
    "billing_first_name, billing_last_name, created_at, updated_at) VALUES ({id}, 'k{id}', "
    "{customer}, 'new', {shipping}, {discount}, '', '', '', '', '', '', '', "
    "'2020-01-01 00:00:00+00:00', '2020-01-01 00:00:00+00:00')"
)
ITEM = (
    "INSERT INTO shop_orderitem (product_id, product_name, unit_price, quantity, discount, "
    "order_id) VALUES ({product}, 'p', {price}, {quantity}, {discount}, {order})"
)
PAYMENT = (
    "INSERT INTO shop_payment (amount, status, created_at, order_id) "
    "VALUES ({amount}, '{status}', '2020-01-02 00:00:00+00:00', {order})"
)


def small_shop() -> list[str]:
    """Customers 1 and 2; orders 1-3 of customer 1 and 4 of customer 2, with items (ids 1-6)
    and payments (ids 1-4)."""
    customers = [
        "INSERT INTO shop_customer (id, first_name, last_name, email, mobile_number, is_active, "
        f"date_joined) VALUES ({n}, 'A', 'B', 'c{n}@example.com', '', true, "
        "'2019-01-01 00:00:00+00:00')"
        for n in (1, 2)
    ]
    orders = [
        ORDER.format(id=1, customer=1, shipping="4.99", discount="0.00"),
        ORDER.format(id=2, customer=1, shipping="0.00", discount="5.00"),
        ORDER.format(id=3, customer=1, shipping="10.00", discount="0.00"),
        ORDER.format(id=4, customer=2, shipping="0.00", discount="0.00"),
    ]
    items = [
        ITEM.format(product=1, price="19.99", quantity=2, discount="0.00", order=1),
        ITEM.format(product=2, price="0.10", quantity=3, discount="0.05", order=1),
        ITEM.format(product=1, price="7.00", quantity=1, discount="0.00", order=2),
        ITEM.format(product=3, price="100.00", quantity=1, discount="20.00", order=3),
        ITEM.format(product=3, price="3.33", quantity=3, discount="0.00", order=3),
        ITEM.format(product=4, price="12.50", quantity=2, discount="1.00", order=4),
    ]
    payments = [
        PAYMENT.format(amount="30.00", status="succeeded", order=1),
        PAYMENT.format(amount="13.27", status="pending", order=1),
        PAYMENT.format(amount="2.00", status="succeeded", order=2),
        PAYMENT.format(amount="99.99", status="failed", order=3),
    ]
    return customers + orders + items + payments


async def write(engine: AsyncEngine, statements: list[str]) -> None:
    """The statements, in one transaction."""
    async with engine.begin() as connection:
        for statement in statements:
            await connection.execute(text(statement))
