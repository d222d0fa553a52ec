"""Isolation, proven: customer A, with A's token, never gets a byte of customer B's data.

Hypothesis draws a shop with several customers (`tests/strategies.py`) and, per shop, a
series of probes aimed at B: REST searches for B's keys, names, notes and ids, filters on
B's ids and references; GraphQL `myOrders` with the same, `myOrder`/`node` with B's global
IDs, database ids and keys, aliases and fragments, and cursors forged with the server's own
secret at B's rows. Every answer may only hold A's orders, and none of B's distinctive values
(order global IDs, keys, notes, names, email) may appear in it.
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from gateway.graphql.cursors import MAC_SIZE, encode_cursor
from gateway.graphql.ids import encode_global_id
from gateway.settings import Settings
from tests.app_client import serve
from tests.factories import OrderRow, Shop, delete_everything, insert_shop
from tests.strategies import shops

pytestmark = pytest.mark.slow
TOKEN = "a" * 40
AUTH = {"Authorization": f"Token {TOKEN}"}
SECRET = "isolation-test-cursor-secret"
ORDERS = "/api/shop/customers/me/orders"
PROPERTIES = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ORDER_FIELDS = "id databaseId key notes billingFirstName billingLastName customer { id email }"
MY_ORDERS = f"""
query ($search: String, $filter: OrderFilterInput, $after: String, $before: String,
       $first: Int, $last: Int) {{
  myOrders(search: $search, filter: $filter, after: $after, before: $before,
           first: $first, last: $last) {{
    totalCount edges {{ cursor node {{ ...O }} }} nodes {{ id key }}
  }}
}}
fragment O on Order {{ {ORDER_FIELDS} }}
"""
ONE_ORDER = f"""
query ($id: ID, $key: String, $node: ID!) {{
  byId: myOrder(id: $id) {{ {ORDER_FIELDS} }}
  byKey: myOrder(key: $key) {{ ...O }}
  node(id: $node) {{ id ... on Order {{ ...O }} ... on Customer {{ email firstName }} }}
}}
fragment O on Order {{ {ORDER_FIELDS} }}
"""


@pytest.fixture
async def isolation_client(
    engine: AsyncEngine, settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    """The whole app, with a cursor secret the test knows (to forge signed cursors)."""
    async with serve(settings, cursor_secret=SECRET) as served:
        yield served.client


@pytest.fixture(scope="session")
def isolation_report() -> Iterator[Counter[str]]:
    """Counts the probes by kind and backend; printed at the end (`pytest -s` shows it)."""
    counts: Counter[str] = Counter()
    yield counts
    print(f"\nisolation probes sent: {dict(counts)} ({counts.total()} in all)")


def victim(shop: Shop, me: int) -> int:
    """B: another customer, one with orders when there is one."""
    others = [c for c in shop.customer_ids if c != me]
    with_orders = [c for c in others if any(o.customer_id == c for o in shop.orders)]
    return (with_orders or others)[0]


def their_orders(shop: Shop, customer: int) -> list[OrderRow]:
    return [o for o in shop.orders if o.customer_id == customer]


def texts_of(order: OrderRow) -> list[str]:
    return [order.key, order.notes, order.billing_first_name, order.billing_last_name,
            order.billing_mobile_number, str(order.id)]  # fmt: skip


@st.composite
def probes(
    draw: st.DrawFn, shop: Shop, me: int, other: int, signature: str
) -> tuple[str, dict[str, Any]]:
    """One request by A aimed at B's data: (kind, params or GraphQL body); the kind is
    `rest`, `myOrders`, `oneOrder` or `cursor`."""
    targets = their_orders(shop, other) or their_orders(shop, me) or [None]
    target = draw(st.sampled_from(targets))
    if target is None:  # nobody has orders: still probe with made-up ids
        text, order_id, key, created = "x", 1, "x", None
    else:
        text = draw(st.sampled_from(texts_of(target)))
        text = draw(st.sampled_from([text, text.upper(), text.lower(), f'"{text}"', text[:3]]))
        order_id, key, created = target.id, target.key, target.created_at
    kind = draw(st.sampled_from(["rest", "myOrders", "oneOrder", "cursor"]))
    if kind == "rest":
        params = draw(
            st.sampled_from(
                [
                    {"search": text},
                    {"id_min": str(order_id), "id_max": str(order_id)},
                    {"search": key, "ordering": "-id", "limit": "100"},
                    {"search": text, "status_in": "new,hold,failed,cancelled,processing,"
                     "shipped,completed,refunded,deleted", "limit": "100"},
                    {"id_min": str(order_id), "offset": "0", "limit": "100"},
                ]
            )
        )  # fmt: skip
        return kind, params
    if kind == "myOrders":
        variables = draw(
            st.sampled_from(
                [
                    {"search": text, "first": 100},
                    {"filter": {"idMin": order_id, "idMax": order_id}},
                    {"search": key, "last": 100},
                ]
            )
        )
        return kind, {"query": MY_ORDERS, "variables": variables}
    if kind == "oneOrder":
        order_gid = encode_global_id("Order", order_id)
        customer_gid = encode_global_id("Customer", other)
        variables = draw(
            st.sampled_from(
                [
                    {"id": order_gid, "key": key, "node": order_gid},
                    {"id": str(order_id), "key": key, "node": customer_gid},
                ]
            )
        )
        return kind, {"query": ONE_ORDER, "variables": variables}
    # a cursor signed with the server's secret, positioned at B's order (default ordering:
    # createdAt descending, then id descending)
    forged = created is not None and signature
    cursor = encode_cursor(SECRET.encode(), signature, [created, order_id]) if forged else "x"
    direction = draw(
        st.sampled_from([{"after": cursor, "first": 100}, {"before": cursor, "last": 100}])
    )
    return kind, {"query": MY_ORDERS, "variables": direction}


def markers(shop: Shop, other: int, mine: str) -> list[str]:
    """B's values that would give B away: distinctive ones only (3+ characters, and not
    occurring anywhere in A's own data as the service renders it)."""
    values = [f"c{other}@example.com", encode_global_id("Customer", other)]
    for order in their_orders(shop, other):
        values += [encode_global_id("Order", order.id), order.key, order.notes,
                   order.billing_first_name, order.billing_last_name]  # fmt: skip
    return sorted({v for v in values if len(v) >= 3 and v not in mine})


