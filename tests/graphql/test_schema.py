"""The root fields `me`, `myOrder`, `node`, the types' fields, and `schema.graphql`."""

import base64
import string
from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
)

from gateway.graphql import build_schema, schema_sdl
from gateway.graphql.ids import encode_global_id
from gateway.graphql.inputs import OrderOrderField
from gateway.graphql.internals import graphql_schema
from gateway.orders import FILTERS, OrderField
from tests.factories import T0, add_order
from tests.graphql.conftest import OTHER_TOKEN, data, error_codes

ME = """
query { me { id databaseId firstName lastName email mobileNumber } }
"""
MY_ORDER = """
query ($id: ID, $key: String) {
  myOrder(id: $id, key: $key) { id databaseId key }
}
"""
NODE = """
query ($id: ID!) {
  node(id: $id) {
    __typename
    id
    ... on Order { key }
    ... on Customer { email }
    ... on Country { name code }
    ... on State { name country { code } }
    ... on City { name state { name } }
    ... on PaymentMethod { name code }
    ... on ShippingMethod { name code }
  }
}
"""
ORDER_FIELDS = """
query ($id: ID) {
  myOrder(id: $id) {
    id databaseId key status shippingCost notes createdAt updatedAt
    billingAddress billingPostalCode billingNationalCode billingMobileNumber
    billingFirstName billingLastName
    count quantity itemsSubtotal itemsDiscount subtotal totalDiscount total
    amountPaid amountOutstanding isPaid isPayable
    customer { id email }
    paymentMethod { id name code }
    shippingMethod { name code }
    billingCountry { databaseId name code }
    billingState { name country { name } }
    billingCity { name state { name country { code } } }
    items { productId productName unitPrice quantity discount total }
    payments { amount status createdAt }
  }
}
"""
ROOT_FIELDS = """
query {
  myOrders { totalCount }
  myOrder(key: "x") { key }
  me { id }
  node(id: "Q291bnRyeTox") { id }
}
"""


async def test_me_is_the_token_holder(post, customers):
    body = await post(ME)

    assert data(body) == {
        "me": {
            "id": encode_global_id("Customer", customers.me),
            "databaseId": customers.me,
            "firstName": "Ayşe",
            "lastName": "Yılmaz",
            "email": "me@example.com",
            "mobileNumber": "+90 555 000 00 00",
        }
    }


async def test_an_order_with_every_field(post, session, customers):
    order = await add_order(
        session,
        customers.me,
        key="K-1",
        status="processing",
        shipping_cost="5.00",
        discount="1.50",
        notes="ring twice",
        payment_method_id=1,
        shipping_method_id=2,
        billing_country_id=1,
        billing_state_id=1,
        billing_city_id=1,
        created_at=T0.replace(microsecond=250000),
        items=[(7, "10.00", 2, "0.00"), (8, "1.00", 1, "3.00"), (7, "2.50", 1, "0.50")],
        payments=[("4.00", "succeeded"), ("9.00", "failed")],
    )
    await session.commit()

    body = await post(ORDER_FIELDS, id=str(order))

    assert data(body)["myOrder"] == {
        "id": encode_global_id("Order", order),
        "databaseId": order,
        "key": "K-1",
        "status": "PROCESSING",
        "shippingCost": "5.00",
        "notes": "ring twice",
        "createdAt": "2024-03-01T12:00:00.250000Z",
        "updatedAt": "2024-03-01T12:00:00Z",
        "billingAddress": "1 Main St",
        "billingPostalCode": "34000",
        "billingNationalCode": "1234567890",
        "billingMobileNumber": "+90 555 111 22 33",
        "billingFirstName": "Ayşe",
        "billingLastName": "Yılmaz",
        "count": 2,
        "quantity": 4,
        "itemsSubtotal": "23.50",
        "itemsDiscount": "3.50",
        "subtotal": "20.00",
        "totalDiscount": "5.00",
        "total": "23.50",
        "amountPaid": "4.00",
        "amountOutstanding": "19.50",
        "isPaid": False,
        "isPayable": True,
        "customer": {"id": encode_global_id("Customer", customers.me), "email": "me@example.com"},
        "paymentMethod": {
            "id": encode_global_id("PaymentMethod", 1),
            "name": "Credit card",
            "code": "card",
        },
        "shippingMethod": {"name": "Standard", "code": "standard"},
        "billingCountry": {"databaseId": 1, "name": "Türkiye", "code": "TR"},
        "billingState": {"name": "İstanbul", "country": {"name": "Türkiye"}},
        "billingCity": {"name": "Kadıköy",
                        "state": {"name": "İstanbul", "country": {"code": "TR"}}},
        "items": [
            {"productId": 7, "productName": "Product 7", "unitPrice": "10.00", "quantity": 2,
             "discount": "0.00", "total": "20.00"},
            {"productId": 8, "productName": "Product 8", "unitPrice": "1.00", "quantity": 1,
             "discount": "3.00", "total": "-2.00"},
            {"productId": 7, "productName": "Product 7", "unitPrice": "2.50", "quantity": 1,
             "discount": "0.50", "total": "2.00"},
        ],
        "payments": [
            {"amount": "4.00", "status": "SUCCEEDED", "createdAt": "2024-03-01T12:00:00.250000Z"},
            {"amount": "9.00", "status": "FAILED", "createdAt": "2024-03-01T12:00:00.250000Z"},
        ],
    }  # fmt: skip


