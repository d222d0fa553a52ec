"""The compiled `myOrders` path answers exactly what graphql-core's execution answers (same
JSON bytes), with no more SQL statements, and leaves everything else to graphql-core, each
fallback counted by reason in `/metrics`.

Each comparison runs the document on two apps over the same database: one with the compiled
path (`GATEWAY_GRAPHQL_COMPILED=true`, whatever the environment says), one without.
`GATEWAY_TEST_RANDOM_EXAMPLES=N` runs the random differential test with N fresh examples
instead of the fixed 40 (a longer job, run by hand; see the README)."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
import orjson
import pytest
from graphql import GraphQLObjectType, GraphQLSchema, get_named_type, is_leaf_type
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from gateway.graphql import compiled, dataloaders
from gateway.graphql.ids import encode_global_id
from gateway.graphql.internals import graphql_schema
from gateway.graphql.schema import build_schema
from gateway.settings import Settings
from tests.app_client import serve
from tests.factories import T0, add_order
from tests.graphql.conftest import MY_TOKEN, Customers
from tests.sql_counter import count_statements

AUTH = {"Authorization": f"Token {MY_TOKEN}"}
CURSOR_SECRET = "compiled-test-cursor-secret"  # both apps sign cursors alike
DAY = timedelta(days=1)

ORDER_FIELDS = """
fragment OrderFields on Order {
  id databaseId key status
  customer { id databaseId firstName lastName email mobileNumber }
  paymentMethod { id databaseId name code }
  shippingMethod { id databaseId name code }
  shippingCost notes createdAt updatedAt
  billingCountry { id databaseId name code }
  billingState { id databaseId name country { id databaseId name code } }
  billingCity { id databaseId name state { id databaseId name country { code } } }
  billingAddress billingPostalCode billingNationalCode billingMobileNumber
  billingFirstName billingLastName
  count quantity itemsSubtotal itemsDiscount subtotal totalDiscount total
  amountPaid amountOutstanding isPaid isPayable
  items { productId productName unitPrice quantity discount total }
  payments { amount status createdAt }
}
"""
EVERY_FIELD = (
    """
query EveryField($first: Int, $after: String, $last: Int, $before: String, $offset: Int,
                 $filter: OrderFilterInput, $search: String, $orderBy: [OrderOrderByInput!]) {
  myOrders(first: $first, after: $after, last: $last, before: $before, offset: $offset,
           filter: $filter, search: $search, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { ...OrderFields } }
    nodes { ...OrderFields }
  }
}
"""
    + ORDER_FIELDS
)
ALIASES_AND_TYPENAMES = """
{
  __typename
  page: myOrders(first: 3) {
    __typename
    count: totalCount
    info: pageInfo { __typename more: hasNextPage end: endCursor }
    list: nodes { __typename ref: key id2: id money: total at: createdAt
                  place: billingCity { __typename n: name } }
  }
  again: __typename
}
"""
FRAGMENTS = """
query Fragments {
  myOrders(first: 4) {
    ...Connection
    ... on OrderConnection { nodes { ... on Node { id } ...Money } }
  }
}
fragment Connection on OrderConnection {
  edges { node { key ...Money ... on Order { status billingState { ...Place } } } }
  nodes { key }
}
fragment Money on Order { total amountPaid items { total } }
fragment Place on State { name country { code } }
"""
MERGED = """
{
  myOrders {
    nodes { key billingCity { name } }
    nodes { billingCity { state { name } } status }
    edges { node { key } }
    edges { cursor node { key isPaid } }
  }
}
"""
DIRECTIVES = """
query Directives($withItems: Boolean!, $skipCount: Boolean = false) {
  myOrders(first: 5) {
    totalCount @skip(if: $skipCount)
    nodes {
      key
      items @include(if: $withItems) { productId }
      payments @skip(if: true) { amount }
      ... on Order @include(if: $withItems) { quantity }
      ...Paid @skip(if: $withItems)
      notes @include(if: false)
    }
  }
}
fragment Paid on Order { isPaid amountPaid }
"""
ONE_PAGE = """
query Page($first: Int, $after: String, $last: Int, $before: String, $offset: Int) {
  myOrders(first: $first, after: $after, last: $last, before: $before, offset: $offset) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { key } }
  }
}
"""
MINIMAL = "query Minimal($first: Int!) { myOrders(first: $first) { nodes { id status total } } }"


@dataclass(frozen=True, slots=True)
class Clients:
    """Two apps over the test's database, signing cursors alike."""

    compiled: httpx.AsyncClient  # the compiled path on
    core: httpx.AsyncClient  # the compiled path off: graphql-core executes every operation


