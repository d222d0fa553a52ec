"""One session shared, in turn, by the concurrent tasks of one request."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

# What queries take their session from: a session factory, or a `SharedSession`.
SessionSource = Callable[[], AbstractAsyncContextManager[AsyncSession]]


class SharedSession:
    """A request's session: opened on first use, lent to one task at a time, closed by
    `close()` when the request ends.

    GraphQL resolves fields and runs loaders as concurrent tasks, and an `AsyncSession`
    must never serve two at once. A session per task cost a pooled checkout with its
    pre-ping for each of a page's four or five statements; queued on one connection they
    cost one, and a request holds one pool connection, not five.

    Parameters:
        factory: where the session comes from (the app's session factory).
    """

    def __init__(self, factory: Callable[[], AsyncSession]) -> None:
        self._factory = factory
        self._session: AsyncSession | None = None
        self._turn = asyncio.Lock()

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[AsyncSession]:
        async with self._turn:
            if self._session is None:
                self._session = self._factory()
            try:
                yield self._session
            except BaseException:
                # A failed statement may leave the connection unusable (invalidated, or in
                # an aborted transaction): the next task starts from a fresh session.
                await self._discard()
                raise

    async def close(self) -> None:
        """Return the connection to the pool (the request is over)."""
        async with self._turn:
            await self._discard()

    async def _discard(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()
