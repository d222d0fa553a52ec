"""One connection shared, in turn, by the concurrent tasks of one request."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncConnection

# What queries take their connection from: `engine.connect`, or a `SharedConnection`.
ConnectionSource = Callable[[], AbstractAsyncContextManager[AsyncConnection]]


class SharedConnection:
    """A request's connection: checked out of the pool on first use, lent to one task at
    a time, returned by `close()` when the request ends.

    GraphQL resolves fields and runs loaders as concurrent tasks, and a connection must
    never serve two at once. A connection per task cost a pool checkout with its pre-ping
    for each of a page's four or five statements; queued on one connection they cost one,
    and a request holds one pool connection, not five.

    Parameters:
        connect: where the connection comes from (`engine.connect`).
    """

    def __init__(self, connect: Callable[[], AsyncConnection]) -> None:
        self._connect = connect
        self._connection: AsyncConnection | None = None
        self._turn = asyncio.Lock()

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[AsyncConnection]:
        async with self._turn:
            if self._connection is None:
                self._connection = await self._connect().start()
            try:
                yield self._connection
            except BaseException:
                # A failed statement may leave the connection unusable (invalidated, or in
                # an aborted transaction): the next task starts from a fresh connection.
                await self._discard()
                raise

    async def close(self) -> None:
        """Return the connection to the pool (the request is over)."""
        async with self._turn:
            await self._discard()

    async def _discard(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.close()
