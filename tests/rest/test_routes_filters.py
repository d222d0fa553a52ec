"""Filters, search and ordering through the endpoint: one case per row of rest.md's tables,
on the three orders of the `three_orders` fixture (another customer's order never shows)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from gateway.cli import main
from gateway.db import optional
from gateway.db.search_indexes import create_search_indexes, drop_search_indexes
from gateway.db.stored_install import drop_stored_totals, install_stored_totals
from gateway.settings import Settings
from tests.app_client import Served, serve
from tests.conftest import POSTGRESQL_ONLY
from tests.factories import add_customer, add_order, add_references, fill_stored_totals
from tests.rest.conftest import (
    ALL,
    CANCELLED_UNPAID,
    COMPLETED_PAID,
    NEW_UNPAID,
    TOKEN,
    get,
    ids,
)
from tests.sql_counter import count_statements

N, C, X = NEW_UNPAID, COMPLETED_PAID, CANCELLED_UNPAID
STATUS = "Select a valid choice. {} is not one of the available choices."
TOO_LARGE = "Ensure this value is less than or equal to 1e+50."
CHOICE = "Select a valid choice. That choice is not one of the available choices."


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ALL),
        ("status=new", [N]),
        ("status=deleted", []),
        ("status=completed&status=", ALL),  # last value wins
        ("status=new&status=completed", [C]),
        ("status_in=new,%20completed", [C, N]),
        ("status_in=pending,processing,completed", [C]),
        ("status_in=,", []),
        ("status_in=", ALL),
        ("payment_method=1", [N]),
        ("payment_method=%2B2", [C]),
        ("shipping_method=%202", [C]),
        ("billing_country=2", [C]),
        ("billing_state=1", [N]),
        ("billing_city=2", [C]),
        ("payment_method_in=1,2", [C, N]),
        ("shipping_method_in=1.9", [N]),
        ("billing_country_in=2e0,", [C]),
        ("billing_state_in=,", []),
        ("billing_city_in=99999999999999999999,-1e400,1", [N]),
        ("is_paid=true", [C]),
        ("is_paid=FALSE", [X, N]),
        ("is_paid=yes", ALL),
        ("is_paid=%20true", ALL),
        ("is_payable=1", [N]),
        ("is_payable=0", [X, C]),
        ("has_notes=True", [X, C]),
        ("has_notes=false", [N]),
        ("has_notes=on", ALL),
        ("id_min=2", [X, C]),
        ("id_max=2.9", [C, N]),
        ("id_min=-1.5&id_max=1.5", [N]),
        ("id_min=99999999999999999999", []),
        ("id_max=99999999999999999999", ALL),
        ("id_min=-99999999999999999999", ALL),
        ("created_date=2024-04-06", [C]),
        ("created_date=04/06/2024", [C]),
        ("created_date=2025-6-4", [X]),
        ("created_date=Apr%2006%202024", [C]),
        ("created_date=%2006%20April,%202024%20", [C]),
        ("updated_date=2024-04-07", [C]),
        ("created_from=2024-04-06", [X, C]),
        ("created_to=2024-04-06", [C, N]),
        ("updated_from=2024-04-07", [X, C]),
        ("updated_to=2024-04-06", [N]),
        ("colour=red&page=2", ALL),
    ],
)
async def test_filters(client: httpx.AsyncClient, three_orders: dict[str, Any], query: str,
                       expected: list[int]) -> None:  # fmt: skip
    response = await get(client, query)
    assert ids(response) == expected
    assert response.json()["count"] == len(expected)


@pytest.mark.parametrize(
    ("query", "body"),
    [
        ("status=New", {"status": [STATUS.format("New")]}),
        ("status=%20new", {"status": [STATUS.format(" new")]}),
        ("status_in=new,a%00", {"status_in": ["Null characters are not allowed."]}),
        ("payment_method=99", {"payment_method": [CHOICE]}),
        ("payment_method=abc", {"payment_method": [CHOICE]}),
        ("payment_method=1.0", {"payment_method": [CHOICE]}),
        ("payment_method=0", {"payment_method": [CHOICE]}),
        ("billing_city=99999999999999999999", {"billing_city": [CHOICE]}),
        ("payment_method_in=1,abc", {"payment_method_in": ["Enter a number."]}),
        ("shipping_method_in=1e51", {"shipping_method_in": [TOO_LARGE]}),
        ("id_min=%20", {"id_min": ["Enter a number."]}),
        ("id_min=NaN", {"id_min": ["Enter a number."]}),
        ("id_max=Infinity", {"id_max": ["Enter a number."]}),
        ("id_max=1e51", {"id_max": [TOO_LARGE]}),
        ("created_from=2024-01-01T10:00:00", {"created_from": ["Enter a valid date."]}),
    ],
)  # fmt: skip
async def test_filter_errors(client: httpx.AsyncClient, three_orders: dict[str, Any], query: str,
                             body: object) -> None:  # fmt: skip
    response = await get(client, query)
    assert (response.status_code, response.json()) == (400, body)


@pytest.fixture
async def people(session: AsyncSession) -> dict[str, int]:
    """Orders whose billing names, notes and places exercise case folding and wildcards
    (keys without digits: a key is searched too, and the factory's count in it varies)."""
    await add_references(session)
    me = await add_customer(session, token=TOKEN)
    made = {
        "yilmaz": await add_order(session, me, id=12, key="k-y", billing_last_name="Yılmaz"),
        "greek": await add_order(session, me, id=120, key="k-g",
                                 billing_last_name="Παπαδόπουλος"),
        "iceland": await add_order(session, me, id=412, key="k-i", billing_last_name="B",
                                   billing_country_id=2, notes="50%_off \\ now"),
        "istanbul": await add_order(session, me, id=7, key="k-t", billing_last_name="C",
                                    billing_state_id=1, notes="Straße"),
    }  # fmt: skip
    await session.commit()
    return made


# The searches above whose every term has a trigram (the others scan in any spelling).
TRIGRAM_SEARCHES = {"yil", "%CE%9F%CE%A5%CE%9B%CE%9F%CE%A3", "%C3%ADsland", "istanbul",
                    "strasse", "stra%C3%9Fe"}  # fmt: skip


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("yil", ["yilmaz"]),
        ("%CE%9F%CE%A5%CE%9B%CE%9F%CE%A3", ["greek"]),  # ΟΥΛΟΣ finds Παπαδόπουλος
        ("%C3%ADsland", ["iceland"]),  # ísland finds Ísland
        ("istanbul", []),  # İ upper-cases to itself, not to I
        ("strasse", []),
        ("stra%C3%9Fe", ["istanbul"]),
        ("0%25_o", ["iceland"]),
        ("0%25x", []),
        ("_", ["iceland"]),
        ("%5C", ["iceland"]),
        ("12", ["greek", "iceland", "yilmaz"]),  # ids matched as text: 12, 120, 412
        ("12+b", ["iceland"]),  # every term must match
        ("%22%22", ["greek", "iceland", "istanbul", "yilmaz"]),  # the empty term
        ("%20", ["greek", "iceland", "istanbul", "yilmaz"]),  # no terms
    ],
)
@pytest.mark.parametrize("indexed", [False, True], ids=["scan", "indexed"])
async def test_search(served: Served, people: dict[str, int], search: str,
                      expected: list[str], indexed: bool) -> None:  # fmt: skip
    # given the search spelled for a scan, or for the trigram indexes (same answers)
    served.app.state.database.search_indexes = indexed
    # when
    with count_statements(served.app.state.database.engine) as log:
        response = await get(served.client, f"search={search}&ordering=id")
    # then
    names = {order_id: name for name, order_id in people.items()}
    assert sorted(names[order_id] for order_id in ids(response)) == expected
    assert response.json()["count"] == len(expected)
    # the token, the page with its count (after an empty page, the count alone)
    assert len(log.statements) == (2 if expected else 3)
    assert ("UNION ALL" in log.statements[1]) == (indexed and search in TRIGRAM_SEARCHES)


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("", [X, C, N]),
        ("status", [X, C, N]),
        ("-status", [N, C, X]),
        ("%20-status%20", [N, C, X]),
        ("Status", [X, C, N]),  # mis-cased: default
        ("--id", [X, C, N]),
        ("nope,id", [N, C, X]),
        ("billing_state__name", [C, N, X]),  # Höfuðborgarsvæðið, İstanbul; NULL last
        ("-billing_state__name", [X, N, C]),  # NULL first descending
        ("payment_method__name,id", [C, N, X]),  # Bank transfer, Credit card, NULL
        ("shipping_cost,-created_at", [X, C, N]),  # equal costs: the second key decides
    ],
)
async def test_ordering(client: httpx.AsyncClient, three_orders: dict[str, Any], ordering: str,
                        expected: list[int]) -> None:  # fmt: skip
    assert ids(await get(client, f"ordering={ordering}")) == expected


