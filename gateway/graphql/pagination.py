"""Relay connections over the core's keyset windows: arguments, cursors and page info.

A page fetches one row more than it shows; that row answers `hasNextPage` (forward) or
`hasPreviousPage` (backward) without counting. `totalCount` is its own resolver, so the
count only runs when a client selects it.
"""

from __future__ import annotations

from dataclasses import dataclass

import strawberry

from gateway.errors import BadUserInput
from gateway.graphql.context import GatewayContext, Info
from gateway.graphql.cursors import decode_cursor, encode_cursor, ordering_signature
from gateway.graphql.fields import resolver
from gateway.graphql.types import Order
from gateway.orders import OrderQuery, OrderRecord, Window, count_orders


@dataclass(frozen=True, slots=True)
class PageArguments:
    """The pagination arguments of a connection field, as given."""

    first: int | None
    after: str | None
    last: int | None
    before: str | None
    offset: int | None

    def size(self, default: int, maximum: int) -> int:
        """The page size; `BadUserInput` unless the arguments make sense together."""
        if self.first is not None and self.last is not None:
            raise BadUserInput("Pass first or last, not both.")
        for name, value in (("first", self.first), ("last", self.last)):
            if value is not None and not 0 <= value <= maximum:
                raise BadUserInput(f"{name} must be between 0 and {maximum}.")
        if self.offset is not None:
            if self.offset < 0:
                raise BadUserInput("offset must not be negative.")
            if self.last is not None or self.before is not None:
                raise BadUserInput("offset goes with first/after only, not last/before.")
        if self.first is not None:
            return self.first
        return self.last if self.last is not None else default

    def window(self, query: OrderQuery, key: bytes, size: int) -> Window:
        """The core's window: one row more than the page, for the page info."""
        signature = ordering_signature(query.ordering)
        return Window(
            limit=size + 1,
            offset=self.offset or 0,
            after=None if self.after is None else decode_cursor(key, signature, self.after),
            before=None if self.before is None else decode_cursor(key, signature, self.before),
            from_end=self.last is not None,
        )


@strawberry.type(description="Where a page is in the whole list (Relay).")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More orders follow this page.")
    has_previous_page: bool = strawberry.field(description="Orders precede this page.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first edge.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last edge.")


@strawberry.type(description="An order in a page, with its cursor.")
class OrderEdge:
    cursor: str = strawberry.field(description="Pass as after/before to page from here.")
    node: Order = strawberry.field(description="The order.")


@strawberry.type(description="One page of orders (a Relay connection).")
class OrderConnection:
    edges: list[OrderEdge] = strawberry.field(description="The page's orders with cursors.")
    nodes: list[Order] = strawberry.field(description="The page's orders.")
    page_info: PageInfo = strawberry.field(description="Where this page is.")
    query: strawberry.Private[OrderQuery]
    known_total: strawberry.Private[int | None] = None

    @resolver("How many orders match, over all pages. Counted only when selected.")
    async def total_count(self, info: Info) -> int:
        return await count_matching(info.context, self)


async def count_matching(context: GatewayContext, page: OrderConnection) -> int:
    """`totalCount`, shared with the compiled path: counted with the page when it was
    fetched with its count, otherwise now."""
    if page.known_total is not None:
        return page.known_total
    async with context.connection() as connection:
        return await count_orders(connection, page.query)


def order_connection(
    query: OrderQuery,
    arguments: PageArguments,
    size: int,
    rows: list[OrderRecord],
    key: bytes,
    total: int | None = None,
) -> OrderConnection:
    """The connection for a page fetched with `arguments.window(...)` (`size + 1` rows);
    `total` when the count came with the page."""
    more = len(rows) > size
    if arguments.last is not None:
        rows = rows[max(len(rows) - size, 0) :]
        has_previous, has_next = more, arguments.before is not None
    else:
        rows = rows[:size]
        has_previous = arguments.after is not None or bool(arguments.offset)
        has_next = more
    signature = ordering_signature(query.ordering)
    edges = [
        OrderEdge(
            cursor=encode_cursor(key, signature, row.sort_values), node=Order.from_record(row)
        )
        for row in rows
    ]
    return OrderConnection(
        edges=edges,
        nodes=[edge.node for edge in edges],
        page_info=PageInfo(
            has_next_page=has_next,
            has_previous_page=has_previous,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        query=query,
        known_total=total,
    )
