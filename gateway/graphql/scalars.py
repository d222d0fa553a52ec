"""The custom scalars `Decimal`, `DateTime` and `Date`, in the wire format REST uses.

They replace Strawberry's built-in scalars of the same names through `scalar_map`, so types
annotate plain `Decimal`, `datetime` and `date`. `Decimal` and `DateTime` are output only.
Each carries `@specifiedBy(url:)` pointing at its definition in `docs/scalars.md`, on the
repository's public host (`DOCS_URL`, the project's documentation URL in pyproject.toml).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import strawberry
from strawberry.types.scalar import ScalarDefinition

from gateway.orders import format_money

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
# Absolute, as `@specifiedBy` requires: where the documentation is published.
DOCS_URL = "https://github.com/shop-gateway/shop-gateway/blob/main/docs/"
SCALARS_PAGE = "scalars.md"


def serialize_decimal(value: Decimal) -> str:
    return format_money(value)


def serialize_datetime(value: datetime) -> str:
    """ISO 8601 in UTC with `Z`; a fraction only when there are microseconds (as REST)."""
    if value.tzinfo is not UTC:  # the database's values already are in UTC
        value = value.astimezone(UTC)
    return value.isoformat().replace("+00:00", "Z")


def serialize_date(value: date) -> str:
    return value.isoformat()


def parse_date(value: object) -> date:
    """`YYYY-MM-DD` only: `date.fromisoformat` alone would also take `20240101`."""
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise ValueError("Date must be YYYY-MM-DD")
    return date.fromisoformat(value)


DECIMAL = strawberry.scalar(
    name="Decimal",
    description='An exact amount of money: a string with two decimal places, e.g. "12.50".',
    specified_by_url=f"{DOCS_URL}{SCALARS_PAGE}#decimal",
    serialize=serialize_decimal,
)
DATE_TIME = strawberry.scalar(
    name="DateTime",
    description="An instant in ISO 8601, in UTC with a Z suffix, e.g. "
    '"2024-03-01T12:00:00Z" (a fraction of a second only when it is not zero).',
    specified_by_url=f"{DOCS_URL}{SCALARS_PAGE}#datetime",
    serialize=serialize_datetime,
)
DATE = strawberry.scalar(
    name="Date",
    description='A calendar date, ISO 8601 "YYYY-MM-DD" only, e.g. "2024-03-01".',
    specified_by_url=f"{DOCS_URL}{SCALARS_PAGE}#date",
    serialize=serialize_date,
    parse_value=parse_date,
)
SCALAR_MAP: dict[object, ScalarDefinition] = {Decimal: DECIMAL, datetime: DATE_TIME, date: DATE}
