"""Concurrent writers on the same few orders (PostgreSQL, READ COMMITTED): no update lost.

First the race itself, made deterministic: a second transaction adds an item to an order
while the first, which added one too, holds the order's totals row; its refresh waits, and
once the first commits it recomputes with the first's item (a refresh computing its sums
before waiting, such as one `INSERT … ON CONFLICT DO UPDATE`, would write them without it).
Both transactions fire their triggers at once (`SET CONSTRAINTS ALL IMMEDIATE`, as an
application may), which holds the lock from the write to the commit, the widest window.

Eight connections run transactions that insert, update, delete and move items and payments
of the same three orders, pausing between statements so that transactions overlap and
commit in interleaved order. A deadlock (two transactions locking two orders in opposite
orders, as they would without the triggers' row locks too) is retried, as an application
would. At the end `--check`'s recomputation finds no difference.
"""

from __future__ import annotations

import asyncio
import random

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.db.stored_check import check_stored_totals
from gateway.db.stored_install import install_stored_totals
from gateway.settings import Settings
from tests.conftest import POSTGRES_URL, POSTGRESQL_ONLY
from tests.databases import asyncpg_dsn

ORDERS = (1, 2, 3)
WRITERS = 8
TRANSACTIONS = 15


async def _setup(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO shop_customer (id, first_name, last_name, email, mobile_number, "
                "is_active, date_joined) VALUES (1, 'A', 'B', 'c@example.com', '', true, now())"
            )
        )
        await connection.execute(
            text(
                "INSERT INTO shop_order (id, key, customer_id, status, shipping_cost, discount, "
                "notes, billing_address, billing_postal_code, billing_national_code, "
                "billing_mobile_number, billing_first_name, billing_last_name, created_at, "
                "updated_at) SELECT g, 'k' || g, 1, 'new', 1.50, 0.25, '', '', '', '', '', '', "
                "'', now(), now() FROM generate_series(1, 3) g"
            )
        )


def _statements(rng: random.Random) -> list[tuple[str, tuple[object, ...]]]:
    """One transaction's writes: two to four, on random orders of the three."""
    choices: list[tuple[str, tuple[object, ...]]] = []
    for _ in range(rng.randint(2, 4)):
        order, other = rng.sample(ORDERS, 2)
        cents = rng.randint(1, 99_999)
        choices.append(
            rng.choice(
                [
                    (
                        "INSERT INTO shop_orderitem (product_id, product_name, unit_price, "
                        "quantity, discount, order_id) VALUES ($1, 'p', $2::numeric / 100, $3, "
                        "0.01, $4)",
                        (rng.randint(1, 5), cents, rng.randint(1, 4), order),
                    ),
                    (
                        "UPDATE shop_orderitem SET quantity = quantity + 1 WHERE id = "
                        "(SELECT min(id) FROM shop_orderitem WHERE order_id = $1)",
                        (order,),
                    ),
                    (
                        "DELETE FROM shop_orderitem WHERE id = "
                        "(SELECT max(id) FROM shop_orderitem WHERE order_id = $1)",
                        (order,),
                    ),
                    (
                        "UPDATE shop_orderitem SET order_id = $2 WHERE id = "
                        "(SELECT min(id) FROM shop_orderitem WHERE order_id = $1)",
                        (order, other),
                    ),
                    (
                        "INSERT INTO shop_payment (amount, status, created_at, order_id) "
                        "VALUES ($1::numeric / 100, $2, now(), $3)",
                        (cents, rng.choice(["succeeded", "pending"]), order),
                    ),
                    (
                        "UPDATE shop_payment SET status = CASE status WHEN 'succeeded' THEN "
                        "'refunded' ELSE 'succeeded' END WHERE id = "
                        "(SELECT max(id) FROM shop_payment WHERE order_id = $1)",
                        (order,),
                    ),
                    (
                        "DELETE FROM shop_payment WHERE id = "
                        "(SELECT min(id) FROM shop_payment WHERE order_id = $1)",
                        (order,),
                    ),
                ]
            )
        )
    return choices


async def run_writers(
    dsn: str, schema: str, *, writers: int, transactions: int, seed: int
) -> tuple[int, int]:
    """The workload: (transactions committed, deadlocks retried)."""
    deadlocks = 0

    async def writer(number: int) -> int:
        nonlocal deadlocks
        rng = random.Random(seed * 1000 + number)
        connection = await asyncpg.connect(dsn, server_settings={"search_path": schema})
        committed = 0
        try:
            for _ in range(transactions):
                statements = _statements(rng)
                while True:
                    try:
                        async with connection.transaction():
                            for sql, arguments in statements:
                                await connection.execute(sql, *arguments)
                                await asyncio.sleep(rng.random() / 200)
                        committed += 1
                        break
                    except asyncpg.exceptions.DeadlockDetectedError:
                        deadlocks += 1
                await asyncio.sleep(rng.random() / 200)
        finally:
            await connection.close()
        return committed

    done = await asyncio.gather(*(writer(number) for number in range(writers)))
    return sum(done), deadlocks


ADD_ITEM = (
    "INSERT INTO shop_orderitem (product_id, product_name, unit_price, quantity, discount, "
    "order_id) VALUES ($1, 'p', 10.00, 1, 0, 1)"
)


async def race_two_writers(dsn: str, schema: str) -> None:
    """Two transactions add an item each to order 1; the second's refresh waits for the
    first's commit."""
    settings = {"search_path": schema}
    first, second, watcher = [
        await asyncpg.connect(dsn, server_settings=settings) for _ in range(3)
    ]
    try:
        for connection in (first, second):
            await connection.execute("BEGIN; SET CONSTRAINTS ALL IMMEDIATE")
        await first.execute(ADD_ITEM, 1)
        blocked = asyncio.create_task(second.execute(ADD_ITEM, 2))
        pid = second.get_server_pid()
        for _ in range(1000):  # at most 10 s
            waiting = "SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1"
            if await watcher.fetchval(waiting, pid) == "Lock":
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the second transaction never waited for the first")
        await first.execute("COMMIT")
        await blocked
        await second.execute("COMMIT")
    finally:
        for connection in (first, second, watcher):
            await connection.close()


@POSTGRESQL_ONLY
async def test_a_refresh_waiting_for_another_counts_its_write(
    engine: AsyncEngine, settings: Settings
) -> None:
    # given
    await _setup(engine)
    await install_stored_totals(engine)
    # when
    await race_two_writers(asyncpg_dsn(POSTGRES_URL), settings.database_schema)
    # then: both items are in order 1's totals
    async with engine.connect() as connection:
        quantity = (
            await connection.execute(
                text("SELECT item_quantity FROM gw_order_totals WHERE order_id = 1")
            )
        ).scalar()
    assert quantity == 2
    assert await check_stored_totals(engine) == []


@POSTGRESQL_ONLY
async def test_concurrent_writers_on_the_same_orders_lose_nothing(
    engine: AsyncEngine, settings: Settings
) -> None:
    # given
    await _setup(engine)
    await install_stored_totals(engine)
    # when
    committed, _deadlocks = await run_writers(
        asyncpg_dsn(POSTGRES_URL),
        settings.database_schema,
        writers=WRITERS,
        transactions=TRANSACTIONS,
        seed=15,
    )
    # then
    assert committed == WRITERS * TRANSACTIONS
    async with engine.connect() as connection:
        items = (await connection.execute(text("SELECT count(*) FROM shop_orderitem"))).scalar()
    assert items  # the workload left items to sum
    assert await check_stored_totals(engine) == []
