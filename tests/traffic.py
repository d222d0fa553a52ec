"""A mix of REST and GraphQL requests for the customers of a seeded shop, as tests that
drive a whole deployment (PgBouncer, replicas, the topology) send them."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.db.bootstrap import create_tables
from gateway.db.models import Customer
from gateway.db.seed import SeedOptions, seed_database

ORDERS = "/api/shop/customers/me/orders"
REST_QUERIES = (
    "",
    "?limit=5",
    "?limit=3&offset=2&ordering=-total",
    "?status_in=new,hold&ordering=created_at",
    "?is_paid=false&limit=10",
    "?search=a&limit=4",
)
MY_ORDERS = """
query Orders($first: Int!) {
  me { databaseId email }
  myOrders(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id key status total amountPaid isPaid items { productName quantity } } }
  }
}
"""


@dataclass(frozen=True, slots=True)
class Call:
    """One request: method, path, JSON body (GraphQL) and the customer's token."""

    method: str
    path: str
    token: str
    body: dict[str, Any] | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.token}"}


def mixed_calls(tokens: list[str]) -> Iterator[Call]:
    """An endless, deterministic mix: each customer in turn, REST and GraphQL alternating
    (each customer gets both)."""
    rest = itertools.cycle(REST_QUERIES)
    sizes = itertools.cycle((1, 5, 20))
    for round_ in itertools.count():
        for position, token in enumerate(tokens):
            if (round_ + position) % 2:
                body = {"query": MY_ORDERS, "variables": {"first": next(sizes)}}
                yield Call("POST", "/graphql", token, body)
            else:
                yield Call("GET", ORDERS + next(rest), token)


async def seed_shop(engine: AsyncEngine, orders: int = 120, customers: int = 6) -> list[str]:
    """Create the tables and demo data on `engine`; a token of each active customer."""
    await create_tables(engine)
    summary = await seed_database(engine, SeedOptions(orders=orders, customers=customers))
    async with engine.connect() as connection:
        active = set(
            (await connection.execute(select(Customer.id).where(Customer.is_active))).scalars()
        )
    return [key for customer, _, key in summary.tokens if customer in active]
