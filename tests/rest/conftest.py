"""Data for the legacy endpoint's tests: a customer with a token and three orders that every
filter tells apart, plus another customer's order that must never show."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.db.models import Order
from tests.factories import add_customer, add_order, add_references

ORDERS = "/api/shop/customers/me/orders"
TOKEN = "a" * 40
AUTH = {"Authorization": f"Token {TOKEN}"}

# Ids of the three orders of `three_orders`; default ordering (-created_at) lists them 3, 2, 1.
NEW_UNPAID, COMPLETED_PAID, CANCELLED_UNPAID = 1, 2, 3
ALL = [CANCELLED_UNPAID, COMPLETED_PAID, NEW_UNPAID]


async def get(client: httpx.AsyncClient, query: str = "", **headers: str) -> httpx.Response:
    """GET the endpoint with `query` (already encoded) as the token's customer."""
    return await client.get(f"{ORDERS}?{query}" if query else ORDERS, headers={**AUTH, **headers})


def ids(response: httpx.Response) -> list[int]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["results"]]


@pytest.fixture
async def three_orders(session: AsyncSession) -> dict[str, Any]:
    """References 1 and 2 of every table; order 1 new and unpaid (all references 1, no
    notes), order 2 completed and paid (references 2, notes), order 3 cancelled and unpaid
    (no references, notes); order 4 belongs to someone else and matches everything."""
    await add_references(session)
    me = await add_customer(session, token=TOKEN)
    other = await add_customer(session, token="b" * 40)
    await add_order(
        session,
        me,
        id=NEW_UNPAID,
        key="k-new",
        status="new",
        payment_method_id=1,
        shipping_method_id=1,
        billing_country_id=1,
        billing_state_id=1,
        billing_city_id=1,
        items=[(1, "10.00", 1, "0.00")],
        created_at=datetime(2024, 3, 1, 12, 0, tzinfo=UTC),
        updated_at=datetime(2024, 3, 1, 12, 0, tzinfo=UTC),
    )
    await add_order(
        session,
        me,
        id=COMPLETED_PAID,
        key="k-completed",
        status="completed",
        notes="gift",
        payment_method_id=2,
        shipping_method_id=2,
        billing_country_id=2,
        billing_state_id=2,
        billing_city_id=2,
        items=[(2, "5.00", 2, "0.00")],
        payments=[("10.00", "succeeded")],
        created_at=datetime(2024, 4, 6, 23, 30, tzinfo=UTC),
        updated_at=datetime(2024, 4, 7, 8, 0, tzinfo=UTC),
    )
    await add_order(
        session,
        me,
        id=CANCELLED_UNPAID,
        key="k-cancelled",
        status="cancelled",
        notes="x",
        items=[(3, "1.00", 1, "0.00")],
        created_at=datetime(2025, 6, 4, 0, 0, tzinfo=UTC),
        updated_at=datetime(2025, 6, 4, 0, 0, tzinfo=UTC),
    )
    await add_order(
        session, other, id=4, key="k-other", status="new", notes="gift",
        payment_method_id=1, billing_country_id=1,
        created_at=datetime(2024, 4, 6, 10, 0, tzinfo=UTC),
        updated_at=datetime(2024, 4, 6, 10, 0, tzinfo=UTC),
    )  # fmt: skip
    await session.commit()
    return {"me": me, "other": other}


async def add_many_orders(session: AsyncSession, count: int) -> int:
    """A customer with the token and `count` plain `hold` orders (one INSERT); returns its id."""
    me = await add_customer(session, token=TOKEN)
    when = datetime(2024, 1, 1, tzinfo=UTC)
    rows = [
        {
            "key": f"bulk-{n:05d}", "customer_id": me, "status": "hold", "shipping_cost": 0,
            "discount": 0, "notes": "", "billing_address": "", "billing_postal_code": "",
            "billing_national_code": "", "billing_mobile_number": "", "billing_first_name": "",
            "billing_last_name": "", "created_at": when, "updated_at": when,
        }
        for n in range(count)
    ]  # fmt: skip
    await session.execute(insert(Order), rows)
    await session.commit()
    return me
