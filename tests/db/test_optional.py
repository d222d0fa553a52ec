"""`gateway db indexes` by part (`--only`, `--skip`), `--drop` of all, and `--check`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import cli
from gateway.cli import main
from gateway.settings import Settings
from tests.db.shop_writes import small_shop, write

Run = Callable[..., Awaitable[int]]
ORDER_INDEXES = [
    "gw_order_customer_created_idx",
    "gw_order_customer_updated_idx",
    "gw_order_customer_status_created_idx",
    "gw_order_customer_id_idx",
]
TOTALS = [
    "created gw_order_totals (triggers on shop_order, shop_orderitem, shop_payment; "
    "4 orders back-filled)",
    "created gw_order_totals_outstanding_idx",
    "created gw_order_totals_total_idx",
]
SEARCH_INDEXES = [
    "gw_order_search_id_idx",
    "gw_order_search_key_idx",
    "gw_order_search_notes_idx",
    "gw_country_search_name_idx",
    "gw_state_search_name_idx",
    "gw_city_search_name_idx",
    "gw_order_search_first_name_idx",
    "gw_order_search_last_name_idx",
    "gw_order_search_mobile_idx",
]


@pytest.fixture
def gateway(engine: AsyncEngine, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Run:
    """Runs `gateway db indexes <args>` on the test's database; its exit code."""
    monkeypatch.setenv("GATEWAY_DATABASE_SCHEMA", settings.database_schema)

    async def run(*args: str) -> int:
        command = ["db", "indexes", *args, "--database-url", settings.database_url]
        # the CLI runs its own event loop, so it runs in a thread here
        return await asyncio.to_thread(main, command)

    return run


async def test_installs_every_part_then_drops_them(
    engine: AsyncEngine, gateway: Run, backend: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    await write(engine, small_shop())
    run = gateway
    # when
    codes = [await run(), await run(), await run("--drop", "--grace", "0"), await run("--drop")]
    # then: SQLite has no trigram index, so no search part
    search = SEARCH_INDEXES if backend == "postgresql" else []
    assert codes == [0, 0, 0, 0]
    assert capsys.readouterr().out.splitlines() == [
        *(f"created {name}" for name in ORDER_INDEXES),
        *TOTALS,
        *(f"created {name}" for name in search),
        "all indexes already exist",
        *(f"dropped {name}" for name in ORDER_INDEXES),
        "dropped gw_order_totals (its triggers and indexes)",
        *(f"dropped {name}" for name in search),
        "none of the indexes exist",
    ]


async def test_only_and_skip_pick_parts(
    engine: AsyncEngine, gateway: Run, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    await write(engine, small_shop())
    run = gateway
    # when
    codes = [
        await run("--only", "totals"),
        await run("--skip", "totals,search"),
        await run("--drop", "--only", "orders,totals", "--grace", "0"),
    ]
    # then
    assert codes == [0, 0, 0]
    assert capsys.readouterr().out.splitlines() == [
        *TOTALS,
        *(f"created {name}" for name in ORDER_INDEXES),
        *(f"dropped {name}" for name in ORDER_INDEXES),
        "dropped gw_order_totals (its triggers and indexes)",
    ]


async def test_an_unknown_part_is_a_usage_error(
    gateway: Run, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    run = gateway
    # when
    with pytest.raises(SystemExit) as exit_:
        await run("--only", "totals,names")
    # then
    assert exit_.value.code == 2
    assert "names: parts are orders, totals, search" in capsys.readouterr().err


async def test_check_names_the_orders_that_differ(
    engine: AsyncEngine, gateway: Run, capsys: pytest.CaptureFixture[str]
) -> None:
    # given: the stored totals installed, exact
    await write(engine, small_shop())
    run = gateway
    assert await run("--only", "totals") == 0
    capsys.readouterr()
    assert await run("--check") == 0
    assert capsys.readouterr().out == "gw_order_totals matches its recomputation\n"
    # when: rows made wrong behind the triggers' back
    await write(
        engine,
        [
            "UPDATE gw_order_totals SET total_cents = total_cents + 1 WHERE order_id = 2",
            "DELETE FROM gw_order_totals WHERE order_id = 3",
            "INSERT INTO gw_order_totals VALUES (99, 1, 0, 0, 0, 0, 0, 0, 0)",
        ],
    )
    code = await run("--check")
    # then: one line per order, naming the columns and both values
    assert code == 1
    assert capsys.readouterr().out.splitlines() == [
        "order 2: total_cents stored 201 computed 200",
        "order 3: no stored row",
        "order 99: stored, but there is no such order",
    ]


async def test_check_without_the_stored_totals_says_so(
    engine: AsyncEngine, gateway: Run, capsys: pytest.CaptureFixture[str]
) -> None:
    # given / when
    run = gateway
    code = await run("--check")
    # then
    assert code == 1
    assert capsys.readouterr().out == (
        "gw_order_totals is not installed (or its install did not finish)\n"
    )


async def test_the_command_runs_without_the_services_statement_timeout(
    engine: AsyncEngine, gateway: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a service setting that would cancel a big shop's index build
    await write(engine, small_shop())
    monkeypatch.setenv("GATEWAY_STATEMENT_TIMEOUT", "0.5")
    timeouts: list[float] = []
    create_engine = cli.create_engine

    def recording(settings: Settings, **options: Any) -> AsyncEngine:
        timeouts.append(settings.statement_timeout)
        return create_engine(settings, **options)

    monkeypatch.setattr(cli, "create_engine", recording)
    # when
    assert await gateway("--only", "orders") == 0
    # then
    assert timeouts == [0]