@pytest.fixture
async def clients(engine: AsyncEngine, settings: Settings) -> AsyncIterator[Clients]:
    async with (
        serve(settings, graphql_compiled=True, cursor_secret=CURSOR_SECRET) as compiled,
        serve(settings, graphql_compiled=False, cursor_secret=CURSOR_SECRET) as core,
    ):
        yield Clients(compiled.client, core.client)


async def fallbacks(client: httpx.AsyncClient) -> dict[str, float]:
    """The app's compiled-path fallbacks so far, by reason, from `/metrics`."""
    exposition = (await client.get("/metrics")).text
    return {
        sample.labels["reason"]: sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.name == "gateway_graphql_compiled_fallbacks_total"
    }


@pytest.fixture
async def seven_orders(session: AsyncSession, customers: Customers) -> dict[str, int]:
    """Seven orders of mine (varied money, statuses, references, some NULL) and one of
    another customer. o3's city is in state 2 of country 2, which no order bills to: its
    `state { country }` is not primed by the page and needs loads of its own."""
    me = customers.me
    ids = {
        "o1": await add_order(
            session, me, key="o1", created_at=T0.replace(microsecond=250_000),
            updated_at=T0 + DAY, notes="Ring twice", shipping_cost="12.50", discount="1.00",
            billing_country_id=1, billing_state_id=1, billing_city_id=1,
            payment_method_id=1, shipping_method_id=1, status="processing",
            items=[(7, "10.00", 2, "0.50"), (8, "3.35", 3, "0.00")],
            payments=[("5.00", "succeeded"), ("100.00", "failed")],
        ),
        "o2": await add_order(session, me, key="o2", created_at=T0 - DAY, status="cancelled"),
        "o3": await add_order(
            session, me, key="o3", created_at=T0 + DAY, billing_country_id=1,
            billing_state_id=1, billing_city_id=2, payment_method_id=2, status="completed",
            items=[(9, "20.00", 1, "25.00")], payments=[("0.01", "succeeded")],
        ),
        "o4": await add_order(
            session, me, key="o4", created_at=T0 + 2 * DAY, shipping_cost="4.00",
            items=[(7, "10.00", 1, "0.00")], payments=[("14.00", "succeeded")],
            status="shipped", billing_country_id=1, shipping_method_id=2,
        ),
        "o5": await add_order(session, me, key="o5", created_at=T0, status="hold"),
        "o6": await add_order(session, me, key="o6", created_at=T0, status="refunded"),
        "o7": await add_order(
            session, me, key="o7", created_at=T0 - 2 * DAY, status="new", notes="Müller",
            items=[(1, "0.10", 10, "1.00")],
        ),
    }  # fmt: skip
    await add_order(session, customers.other, key="x1", created_at=T0 + DAY)
    await session.commit()
    return ids


Answers = Callable[..., Awaitable[tuple[bytes, bytes]]]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """How each compiled execution ended: "answered" or the exception it raised."""
    seen: list[str] = []
    original = compiled.execute

    async def spy(*args: Any) -> Any:
        try:
            data = await original(*args)
        except Exception as error:
            seen.append(type(error).__name__)
            raise
        seen.append("answered")
        return data

    monkeypatch.setattr(compiled, "execute", spy)
    return seen