async def test_an_order_without_references_has_nulls_and_empty_lists(post, session, customers):
    order = await add_order(session, customers.me, items=[(1, "0.00", 0, "0.00")])
    await session.commit()

    body = await post(ORDER_FIELDS, id=str(order))

    got = data(body)["myOrder"]
    assert [got[f] for f in ("paymentMethod", "shippingMethod", "billingCountry")] == [None] * 3
    assert [got["billingState"], got["billingCity"], got["payments"]] == [None, None, []]
    assert got["items"][0]["total"] == "0.00"


async def test_my_order_by_global_id_integer_id_or_key(post, session, customers):
    order = await add_order(session, customers.me, key="K-42")
    await session.commit()
    expected = {
        "myOrder": {"id": encode_global_id("Order", order), "databaseId": order, "key": "K-42"}
    }

    assert data(await post(MY_ORDER, id=encode_global_id("Order", order))) == expected
    assert data(await post(MY_ORDER, id=str(order))) == expected
    assert data(await post(MY_ORDER, key="K-42")) == expected
    assert data(await post(MY_ORDER, key="K-43")) == {"myOrder": None}
    assert data(await post(MY_ORDER, id="987654321987654321987")) == {"myOrder": None}


async def test_my_order_needs_exactly_one_of_id_and_key(post, customers):
    neither = await post(MY_ORDER)
    both = await post(MY_ORDER, id="1", key="K")

    for body in (neither, both):
        assert body["data"] == {"myOrder": None}
        assert error_codes(body) == ["BAD_USER_INPUT"]
        assert body["errors"][0]["message"] == "Pass exactly one of id and key."


async def test_my_order_refuses_an_id_of_another_type(post, customers):
    body = await post(MY_ORDER, id=encode_global_id("Customer", customers.me))

    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_another_customers_order_is_invisible_by_id_key_and_node(post, session, customers):
    theirs = await add_order(session, customers.other, key="THEIRS")
    await session.commit()
    global_id = encode_global_id("Order", theirs)

    assert data(await post(MY_ORDER, id=global_id)) == {"myOrder": None}
    assert data(await post(MY_ORDER, id=str(theirs))) == {"myOrder": None}
    assert data(await post(MY_ORDER, key="THEIRS")) == {"myOrder": None}
    assert data(await post(NODE, id=global_id)) == {"node": None}
    # while its owner sees it
    owner = await post(NODE, id=global_id, token=OTHER_TOKEN)
    assert data(owner) == {"node": {"__typename": "Order", "id": global_id, "key": "THEIRS"}}


async def test_node_resolves_own_objects_and_reference_rows(post, session, customers):
    order = await add_order(session, customers.me, key="MINE")
    await session.commit()

    async def node(type_name, database_id):
        return data(await post(NODE, id=encode_global_id(type_name, database_id)))["node"]

    assert await node("Order", order) == {
        "__typename": "Order",
        "id": encode_global_id("Order", order),
        "key": "MINE",
    }
    assert await node("Customer", customers.me) == {
        "__typename": "Customer",
        "id": encode_global_id("Customer", customers.me),
        "email": "me@example.com",
    }
    assert await node("Customer", customers.other) is None
    assert await node("Country", 2) == {
        "__typename": "Country",
        "id": encode_global_id("Country", 2),
        "name": "Ísland",
        "code": "IS",
    }
    assert await node("State", 1) == {
        "__typename": "State",
        "id": encode_global_id("State", 1),
        "name": "İstanbul",
        "country": {"code": "TR"},
    }
    assert await node("City", 2) == {
        "__typename": "City",
        "id": encode_global_id("City", 2),
        "name": "Reykjavík",
        "state": {"name": "Höfuðborgarsvæðið"},
    }
    assert await node("PaymentMethod", 2) == {
        "__typename": "PaymentMethod",
        "id": encode_global_id("PaymentMethod", 2),
        "name": "Bank transfer",
        "code": "bank",
    }
    assert await node("ShippingMethod", 1) == {
        "__typename": "ShippingMethod",
        "id": encode_global_id("ShippingMethod", 1),
        "name": "Express",
        "code": "express",
    }
    assert await node("Country", 99) is None
    assert await node("Order", 2**70) is None


