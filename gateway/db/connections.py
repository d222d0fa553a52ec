"""Where the service's connections come from: the engine's, with the database's failures
translated as they are acquired (`Database`), and one per GraphQL request, lent to its
concurrent tasks in turn (`SharedConnection`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.db.errors import translated_errors
from gateway.db.search_indexes import search_indexes_ready
from gateway.db.stored import stored_totals_ready

logger = logging.getLogger(__name__)

# What queries take their connection from: `Database.connect`, or a `SharedConnection`.
ConnectionSource = Callable[[], AbstractAsyncContextManager[AsyncConnection]]


class Database:
    """The engine every request takes its connections from. A connection that cannot be
    had because the database is unavailable (refused, pool exhausted, …) raises
    `DatabaseUnavailable` (`gateway.db.errors`).

    Parameters:
        engine: the service's engine (`create_engine(settings, read_only=True)`).

    Attributes:
        stored_totals: the stored order totals (`gw_order_totals`) are installed and may
            be read instead of summing items and payments (`gateway.orders.totals`).
            False until the app has checked (at start-up and on each readiness check).
        search_indexes: the search's trigram indexes (`gateway.db.search_indexes`) are
            installed, and the search is spelled for them. Checked with `stored_totals`.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.stored_totals = False
        self.search_indexes = False
        self._checked = False

    async def check_optional_structures(self, connection: AsyncConnection) -> None:
        """Set `stored_totals` (installed, complete, triggers on) and `search_indexes`
        (present and valid) from the database, logging the first answer and each change.
        The app calls it at start-up, on every readiness check and every few seconds, so an
        install or a drop by `gateway db indexes` is followed within that interval."""
        with translated_errors():
            stored_totals = await stored_totals_ready(connection)
            search_indexes = await search_indexes_ready(connection)
        if not self._checked or stored_totals != self.stored_totals:
            logger.info("stored order totals: %s", "read" if stored_totals else "not read")
        if not self._checked or search_indexes != self.search_indexes:
            logger.info("search indexes: %s", "used" if search_indexes else "not used")
        self.stored_totals, self.search_indexes = stored_totals, search_indexes
        self._checked = True

    async def open(self) -> AsyncConnection:
        """A connection checked out of the pool; give it back with `close`."""
        with translated_errors():
            return await self.engine.connect().start()

    async def close(self, connection: AsyncConnection) -> None:
        with translated_errors():
            await connection.close()

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        """A connection for the block, returned to the pool after it."""
        connection = await self.open()
        try:
            yield connection
        finally:
            await self.close(connection)


class SharedConnection:
    """A request's connection: checked out of the pool on first use, lent to one task at
    a time, returned by `close()` when the request ends.

    GraphQL resolves fields and runs loaders as concurrent tasks, and a connection must
    never serve two at once. A connection per task cost a pool checkout with its pre-ping
    for each of a page's four or five statements; queued on one connection they cost one,
    and a request holds one pool connection, not five.

    Parameters:
        database: where the connection comes from.
    """

    def __init__(self, database: Database) -> None:
        self._database = database
        self._connection: AsyncConnection | None = None
        self._turn = asyncio.Lock()

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[AsyncConnection]:
        async with self._turn:
            if self._connection is None:
                self._connection = await self._database.open()
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
            await self._database.close(connection)