@pytest.fixture
def answers(clients: Clients, calls: list[str]) -> Answers:
    """`await answers(DOCUMENT, **variables)` -> (compiled body, graphql-core's body)."""

    async def post(
        client: httpx.AsyncClient, document: str, variables: dict[str, Any], token: str | None
    ) -> bytes:
        headers = {"Authorization": f"Token {token}"} if token else {}
        response = await client.post(
            "/graphql", json={"query": document, "variables": variables}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.content

    async def run(document: str, token: str | None = MY_TOKEN, **variables: Any) -> Any:
        fast = await post(clients.compiled, document, variables, token)
        normal = await post(clients.core, document, variables, token)
        return fast, normal

    return run


def tables(statements: list[str]) -> list[str]:
    """The table each statement reads, from its outermost FROM (subqueries removed)."""
    read = []
    for statement in statements:
        while re.search(r"\([^()]*\)", statement):
            statement = re.sub(r"\([^()]*\)", "", statement)
        found = re.search(r"FROM (\w+)", statement)
        assert found is not None, statement
        read.append(found[1])
    return read


def _without_request_ids(body: bytes) -> bytes:
    return re.sub(rb'"requestId":"[^"]*"', b'"requestId":"-"', body)


CORPUS = [
    pytest.param(EVERY_FIELD, {}, id="every field, edges and nodes, default page"),
    pytest.param(EVERY_FIELD, {"first": 2, "offset": 1}, id="offset"),
    pytest.param(EVERY_FIELD, {"last": 3}, id="last"),
    pytest.param(EVERY_FIELD, {"first": 0}, id="empty page: first 0"),
    pytest.param(EVERY_FIELD, {"filter": {"statusIn": []}}, id="empty page: no match"),
    pytest.param(
        EVERY_FIELD,
        {"filter": {"statusIn": ["NEW", "COMPLETED", "PROCESSING"], "isPaid": False}},
        id="filters",
    ),
    pytest.param(
        EVERY_FIELD,
        {
            "filter": {
                "billingCountry": encode_global_id("Country", 1),
                "createdFrom": (T0 - DAY).date().isoformat(),
                "createdTo": date(2024, 3, 2).isoformat(),
            }
        },
        id="reference and date filters",
    ),
    pytest.param(EVERY_FIELD, {"search": "müller"}, id="search"),
    pytest.param(
        EVERY_FIELD,
        {
            "orderBy": [
                {"field": "BILLING_CITY_NAME", "direction": "DESC"},
                {"field": "SHIPPING_COST"},
            ],
            "first": 4,
        },
        id="ordering",
    ),
    pytest.param(
        EVERY_FIELD,
        {"orderBy": [{"field": "TOTAL", "direction": "DESC"}], "first": 4},
        id="ordering by total",
    ),
    pytest.param(
        EVERY_FIELD,
        {
            "orderBy": [{"field": "AMOUNT_OUTSTANDING"}, {"field": "TOTAL", "direction": "DESC"}],
            "filter": {"isPayable": True},
        },
        id="ordering by amount outstanding, filtered",
    ),
    pytest.param(ALIASES_AND_TYPENAMES, {}, id="aliases and __typename"),
    pytest.param(FRAGMENTS, {}, id="named and inline fragments"),
    pytest.param(MERGED, {}, id="merged fields"),
    pytest.param(DIRECTIVES, {"withItems": True}, id="directives, included"),
    pytest.param(DIRECTIVES, {"withItems": False, "skipCount": True}, id="directives, skipped"),
    pytest.param(MINIMAL, {"first": 20}, id="minimal selection"),
]


@pytest.mark.parametrize(("document", "variables"), CORPUS)
async def test_the_compiled_answer_is_graphql_cores_byte_for_byte(
    answers: Answers, seven_orders: dict[str, int], calls: list[str], document: str, variables: Any
) -> None:
    # when the document runs on the compiled path, then on graphql-core
    fast, normal = await answers(document, **variables)

    # then the compiled path answered, with the same bytes and no errors
    assert calls == ["answered"]
    assert fast == normal
    assert b'"errors"' not in fast


async def test_cursors_page_forwards_and_backwards(
    answers: Answers, seven_orders: dict[str, int], calls: list[str]
) -> None:
    # given the first page of three
    first, normal = await answers(ONE_PAGE, first=3)
    assert first == normal
    end = orjson.loads(first)["data"]["myOrders"]["pageInfo"]["endCursor"]

    # when paging forwards from its end, then backwards from the second page's start
    second, normal_second = await answers(ONE_PAGE, first=3, after=end)
    start = orjson.loads(second)["data"]["myOrders"]["pageInfo"]["startCursor"]
    back, normal_back = await answers(ONE_PAGE, last=3, before=start)

    # then every page is graphql-core's, and paging back returns the first page's orders
    assert second == normal_second
    assert back == normal_back
    assert calls == ["answered"] * 3
    keys = [e["node"]["key"] for e in orjson.loads(back)["data"]["myOrders"]["edges"]]
    assert keys == ["o4", "o3", "o1"]
    pages = [orjson.loads(first), orjson.loads(second)]
    assert [[e["node"]["key"] for e in p["data"]["myOrders"]["edges"]] for p in pages] == [
        ["o4", "o3", "o1"],
        ["o6", "o5", "o2"],
    ]


async def test_no_more_statements_than_graphql_core(
    clients: Clients,
    answers: Answers,
    seven_orders: dict[str, int],
    calls: list[str],
) -> None:
    # given the page with every field, on each path
    with count_statements() as fast:
        await clients.compiled.post("/graphql", json={"query": EVERY_FIELD}, headers=AUTH)
    with count_statements() as normal:
        await answers(EVERY_FIELD)
    normal_statements = normal.statements[len(fast.statements) :]

    # then the compiled path sent: token, page with its count, items, payments, and the two
    # loads of o3's city's state and that state's country, which no page row holds
    assert calls[0] == "answered"
    read = tables(fast.statements)
    assert read == [
        "shop_customer",
        "shop_order",
        "shop_orderitem",
        "shop_payment",
        "shop_state",
        "shop_country",
    ]
    assert "count(" in fast.statements[1].lower()
    assert len(fast.statements) < len(normal_statements)


async def test_the_count_rides_on_the_page_statement(
    clients: Clients, seven_orders: dict[str, int], calls: list[str]
) -> None:
    # when the same page is asked for without and with its totalCount
    pages = []
    for count in ("", "totalCount "):
        with count_statements() as log:
            document = f"{{ myOrders(first: 2) {{ {count}nodes {{ key }} }} }}"
            await clients.compiled.post("/graphql", json={"query": document}, headers=AUTH)
        pages.append(log.statements)

    # then the count costs no statement more: it is a subquery of the page's
    assert calls == ["answered", "answered"]
    assert len(pages[0]) == len(pages[1])
    assert not any("count(*)" in s for s in pages[0])
    assert "count(*)" in pages[1][1]


async def test_unselected_loads_send_no_statements(
    clients: Clients, seven_orders: dict[str, int], calls: list[str]
) -> None:
    with count_statements() as log:
        response = await clients.compiled.post(
            "/graphql", json={"query": MINIMAL, "variables": {"first": 20}}, headers=AUTH
        )

    assert calls == ["answered"]
    assert len(response.json()["data"]["myOrders"]["nodes"]) == 7
    assert tables(log.statements) == ["shop_customer", "shop_order"]


TWO_PAGES = "{ a: myOrders { totalCount } b: myOrders { totalCount } }"
# Documents that are not a page of myOrders are not candidates (no fallback); those that
# look like one until compiled are fallbacks, counted as "unsupported".
UNSUPPORTED = [
    pytest.param("{ me { id } myOrders { totalCount } }", {}, id="another root field"),
    pytest.param(TWO_PAGES, {"unsupported": 1}, id="two pages"),
    pytest.param(
        "{ myOrders { totalCount } ... on Query { me { email } } }", {}, id="via fragment"
    ),
    pytest.param("{ __schema { queryType { name } } }", {}, id="introspection"),
    pytest.param('{ myOrder(key: "o1") { key } }', {}, id="myOrder"),
    pytest.param(
        "{ __typename myOrders @skip(if: true) { totalCount } }",
        {"unsupported": 1},
        id="myOrders skipped",
    ),
]


@pytest.mark.parametrize(("document", "counted"), UNSUPPORTED)
async def test_other_documents_are_left_to_graphql_core(
    answers: Answers,
    clients: Clients,
    seven_orders: dict[str, int],
    calls: list[str],
    document: str,
    counted: dict[str, float],
) -> None:
    fast, normal = await answers(document)

    assert calls == []
    assert fast == normal
    assert b'"errors"' not in fast
    assert await fallbacks(clients.compiled) == counted


async def test_the_first_fallback_of_each_reason_is_logged(
    clients: Clients,
    seven_orders: dict[str, int],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # when three operations fall back, two of them for the same reason
    with caplog.at_level(logging.WARNING, logger="gateway.graphql.fallbacks"):
        for document in (TWO_PAGES, TWO_PAGES, "{ myOrders { totalCount } }"):
            await clients.compiled.post("/graphql", json={"query": document}, headers=AUTH)
        await clients.compiled.post("/graphql", json={"query": "{ myOrders { totalCount } }"})

    # then each is counted, and each reason logged once, at warning level
    assert await fallbacks(clients.compiled) == {"unsupported": 2, "refused": 1}
    logged = [r for r in caplog.records if r.name == "gateway.graphql.fallbacks"]
    assert [(r.levelname, r.getMessage().split(" (")[1].split(":")[0]) for r in logged] == [
        ("WARNING", "unsupported"),
        ("WARNING", "refused"),
    ]


async def test_with_the_compiled_path_off_graphql_core_answers_everything(
    clients: Clients, seven_orders: dict[str, int], calls: list[str]
) -> None:
    # when a page the compiled path would answer runs on an app with it switched off
    response = await clients.core.post("/graphql", json={"query": EVERY_FIELD}, headers=AUTH)

    # then graphql-core answered: the compiled path never ran, nothing fell back
    assert response.status_code == 200
    assert len(response.json()["data"]["myOrders"]["nodes"]) == 7
    assert calls == []
    assert await fallbacks(clients.core) == {}


ERRORS = [
    pytest.param("{ myOrders { totalCount } }", {}, None, "UNAUTHENTICATED", id="no token"),
    pytest.param(
        "{ myOrders { totalCount } }", {}, "z" * 40, "UNAUTHENTICATED", id="unknown token"
    ),
    pytest.param(ONE_PAGE, {"first": 101}, MY_TOKEN, "BAD_USER_INPUT", id="page too large"),
    pytest.param(ONE_PAGE, {"after": "garbled"}, MY_TOKEN, "BAD_USER_INPUT", id="bad cursor"),
    pytest.param(
        EVERY_FIELD,
        {"filter": {"billingCity": encode_global_id("Country", 1)}},
        MY_TOKEN,
        "BAD_USER_INPUT",
        id="ID of another type",
    ),
]


@pytest.mark.parametrize(("document", "variables", "token", "code"), ERRORS)
async def test_errors_are_graphql_cores(
    answers: Answers,
    clients: Clients,
    seven_orders: dict[str, int],
    calls: list[str],
    document: str,
    variables: dict[str, Any],
    token: str | None,
    code: str,
) -> None:
    # when the compiled path meets an error
    fast, normal = await answers(document, token=token, **variables)

    # then it gave up, and graphql-core answered as it always does
    assert len(calls) == 1
    assert calls[0] != "answered"
    assert fast == normal
    assert [e["extensions"]["code"] for e in orjson.loads(fast)["errors"]] == [code]
    assert await fallbacks(clients.compiled) == {"refused": 1}


async def test_a_variable_that_does_not_fit_is_left_to_graphql_core(
    answers: Answers,
    clients: Clients,
    seven_orders: dict[str, int],
    calls: list[str],
) -> None:
    fast, normal = await answers(MINIMAL, first="twenty")

    assert calls == []
    assert fast == normal
    assert [e["extensions"]["code"] for e in orjson.loads(fast)["errors"]] == ["BAD_USER_INPUT"]
    assert await fallbacks(clients.compiled) == {"variables": 1}


async def test_a_database_error_is_masked_as_graphql_core_masks_it(
    answers: Answers,
    clients: Clients,
    seven_orders: dict[str, int],
    calls: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given items that fail to load
    real_execute = dataloaders.execute_select

    async def broken(session: Any, statement: Any, parameters: Any = None) -> Any:
        if statement is dataloaders.ITEMS_STATEMENT:
            raise RuntimeError("database at 10.0.0.7 refused")
        return await real_execute(session, statement, parameters)

    monkeypatch.setattr(dataloaders, "execute_select", broken)

    # when a page with items runs
    fast, normal = await answers("{ myOrders(first: 1) { nodes { key items { total } } } }")

    # then graphql-core's masked error, at the items of the first order
    assert calls == ["RuntimeError"]
    assert _without_request_ids(fast) == _without_request_ids(normal)
    body = orjson.loads(fast)
    assert body["data"] is None
    assert body["errors"][0]["path"] == ["myOrders", "nodes", 0, "items"]
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert b"10.0.0.7" not in fast
    assert await fallbacks(clients.compiled) == {"error": 1}


def _object_fields(schema: GraphQLSchema, type_name: str) -> list[tuple[str, str | None]]:
    """A type's fields, each with its object type's name (None for a leaf)."""
    named = schema.get_type(type_name)
    assert isinstance(named, GraphQLObjectType)
    fields: list[tuple[str, str | None]] = []
    for name, field in named.fields.items():
        inner = get_named_type(field.type)
        fields.append((name, None if is_leaf_type(inner) else inner.name))
    return fields


def selections(schema: GraphQLSchema, type_name: str, depth: int = 0) -> st.SearchStrategy[str]:
    """Random selection sets of a type: fields (some aliased, some repeated, which
    merges them), `__typename`, and inline fragments on the type."""
    choices = [(name, child) for name, child in _object_fields(schema, type_name)]
    if depth >= 3:
        choices = [(name, child) for name, child in choices if child is None]

    def field(choice: tuple[str, str | None]) -> st.SearchStrategy[str]:
        name, child = choice
        if child is None:
            return st.just(name)
        return selections(schema, child, depth + 1).map(lambda inner: f"{name} {inner}")

    options = [st.sampled_from(choices).flatmap(field), st.just("__typename")]
    if depth < 2:
        options.append(
            selections(schema, type_name, depth + 1).map(
                lambda inner: f"... on {type_name} {inner}"
            )
        )
    one = st.one_of(options)
    aliased = st.tuples(one, st.booleans())
    # An alias names one field wherever it appears, so merged selections never conflict.
    return st.lists(aliased, min_size=1, max_size=5).map(
        lambda items: (
            "{ "
            + " ".join(
                f"my{text.split()[0]}: {text}" if alias and not text.startswith("...") else text
                for text, alias in items
            )
            + " }"
        )
    )


def myorders_documents() -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    """Random selections of the `myOrders` subtree, with a page size and an ordering."""
    schema = graphql_schema(build_schema())
    ordering = st.sampled_from(
        [None, [{"field": "ID"}], [{"field": "STATUS", "direction": "DESC"}]]
    )
    return st.tuples(
        selections(schema, "OrderConnection").map(
            lambda inner: (
                "query Random($first: Int, $orderBy: [OrderOrderByInput!]) "
                f"{{ myOrders(first: $first, orderBy: $orderBy) {inner} }}"
            )
        ),
        st.fixed_dictionaries({"first": st.integers(0, 8), "orderBy": ordering}),
    )


# GATEWAY_TEST_RANDOM_EXAMPLES=N: N fresh random examples (the longer job, run by hand);
# otherwise the same 40 on every run, so CI does not flake.
RANDOM_EXAMPLES = int(os.environ.get("GATEWAY_TEST_RANDOM_EXAMPLES") or 0)


@pytest.mark.slow
@settings(
    max_examples=RANDOM_EXAMPLES or 40,
    deadline=None,
    derandomize=not RANDOM_EXAMPLES,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_random_selections_answer_as_graphql_core(
    answers: Answers, seven_orders: dict[str, int], calls: list[str], data: st.DataObject
) -> None:
    # given a generated selection of myOrders
    document, variables = data.draw(myorders_documents())
    calls.clear()

    # when it runs on both paths
    fast, normal = await answers(document, **variables)
    # (a selection over the query limits is refused before either path runs)
    assume(b"QUERY_TOO_COMPLEX" not in normal)

    # then the compiled path answered, with graphql-core's very bytes
    assert calls == ["answered"], (document, fast)
    assert fast == normal, document
