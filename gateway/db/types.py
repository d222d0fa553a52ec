"""Column types that read and write the legacy tables exactly as Django stores them.

On PostgreSQL these are the native types. On SQLite, Django declares `decimal`, `bool` and
`datetime` columns, stores decimals with NUMERIC affinity (they come back as floats or
integers) and timestamps as UTC text `YYYY-MM-DD HH:MM:SS[.ffffff]`; these types declare the
same DDL, write the same text and turn what comes back into exact values.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, DateTime, Integer, Numeric
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine, UserDefinedType

CENT = Decimal("0.01")


class SQLiteDeclaredType(UserDefinedType[Any]):
    """A bare SQLite type name (`decimal`, `bool`, `datetime`) with no value processing."""

    cache_ok = True

    def __init__(self, name: str) -> None:
        self.name = name

    def get_col_spec(self, **kw: Any) -> str:
        return self.name


def to_money(value: object) -> Decimal:
    """An exact two-place Decimal from what a driver returns (Decimal, int, float or text)."""
    if isinstance(value, float):
        value = repr(value)  # shortest round-tripping text: 25.5 -> "25.5", never 25.4999…
    return Decimal(value).quantize(CENT)  # type: ignore[arg-type]  # int | str | Decimal


class Money(TypeDecorator[Decimal]):
    """`numeric(12, 2)`; exact to the cent on both backends."""

    impl = Numeric(12, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(SQLiteDeclaredType("decimal"))
        return dialect.type_descriptor(Numeric(12, 2))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return str(to_money(value))  # as Django writes it; NUMERIC affinity converts
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else to_money(value)

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        if dialect.name == "postgresql":
            return None  # numeric(12, 2): the driver's Decimal already has two places
        return super().result_processor(dialect, coltype)


class UTCDateTime(TypeDecorator[datetime]):
    """`timestamp with time zone` / SQLite `datetime` text in UTC; always aware in Python."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(SQLiteDeclaredType("datetime"))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous here; pass an aware one")
        if dialect.name == "sqlite":
            # str() omits the fraction when microseconds are 0, exactly like Django.
            return str(value.astimezone(UTC).replace(tzinfo=None))
        return value

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        if dialect.name == "postgresql":
            return None  # asyncpg returns `timestamptz` aware, in UTC
        return super().result_processor(dialect, coltype)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class LegacyBool(TypeDecorator[bool]):
    """`boolean` / SQLite `bool` (stored 0/1)."""

    impl = Boolean
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(SQLiteDeclaredType("bool"))
        return dialect.type_descriptor(Boolean())

    def process_bind_param(self, value: bool | None, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return int(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> bool | None:
        return None if value is None else bool(value)


def unsigned_integer() -> TypeEngine[int]:
    """Django's PositiveIntegerField: `integer` (+ CHECK) on PostgreSQL, `integer unsigned`
    on SQLite."""
    return Integer().with_variant(SQLiteDeclaredType("integer unsigned"), "sqlite")
