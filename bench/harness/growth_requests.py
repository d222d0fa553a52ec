"""The request types of issue 15's data-growth table, REST and GraphQL, for one customer size.

Each type is turned into one concrete request for a customer of a given size (a 90 %-deep
offset or cursor depends on the size), sent sequentially and timed from the client: wall
time from sending the request to having parsed the answer.
"""

from __future__ import annotations

import json
import time
import urllib.error
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from harness.scenarios import GRAPHQL_PATH, ORDER_FIELDS, REST_PATH
from harness.service import request

SEARCH_TERM = "mar"
DEEP_SHARE = 0.9
CLIENT_MARGIN = 10.0  # seconds the client waits beyond the service's timeouts
# Argument name -> its GraphQL type; a document declares only the arguments it uses.
_ARGUMENTS = {
    "first": "Int!",
    "after": "String",
    "offset": "Int",
    "search": "String",
    "filter": "OrderFilterInput",
    "orderBy": "[OrderOrderByInput!]",
}
_ORDER_FIELDS_QUERY = '{ __type(name: "OrderOrderField") { enumValues { name } } }'


def document(arguments: list[str], *, count: bool) -> str:
    """A `myOrders` page with every order field (the benchmark's S2 selection), with
    `totalCount` or without."""
    declared = ", ".join(f"${name}: {_ARGUMENTS[name]}" for name in arguments)
    passed = ", ".join(f"{name}: ${name}" for name in arguments)
    return (
        f"query Growth({declared}) {{\n  myOrders({passed}) {{\n"
        + ("    totalCount\n" if count else "")
        + "    pageInfo { hasNextPage endCursor }\n"
        "    edges { cursor node { ...OrderFields } }\n  }\n}\n" + ORDER_FIELDS
    )


@dataclass(frozen=True, slots=True)
class RequestType:
    """One row kind of the table: REST query parameters or GraphQL variables.

    `deep`: REST gets `offset`, GraphQL `after` the cursor of the order at DEEP_SHARE of the
    customer's orders. `needs`: an OrderOrderField value the schema must have.
    """

    name: str
    api: str
    params: dict[str, str] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)
    count: bool = True
    deep: bool = False
    needs: str | None = None


REQUEST_TYPES: tuple[RequestType, ...] = (
    RequestType("REST ?is_paid=false", "rest", {"is_paid": "false"}),
    RequestType("REST ?is_payable=true", "rest", {"is_payable": "true"}),
    RequestType(f"REST ?search={SEARCH_TERM}", "rest", {"search": SEARCH_TERM}),
    RequestType("REST ?ordering=billing_country__name", "rest",
                {"ordering": "billing_country__name"}),
    RequestType("REST default page (with its count)", "rest"),
    RequestType("REST ?offset=90 %", "rest", deep=True),
    RequestType("GraphQL isPaid: false + totalCount", "graphql",
                variables={"filter": {"isPaid": False}}),
    RequestType("GraphQL isPayable: true + totalCount", "graphql",
                variables={"filter": {"isPayable": True}}),
    RequestType(f"GraphQL search {SEARCH_TERM!r} + totalCount", "graphql",
                variables={"search": SEARCH_TERM}),
    RequestType("GraphQL page without totalCount", "graphql", count=False),
    RequestType("GraphQL keyset page 90 % deep", "graphql", count=False, deep=True),
    RequestType("GraphQL orderBy TOTAL DESC + totalCount", "graphql",
                variables={"orderBy": [{"field": "TOTAL", "direction": "DESC"}]}, needs="TOTAL"),
)  # fmt: skip


def select(names: str) -> list[RequestType]:
    """Request types whose names contain one of the comma-separated words ("all": every)."""
    if names.strip().lower() == "all":
        return list(REQUEST_TYPES)
    wanted = [name.strip().lower() for name in names.split(",") if name.strip()]
    chosen = [kind for kind in REQUEST_TYPES if any(w in kind.name.lower() for w in wanted)]
    if not chosen:
        known = ", ".join(kind.name for kind in REQUEST_TYPES)
        raise ValueError(f"no request type matches {names!r}; known: {known}")
    return chosen


