"""API tokens in `shop_apitoken`: 40 hex characters from `secrets`, like the original's."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.db.models import ApiToken, Customer
from gateway.errors import BadUserInput

MAX_ID = 2**31 - 1  # Django's AutoField: a 32-bit integer column


@dataclass(frozen=True, slots=True)
class TokenInfo:
    key: str
    customer_id: int
    email: str
    created_at: datetime


def new_key() -> str:
    return secrets.token_hex(20)


async def find_customer_id(session: AsyncSession, customer: str) -> int:
    """A customer by id (ASCII digits) or email; BadUserInput when there is none."""
    is_id = customer.isascii() and customer.isdigit()
    if is_id and int(customer) > MAX_ID:
        raise BadUserInput(f"no customer with id or email {customer!r}")  # not an integer id
    column = Customer.id if is_id else Customer.email
    value: int | str = int(customer) if is_id else customer
    found = (await session.execute(select(Customer.id).where(column == value))).scalar()
    if found is None:
        raise BadUserInput(f"no customer with id or email {customer!r}")
    return found


async def create_token(session: AsyncSession, customer: str) -> str:
    customer_id = await find_customer_id(session, customer)
    key = new_key()
    session.add(ApiToken(key=key, customer_id=customer_id, created_at=datetime.now(UTC)))
    await session.commit()
    return key


async def list_tokens(session: AsyncSession, customer: str | None = None) -> list[TokenInfo]:
    statement = (
        select(ApiToken.key, ApiToken.customer_id, Customer.email, ApiToken.created_at)
        .join(Customer, Customer.id == ApiToken.customer_id)
        .order_by(ApiToken.customer_id, ApiToken.created_at, ApiToken.key)
    )
    if customer is not None:
        statement = statement.where(
            ApiToken.customer_id == await find_customer_id(session, customer)
        )
    return [TokenInfo(*row) for row in await session.execute(statement)]


async def revoke_token(session: AsyncSession, key: str) -> bool:
    """Delete a key; False when it did not exist."""
    result = await session.execute(delete(ApiToken).where(ApiToken.key == key))
    await session.commit()
    return bool(getattr(result, "rowcount", 0))
