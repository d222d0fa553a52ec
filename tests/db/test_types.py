"""Column types: money exact to the cent and timestamps in Django's format, on both backends."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from gateway.db.models import Customer, OrderItem
from gateway.db.types import to_money
from gateway.orders import OrderQuery, Window, fetch_orders
from tests.conftest import SQLITE_ONLY
from tests.factories import add_customer, add_order

# Values whose binary floats are not what they say: they drift when stored or summed as floats.
DRIFTING = ["0.10", "0.20", "0.30", "1234567890.12", "9999999999.99", "-0.01", "-1234567890.12",
            "2.67", "0.07", "1.01"]  # fmt: skip


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (0.1 + 0.2, "0.30"),
        (25.5, "25.50"),
        (1234567890.12, "1234567890.12"),
        (-0.01, "-0.01"),
        (3, "3.00"),
        ("25.50", "25.50"),
        (Decimal("7"), "7.00"),
    ],
)
def test_to_money_turns_driver_values_into_cents(given, expected):
    assert str(to_money(given)) == expected


async def test_money_round_trips_exactly(session):
    # Given an order with one item per drifting price (discount and price alike)
    customer = await add_customer(session)
    order = await add_order(
        session, customer, items=[(n, price, 1, price) for n, price in enumerate(DRIFTING)]
    )
    await session.commit()
    session.expunge_all()

    # When the prices are read back
    rows = await session.execute(
        select(OrderItem.unit_price, OrderItem.discount)
        .where(OrderItem.order_id == order)
        .order_by(OrderItem.id)
    )

    # Then each is the exact Decimal it was, to the cent
    assert [(str(price), str(discount)) for price, discount in rows] == [
        (value, value) for value in DRIFTING
    ]


async def test_sums_over_many_rows_are_exact(session, backend):
    # Given 1,000 items of 0.10 and 300 random prices
    rng = random.Random(7)
    prices = ["0.10"] * 1000 + [f"{rng.randint(1, 10**8) / 100:.2f}" for _ in range(300)]
    customer = await add_customer(session)
    await add_order(
        session,
        customer,
        items=[(n, price, 1 + n % 3, "0.01") for n, price in enumerate(prices)],
        payments=[("0.10", "succeeded")] * 1000,
    )
    await session.commit()

    # When the core computes the order's totals
    (record,) = await fetch_orders(session, OrderQuery(customer_id=customer), Window(limit=1))

    # Then the sums are exact, although a float sum of the same column is not (on SQLite)
    expected = sum(Decimal(p) * (1 + n % 3) for n, p in enumerate(prices))
    assert record.totals.items_subtotal == expected
    assert record.totals.items_discount == Decimal("13.00")
    assert record.totals.amount_paid == Decimal("100.00")
    assert record.totals.total == expected - Decimal("13.00")
    raw = await session.connection()
    plain_sum = (await raw.exec_driver_sql("SELECT sum(amount) FROM shop_payment")).scalar_one()
    if backend == "sqlite":
        assert plain_sum != 100.0  # 1,000 x 0.1 as floats: the drift the cents sums avoid
    else:
        assert plain_sum == Decimal("100.00")


@SQLITE_ONLY
async def test_sqlite_writes_timestamps_as_django_does(session):
    # Given customers joined at whole seconds, with microseconds and in another zone
    plus_three = timezone(timedelta(hours=3))
    for email, joined in [
        ("a@example.com", datetime(2024, 3, 1, 12, 0, tzinfo=UTC)),
        ("b@example.com", datetime(2024, 3, 1, 12, 0, 0, 1, tzinfo=UTC)),
        ("c@example.com", datetime(2024, 3, 1, 15, 30, 0, 250000, tzinfo=plus_three)),
    ]:
        await add_customer(session, email=email, date_joined=joined)
    await session.commit()

    # When the stored text is read raw
    raw = await session.connection()
    stored = (
        await raw.exec_driver_sql(
            "SELECT date_joined, typeof(date_joined), is_active FROM shop_customer ORDER BY id"
        )
    ).all()

    # Then it is UTC text without a zone, the fraction only when there is one; bools are 0/1
    assert stored == [
        ("2024-03-01 12:00:00", "text", 1),
        ("2024-03-01 12:00:00.000001", "text", 1),
        ("2024-03-01 12:30:00.250000", "text", 1),
    ]


async def test_timestamps_read_back_aware_in_utc(session):
    # Given a customer who joined at 15:30 in UTC+3
    joined = datetime(2024, 3, 1, 15, 30, 0, 250000, tzinfo=timezone(timedelta(hours=3)))
    customer_id = await add_customer(session, date_joined=joined)
    await session.commit()
    session.expunge_all()

    # When read back
    customer = await session.get(Customer, customer_id)

    # Then it is the same instant, in UTC
    assert customer is not None
    assert customer.date_joined == datetime(2024, 3, 1, 12, 30, 0, 250000, tzinfo=UTC)
    assert customer.date_joined.tzinfo is UTC


async def test_naive_datetimes_are_refused(session):
    # Given a customer whose join time has no zone
    session.add(
        Customer(
            first_name="A",
            last_name="B",
            email="naive@example.com",
            mobile_number="",
            is_active=True,
            date_joined=datetime(2024, 3, 1, 12, 0),
        )
    )

    # When it is written, then it is refused rather than guessed
    with pytest.raises(StatementError, match="naive datetimes are ambiguous"):
        await session.flush()