def visible_data(kind: str, body: Any) -> Any:
    """What the answer shows of the orders (REST links and GraphQL error messages echo the
    request, which is A's own input)."""
    if kind == "rest":
        return body.get("results", []) if isinstance(body, dict) else []
    return body.get("data")


def order_ids(kind: str, data: Any) -> set[int]:
    if kind == "rest":
        return {item["id"] for item in data}
    found: set[int] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if "databaseId" in value:
                found.add(value["databaseId"])
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(data)
    return found


async def send(client: httpx.AsyncClient, kind: str, request: dict[str, Any]) -> Any:
    if kind == "rest":
        response = await client.get(ORDERS, params=request, headers=AUTH)
        assert response.status_code in (200, 400), response.text
    else:
        response = await client.post("/graphql", json=request, headers=AUTH)
        assert response.status_code == 200, response.text
    return response.json()


async def rendered_own_data(client: httpx.AsyncClient) -> tuple[str, str]:
    """Everything A may see, as the service renders it (REST and GraphQL), and the ordering
    signature the server's cursors carry (empty when A has no orders)."""
    rest = await send(client, "rest", {"limit": "100"})
    graphql = await send(client, "graphql", {"query": MY_ORDERS, "variables": {"first": 100}})
    edges = graphql["data"]["myOrders"]["edges"]
    signature = ""
    if edges:
        cursor = edges[0]["cursor"]
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        signature = orjson.loads(raw[MAC_SIZE:])[0]
    return orjson.dumps([rest, graphql]).decode(), signature


@PROPERTIES
@given(data=st.data(), shop=shops())
async def test_a_customer_never_sees_another_customers_data(
    isolation_client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    isolation_report: Counter[str],
    backend: str,
    shop: Shop,
    data: st.DataObject,
) -> None:
    # given a shop with several customers; A has the token, B is another customer
    me = shop.customer_ids[0]
    other = victim(shop, me)
    async with sessions() as session:
        await delete_everything(session)
        await insert_shop(session, shop, tokens={me: TOKEN})
    mine = {o.id for o in their_orders(shop, me)}
    mine_rendered, signature = await rendered_own_data(isolation_client)
    secrets = markers(shop, other, mine_rendered)

    # when A sends requests aimed at B's data
    for kind, request in data.draw(
        st.lists(probes(shop, me, other, signature), min_size=3, max_size=8)
    ):
        door = "rest" if kind == "rest" else "graphql"
        body = await send(isolation_client, door, request)
        refused = "errors" in body or (door == "rest" and "results" not in body)
        isolation_report[f"{kind} {backend}{' (refused)' if refused else ''}"] += 1

        # then only A's orders come back, and nothing that gives B away
        shown = visible_data(door, body)
        assert order_ids(door, shown) <= mine, (request, body)
        rendered = orjson.dumps(shown).decode()
        assert [s for s in secrets if s in rendered] == [], (request, body)
