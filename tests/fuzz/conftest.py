"""Fixtures for fuzzing: a small shop (`mine_and_theirs`: the token's customer with orders
that use every reference row, and another customer's order), a report of what was sent,
and a way to send query strings that httpx refuses to send (raw non-ASCII bytes)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette
from starlette.types import Message

from tests.app_client import Served
from tests.factories import add_customer, add_order, add_references

TOKEN = "a" * 40
AUTH = {"Authorization": f"Token {TOKEN}"}


@pytest.fixture
async def mine_and_theirs(session: AsyncSession) -> None:
    """Three orders of the token's customer, using every reference row, and another
    customer's order (whose notes must never show)."""
    await add_references(session)
    me = await add_customer(session, token=TOKEN)
    other = await add_customer(session, token="b" * 40)
    for n in range(1, 4):
        await add_order(
            session, me, key=f"mine-{n}", notes="gift" if n == 2 else "",
            payment_method_id=n % 2 + 1, billing_country_id=n % 2 + 1,
            billing_state_id=n % 2 + 1, billing_city_id=n % 2 + 1,
            items=[(n, "10.00", n, "0.50")], payments=[("5.00", "succeeded")],
            created_at=datetime(2024, n, 1, tzinfo=UTC),
        )  # fmt: skip
    await add_order(session, other, key="theirs-1", notes="secret")
    await session.commit()


@pytest.fixture(scope="session")
def fuzz_report() -> Iterator[Counter[tuple[str, int]]]:
    """Counts fuzzed requests by (test, status); printed at the end (`pytest -s` shows it)."""
    counts: Counter[tuple[str, int]] = Counter()
    yield counts
    by_test: dict[str, dict[int, int]] = {}
    for (test, status), count in sorted(counts.items()):
        by_test.setdefault(test, {})[status] = count
    print("\nfuzzed requests by test and status:")
    for test, statuses in by_test.items():
        print(f"  {test}: {sum(statuses.values())} {statuses}")


@dataclass(frozen=True, slots=True)
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes


@pytest.fixture
def app(served: Served) -> Starlette:
    """The whole app (the `client` fixture's), for requests httpx cannot send."""
    return served.app


async def raw_get(
    app: Starlette, path: str, query_string: bytes, headers: dict[bytes, bytes]
) -> RawResponse:
    """GET with a query string sent byte for byte (raw non-ASCII bytes included), as a
    lenient HTTP server may pass them on; httpx only sends ASCII."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": query_string, "headers": [(b"host", b"testserver"), *headers.items()],
        "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
    }  # fmt: skip
    messages: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        messages.append(message)

    await app(scope, receive, send)
    start = messages[0]
    return RawResponse(
        status=start["status"],
        headers={k.decode("latin-1"): v.decode("latin-1") for k, v in start["headers"]},
        body=b"".join(m.get("body", b"") for m in messages[1:]),
    )
