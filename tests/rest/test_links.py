"""`next`/`previous`: absolute, every parameter kept, re-encoded sorted (rest.md's table)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from gateway.settings import Settings
from tests.app_client import serve
from tests.factories import add_customer
from tests.rest.conftest import AUTH, ORDERS, TOKEN, add_many_orders, get

BASE = "http://testserver/api/shop/customers/me/orders"


@pytest.fixture
async def many(session: AsyncSession) -> int:
    """131 orders: enough for a next page at `limit=100&offset=30`."""
    return await add_many_orders(session, 131)


@pytest.mark.parametrize(
    ("query", "next_query", "previous_query"),
    [
        ("", "?limit=20&offset=20", None),
        ("offset=5", "?limit=20&offset=25", "?limit=20"),
        ("limit=1000&offset=30", "?limit=100&offset=130", "?limit=100"),
        ("status=new&status=hold", "?limit=20&offset=20&status=new&status=hold", None),
        ("status_in=new,%20hold", "?limit=20&offset=20&status_in=new%2C+hold", None),
        ("ordering=%20-status", "?limit=20&offset=20&ordering=+-status", None),
        ("limit=%2B5&offset=1_0", "?limit=5&offset=15", "?limit=5&offset=5"),
        ("limit=100&offset=31", None, "?limit=100"),
        ("offset=131", None, "?limit=20&offset=111"),
        ("x=a+b&y=%2F&z=caf%C3%A9&z=2&a=", "?a=&limit=20&offset=20&x=a+b&y=%2F&z=caf%C3%A9&z=2",
         None),
        ("offset=99999999999999999999", None, "?limit=20&offset=99999999999999999979"),
    ],
)  # fmt: skip
async def test_links(client: httpx.AsyncClient, many: int, query: str, next_query: str | None,
                     previous_query: str | None) -> None:  # fmt: skip
    body = (await get(client, query)).json()
    assert body["count"] == 131
    assert body["next"] == (None if next_query is None else BASE + next_query)
    assert body["previous"] == (None if previous_query is None else BASE + previous_query)


async def test_past_the_end_is_an_empty_page(client: httpx.AsyncClient, many: int) -> None:
    response = await get(client, "offset=99999999999999999999")
    assert response.content == (
        b'{"count":131,"next":null,"previous":"' + BASE.encode()
        + b'?limit=20&offset=99999999999999999979","results":[]}'
    )  # fmt: skip


async def test_empty_list_links(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await add_customer(session, token=TOKEN)
    await session.commit()
    response = await get(client, "offset=5")
    assert response.content == (
        b'{"count":0,"next":null,"previous":"' + BASE.encode() + b'?limit=20","results":[]}'
    )


async def test_links_use_the_host_header(client: httpx.AsyncClient, many: int) -> None:
    headers = {**AUTH, "Host": "shop.example:8443", "X-Forwarded-Host": "evil.example",
               "X-Forwarded-Proto": "https"}  # fmt: skip
    body = (await client.get(ORDERS, headers=headers)).json()
    assert (
        body["next"] == "http://shop.example:8443/api/shop/customers/me/orders?limit=20&offset=20"
    )


@pytest.fixture
async def proxied(engine: AsyncEngine, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client on an app that trusts its proxy's X-Forwarded-* headers."""
    async with serve(settings, trust_proxy=True) as served:
        yield served.client


@pytest.mark.parametrize(
    ("forwarded", "prefix"),
    [
        ({"X-Forwarded-Proto": "https", "X-Forwarded-Host": "shop.example"},
         "https://shop.example"),
        ({"X-Forwarded-Proto": "https, http", "X-Forwarded-Host": "a.example, b.example"},
         "https://a.example"),
        ({"X-Forwarded-Proto": "gopher"}, "http://testserver"),
        ({}, "http://testserver"),
    ],
)  # fmt: skip
async def test_links_behind_a_trusted_proxy(
    proxied: httpx.AsyncClient, many: int, forwarded: dict[str, str], prefix: str
) -> None:
    body = (await proxied.get(ORDERS, headers={**AUTH, **forwarded})).json()
    assert body["next"] == f"{prefix}/api/shop/customers/me/orders?limit=20&offset=20"