@dataclass(frozen=True, slots=True)
class Concrete:
    """A request ready to send: method, path and body."""

    method: str
    path: str
    body: bytes | None


@dataclass(frozen=True, slots=True)
class Answer:
    """One timed request: status, milliseconds, and what the answer held (orders' ids and
    the count), to compare answers between runs."""

    status: int
    ms: float
    ids: tuple[int, ...] | None
    count: int | None
    error: str | None


def enum_values(base: str, token: str, timeout: float) -> set[str]:
    """OrderOrderField's values, by introspection (empty when it is off or failed)."""
    body = json.dumps({"query": _ORDER_FIELDS_QUERY}).encode()
    _, payload = request(base, "POST", GRAPHQL_PATH, token, body, timeout)
    try:
        return {value["name"] for value in payload["data"]["__type"]["enumValues"]}
    except (KeyError, TypeError):
        return set()


def _deep_cursor(base: str, token: str, position: int, timeout: float) -> str:
    """The cursor of the `position`-th order (1-based, default ordering), read with
    `offset` once: walking pages to 90 % of a million orders would take hours."""
    query = (
        "query Deep($first: Int!, $offset: Int) { myOrders(first: $first, offset: $offset) "
        "{ pageInfo { endCursor } } }"
    )
    body = json.dumps({"query": query, "variables": {"first": 1, "offset": position - 1}})
    status, payload = request(base, "POST", GRAPHQL_PATH, token, body.encode(), timeout)
    try:
        cursor = payload["data"]["myOrders"]["pageInfo"]["endCursor"]
    except (KeyError, TypeError) as exc:
        raise ValueError(
            f"no cursor at position {position}: {status} {str(payload)[:200]}"
        ) from exc
    if not isinstance(cursor, str):
        raise ValueError(f"no cursor at position {position}: {str(payload)[:200]}")
    return cursor


def concrete(kind: RequestType, orders: int, base: str, token: str, timeout: float) -> Concrete:
    """The request of `kind` for a customer with `orders` orders."""
    position = int(orders * DEEP_SHARE)
    if kind.api == "rest":
        params = {**kind.params, **({"offset": str(position)} if kind.deep else {})}
        return Concrete("GET", REST_PATH + (f"?{urlencode(params)}" if params else ""), None)
    variables = {"first": 20, **kind.variables}
    if kind.deep:
        variables["after"] = _deep_cursor(base, token, position, timeout)
    text = document(list(variables), count=kind.count)
    body = json.dumps({"query": text, "variables": variables}).encode()
    return Concrete("POST", GRAPHQL_PATH, body)


def _contents(api: str, payload: Any) -> tuple[tuple[int, ...] | None, int | None, str | None]:
    """(ids, count, error) of an answer."""
    try:
        if api == "rest":
            return tuple(order["id"] for order in payload["results"]), payload["count"], None
        if payload.get("errors"):
            first = payload["errors"][0]
            code = first.get("extensions", {}).get("code", "")
            return None, None, f"{code} {first.get('message', '')}".strip()[:200]
        connection = payload["data"]["myOrders"]
        ids = tuple(edge["node"]["databaseId"] for edge in connection["edges"])
        return ids, connection.get("totalCount"), None
    except (KeyError, TypeError, AttributeError) as exc:
        return None, None, f"unexpected answer: {str(payload)[:160]} ({exc!r})"


def timed(
    base: str,
    token: str,
    kind: RequestType,
    call: Concrete,
    timeout: float,
    clock: Callable[[], float] = time.perf_counter,
) -> Answer:
    started = clock()
    try:
        # The service's own timeout answers first (503): that answer is what is measured.
        status, payload = request(
            base, call.method, call.path, token, call.body, timeout + CLIENT_MARGIN
        )
    except (OSError, urllib.error.URLError) as exc:  # timeouts and refused connections
        return Answer(0, (clock() - started) * 1000, None, None, f"no answer: {exc}")
    ms = (clock() - started) * 1000
    if status != 200:
        return Answer(status, ms, None, None, f"HTTP {status}: {str(payload)[:160]}")
    ids, count, error = _contents(kind.api, payload)
    return Answer(status, ms, ids, count, error)
