"""Small builders for test data: a few lines per test, explicit values, sensible defaults."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.db.models import (
    ApiToken,
    City,
    Country,
    Customer,
    Order,
    OrderItem,
    Payment,
    PaymentMethod,
    ShippingMethod,
    State,
)

_counter = itertools.count(1)
T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


async def add_references(session: AsyncSession) -> None:
    """Two of each reference row: ids 1 and 2 (Türkiye/İstanbul/Kadıköy, Ísland/…)."""
    session.add_all(
        [
            Country(id=1, name="Türkiye", code="TR"),
            Country(id=2, name="Ísland", code="IS"),
            State(id=1, name="İstanbul", country_id=1),
            State(id=2, name="Höfuðborgarsvæðið", country_id=2),
            City(id=1, name="Kadıköy", state_id=1),
            City(id=2, name="Reykjavík", state_id=2),
            PaymentMethod(id=1, name="Credit card", code="card", is_active=True),
            PaymentMethod(id=2, name="Bank transfer", code="bank", is_active=False),
            ShippingMethod(id=1, name="Express", code="express", is_active=True),
            ShippingMethod(id=2, name="Standard", code="standard", is_active=True),
        ]
    )
    await session.flush()


async def add_customer(
    session: AsyncSession, *, token: str | None = None, is_active: bool = True, **fields: Any
) -> int:
    """A customer (and optionally a token for it); returns its id."""
    n = next(_counter)
    values: dict[str, Any] = {
        "first_name": "Ayşe",
        "last_name": "Yılmaz",
        "email": f"customer{n}@example.com",
        "mobile_number": "+90 555 000 00 00",
        "is_active": is_active,
        "date_joined": T0,
    }
    values.update(fields)
    customer = Customer(**values)
    session.add(customer)
    await session.flush()
    if token is not None:
        session.add(ApiToken(key=token, customer_id=customer.id, created_at=T0))
        await session.flush()
    return customer.id


async def add_order(
    session: AsyncSession,
    customer_id: int,
    *,
    items: list[tuple[int, str, int, str]] = (),  # type: ignore[assignment]
    payments: list[tuple[str, str]] = (),  # type: ignore[assignment]
    **fields: Any,
) -> int:
    """An order with items `(product_id, unit_price, quantity, discount)` and payments
    `(amount, status)`; returns its id."""
    n = next(_counter)
    values: dict[str, Any] = {
        "key": f"key-{n:08d}",
        "customer_id": customer_id,
        "status": "new",
        "shipping_cost": Decimal("0.00"),
        "discount": Decimal("0.00"),
        "notes": "",
        "billing_address": "1 Main St",
        "billing_postal_code": "34000",
        "billing_national_code": "1234567890",
        "billing_mobile_number": "+90 555 111 22 33",
        "billing_first_name": "Ayşe",
        "billing_last_name": "Yılmaz",
        "created_at": T0,
        "updated_at": T0,
    }
    values.update(fields)
    for money in ("shipping_cost", "discount"):
        values[money] = Decimal(values[money])
    order = Order(**values)
    session.add(order)
    await session.flush()
    for product_id, price, quantity, discount in items:
        session.add(
            OrderItem(
                order_id=order.id,
                product_id=product_id,
                product_name=f"Product {product_id}",
                unit_price=Decimal(price),
                quantity=quantity,
                discount=Decimal(discount),
            )
        )
    for amount, status in payments:
        session.add(Payment(order_id=order.id, amount=Decimal(amount), status=status,
                            created_at=values["created_at"]))  # fmt: skip
    await session.flush()
    return order.id
