"""A whole page byte for byte, and the statements one request costs."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.app_client import Served
from tests.factories import add_customer, add_order, add_references
from tests.rest.conftest import TOKEN, add_many_orders, get
from tests.sql_counter import count_statements

GOLDEN = (
    '{"count":2,"next":null,"previous":null,"results":['
    '{"id":7,"key":"ORD-ß-7","status":"processing",'
    '"customer":{"id":1,"first_name":"Zoë","last_name":"Ωmega","email":"zoe@example.com",'
    '"mobile_number":"+30 210 000 0000"},'
    '"payment_method":{"id":1,"name":"Credit card","code":"card"},'
    '"shipping_method":{"id":2,"name":"Standard","code":"standard"},'
    '"shipping_cost":"4.90",'
    r'"notes":"Zahlung \"schnell\" \\ danke\u2028🙂",'
    '"created_at":"2023-01-04T13:09:51.484601Z","updated_at":"2023-01-18T04:23:04Z",'
    '"billing_country":{"id":1,"name":"Türkiye","code":"TR"},'
    '"billing_state":{"id":1,"name":"İstanbul"},"billing_city":{"id":1,"name":"Kadıköy"},'
    '"billing_address":"Moda Cd. 1","billing_postal_code":"34710",'
    '"billing_national_code":"12345678901","billing_mobile_number":"+90 555 111 22 33",'
    '"billing_first_name":"Zoë","billing_last_name":"Παπαδόπουλος",'
    '"count":2,"quantity":4,"items_subtotal":"25.60","items_discount":"1.00",'
    '"subtotal":"24.60","total_discount":"3.00","total":"27.50","amount_paid":"10.00",'
    '"amount_outstanding":"17.50","is_paid":false,"is_payable":true},'
    '{"id":3,"key":"ORD-3","status":"cancelled",'
    '"customer":{"id":1,"first_name":"Zoë","last_name":"Ωmega","email":"zoe@example.com",'
    '"mobile_number":"+30 210 000 0000"},'
    '"payment_method":null,"shipping_method":null,"shipping_cost":"0.00","notes":"",'
    '"created_at":"2022-12-01T00:00:00Z","updated_at":"2022-12-01T00:00:00Z",'
    '"billing_country":null,"billing_state":null,"billing_city":null,'
    '"billing_address":"","billing_postal_code":"","billing_national_code":"",'
    '"billing_mobile_number":"","billing_first_name":"","billing_last_name":"",'
    '"count":1,"quantity":1,"items_subtotal":"1.00","items_discount":"2.13",'
    '"subtotal":"-1.13","total_discount":"3.13","total":"0.00","amount_paid":"0.00",'
    '"amount_outstanding":"0.00","is_paid":true,"is_payable":false}]}'
).encode()


async def test_golden_page(client: httpx.AsyncClient, session: AsyncSession) -> None:
    # given an order with every field set and one with no references and negative subtotal
    await add_references(session)
    me = await add_customer(
        session, token=TOKEN, id=1, first_name="Zoë", last_name="Ωmega",
        email="zoe@example.com", mobile_number="+30 210 000 0000",
    )  # fmt: skip
    await add_order(
        session,
        me,
        id=7,
        key="ORD-ß-7",
        status="processing",
        payment_method_id=1,
        shipping_method_id=2,
        shipping_cost="4.90",
        discount="2.00",
        notes='Zahlung "schnell" \\ danke\u2028🙂',
        created_at=datetime(2023, 1, 4, 13, 9, 51, 484601, tzinfo=UTC),
        updated_at=datetime(2023, 1, 18, 4, 23, 4, tzinfo=UTC),
        billing_country_id=1,
        billing_state_id=1,
        billing_city_id=1,
        billing_address="Moda Cd. 1",
        billing_postal_code="34710",
        billing_national_code="12345678901",
        billing_mobile_number="+90 555 111 22 33",
        billing_first_name="Zoë",
        billing_last_name="Παπαδόπουλος",
        items=[(1, "10.25", 2, "1.00"), (2, "5.00", 1, "0.00"), (1, "0.10", 1, "0.00")],
        payments=[("10.00", "succeeded"), ("5.00", "failed")],
    )
    await add_order(
        session, me, id=3, key="ORD-3", status="cancelled", discount="1.00",
        created_at=datetime(2022, 12, 1, tzinfo=UTC),
        updated_at=datetime(2022, 12, 1, tzinfo=UTC),
        billing_address="", billing_postal_code="", billing_national_code="",
        billing_mobile_number="", billing_first_name="", billing_last_name="",
        items=[(3, "1.00", 1, "2.13")],
    )  # fmt: skip
    await session.commit()
    # when the customer lists their orders
    response = await get(client)
    # then the body is the original's, byte for byte
    assert response.status_code == 200
    assert response.content == GOLDEN


@pytest.mark.parametrize("limit", [1, 10, 100])
async def test_statements_per_request_do_not_grow_with_the_page(
    served: Served, session: AsyncSession, limit: int
) -> None:
    # given 120 orders (the page statement computes every order's sums in SQL)
    app, client = served.app, served.client
    await add_many_orders(session, 120)
    await get(client, "limit=1")  # the first connection's set-up is not the request's
    # when one page is read
    with count_statements(app.state.database.engine) as log:
        response = await get(client, f"limit={limit}&search=bulk&is_paid=true")
    statements = log.statements
    # then authentication, and the page with its count: two statements, whatever the size
    assert len(response.json()["results"]) == limit
    assert len(statements) == 2
    assert [s.split()[0] for s in statements] == ["SELECT", "SELECT"]
    assert "shop_apitoken" in statements[0]
    assert "count(" in statements[1]


async def test_single_id_filters_cost_one_lookup_each(
    served: Served, session: AsyncSession
) -> None:
    app, client = served.app, served.client
    await add_references(session)
    await add_many_orders(session, 3)
    await get(client, "limit=1")
    with count_statements(app.state.database.engine) as log:
        response = await get(client, "payment_method=1&billing_city=2")
    statements = log.statements
    assert response.json()["count"] == 0
    assert len(statements) == 5  # auth, a lookup per id filter, the (empty) page, its count
