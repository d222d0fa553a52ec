"""Helpers for GraphQL tests: post a document as a customer, read `data` or the errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import add_customer, add_references

MY_TOKEN = "a" * 40
OTHER_TOKEN = "b" * 40

Post = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def post(client: httpx.AsyncClient) -> Post:
    """`await post(DOCUMENT, token=..., **variables)` -> the response body (status 200)."""

    async def run(document: str, *, token: str | None = MY_TOKEN, **variables: Any) -> Any:
        headers = {"Authorization": f"Token {token}"} if token else {}
        response = await client.post(
            "/graphql", json={"query": document, "variables": variables}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json()

    return run


def counted(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[int]:
    """Wraps `owner.name` for the test; the returned list grows by one entry per call."""
    calls: list[int] = []
    original = getattr(owner, name)

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counting)
    return calls


def data(body: dict[str, Any]) -> Any:
    """The `data` of a body that has no errors."""
    assert "errors" not in body, body["errors"]
    return body["data"]


def error_codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body["errors"]]


@dataclass(frozen=True, slots=True)
class Customers:
    me: int
    other: int


@pytest.fixture
async def customers(session: AsyncSession) -> Customers:
    """Reference rows (ids 1 and 2 of each) and two customers with tokens."""
    await add_references(session)
    me = await add_customer(session, token=MY_TOKEN, first_name="Ayşe", email="me@example.com")
    other = await add_customer(session, token=OTHER_TOKEN, email="other@example.com")
    await session.commit()
    return Customers(me=me, other=other)


def without_cost(body: dict[str, Any]) -> dict[str, Any]:
    """A body without its `extensions` (`extensions.cost`, tested in test_cost.py)."""
    return {key: value for key, value in body.items() if key != "extensions"}
