"""The per-request context resolvers receive (settings, the connection, loaders, the caller),
and `Info`, how resolvers type the `info` they are given."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import strawberry
from starlette.requests import Request
from starlette.responses import Response

from gateway.auth import customer_for_token, token_from_header
from gateway.db.connections import SharedConnection
from gateway.graphql.dataloaders import Loaders
from gateway.observability import context as observed
from gateway.orders.records import CustomerRecord
from gateway.settings import Settings
from gateway.throttling.limiter import Policy, Verdict


@dataclass
class GatewayContext:
    """What one GraphQL request may use.

    Attributes:
        request, response: the HTTP request; the response whose headers are sent.
        settings: the service's settings.
        connection: the request's one connection, which its tasks take in turn.
        cursor_key: the HMAC key of this deployment's cursors.
        loaders: this request's DataLoaders.
        request_id: names this request in the log and in masked errors.
        stored_totals: the order queries may read the stored totals (`Database`).
        search_indexes: the order queries' search is spelled for the trigram indexes
            (`Database`).
        pages_returned: how many orders each page returned, by response path (the
            operation's actual cost, `cost.py`).
        counted: the rate-limit policies that counted this request, with their verdicts
            (the answer's `RateLimit` fields).
    """

    request: Request
    response: Response
    settings: Settings
    connection: SharedConnection
    cursor_key: bytes
    loaders: Loaders
    request_id: str
    stored_totals: bool = False
    search_indexes: bool = False
    pages_returned: dict[tuple[str, ...], int] = field(default_factory=dict)
    counted: list[tuple[Policy, Verdict]] = field(default_factory=list)
    _customer: asyncio.Task[CustomerRecord] | None = field(default=None, repr=False)

    async def customer(self) -> CustomerRecord:
        """The authenticated caller; `AuthenticationFailed` without a valid token.

        Root fields resolve concurrently, so the lookup runs once as a shared task."""
        if self._customer is None:
            self._customer = asyncio.ensure_future(self._authenticate())
        return await self._customer

    async def _authenticate(self) -> CustomerRecord:
        header = self.request.headers.get("authorization")
        key = token_from_header(None if header is None else header.encode("latin-1"))
        async with self.connection() as connection:
            customer = await customer_for_token(connection, key)
        # Every order the caller can reach is theirs: `Order.customer` needs no statement.
        self.loaders.customer.prime(customer.id, customer)
        observed.set_customer_id(customer.id)
        return customer


Info = strawberry.Info[GatewayContext, None]
