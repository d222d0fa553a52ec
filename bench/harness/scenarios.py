"""The scenarios of issue 6: what each one requests, and how many rows a good answer has.

GraphQL documents follow `spec/graphql.md`. Every scenario is checked once (status 200, no
GraphQL errors, the expected number of orders) before it is put under load, so a broken or
missing endpoint is reported as skipped with its reason instead of measured.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

REST_PATH = "/api/shop/customers/me/orders"
GRAPHQL_PATH = "/graphql"

ORDER_FIELDS = """
fragment OrderFields on Order {
  id databaseId key status
  customer { id databaseId firstName lastName email mobileNumber }
  paymentMethod { id databaseId name code }
  shippingMethod { id databaseId name code }
  shippingCost notes createdAt updatedAt
  billingCountry { id databaseId name code }
  billingState { id databaseId name country { id databaseId name code } }
  billingCity { id databaseId name state { id databaseId name } }
  billingAddress billingPostalCode billingNationalCode billingMobileNumber
  billingFirstName billingLastName
  count quantity itemsSubtotal itemsDiscount subtotal totalDiscount total
  amountPaid amountOutstanding isPaid isPayable
  items { productId productName unitPrice quantity discount total }
  payments { amount status createdAt }
}
"""

FULL_PAGE = (
    """
query FullPage($first: Int!, $after: String, $search: String, $filter: OrderFilterInput) {
  myOrders(first: $first, after: $after, search: $search, filter: $filter) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { ...OrderFields } }
  }
}
"""
    + ORDER_FIELDS
)

FULL_PAGE_NO_COUNT = (
    """
query FullPageNoCount($first: Int!, $after: String) {
  myOrders(first: $first, after: $after) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { ...OrderFields } }
  }
}
"""
    + ORDER_FIELDS
)

MINIMAL_PAGE = """
query MinimalPage($first: Int!) {
  myOrders(first: $first) { nodes { id status total } }
}
"""

# Used to walk to a deep position: the cursor depends on the ordering only, not the selection.
CURSOR_WALK = """
query CursorWalk($first: Int!, $after: String) {
  myOrders(first: $first, after: $after) { pageInfo { hasNextPage endCursor } }
}
"""

# S6: a search term plus two filters; on the default data about a page of orders matches.
SEARCH_TERM = "Müller"
SEARCH_STATUSES = ("completed", "shipped")


@dataclass(frozen=True, slots=True)
class Scenario:
    """One measured request.

    Attributes:
        name: row label, e.g. "S2 GraphQL".
        api: "rest" or "graphql".
        description: what it asks for.
        path: URL path and query string.
        document, variables: the GraphQL request (api "graphql").
        rows: orders a correct answer holds; None: at least one.
        needs_deep_cursor: S5: `variables["after"]` is filled in by walking pages first.
    """

    name: str
    api: str
    description: str
    path: str
    document: str = ""
    variables: dict[str, Any] = field(default_factory=dict)
    rows: int | None = 20
    needs_deep_cursor: bool = False

    @property
    def method(self) -> str:
        return "POST" if self.api == "graphql" else "GET"

    def body(self, variables: dict[str, Any] | None = None) -> bytes:
        merged = {**self.variables, **(variables or {})}
        return json.dumps({"query": self.document, "variables": merged}).encode()

    def with_variables(self, **variables: Any) -> Scenario:
        return Scenario(
            self.name,
            self.api,
            self.description,
            self.path,
            self.document,
            {**self.variables, **variables},
            self.rows,
            False,
        )


def _rest(name: str, description: str, rows: int | None = 20, **params: str) -> Scenario:
    query = f"?{urlencode(params)}" if params else ""
    return Scenario(name, "rest", description, REST_PATH + query, rows=rows)


def _graphql(
    name: str,
    description: str,
    document: str,
    rows: int | None = 20,
    deep: bool = False,
    **variables: Any,
) -> Scenario:
    return Scenario(name, "graphql", description, GRAPHQL_PATH, document, variables, rows, deep)


SCENARIOS: dict[str, Scenario] = {
    scenario.name: scenario
    for scenario in (
        _rest("S1 REST", "REST default page (20)"),
        _graphql("S2 GraphQL", "page of 20, every field, nested, totalCount, pageInfo",
                 FULL_PAGE, first=20),
        _graphql("S2n GraphQL", "S2 without totalCount", FULL_PAGE_NO_COUNT, first=20),
        _rest("S3 REST", "REST page of 100", 100, limit="100"),
        _graphql("S3 GraphQL", "page of 100, every field, totalCount", FULL_PAGE, 100,
                 first=100),
        _graphql("S4 GraphQL", "minimal selection: id status total × 20", MINIMAL_PAGE,
                 first=20),
        _graphql("S5 GraphQL", "S2n as a keyset page 4,000 orders deep", FULL_PAGE_NO_COUNT,
                 deep=True, first=20),
        _rest("S5 REST", "REST page at offset 4,000 (REST has no keyset)", offset="4000"),
        _rest("S6 REST", f"search {SEARCH_TERM!r} + status_in + is_paid", None,
              search=SEARCH_TERM, status_in=",".join(SEARCH_STATUSES), is_paid="false"),
        _graphql("S6 GraphQL", f"search {SEARCH_TERM!r} + statusIn + isPaid", FULL_PAGE, None,
                 first=20, search=SEARCH_TERM,
                 filter={"statusIn": [s.upper() for s in SEARCH_STATUSES], "isPaid": False}),
    )
}  # fmt: skip
DEEP_POSITION = 4_000


def select(names: str) -> list[Scenario]:
    """Scenarios by comma-separated name prefixes ("S1,S2n", "GraphQL", "all")."""
    if names.strip().lower() == "all":
        return list(SCENARIOS.values())
    wanted = [name.strip().lower() for name in names.split(",") if name.strip()]
    chosen = [
        scenario
        for scenario in SCENARIOS.values()
        if any(
            scenario.name.lower() == w
            or scenario.name.lower().startswith(w + " ")
            or scenario.name.lower().endswith(" " + w)
            for w in wanted
        )
    ]
    if not chosen:
        raise ValueError(f"no scenario matches {names!r}; known: {', '.join(SCENARIOS)}")
    return chosen


def orders_in(scenario: Scenario, payload: Any) -> int:
    """The number of orders in a response body (raises on an error answer)."""
    if scenario.api == "rest":
        return len(payload["results"])
    if payload.get("errors"):
        raise ValueError(payload["errors"][0].get("message", "GraphQL error"))
    connection = payload["data"]["myOrders"]
    return len(connection["edges"] if "edges" in connection else connection["nodes"])
