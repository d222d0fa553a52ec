"""The triggers keep `gw_order_totals` equal to `order_sums` through the shop's own writes.

The writes are the plain statements Django sends, each list one transaction; after each,
the whole table is compared with a recomputation (`order_sums`, held to the oracle in
`test_stored.py`). Both backends; the shop's own DDL too (`legacy_engine`), whose foreign
keys have no ON DELETE: Django deletes an order's items and payments itself, before the
order or (the keys being deferred) after it in the same transaction.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.db.stored import order_sums, order_totals, stored_totals_ready
from gateway.db.stored_install import drop_stored_totals, install_stored_totals
from tests.conftest import POSTGRESQL_ONLY
from tests.db.shop_writes import ITEM, ORDER, PAYMENT, small_shop, write

# Each: the statements of one transaction, as Django sends them.
WRITES: dict[str, list[str]] = {
    "item insert": [ITEM.format(product=9, price="1.01", quantity=5, discount="0.01", order=1)],
    "item update": ["UPDATE shop_orderitem SET quantity = 7, unit_price = 2.50 WHERE id = 1"],
    "item update, nothing that counts": ["UPDATE shop_orderitem SET product_name = 'x'"],
    "item discount update": ["UPDATE shop_orderitem SET discount = 150.00 WHERE id = 4"],
    "item delete": ["DELETE FROM shop_orderitem WHERE id = 2"],
    "item moved to another order": ["UPDATE shop_orderitem SET order_id = 4 WHERE id = 1"],
    "items of several orders in one statement": [
        "INSERT INTO shop_orderitem (product_id, product_name, unit_price, quantity, discount, "
        "order_id) SELECT 5, 'q', 1.25, 2, 0, id FROM shop_order"
    ],
    "payment insert": [PAYMENT.format(amount="100.00", status="succeeded", order=3)],
    "payment succeeds": ["UPDATE shop_payment SET status = 'succeeded' WHERE id = 2"],
    "payment refunded": ["UPDATE shop_payment SET status = 'refunded' WHERE id = 1"],
    "payment amount update": ["UPDATE shop_payment SET amount = 31.50 WHERE id = 1"],
    "payment delete": ["DELETE FROM shop_payment WHERE id = 3"],
    "payment moved to another order": ["UPDATE shop_payment SET order_id = 4 WHERE id = 1"],
    "order discount and shipping": [
        "UPDATE shop_order SET discount = 50.00, shipping_cost = 1.00 WHERE id = 1"
    ],
    "order to another customer": ["UPDATE shop_order SET customer_id = 2 WHERE id = 3"],
    "order insert with shipping": [
        ORDER.format(id=5, customer=2, shipping="6.50", discount="1.25")
    ],
    "order insert with items and payment": [
        ORDER.format(id=6, customer=1, shipping="0.00", discount="0.00"),
        ITEM.format(product=1, price="5.00", quantity=1, discount="0.00", order=6),
        PAYMENT.format(amount="5.00", status="succeeded", order=6),
    ],
    "order delete, children first (Django)": [
        "DELETE FROM shop_orderitem WHERE order_id IN (1)",
        "DELETE FROM shop_payment WHERE order_id IN (1)",
        "DELETE FROM shop_order WHERE id IN (1)",
    ],
    "order delete, order first (deferred keys)": [
        "DELETE FROM shop_order WHERE id IN (1)",
        "DELETE FROM shop_payment WHERE order_id IN (1)",
        "DELETE FROM shop_orderitem WHERE order_id IN (1)",
    ],
    "everything deleted": [
        "DELETE FROM shop_orderitem",
        "DELETE FROM shop_payment",
        "DELETE FROM shop_order",
    ],
}


async def _stored_and_computed(
    engine: AsyncEngine,
) -> tuple[list[tuple[int, ...]], list[tuple[int, ...]]]:
    async with engine.connect() as connection:
        stored = (await connection.execute(select(order_totals))).all()
        computed = (await connection.execute(order_sums())).all()
    return sorted(map(tuple, stored)), sorted(map(tuple, computed))


@pytest.fixture
async def installed(engine: AsyncEngine) -> AsyncEngine:
    await write(engine, small_shop())
    await install_stored_totals(engine)
    return engine


@pytest.mark.parametrize("change", list(WRITES))
async def test_the_table_stays_exact_after_a_write(installed: AsyncEngine, change: str) -> None:
    # given: the installed table, exact (the back-fill)
    stored, computed = await _stored_and_computed(installed)
    assert stored == computed
    assert len(stored) == 4
    # when
    await write(installed, WRITES[change])
    # then
    after, expected = await _stored_and_computed(installed)
    assert after == expected
    if change != "item update, nothing that counts":
        assert after != stored


async def test_every_write_in_turn_keeps_it_exact(installed: AsyncEngine) -> None:
    # given / when: all the writes one after the other, on the same shop
    for statements in WRITES.values():
        await write(installed, statements)
        # then
        stored, computed = await _stored_and_computed(installed)
        assert stored == computed


async def test_a_rolled_back_write_leaves_no_trace(installed: AsyncEngine) -> None:
    # given
    before, _ = await _stored_and_computed(installed)
    # when
    async with installed.connect() as connection:
        await connection.execute(text(WRITES["item insert"][0]))
        await connection.rollback()
    # then
    assert (await _stored_and_computed(installed))[0] == before


@pytest.mark.parametrize(
    "change",
    ["order delete, children first (Django)", "order delete, order first (deferred keys)"],
)
async def test_the_shops_own_schema(legacy_engine: AsyncEngine, change: str) -> None:
    # given: the tables of the shop's Django DDL (deferred keys, no ON DELETE)
    await write(legacy_engine, small_shop())
    await install_stored_totals(legacy_engine)
    # when
    for name in ("item insert", "item moved to another order", "payment succeeds", change):
        await write(legacy_engine, WRITES[name])
        # then
        stored, computed = await _stored_and_computed(legacy_engine)
        assert stored == computed
    assert 1 not in [row[0] for row in stored]


async def test_ready_only_once_installed_and_not_after_a_drop(engine: AsyncEngine) -> None:
    # given
    await write(engine, small_shop())
    async with engine.connect() as connection:
        assert not await stored_totals_ready(connection)
    # when
    lines = await install_stored_totals(engine, batch_size=3)
    again = await install_stored_totals(engine)
    # then
    assert lines == [
        "created gw_order_totals (triggers on shop_order, shop_orderitem, shop_payment; "
        "4 orders back-filled)",
        "created gw_order_totals_outstanding_idx",
        "created gw_order_totals_total_idx",
    ]
    assert again == []
    async with engine.connect() as connection:
        assert await stored_totals_ready(connection)
    # when
    dropped = await drop_stored_totals(engine)
    # then: nothing of it is left, and the shop's writes go on
    assert dropped == ["dropped gw_order_totals (its triggers and indexes)"]
    assert await drop_stored_totals(engine) == []
    async with engine.connect() as connection:
        assert not await stored_totals_ready(connection)
    await write(engine, WRITES["item insert"])


async def test_an_interrupted_install_is_not_ready_and_is_finished_by_the_next(
    engine: AsyncEngine,
) -> None:
    # given: an install stopped before its last step (no gw_meta row), and a row made wrong
    await write(engine, small_shop())
    await install_stored_totals(engine)
    await write(
        engine,
        [
            "DELETE FROM gw_meta",
            "UPDATE gw_order_totals SET total_cents = total_cents + 1 WHERE order_id = 2",
        ],
    )
    async with engine.connect() as connection:
        assert not await stored_totals_ready(connection)
    # when
    await install_stored_totals(engine)
    # then: the back-fill refreshed every row
    async with engine.connect() as connection:
        assert await stored_totals_ready(connection)
    stored, computed = await _stored_and_computed(engine)
    assert stored == computed


@POSTGRESQL_ONLY
async def test_a_disabled_trigger_makes_it_not_ready(installed: AsyncEngine) -> None:
    # given
    await write(
        installed, ["ALTER TABLE shop_payment DISABLE TRIGGER gw_order_totals_shop_payment_write"]
    )
    # when
    async with installed.connect() as connection:
        ready = await stored_totals_ready(connection)
    # then
    assert not ready