async def test_node_refuses_a_malformed_or_bare_integer_id(post, customers):
    for value in ["12", "garbage", encode_global_id("Order", 1)[:-2]]:
        body = await post(NODE, id=value)
        assert body["data"] == {"node": None}
        assert error_codes(body) == ["BAD_USER_INPUT"]


BASE64 = string.ascii_uppercase + string.ascii_lowercase + string.digits + "+/"


def other_padding_bits(encoded: str) -> str:
    """The same bytes in base64 with a padding bit set (lenient decoders ignore them)."""
    body = encoded.rstrip("=")
    assert body != encoded, "needs padding"
    last = BASE64[BASE64.index(body[-1]) + 1]
    return body[:-1] + last + encoded[len(body) :]


async def test_non_canonical_ids_are_bad_user_input_in_node_my_order_and_filters(
    post, session, customers
):
    # Given one of my orders, and spellings of its id that do not re-encode to themselves
    order = await add_order(session, customers.me, key="K")
    await session.commit()
    canonical = encode_global_id("Order", order)
    spellings = [
        base64.b64encode(f"Order:0{order}".encode()).decode(),
        other_padding_bits(canonical),
        f"+{order}",
    ]
    assert base64.b64decode(spellings[1]) == base64.b64decode(canonical)
    filters = "query ($id: ID!) { myOrders(filter: {billingCountry: $id}) { totalCount } }"

    for spelling in spellings:
        # When each is asked for
        by_node = await post(NODE, id=spelling)
        by_my_order = await post(MY_ORDER, id=spelling)
        by_filter = await post(filters, id=base64.b64encode(b"Country:01").decode())

        # Then each is refused, never answered under another id
        assert by_node["data"] == {"node": None}
        assert error_codes(by_node) == ["BAD_USER_INPUT"]
        assert by_my_order["data"] == {"myOrder": None}
        assert error_codes(by_my_order) == ["BAD_USER_INPUT"]
        assert by_filter["data"] is None
        assert error_codes(by_filter) == ["BAD_USER_INPUT"]
    assert data(await post(NODE, id=canonical))["node"]["id"] == canonical


async def test_every_root_field_needs_a_token(post, customers):
    body = await post(ROOT_FIELDS, token=None)

    assert body["data"] is None  # myOrders is non-null, so the whole data is null
    assert sorted(error["path"][0] for error in body["errors"]) == [
        "me",
        "myOrder",
        "myOrders",
        "node",
    ]
    assert set(error_codes(body)) == {"UNAUTHENTICATED"}
    assert body["errors"][0]["message"] == "Authentication credentials were not provided."


async def test_bearer_tokens_work_and_bad_tokens_are_unauthenticated(client, customers):
    async def me(header):
        response = await client.post(
            "/graphql", json={"query": ME}, headers={"Authorization": header}
        )
        return response.json()

    assert (await me("Bearer " + "a" * 40))["data"]["me"]["databaseId"] == customers.me
    bad = await me("Token " + "z" * 40)
    assert error_codes(bad) == ["UNAUTHENTICATED"]
    assert bad["errors"][0]["message"] == "Invalid token."


def test_filter_input_fields_are_the_core_filters_one_to_one():
    fields = graphql_schema(build_schema()).type_map["OrderFilterInput"].fields

    assert {name: field.description for name, field in fields.items()} == {
        _camel(spec.name): spec.description for spec in FILTERS
    }


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


def test_order_fields_enum_names_are_the_core_fields():
    assert [f.name for f in OrderOrderField] == [f.name for f in OrderField]


def test_schema_graphql_is_current():
    """`gateway schema export --output schema.graphql` regenerates it."""
    committed = Path(__file__).parents[2] / "schema.graphql"

    assert committed.read_text(encoding="utf-8") == schema_sdl()


def test_every_type_field_argument_and_enum_value_has_a_description():
    schema = graphql_schema(build_schema())
    missing = []
    for name, named in schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Boolean", "ID", "Float"}:
            continue
        if not named.description:
            missing.append(name)
        if isinstance(named, (GraphQLObjectType, GraphQLInterfaceType)):
            for field_name, field in named.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                missing += [
                    f"{name}.{field_name}({a})"
                    for a, arg in field.args.items()
                    if not arg.description
                ]
        elif isinstance(named, GraphQLInputObjectType):
            missing += [f"{name}.{f}" for f, field in named.fields.items() if not field.description]
        elif isinstance(named, GraphQLEnumType):
            missing += [f"{name}.{v}" for v, value in named.values.items() if not value.description]
        else:
            assert isinstance(named, GraphQLScalarType)

    assert missing == []
