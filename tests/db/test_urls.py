"""Database URLs in libpq's forms and SQLAlchemy's: what reaches the driver, what is refused.

The multi-host form is also connected for real: a server this test starts is listed after a
port nothing listens on, and the engine reaches it (as libpq does, trying hosts in order).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from gateway.db.engine import create_engine
from gateway.db.urls import database_target, is_sqlite, normalize_database_url, sqlite_path
from gateway.settings import load_settings
from tests.pg_server import ThrowawayPostgres, free_port, running


@pytest.mark.parametrize(
    ("url", "dsn"),
    [
        ("postgresql://gw@h1:5432,h2:5433/shop", "postgresql://gw@h1:5432,h2:5433/shop"),
        ("postgresql://gw@h1,h2/shop?port=5432,5433", "postgresql://gw@h1,h2/shop?port=5432%2C5433"),
        ("postgresql://gw@[::1]:5432,[fd00::7]/shop", "postgresql://gw@[::1]:5432,[fd00::7]/shop"),
        ("postgresql://%2Fvar%2Frun%2Fpostgresql/shop", "postgresql://%2Fvar%2Frun%2Fpostgresql/shop"),
        ("postgresql:///shop?host=/var/run/postgresql", "postgresql:///shop?host=%2Fvar%2Frun%2Fpostgresql"),
        ("postgresql:///shop?host=h1,h2&user=gw", "postgresql:///shop?host=h1%2Ch2&user=gw"),
        ("postgres://gw:p%40ss@db/shop?sslmode=verify-full&sslrootcert=/etc/ca.pem",
         "postgres://gw:p%40ss@db/shop?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem"),
        ("postgresql://h1,h2/shop?target_session_attrs=prefer-standby",
         "postgresql://h1,h2/shop?target_session_attrs=prefer-standby"),
    ],
)  # fmt: skip
def test_libpq_uris_go_to_the_driver_whole(url: str, dsn: str) -> None:
    # given a URI as psql takes it, when the engine's target is built from the settings
    target = database_target(load_settings(database_url=url).database_url)

    # then SQLAlchemy only picks the dialect; asyncpg gets the URI (same query, re-encoded)
    assert target.url.drivername == "postgresql+asyncpg"
    assert target.url.host is None
    assert target.connect_args == {"dsn": dsn}


def test_server_settings_in_the_uri_are_passed_apart() -> None:
    url = "postgresql://h1,h2/shop?target_session_attrs=read-only&application_name=gw-eu"

    target = database_target(url)

    # so that they take precedence over the gateway's own application_name
    assert target.connect_args == {"dsn": "postgresql://h1,h2/shop?target_session_attrs=read-only"}
    assert target.server_settings == {"application_name": "gw-eu"}


def test_libpq_connect_timeout_becomes_the_drivers_timeout() -> None:
    target = database_target("postgresql://h1,h2/shop?connect_timeout=3&sslmode=require")

    # asyncpg would send connect_timeout to the server as a setting, which refuses it
    assert target.connect_args == {"dsn": "postgresql://h1,h2/shop?sslmode=require", "timeout": 3}
    # and 0 means "wait indefinitely", as in libpq: asyncpg's own default stays
    assert database_target("postgresql://h/shop?connect_timeout=0").connect_args == {
        "dsn": "postgresql://h/shop"
    }


def test_sqlalchemy_urls_keep_their_meaning() -> None:
    # given SQLAlchemy's multi-host spelling, with libpq's sslmode
    url = "postgresql+asyncpg://gw@/shop?host=h1:5432&host=h2:5433&sslmode=require"

    target = database_target(normalize_database_url(url))

    # then SQLAlchemy parses it (and hands asyncpg `ssl`, its name for sslmode)
    assert target.connect_args == {}
    assert target.url.query == {"host": ("h1:5432", "h2:5433"), "ssl": "require"}


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql://gw@h1:5432,h2:54x2/shop", "not a host[:port] in the database URL: 'h2:54x2"),
        ("postgresql://gw@h1:5432:6/shop", "not a host[:port] in the database URL: 'h1:5432:6'"),
        ("postgresql://h/shop?port=5432,x", "port='5432,x' in the database URL is not a number"),
        ("postgresql://h/shop?target_session_attrs=replica",
         "target_session_attrs='replica' in the database URL; use one of ('any', 'read-write'"),
        ("postgresql://h/shop?sslmode=true", "sslmode='true' in the database URL; use one of"),
        ("postgresql://h/shop?keepalives=1", "unsupported database URL parameter 'keepalives'"),
        ("postgresql://h/shop?connect_timeout=soon", "connect_timeout='soon' in the database"),
        ("postgresql://h/shop?sslmode", "not a query string in the database URL: 'sslmode'"),
    ],
)  # fmt: skip
def test_mistakes_stop_start_up_with_a_message(url: str, message: str) -> None:
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(").replace("[", r"\[")):
        normalize_database_url(url)


def test_sqlite_is_told_apart_without_parsing_host_lists() -> None:
    assert is_sqlite("sqlite+aiosqlite:///shop.sqlite3")
    assert not is_sqlite("postgresql://h1:5432,h2:5432/shop")
    assert sqlite_path("postgresql://h1:5432,h2:5432/shop") is None
    assert sqlite_path("sqlite+aiosqlite:///data/shop.sqlite3") == "data/shop.sqlite3"


@pytest.fixture(scope="module")
def server() -> Iterator[ThrowawayPostgres]:
    with running() as postgres:
        yield postgres


@pytest.mark.parametrize("prepared_statements", [True, False])
async def test_a_multi_host_uri_reaches_the_first_host_that_answers(
    server: ThrowawayPostgres, prepared_statements: bool
) -> None:
    # given a URI whose first host refuses connections and whose second is the server
    url = f"postgresql://postgres@127.0.0.1:{free_port()},127.0.0.1:{server.port}/postgres"
    settings = load_settings(
        database_url=url + "?target_session_attrs=read-write&application_name=gw-eu",
        db_prepared_statements=prepared_statements,
    )
    engine = create_engine(settings, read_only=True)
    try:
        # when the service connects, then it lands on the second host, named as the URI says
        async with engine.connect() as connection:
            port = (await connection.execute(text("SELECT current_setting('port')"))).scalar()
            name = (await connection.execute(text("SHOW application_name"))).scalar()
    finally:
        await engine.dispose()
    assert (port, name) == (str(server.port), "gw-eu")
