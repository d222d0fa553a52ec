"""Token authentication shared by every path: the legacy header rules and messages of
`spec/rest.md`, plus `Bearer` as a second keyword."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, bindparam, select

from gateway.db.core import Reader, execute_select
from gateway.db.models import ApiToken, Customer
from gateway.errors import AuthenticationFailed
from gateway.orders.records import CustomerRecord

KEYWORDS = (b"token", b"bearer")

NOT_PROVIDED = "Authentication credentials were not provided."
NO_CREDENTIALS = "Invalid token header. No credentials provided."
HAS_SPACES = "Invalid token header. Token string should not contain spaces."
INVALID_CHARACTERS = "Invalid token header. Token string should not contain invalid characters."
INVALID_TOKEN = "Invalid token."
INACTIVE = "User inactive or deleted."


class CredentialsMissing(AuthenticationFailed):
    """No credentials at all (DRF's NotAuthenticated), as opposed to bad ones."""


def token_from_header(header: bytes | None) -> str:
    """The key in an `Authorization: Token <key>` (or `Bearer <key>`) header.

    The header is split on runs of whitespace and the keyword is case-insensitive.
    """
    parts = (header or b"").split()
    if not parts or parts[0].lower() not in KEYWORDS:
        raise CredentialsMissing(NOT_PROVIDED)
    if len(parts) == 1:
        raise AuthenticationFailed(NO_CREDENTIALS)
    if len(parts) > 2:
        raise AuthenticationFailed(HAS_SPACES)
    try:
        return parts[1].decode("utf-8")
    except UnicodeDecodeError:
        raise AuthenticationFailed(INVALID_CHARACTERS) from None


# A `CustomerRecord`'s columns, in its fields' order.
CUSTOMER_COLUMNS = (
    Customer.id,
    Customer.first_name,
    Customer.last_name,
    Customer.email,
    Customer.mobile_number,
    Customer.is_active,
)
# Built once: building it per request cost more than running it.
_TOKEN_STATEMENT = (
    select(*CUSTOMER_COLUMNS)
    .join(ApiToken, ApiToken.customer_id == Customer.id)
    .where(ApiToken.key == bindparam("token_key", type_=String))
)


async def customer_for_token(reader: Reader, key: str) -> CustomerRecord:
    """The active customer holding `key`; one statement."""
    if "\x00" in key or len(key) > 40:
        raise AuthenticationFailed(INVALID_TOKEN)  # no stored key can look like this
    row: Any = (await execute_select(reader, _TOKEN_STATEMENT, {"token_key": key})).first()
    if row is None:
        raise AuthenticationFailed(INVALID_TOKEN)
    customer_id, first_name, last_name, email, mobile_number, is_active = row
    if not is_active:
        raise AuthenticationFailed(INACTIVE)
    return CustomerRecord(customer_id, first_name, last_name, email, mobile_number, is_active)


async def authenticate(reader: Reader, header: bytes | None) -> CustomerRecord:
    return await customer_for_token(reader, token_from_header(header))
