"""SQL expressions whose spelling differs by backend, written once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import BigInteger
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import String

from gateway.db.sqlite import UPPER_FUNCTION


class folded_upper(FunctionElement[str]):  # SQL functions read lower-case
    """`UPPER(x)` with Unicode's simple mapping on every backend (see `db.sqlite`)."""

    type = String()
    inherit_cache = True


class greatest(FunctionElement[int]):  # SQL functions read lower-case
    """The larger of non-NULL integers: PostgreSQL's `GREATEST`, SQLite's scalar `max`
    (which differ only on NULLs). Evaluates each argument once, where a CASE repeats it."""

    type = BigInteger()
    inherit_cache = True


def _spelled(function: type[FunctionElement[Any]], name: str, sqlite_name: str) -> None:
    """Compile `function(arguments)` as `name(arguments)`, on SQLite as `sqlite_name(…)`."""

    def spelling(name: str) -> Callable[..., str]:
        def compile_call(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> str:
            return f"{name}({compiler.process(element.clauses, **kw)})"

        return compile_call

    compiles(function)(spelling(name))
    compiles(function, "sqlite")(spelling(sqlite_name))


_spelled(folded_upper, "upper", UPPER_FUNCTION)
_spelled(greatest, "greatest", "max")


class cents(FunctionElement[int]):
    """A money column as an exact integer number of cents.

    SQLite keeps decimals as floats, so sums of them drift; sums of integer cents do not.
    PostgreSQL's numeric is exact already, and bigint cents keep both backends alike.
    """

    type = BigInteger()
    inherit_cache = True


@compiles(cents)
def _cents(element: cents, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(({compiler.process(element.clauses, **kw)}) * 100 AS BIGINT)"


@compiles(cents, "sqlite")
def _cents_sqlite(element: cents, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(round(({compiler.process(element.clauses, **kw)}) * 100) AS INTEGER)"