async def test_ties_broken_by_descending_id(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    me = await add_customer(session, token=TOKEN)
    first = await add_order(session, me, status="new")
    second = await add_order(session, me, status="new")
    await session.commit()
    assert ids(await get(client, "ordering=status")) == [second, first]


@pytest.fixture
async def tokyo(engine: AsyncEngine, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client on an app whose date filters use Tokyo's calendar (UTC+9)."""
    async with serve(settings, timezone="Asia/Tokyo") as served:
        yield served.client


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("created_date=2024-04-06", []),  # 23:30 UTC is the next morning in Tokyo
        ("created_date=2024-04-07", [C]),
        ("created_to=2024-04-06", [N]),
        ("updated_from=2025-06-04", [X]),
    ],
)
async def test_dates_use_the_configured_zone(
    tokyo: httpx.AsyncClient, three_orders: dict[str, Any], query: str, expected: list[int]
) -> None:
    assert ids(await get(tokyo, query)) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("is_paid=true", [C]),
        ("is_paid=false", [X, N]),
        ("is_payable=true", [N]),
        ("is_payable=false&search=a", [X, C]),
    ],
)
async def test_money_filters_read_the_stored_totals_when_the_database_has_them(
    served: Served, session: AsyncSession, three_orders: dict[str, Any], query: str,
    expected: list[int],
) -> None:  # fmt: skip
    # given the stored totals installed and filled, and the app told so
    await fill_stored_totals(session)
    served.app.state.database.stored_totals = True

    # when a money filter is asked for
    with count_statements(served.app.state.database.engine) as log:
        response = await get(served.client, query)

    # then the answer is the computed one, read from the stored table
    assert ids(response) == expected
    assert response.json()["count"] == len(expected)
    assert "gw_order_totals" in log.statements[-1]


