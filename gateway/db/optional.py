"""The optional structures `gateway db indexes` installs, by part, for the DBA to pick.

- `orders`: the composite indexes on `shop_order` for pages in list order (`db.indexes`);
- `totals`: the stored order totals, their triggers and indexes (`db.stored_install`);
- `search`: the trigram indexes for search, PostgreSQL only (`db.search_indexes`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.db.indexes import create_indexes, drop_indexes
from gateway.db.search_indexes import create_search_indexes, drop_search_indexes
from gateway.db.stored_install import drop_stored_totals, install_stored_totals

PARTS = ("orders", "totals", "search")
# Seconds between two checks of the optional structures in each process of a running service,
# besides the one at start-up and those of /readyz: how long an install or a drop may go
# unnoticed by a process that no probe reaches.
OPTIONAL_STRUCTURES_RECHECK = 10.0
# Seconds `--drop` waits between retiring the stored totals (no service reads them from its
# next check on) and dropping their table: the checks' interval, then as long again for the
# requests that began reading before their process's check (the statement timeout is 5 s).
DROP_GRACE = 2 * OPTIONAL_STRUCTURES_RECHECK


async def _create_order_indexes(engine: AsyncEngine) -> list[str]:
    return [f"created {name}" for name in await create_indexes(engine)]


async def _drop_order_indexes(engine: AsyncEngine) -> list[str]:
    return [f"dropped {name}" for name in await drop_indexes(engine)]


_INSTALL: dict[str, Callable[[AsyncEngine], Awaitable[list[str]]]] = {
    "orders": _create_order_indexes,
    "totals": install_stored_totals,
    "search": create_search_indexes,
}
_DROP: dict[str, Callable[[AsyncEngine], Awaitable[list[str]]]] = {
    "orders": _drop_order_indexes,
    "totals": drop_stored_totals,
    "search": drop_search_indexes,
}


async def install_parts(engine: AsyncEngine, parts: tuple[str, ...] = PARTS) -> list[str]:
    """Install the parts that are missing (in `PARTS` order); one line per thing done."""
    return [line for part in PARTS if part in parts for line in await _INSTALL[part](engine)]


async def drop_parts(engine: AsyncEngine, parts: tuple[str, ...] = PARTS) -> list[str]:
    """Drop the parts (in `PARTS` order); one line per thing dropped."""
    return [line for part in PARTS if part in parts for line in await _DROP[part](engine)]
