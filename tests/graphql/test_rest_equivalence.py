"""`myOrders` and the REST endpoint list the same orders in the same order with equal field
values, for a table of filter / search / ordering combinations on the seeded demo data."""

from typing import Any

import pytest

from gateway.db.seed import SeedOptions, seed_database
from gateway.db.tokens import list_tokens
from gateway.orders import split_search_terms
from gateway.orders.search import has_trigram
from tests.app_client import Served
from tests.graphql.conftest import data
from tests.sql_counter import count_statements

REST_PATH = "/api/shop/customers/me/orders"
MY_ORDERS = """
query ($filter: OrderFilterInput, $search: String, $orderBy: [OrderOrderByInput!]) {
  myOrders(filter: $filter, search: $search, orderBy: $orderBy, first: 100) {
    totalCount
    nodes {
      databaseId key status shippingCost notes createdAt updatedAt
      customer { databaseId firstName lastName email mobileNumber }
      paymentMethod { databaseId name code }
      shippingMethod { databaseId name code }
      billingCountry { databaseId name code }
      billingState { databaseId name }
      billingCity { databaseId name }
      billingAddress billingPostalCode billingNationalCode billingMobileNumber
      billingFirstName billingLastName
      count quantity itemsSubtotal itemsDiscount subtotal totalDiscount total
      amountPaid amountOutstanding isPaid isPayable
    }
  }
}
"""


def by(*keys: str) -> list[dict[str, str]]:
    return [
        {"field": key.lstrip("-"), "direction": "DESC" if key.startswith("-") else "ASC"}
        for key in keys
    ]


# (REST query string parameters, GraphQL variables)
COMBINATIONS: list[tuple[dict[str, str], dict[str, Any]]] = [
    ({}, {}),
    ({"ordering": "status"}, {"orderBy": by("STATUS")}),
    ({"ordering": "-billing_city__name,shipping_cost"},
     {"orderBy": by("-BILLING_CITY_NAME", "SHIPPING_COST")}),
    ({"ordering": "billing_country__name,-updated_at"},
     {"orderBy": by("BILLING_COUNTRY_NAME", "-UPDATED_AT")}),
    ({"ordering": "-payment_method__name,shipping_method__name"},
     {"orderBy": by("-PAYMENT_METHOD_NAME", "SHIPPING_METHOD_NAME")}),
    ({"ordering": "billing_state__name,id"}, {"orderBy": by("BILLING_STATE_NAME", "ID")}),
    ({"ordering": "created_at"}, {"orderBy": by("CREATED_AT")}),
    ({"status": "new"}, {"filter": {"status": "NEW"}}),
    ({"status_in": "new,hold,shipped"}, {"filter": {"statusIn": ["NEW", "HOLD", "SHIPPED"]}}),
    ({"payment_method_in": "1,2"}, {"filter": {"paymentMethodIn": ["1", "2"]}}),
    ({"shipping_method": "2"}, {"filter": {"shippingMethod": "2"}}),
    ({"billing_country": "1", "ordering": "updated_at"},
     {"filter": {"billingCountry": "1"}, "orderBy": by("UPDATED_AT")}),
    ({"billing_city_in": "1,3,5"}, {"filter": {"billingCityIn": ["1", "3", "5"]}}),
    ({"is_paid": "true"}, {"filter": {"isPaid": True}}),
    ({"is_paid": "false", "is_payable": "false"},
     {"filter": {"isPaid": False, "isPayable": False}}),
    ({"has_notes": "true"}, {"filter": {"hasNotes": True}}),
    ({"id_min": "20", "id_max": "150", "ordering": "-shipping_cost"},
     {"filter": {"idMin": 20, "idMax": 150}, "orderBy": by("-SHIPPING_COST")}),
    ({"created_from": "2021-01-01", "created_to": "2023-06-30"},
     {"filter": {"createdFrom": "2021-01-01", "createdTo": "2023-06-30"}}),
    ({"search": "a"}, {"search": "a"}),
    ({"search": "ísland"}, {"search": "ísland"}),
    ({"search": '"new york" 1'}, {"search": '"new york" 1'}),
    ({"search": "%"}, {"search": "%"}),
    ({"search": "york ala"}, {"search": "york ala"}),
    ({"search": "ı", "ordering": "-billing_last_name,id"},  # unknown REST key is dropped
     {"search": "ı", "orderBy": by("ID")}),
]  # fmt: skip


@pytest.fixture
async def demo(engine, session):
    """The demo data of `gateway seed` (deterministic), and the demo customer's token."""
    await seed_database(engine, SeedOptions(orders=400, customers=4))
    tokens = [t for t in await list_tokens(session) if t.customer_id == 1]
    return tokens[0].key


def as_rest(node: dict[str, Any]) -> dict[str, Any]:
    """A GraphQL order in the REST item's shape (snake_case names, ids, lower-case status)."""

    def reference(value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is None:
            return None
        return {("id" if k == "databaseId" else k): v for k, v in value.items()}

    renamed = {}
    for name, value in node.items():
        snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in name)
        renamed[snake] = value
    renamed["id"] = renamed.pop("database_id")
    renamed["status"] = node["status"].lower()
    for name in (
        "customer",
        "payment_method",
        "shipping_method",
        "billing_country",
        "billing_state",
        "billing_city",
    ):
        renamed[name] = reference(renamed[name])
    customer = renamed["customer"]
    renamed["customer"] = {
        "id": customer["id"],
        "first_name": customer["firstName"],
        "last_name": customer["lastName"],
        "email": customer["email"],
        "mobile_number": customer["mobileNumber"],
    }
    return renamed


@pytest.mark.parametrize(("rest", "graphql"), COMBINATIONS)
async def test_graphql_and_rest_list_the_same_orders(client, demo, rest, graphql):
    headers = {"Authorization": f"Token {demo}"}

    response = await client.get(REST_PATH, params={**rest, "limit": "100"}, headers=headers)
    body = await client.post(
        "/graphql", json={"query": MY_ORDERS, "variables": graphql}, headers=headers
    )

    assert response.status_code == 200, response.text
    listing = response.json()
    connection = data(body.json())["myOrders"]
    assert connection["totalCount"] == listing["count"]
    assert [as_rest(node) for node in connection["nodes"]] == listing["results"]


@pytest.mark.parametrize(
    ("rest", "graphql"), [(rest, graphql) for rest, graphql in COMBINATIONS if "search" in rest]
)
async def test_the_search_spelled_for_the_indexes_lists_the_same_orders(
    served: Served, demo: str, rest: dict[str, str], graphql: dict[str, Any]
) -> None:
    # given the REST listing and the GraphQL answer of the scan spelling
    headers = {"Authorization": f"Token {demo}"}
    database = served.app.state.database
    response = await served.client.get(REST_PATH, params={**rest, "limit": "100"}, headers=headers)
    request = {"query": MY_ORDERS, "variables": graphql}
    with count_statements(database.engine) as scanned:
        scan = await served.client.post("/graphql", json=request, headers=headers)
    # when the app spells the search for the trigram indexes
    database.search_indexes = True
    with count_statements(database.engine) as indexed:
        body = await served.client.post("/graphql", json=request, headers=headers)
    # then both answer alike, in as many statements
    connection = data(body.json())["myOrders"]
    assert connection == data(scan.json())["myOrders"]
    assert connection["totalCount"] == response.json()["count"]
    assert [as_rest(node) for node in connection["nodes"]] == response.json()["results"]
    assert len(indexed.statements) == len(scanned.statements)
    trigrams = all(map(has_trigram, split_search_terms(rest["search"])))
    assert ("UNION ALL" in indexed.statements[1]) == trigrams
