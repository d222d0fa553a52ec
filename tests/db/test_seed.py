"""The demo data holds every case the issue asks for, on both backends."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from sqlalchemy import false, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from gateway.db.models import (
    ORDER_STATUSES,
    PAYMENT_STATUSES,
    ApiToken,
    City,
    Customer,
    Order,
    Payment,
)
from gateway.db.seed import SeedOptions, seed_database
from gateway.errors import BadUserInput
from gateway.orders import OrderQuery, OrderRecord, Window, fetch_orders

OPTIONS = SeedOptions(orders=600, customers=8, seed=3)


@pytest.fixture
async def seeded(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> list[OrderRecord]:
    """A seeded database; every order read through the order-query core."""
    summary = await seed_database(engine, OPTIONS)
    assert (summary.customers, summary.orders) == (8, 600)
    records = []
    async with sessions() as session:
        for customer in range(1, OPTIONS.customers + 1):
            query = OrderQuery(customer_id=customer)
            records += await fetch_orders(session, query, Window(limit=OPTIONS.orders))
    assert len(records) == 600
    return records


async def test_every_status_and_payment_case_appears(seeded, session):
    payment_statuses = set((await session.scalars(select(Payment.status).distinct())).all())

    assert {r.status for r in seeded} == set(ORDER_STATUSES)
    assert payment_statuses == set(PAYMENT_STATUSES)
    totals = [r.totals for r in seeded]
    cases = Counter(
        "zero-total" if t.total == 0 else
        "over-paid" if t.amount_paid > t.total else
        "paid" if t.is_paid else
        "partly paid" if t.amount_paid > 0 else
        "unpaid"
        for t in totals
    )  # fmt: skip
    assert set(cases) == {"zero-total", "over-paid", "paid", "partly paid", "unpaid"}
    assert min(cases.values()) >= 5
    assert any(t.is_payable for t in totals)
    assert any(not t.is_paid and not t.is_payable for t in totals)  # e.g. cancelled unpaid
    # an order discount beyond its items: the total is clamped to zero, not negative
    assert any(r.discount > r.totals.subtotal + r.shipping_cost for r in seeded)
    assert any(r.totals.count == 0 for r in seeded)  # orders without items


async def test_references_may_be_missing(seeded):
    assert any(r.payment_method is None for r in seeded)
    assert any(r.shipping_method is None for r in seeded)
    assert any(r.billing_country is None and r.billing_state is None for r in seeded)
    assert any(r.billing_country is not None and r.billing_city is None for r in seeded)
    assert all(r.billing_country is not None for r in seeded if r.billing_city is not None)


async def test_timestamps_spread_over_years_with_ties(seeded):
    created = [r.created_at for r in seeded]

    assert {c.year for c in created} >= {2019, 2020, 2021, 2022, 2023, 2024, 2025}
    assert max(Counter(created).values()) >= 2  # ties on the default ordering key
    assert any(c.microsecond == 0 for c in created)
    assert any(c.microsecond != 0 for c in created)
    assert all(r.updated_at >= r.created_at for r in seeded)


async def test_text_is_non_ascii_and_notes_are_odd(seeded, session):
    names = (await session.scalars(select(Customer.last_name))).all()
    cities = (await session.scalars(select(City.name))).all()
    notes = {r.notes for r in seeded}

    assert any(not name.isascii() for name in names)
    assert "Θεσσαλονίκη" in cities
    assert "" in notes
    assert any("%" in n for n in notes)
    assert any("_" in n for n in notes)
    assert any("\\" in n for n in notes)
    assert any("\n" in n for n in notes)


async def test_an_inactive_customer_holds_a_token(seeded, session):
    inactive = select(ApiToken.key).join(Customer).where(Customer.is_active.is_(false()))

    assert len((await session.scalars(inactive)).all()) == 1


async def test_the_demo_customer_holds_its_share(seeded, session):
    counts = select(Order.customer_id, func.count()).group_by(Order.customer_id)
    per_customer = {customer: count for customer, count in await session.execute(counts)}

    assert per_customer[1] == 300
    assert sum(per_customer.values()) == 600
    assert set(per_customer) == set(range(1, 9))
    # The default demo database gives customer 1 thousands of orders.
    assert SeedOptions().demo_order_count == 2500


async def test_money_is_to_the_cent(seeded):
    amounts = [r.totals.total for r in seeded] + [r.shipping_cost for r in seeded]

    assert all(a == a.quantize(Decimal("0.01")) and a.as_tuple().exponent == -2 for a in amounts)


async def test_seed_refuses_too_few_customers(engine):
    with pytest.raises(BadUserInput, match="at least 2 customers"):
        await seed_database(engine, SeedOptions(customers=1))
