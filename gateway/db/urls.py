"""Database URLs the way users write them, turned into SQLAlchemy async URLs."""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_SQLITE_PATH = ".gateway/demo.sqlite3"

_ASYNC_DRIVERS = {
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
}


def parse_database_url(value: str) -> URL:
    """Parse `postgresql://…`, `postgres://…`, `sqlite:///…` or the async-driver forms.

    Raises ValueError with a message fit for a user.
    """
    try:
        url = make_url(value.strip())
    except ArgumentError as exc:
        raise ValueError(f"not a database URL: {value!r}") from exc
    driver = _ASYNC_DRIVERS.get(url.drivername)
    if driver is None:
        known = "postgresql://user@host/db or sqlite:///path/file.sqlite3"
        raise ValueError(f"unsupported database {url.drivername!r}; use {known}")
    url = url.set(drivername=driver)
    if driver.startswith("postgresql") and "sslmode" in url.query:
        # libpq spells it sslmode; asyncpg takes the same values as `ssl`.
        query = dict(url.query)
        query["ssl"] = query.pop("sslmode")
        url = url.set(query=query)
    return url


def normalize_database_url(value: str) -> str:
    return parse_database_url(value).render_as_string(hide_password=False)


def is_sqlite(url: str | URL) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str | URL) -> str | None:
    """The file of a SQLite URL (None for other backends and in-memory databases)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return parsed.database
