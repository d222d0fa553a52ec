"""A read sent once more, on another connection, when its first attempt failed in a way that
says nothing about the read itself: the connection was lost (the server stopped or
restarted, a failover), or a standby cancelled it for a conflict with recovery. The second
attempt's outcome is the answer; a failure then is classified as usual (`errors.py`).

Only reads are ever retried (`execute_select`), on connections whose statements each run in
their own snapshot, so sending one again cannot do anything twice.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.engine import Result
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

logger = logging.getLogger(__name__)

# 40001 / 40P01: cancelled for a conflict with recovery (a standby); 57P01-57P03: the server
# is shutting down or restarting (the connection is gone).
RETRY_SAFE_SQLSTATES = frozenset({"40001", "40P01", "57P01", "57P02", "57P03"})


def is_retry_safe(error: DBAPIError) -> bool:
    """The connection was lost, or the server says the same read will work again."""
    if error.connection_invalidated:
        return True
    driver_errors = (error.orig, getattr(error.orig, "__cause__", None))
    return any(getattr(e, "sqlstate", None) in RETRY_SAFE_SQLSTATES for e in driver_errors)


async def read_again(
    connection: AsyncConnection, error: DBAPIError, statement: Any, parameters: Any
) -> Result[Any]:
    """Run the read on a connection fresh from the pool (checked by pre-ping, so after a
    failover it is one to the host that now answers). The failed connection's transaction
    is ended, so that it serves the request's next statement, reconnecting if it was lost."""
    logger.warning("read sent again on another connection after: %s", error.orig)
    await connection.rollback()
    async with connection.engine.connect() as fresh:
        result: Result[Any] = await fresh.execute(statement, parameters)
    return result
