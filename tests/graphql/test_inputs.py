"""`myOrders(filter:, search:)`: every filter of `FILTERS`, strict IDs and dates, search."""

from datetime import datetime

import pytest

from gateway.graphql.ids import encode_global_id
from tests.factories import UTC, add_order
from tests.graphql.conftest import data, error_codes

MY_ORDERS = """
query ($filter: OrderFilterInput, $search: String) {
  myOrders(filter: $filter, search: $search) { nodes { key } }
}
"""
LITERAL_BAD_STATUS = "query { myOrders(filter: {status: WRONG}) { nodes { key } } }"
LITERAL_BAD_DATE = 'query { myOrders(filter: {createdDate: "20240101"}) { nodes { key } } }'


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
async def orders_abc(session, customers):
    """Three orders of mine (listed newest first: B, A, C) and one of another customer's
    that matches everything."""
    a = await add_order(
        session,
        customers.me,
        key="A",
        status="new",
        payment_method_id=1,
        shipping_method_id=1,
        billing_country_id=1,
        billing_state_id=1,
        billing_city_id=1,
        created_at=at("2024-03-01T12:00:00"),
        updated_at=at("2024-03-05T08:00:00"),
        items=[(1, "10.00", 1, "0.00")],
        payments=[("10.00", "succeeded")],
    )
    b = await add_order(
        session,
        customers.me,
        key="B",
        status="cancelled",
        payment_method_id=2,
        shipping_method_id=2,
        billing_country_id=2,
        billing_state_id=2,
        billing_city_id=2,
        notes="gift wrap",
        created_at=at("2024-03-02T00:00:00"),
        updated_at=at("2024-03-02T00:00:00"),
        items=[(2, "5.00", 1, "0.00")],
    )
    c = await add_order(
        session,
        customers.me,
        key="C",
        status="processing",
        created_at=at("2024-02-29T23:59:59.999999"),
        updated_at=at("2024-02-29T23:59:59.999999"),
        items=[(3, "7.00", 1, "0.00")],
    )
    await add_order(
        session,
        customers.other,
        key="OTHER",
        status="new",
        payment_method_id=1,
        shipping_method_id=1,
        billing_country_id=1,
        billing_state_id=1,
        billing_city_id=1,
        notes="gift",
        created_at=at("2024-03-01T13:00:00"),
        updated_at=at("2024-03-05T08:00:00"),
    )
    await session.commit()
    return {"A": a, "B": b, "C": c}


async def keys(post, **variables):
    body = await post(MY_ORDERS, **variables)
    return [node["key"] for node in data(body)["myOrders"]["nodes"]]


@pytest.mark.parametrize(
    ("order_filter", "expected"),
    [
        ({}, "BAC"),
        ({"status": "NEW"}, "A"),
        ({"statusIn": ["NEW", "CANCELLED"]}, "BA"),
        ({"statusIn": []}, ""),
        ({"paymentMethod": "1"}, "A"),
        ({"paymentMethod": encode_global_id("PaymentMethod", 2)}, "B"),
        ({"paymentMethod": "999"}, ""),
        ({"paymentMethodIn": ["1", encode_global_id("PaymentMethod", 2)]}, "BA"),
        ({"paymentMethodIn": []}, ""),
        ({"shippingMethod": "2"}, "B"),
        ({"shippingMethodIn": [encode_global_id("ShippingMethod", 1), "99"]}, "A"),
        ({"billingCountry": encode_global_id("Country", 1)}, "A"),
        ({"billingCountryIn": ["2"]}, "B"),
        ({"billingState": "2"}, "B"),
        ({"billingStateIn": ["1", "2"]}, "BA"),
        ({"billingCity": "1"}, "A"),
        ({"billingCityIn": []}, ""),
        ({"billingCity": "99999999999999999999"}, ""),
        ({"isPaid": True}, "A"),
        ({"isPaid": False}, "BC"),
        ({"isPayable": True}, "C"),
        ({"isPayable": False}, "BA"),
        ({"hasNotes": True}, "B"),
        ({"hasNotes": False}, "AC"),
        ({"createdDate": "2024-03-01"}, "A"),
        ({"createdDate": "2024-02-29"}, "C"),
        ({"createdFrom": "2024-03-01"}, "BA"),
        ({"createdTo": "2024-03-01"}, "AC"),
        ({"updatedDate": "2024-03-05"}, "A"),
        ({"updatedFrom": "2024-03-02"}, "BA"),
        ({"updatedTo": "2024-03-02"}, "BC"),
        ({"createdFrom": "2024-03-01", "createdTo": "2024-03-01", "status": "NEW"}, "A"),
        ({"status": None, "statusIn": None, "paymentMethodIn": None, "createdDate": None}, "BAC"),
    ],
)
async def test_each_filter(post, orders_abc, order_filter, expected):
    assert await keys(post, filter=order_filter) == list(expected)


async def test_id_bounds(post, orders_abc):
    assert await keys(post, filter={"idMin": orders_abc["B"]}) == ["B", "C"]
    assert await keys(post, filter={"idMax": orders_abc["A"]}) == ["A"]
    assert await keys(post, filter={"idMin": orders_abc["B"], "idMax": orders_abc["B"]}) == ["B"]
    assert await keys(post, filter={"idMin": 2**31 - 1}) == []


@pytest.mark.parametrize(
    "order_filter",
    [
        {"paymentMethod": encode_global_id("ShippingMethod", 1)},
        {"billingCountryIn": ["1", encode_global_id("City", 1)]},
        {"billingState": "not-an-id"},
        {"shippingMethodIn": [""]},
        {"billingCity": encode_global_id("Order", 1)[:-1]},
    ],
)
async def test_an_id_of_another_type_or_malformed_is_bad_user_input(post, orders_abc, order_filter):
    body = await post(MY_ORDERS, filter=order_filter)

    assert body["data"] is None
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["message"].startswith("Invalid ID")


@pytest.mark.parametrize(
    "order_filter",
    [
        {"status": "WRONG"},
        {"statusIn": ["new"]},
        {"createdDate": "20240101"},
        {"createdFrom": "2024-02-30"},
        {"isPaid": "yes"},
        {"idMin": 2**40},
        {"unknown": 1},
    ],
)
async def test_bad_values_in_variables_are_bad_user_input(post, orders_abc, order_filter):
    body = await post(MY_ORDERS, filter=order_filter)

    assert "data" not in body  # a request error: nothing was executed
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["message"].startswith("Variable '$filter'")


@pytest.mark.parametrize("document", [LITERAL_BAD_STATUS, LITERAL_BAD_DATE])
async def test_bad_literals_in_the_document_fail_validation(post, orders_abc, document):
    body = await post(document)

    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("gift", "B"),
        ("GIFT WRAP", "B"),
        ('"gift wrap"', "B"),
        ('"wrap gift"', ""),
        ("türk", "A"),
        ("KADIKÖY", "A"),
        ("reykjavík,gift", "B"),
        ("", "BAC"),
        ("   ", "BAC"),
        ("100%", ""),
    ],
)
async def test_search(post, orders_abc, search, expected):
    assert await keys(post, search=search) == list(expected)