async def test_the_app_reads_the_stored_totals_once_installed_and_stops_after_a_drop(
    served: Served, engine: AsyncEngine, three_orders: dict[str, Any]
) -> None:
    database = served.app.state.database
    # given an app started before the stored totals exist: it sums
    assert database.stored_totals is False
    # when the DBA installs them and the balancer's probe asks for readiness
    await install_stored_totals(engine)
    assert (await served.client.get("/readyz")).status_code == 200

    # then money filters read the stored table, with the same answer
    with count_statements(database.engine) as log:
        response = await get(served.client, "is_paid=false")
    assert ids(response) == [X, N]
    assert "gw_order_totals" in log.statements[-1]

    # and after a drop and the next probe, they sum again
    await drop_stored_totals(engine)
    assert (await served.client.get("/readyz")).status_code == 200
    with count_statements(database.engine) as log:
        response = await get(served.client, "is_paid=false")
    assert ids(response) == [X, N]
    assert "gw_order_totals" not in log.statements[-1]


@POSTGRESQL_ONLY
async def test_the_app_uses_the_search_indexes_once_installed_and_stops_after_a_drop(
    served: Served, engine: AsyncEngine, people: dict[str, int]
) -> None:
    database = served.app.state.database
    assert database.search_indexes is False
    # when the DBA installs them and the balancer's probe asks for readiness
    await create_search_indexes(engine)
    assert (await served.client.get("/readyz")).status_code == 200
    # then the search is spelled for them, with the same answer
    assert database.search_indexes is True
    assert ids(await get(served.client, "search=yil")) == [people["yilmaz"]]
    # and after a drop and the next probe, it scans again
    await drop_search_indexes(engine)
    assert (await served.client.get("/readyz")).status_code == 200
    assert database.search_indexes is False
    assert ids(await get(served.client, "search=yil")) == [people["yilmaz"]]


async def test_an_app_started_on_installed_stored_totals_reads_them(
    settings: Settings, engine: AsyncEngine
) -> None:
    await install_stored_totals(engine)
    async with serve(settings) as served:
        assert served.app.state.database.stored_totals is True


async def test_each_process_follows_an_install_without_a_probe(
    settings: Settings, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a process that re-checks often, started before the install (as a worker of
    # `--workers N` that the balancer's probes do not reach)
    monkeypatch.setattr(optional, "OPTIONAL_STRUCTURES_RECHECK", 0.05)
    async with serve(settings) as served:
        database = served.app.state.database
        assert database.stored_totals is False
        # when the DBA installs the stored totals, then the process reads them soon
        await install_stored_totals(engine)
        for _ in range(100):
            if database.stored_totals:
                break
            await asyncio.sleep(0.05)
        assert database.stored_totals is True


async def test_a_drop_by_the_command_never_fails_a_running_services_request(
    settings: Settings,
    engine: AsyncEngine,
    three_orders: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given a service reading the stored totals, whose processes re-check every 0.05 s
    caplog.set_level(logging.INFO, logger="gateway.db.connections")
    monkeypatch.setattr(optional, "OPTIONAL_STRUCTURES_RECHECK", 0.05)
    monkeypatch.setenv("GATEWAY_DATABASE_SCHEMA", settings.database_schema)
    await install_stored_totals(engine)
    async with serve(settings) as served:
        database = served.app.state.database
        assert database.stored_totals is True
        # when the DBA drops them with the command (a grace of 10 re-checks), while
        # customers keep filtering by a money field
        command = ["db", "indexes", "--drop", "--only", "totals", "--grace", "0.5"]
        command += ["--database-url", settings.database_url]
        drop = asyncio.create_task(asyncio.to_thread(main, command))
        answers = []
        while not drop.done():
            answers.append(await get(served.client, "is_paid=false"))
        # then every answer is the computed one, the table is gone and the service sums
        assert await drop == 0
        assert {(r.status_code, tuple(ids(r))) for r in answers} == {(200, (X, N))}
        assert len(answers) > 1
        assert database.stored_totals is False
    said = capsys.readouterr()
    # and the service said when it started and when it stopped reading them
    logged = [r.getMessage() for r in caplog.records if r.name == "gateway.db.connections"]
    assert [m for m in logged if m.startswith("stored")] == [
        "stored order totals: read",
        "stored order totals: not read",
    ]
    assert said.out == "dropped gw_order_totals (its triggers and indexes)\n"
    assert said.err.startswith("gw_order_totals: running services stop reading it within 0.5 s")
