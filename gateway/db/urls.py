"""Database URLs the way users write them: what SQLAlchemy connects with, and how.

Two spellings of PostgreSQL are accepted:

- libpq's connection URI (`postgresql://…` / `postgres://…`), as psql and every PostgreSQL
  tool write it: several hosts (`h1:5432,h2:5432`), `[::1]` addresses, percent-encoded
  socket folders (`%2Fvar%2Frun%2Fpostgresql`), `?host=`/`port=` parameters,
  `target_session_attrs`, `sslmode` and the other `ssl*` files, `passfile`, `service`. It is
  checked here and handed to asyncpg whole (asyncpg parses it as libpq does); SQLAlchemy only
  sees the dialect. SQLAlchemy's own URL grammar cannot hold a host list in the authority
  (`int('5432,h2:5432')` fails).
- SQLAlchemy's (`postgresql+asyncpg://…`, several hosts as `?host=h1:5432&host=h2:5432`),
  which SQLAlchemy parses and turns into asyncpg's arguments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

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
LIBPQ_SCHEMES = ("postgresql", "postgres")
# libpq URI parameters asyncpg reads itself (asyncpg.connect_utils).
_DRIVER_PARAMETERS = frozenset({
    "host", "port", "dbname", "user", "password", "passfile", "service", "sslmode", "sslcert",
    "sslkey", "sslrootcert", "sslcrl", "sslpassword", "sslnegotiation",
    "ssl_min_protocol_version", "ssl_max_protocol_version", "target_session_attrs",
    "krbsrvname", "gsslib",
})  # fmt: skip
# Sent to the server at start-up, as libpq does (asyncpg passes any other key the same way,
# where libpq refuses it: the gateway refuses unknown keys too).
_SERVER_PARAMETERS = frozenset({"application_name", "options", "client_encoding"})
_CONNECT_TIMEOUT = "connect_timeout"  # libpq's name; asyncpg's `timeout` argument
_CHOICES = {
    "target_session_attrs": (
        "any", "read-write", "read-only", "primary", "standby", "prefer-standby",
    ),
    "sslmode": ("disable", "allow", "prefer", "require", "verify-ca", "verify-full"),
}  # fmt: skip
_HOSTSPEC = re.compile(r"(?P<host>\[[^\]]*\]|[^:\[\]]*)(?::(?P<port>[^:]*))?")


@dataclass(frozen=True, slots=True)
class DatabaseTarget:
    """What the engine is built from: SQLAlchemy's URL (the dialect, and for SQLAlchemy's
    own spelling, the whole address), the arguments given to the driver's `connect` (for a
    libpq URI: the URI itself, as `dsn`) and the server settings the URI names
    (`application_name`, `options`), which take precedence over the gateway's."""

    url: URL
    connect_args: dict[str, Any] = field(default_factory=dict)
    server_settings: dict[str, str] = field(default_factory=dict)


def _scheme(value: str) -> str:
    return value.partition(":")[0].lower()


def is_libpq_uri(value: str) -> bool:
    return _scheme(value.strip()) in LIBPQ_SCHEMES


def _check_libpq_uri(value: str) -> None:
    """Refuse, with a message fit for a user, what libpq would refuse (a port that is not a
    number, an unknown parameter, a value outside a parameter's choices)."""
    parts = urlsplit(value)
    hostlist = parts.netloc.rpartition("@")[2]
    for spec in hostlist.split(",") if hostlist else []:
        match = _HOSTSPEC.fullmatch(spec)
        port = match["port"] if match else None
        if match is None or (port is not None and not unquote(port).isdigit()):
            raise ValueError(f"not a host[:port] in the database URL: {unquote(spec)!r}")
    try:
        query = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError as exc:
        raise ValueError(f"not a query string in the database URL: {parts.query!r}") from exc
    for key, given in query:
        if key not in _DRIVER_PARAMETERS | _SERVER_PARAMETERS | {_CONNECT_TIMEOUT}:
            raise ValueError(f"unsupported database URL parameter {key!r}")
        choices = _CHOICES.get(key)
        if choices is not None and given not in choices:
            raise ValueError(f"{key}={given!r} in the database URL; use one of {choices}")
        numeric = key in ("port", _CONNECT_TIMEOUT)
        if numeric and not all(part.isdigit() for part in given.split(",")):
            raise ValueError(f"{key}={given!r} in the database URL is not a number")


def _libpq_target(value: str) -> DatabaseTarget:
    """The URI goes to asyncpg as `dsn`, less two kinds of parameters: libpq's
    `connect_timeout` becomes asyncpg's `timeout` (asyncpg would send it to the server as a
    setting, which refuses it), and server settings are passed apart, so that the gateway's
    own (its `application_name`) give way to them."""
    base, _, query_string = value.partition("?")
    query = parse_qsl(query_string, keep_blank_values=True)
    kept = urlencode([(key, given) for key, given in query if key in _DRIVER_PARAMETERS])
    connect_args: dict[str, Any] = {"dsn": f"{base}?{kept}" if kept else base}
    timeouts = [given for key, given in query if key == _CONNECT_TIMEOUT]
    if timeouts and int(timeouts[-1]) > 0:  # libpq: 0 means wait indefinitely
        connect_args["timeout"] = int(timeouts[-1])
    server_settings = {key: given for key, given in query if key in _SERVER_PARAMETERS}
    return DatabaseTarget(URL.create("postgresql+asyncpg"), connect_args, server_settings)


def database_target(value: str) -> DatabaseTarget:
    """How to reach the database a (normalized) URL names."""
    if is_libpq_uri(value):
        return _libpq_target(value)
    return DatabaseTarget(parse_database_url(value))


def parse_database_url(value: str) -> URL:
    """Parse SQLAlchemy's spelling: `sqlite:///…` or a driver-qualified URL.

    Raises ValueError with a message fit for a user.
    """
    try:
        url = make_url(value.strip())
    except (ArgumentError, ValueError) as exc:
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
    """The URL settings keep: a libpq URI as written (checked), anything else in
    SQLAlchemy's spelling with its async driver."""
    value = value.strip()
    if is_libpq_uri(value):
        _check_libpq_uri(value)
        return value
    return parse_database_url(value).render_as_string(hide_password=False)


def is_sqlite(url: str | URL) -> bool:
    if isinstance(url, URL):
        return url.get_backend_name() == "sqlite"
    return _scheme(url).partition("+")[0] == "sqlite"


def sqlite_path(url: str | URL) -> str | None:
    """The file of a SQLite URL (None for other backends and in-memory databases)."""
    if not is_sqlite(url):
        return None
    parsed = make_url(url)
    if parsed.database in (None, "", ":memory:"):
        return None
    return parsed.database
