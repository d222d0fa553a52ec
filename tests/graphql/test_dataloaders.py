"""Nested objects are batched: statements per request do not grow with the page size."""

from datetime import timedelta

import pytest

from tests.factories import T0, add_order
from tests.graphql.conftest import data
from tests.sql_counter import count_statements

EVERYTHING = """
query ($first: Int) {
  me { id email }
  myOrders(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node {
        id key total
        customer { id email }
        paymentMethod { id name }
        shippingMethod { id name }
        billingCountry { id name }
        billingState { id name country { id code } }
        billingCity { id name state { id name country { name } } }
        items { productId total }
        payments { amount status }
      }
    }
  }
}
"""

STATE_COUNTRIES = """
query { myOrders { nodes { billingCountry { code } billingState { country { code } } } } }
"""


@pytest.fixture
async def hundred_orders(session, customers):
    for n in range(101):
        place = n % 3 or None
        await add_order(
            session, customers.me, created_at=T0 + timedelta(hours=n),
            payment_method_id=n % 2 + 1, shipping_method_id=(n % 2) or None,
            billing_country_id=place, billing_state_id=place, billing_city_id=place,
            items=[(n, "1.00", 2, "0.00"), (n + 1, "3.00", 1, "0.50")],
            payments=[("1.00", "succeeded"), ("2.00", "failed")],
        )  # fmt: skip
    await session.commit()


async def test_statements_per_request_do_not_grow_with_the_page_size(post, hundred_orders):
    counts = {}
    for first in (1, 20, 100):
        with count_statements() as log:
            body = await post(EVERYTHING, first=first)
        assert len(data(body)["myOrders"]["edges"]) == first
        counts[first] = log.count

    # token, page, count, items, payments: the page row brings every reference object
    assert counts == {1: 5, 20: 5, 100: 5}


async def test_nested_objects_are_right_for_every_order(post, hundred_orders):
    edges = data(await post(EVERYTHING, first=100))["myOrders"]["edges"]

    for edge in edges:
        node = edge["node"]
        assert node["customer"]["email"] == "me@example.com"
        assert [item["total"] for item in node["items"]] == ["2.00", "2.50"]
        assert node["payments"] == [
            {"amount": "1.00", "status": "SUCCEEDED"},
            {"amount": "2.00", "status": "FAILED"},
        ]
        city = node["billingCity"]
        if city is not None:
            assert city["state"]["name"] == node["billingState"]["name"]
            assert city["state"]["country"]["name"] == node["billingCountry"]["name"]


async def test_a_state_in_another_country_is_loaded_in_one_batch(post, session, customers):
    # order billed to state 2 (Ísland) but country 1: the state's country is not on the row
    for _ in range(3):
        await add_order(session, customers.me, billing_country_id=1, billing_state_id=2)
    await session.commit()
    with count_statements() as log:
        nodes = data(await post(STATE_COUNTRIES))["myOrders"]["nodes"]

    assert (
        nodes
        == [{"billingCountry": {"code": "TR"}, "billingState": {"country": {"code": "IS"}}}] * 3
    )
    assert len(log.matching("SELECT shop_country.id")) == 1
