"""Small builders for test data: a few lines per test, explicit values, sensible defaults."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.db import stored
from gateway.db.models import (
    ApiToken,
    Base,
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


# A whole generated shop (tests/strategies.py draws these; tests/oracle.py evaluates them).
# Rows carry explicit ids so the oracle knows them before they are inserted.


@dataclass(frozen=True, slots=True)
class ReferenceRow:
    """A country, state, city, payment or shipping method. `parent_id` is a state's country
    or a city's state."""

    id: int
    name: str
    parent_id: int | None = None


@dataclass(frozen=True, slots=True)
class ItemRow:
    product_id: int
    unit_price: Decimal
    quantity: int
    discount: Decimal


@dataclass(frozen=True, slots=True)
class PaymentRow:
    amount: Decimal
    status: str


@dataclass(frozen=True, slots=True)
class OrderRow:
    """An order's columns that queries read, with its items and payments."""

    id: int
    key: str
    customer_id: int
    status: str
    payment_method_id: int | None
    shipping_method_id: int | None
    billing_country_id: int | None
    billing_state_id: int | None
    billing_city_id: int | None
    shipping_cost: Decimal
    discount: Decimal
    notes: str
    billing_first_name: str
    billing_last_name: str
    billing_mobile_number: str
    created_at: datetime
    updated_at: datetime
    items: tuple[ItemRow, ...] = ()
    payments: tuple[PaymentRow, ...] = ()


@dataclass(frozen=True, slots=True)
class Shop:
    customer_ids: tuple[int, ...]
    countries: tuple[ReferenceRow, ...]
    states: tuple[ReferenceRow, ...]
    cities: tuple[ReferenceRow, ...]
    payment_methods: tuple[ReferenceRow, ...]
    shipping_methods: tuple[ReferenceRow, ...]
    orders: tuple[OrderRow, ...]


def _method_rows(rows: tuple[ReferenceRow, ...], prefix: str) -> list[dict[str, Any]]:
    return [
        {"id": r.id, "name": r.name, "code": f"{prefix}{r.id}", "is_active": True} for r in rows
    ]


async def insert_shop(
    session: AsyncSession, shop: Shop, tokens: dict[int, str] | None = None
) -> None:
    """Insert every row of a generated shop, and an API token per `tokens` (customer -> key)."""
    rows: list[tuple[type[Any], list[dict[str, Any]]]] = [
        (Country, [{"id": r.id, "name": r.name, "code": f"C{r.id}"} for r in shop.countries]),
        (State, [{"id": r.id, "name": r.name, "country_id": r.parent_id} for r in shop.states]),
        (City, [{"id": r.id, "name": r.name, "state_id": r.parent_id} for r in shop.cities]),
        (PaymentMethod, _method_rows(shop.payment_methods, "pay")),
        (ShippingMethod, _method_rows(shop.shipping_methods, "ship")),
        (Customer, [
            {"id": c, "first_name": "Ayşe", "last_name": "Yılmaz", "email": f"c{c}@example.com",
             "mobile_number": "+90 555 000 00 00", "is_active": True, "date_joined": T0}
            for c in shop.customer_ids
        ]),
        (ApiToken, [
            {"key": key, "customer_id": c, "created_at": T0} for c, key in (tokens or {}).items()
        ]),
        (Order, [
            {"id": o.id, "key": o.key, "customer_id": o.customer_id, "status": o.status,
             "payment_method_id": o.payment_method_id, "shipping_method_id": o.shipping_method_id,
             "billing_country_id": o.billing_country_id, "billing_state_id": o.billing_state_id,
             "billing_city_id": o.billing_city_id, "shipping_cost": o.shipping_cost,
             "discount": o.discount, "notes": o.notes, "billing_address": "1 Main St",
             "billing_postal_code": "34000", "billing_national_code": "1234567890",
             "billing_mobile_number": o.billing_mobile_number,
             "billing_first_name": o.billing_first_name, "billing_last_name": o.billing_last_name,
             "created_at": o.created_at, "updated_at": o.updated_at}
            for o in shop.orders
        ]),
        (OrderItem, [
            {"order_id": o.id, "product_id": i.product_id,
             "product_name": f"Product {i.product_id}", "unit_price": i.unit_price,
             "quantity": i.quantity, "discount": i.discount}
            for o in shop.orders for i in o.items
        ]),
        (Payment, [
            {"order_id": o.id, "amount": p.amount, "status": p.status, "created_at": o.created_at}
            for o in shop.orders for p in o.payments
        ]),
    ]  # fmt: skip
    for model, values in rows:
        if values:
            await session.execute(insert(model), values)
    await session.commit()


async def delete_everything(session: AsyncSession) -> None:
    """Empty every table (children first), so one test can insert several shops in turn."""
    for table in reversed(Base.metadata.sorted_tables):
        await session.execute(delete(table))
    await session.commit()


async def fill_stored_totals(session: AsyncSession) -> None:
    """Create `gw_order_totals` if absent and fill it from the legacy tables, as its
    installer's back-fill does (`order_sums`); commits."""
    table = stored.order_totals
    await (await session.connection()).run_sync(stored.metadata.create_all)
    await session.execute(delete(table))
    columns = [column.name for column in table.columns]
    await session.execute(insert(table).from_select(columns, stored.order_sums()))
    await session.commit()
