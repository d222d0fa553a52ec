"""`order_sums`, the set-based statement of every stored total, against the oracle."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.db.models import Order
from gateway.db.stored import order_sums
from tests import oracle
from tests.factories import OrderRow, Shop, delete_everything, insert_shop
from tests.strategies import shops

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def cents(value: Decimal) -> int:
    return int(value * 100)


def expected_row(order: OrderRow) -> tuple[int, ...]:
    totals = oracle.Totals.of(order)
    return (
        order.id,
        order.customer_id,
        totals.count,
        totals.quantity,
        cents(totals.items_subtotal),
        cents(totals.items_discount),
        cents(totals.amount_paid),
        cents(totals.total),
        cents(totals.amount_outstanding),
    )


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(shop=shops())
async def test_order_sums_are_the_computed_fields_of_every_order(
    sessions: async_sessionmaker[AsyncSession], shop: Shop
) -> None:
    # given a random shop
    async with sessions() as session:
        await delete_everything(session)
        await insert_shop(session, shop)

        # when every order's sums are read, and one customer's alone
        everyone = (await session.execute(order_sums())).all()
        customer = shop.customer_ids[0]
        scoped = (await session.execute(order_sums(Order.customer_id == customer))).all()

    # then each row is the oracle's totals in cents, and the scope keeps only its orders
    assert sorted(tuple(row) for row in everyone) == sorted(map(expected_row, shop.orders))
    assert sorted(tuple(row) for row in scoped) == sorted(
        expected_row(order) for order in shop.orders if order.customer_id == customer
    )
