"""Settings: `GATEWAY_*` variables, overrides, database URLs and start-up errors."""

from __future__ import annotations

import os

import pytest

from gateway.errors import ConfigurationError
from gateway.settings import Settings, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts from no `GATEWAY_*` variables (the CI sets some for the suite)."""
    for name in list(os.environ):
        if name.startswith("GATEWAY_"):
            monkeypatch.delenv(name)


def test_defaults():
    settings = load_settings()

    assert settings.database_url == ""  # not configured: serve refuses to start without --demo
    assert not settings.is_demo
    assert (settings.host, settings.port, settings.workers) == ("127.0.0.1", 8000, 1)
    assert (settings.log_level, settings.timezone) == ("info", "UTC")
    assert (settings.rest_default_limit, settings.rest_max_limit) == (20, 100)
    assert (settings.graphql_default_page_size, settings.graphql_max_page_size) == (20, 100)
    assert settings.trust_proxy is False
    assert (settings.graphql_introspection, settings.graphiql) == (True, True)
    assert (settings.allowed_host_list, settings.cors_allow_header_list) == ([], [])


def test_environment_variables_are_read(monkeypatch):
    # Given variables for several settings
    monkeypatch.setenv("GATEWAY_PORT", "9001")
    monkeypatch.setenv("GATEWAY_WORKERS", "3")
    monkeypatch.setenv("GATEWAY_LOG_LEVEL", "WARNING")
    monkeypatch.setenv("GATEWAY_TIMEZONE", "Europe/Istanbul")
    monkeypatch.setenv("GATEWAY_TRUST_PROXY", "true")
    monkeypatch.setenv("GATEWAY_REST_MAX_LIMIT", "50")
    monkeypatch.setenv("GATEWAY_DB_POOL_TIMEOUT", "2.5")

    # When settings are loaded
    settings = load_settings()

    # Then each is typed and normalised
    assert (settings.port, settings.workers, settings.log_level) == (9001, 3, "warning")
    assert settings.timezone == "Europe/Istanbul"
    assert str(settings.zone) == "Europe/Istanbul"
    assert settings.trust_proxy is True
    assert settings.rest_max_limit == 50
    assert settings.db_pool_timeout == 2.5


def test_overrides_win_over_the_environment_and_none_means_unset(monkeypatch):
    # Given a port and a host in the environment
    monkeypatch.setenv("GATEWAY_PORT", "9001")
    monkeypatch.setenv("GATEWAY_HOST", "0.0.0.0")

    # When a flag gives the port and another flag is absent (None)
    settings = load_settings(port=9002, host=None)

    # Then the flag wins and the absent flag leaves the variable in force
    assert (settings.port, settings.host) == (9002, "0.0.0.0")


def test_unrelated_gateway_variables_are_ignored(monkeypatch):
    # Given the variables the CI and the test suite set for themselves
    monkeypatch.setenv("GATEWAY_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@db/test")
    monkeypatch.setenv("GATEWAY_TEST_SOMETHING_ELSE", "1")

    # When settings are loaded, then they do not count as (unknown) settings
    assert load_settings() == Settings()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        # libpq's URIs are kept as written (asyncpg reads them as libpq does)
        ("postgresql://user@host/db", "postgresql://user@host/db"),
        ("postgres://user@h1:5432,h2:5432/db", "postgres://user@h1:5432,h2:5432/db"),
        ("  postgresql://user@host/db?sslmode=require  ", "postgresql://user@host/db?sslmode=require"),
        # SQLAlchemy's spelling keeps working
        ("postgresql+asyncpg://user@host/db", "postgresql+asyncpg://user@host/db"),
        ("postgresql+asyncpg://u:s3cret@host:6543/db", "postgresql+asyncpg://u:s3cret@host:6543/db"),
        ("postgresql+asyncpg://u@h/db?sslmode=verify-full", "postgresql+asyncpg://u@h/db?ssl=verify-full"),
        ("sqlite:///shop.sqlite3", "sqlite+aiosqlite:///shop.sqlite3"),
        ("sqlite:///data/shop.sqlite3", "sqlite+aiosqlite:///data/shop.sqlite3"),
        ("sqlite:////var/lib/shop.sqlite3", "sqlite+aiosqlite:////var/lib/shop.sqlite3"),
        ("sqlite+aiosqlite:///shop.sqlite3", "sqlite+aiosqlite:///shop.sqlite3"),
    ],
)  # fmt: skip
def test_database_urls_as_users_write_them(monkeypatch, given, expected):
    # Given a URL in the environment, when settings are loaded, then the async driver is used
    monkeypatch.setenv("GATEWAY_DATABASE_URL", given)
    assert load_settings().database_url == expected
    # and the same through an override
    assert load_settings(database_url=given).database_url == expected


def test_only_the_demo_file_is_the_demo_database():
    assert load_settings(database_url="sqlite:///.gateway/demo.sqlite3").is_demo
    assert not load_settings(database_url="sqlite:///other.sqlite3").is_demo
    assert not load_settings(database_url="postgresql://u@h/db").is_demo


def test_an_empty_database_url_is_no_database():
    assert load_settings(database_url="  ").database_url == ""


@pytest.mark.parametrize(
    ("variable", "message"),
    [
        ("GATEWAY_DATABSE_URL", "unknown variable GATEWAY_DATABSE_URL: did you mean "
         "GATEWAY_DATABASE_URL? (see docs/configuration.md)"),
        ("gateway_prot", "unknown variable gateway_prot: did you mean GATEWAY_PORT? "
         "(see docs/configuration.md)"),
        ("GATEWAY_GRAPHQL_INTROSPECTON", "unknown variable GATEWAY_GRAPHQL_INTROSPECTON: did "
         "you mean GATEWAY_GRAPHQL_INTROSPECTION? (see docs/configuration.md)"),
        ("GATEWAY_XYZZY", "unknown variable GATEWAY_XYZZY: no setting has this name "
         "(see docs/configuration.md)"),
    ],
)  # fmt: skip
def test_a_variable_that_names_no_setting_stops_start_up(monkeypatch, variable, message):
    # Given a GATEWAY_* variable that is not a setting (misspelt, or invented)
    monkeypatch.setenv(variable, "x")

    # When settings are loaded, then one line names it and the closest setting
    with pytest.raises(ConfigurationError) as raised:
        load_settings()
    assert str(raised.value) == message


def test_header_names_and_hosts_are_read_as_lists(monkeypatch):
    monkeypatch.setenv("GATEWAY_CORS_ALLOW_HEADERS", " X-Shop-Client , baggage,")
    monkeypatch.setenv("GATEWAY_ALLOWED_HOSTS", "API.shop.example, .shop.example")

    settings = load_settings()

    assert settings.cors_allow_header_list == ["X-Shop-Client", "baggage"]
    assert settings.allowed_host_list == ["api.shop.example", ".shop.example"]


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("GATEWAY_PORT", "eighty", "GATEWAY_PORT: Input should be a valid integer"),
        ("GATEWAY_PORT", "0", "GATEWAY_PORT: Input should be greater than or equal to 1"),
        ("GATEWAY_PORT", "65536", "GATEWAY_PORT: Input should be less than or equal to 65535"),
        ("GATEWAY_WORKERS", "0", "GATEWAY_WORKERS: Input should be greater than or equal to 1"),
        ("GATEWAY_TIMEZONE", "Mars/Olympus", "GATEWAY_TIMEZONE: unknown time zone 'Mars/Olympus'"),
        ("GATEWAY_TIMEZONE", "../etc/passwd", "GATEWAY_TIMEZONE: unknown time zone"),
        ("GATEWAY_LOG_LEVEL", "loud", "GATEWAY_LOG_LEVEL: Input should be 'debug', 'info'"),
        ("GATEWAY_TRUST_PROXY", "maybe", "GATEWAY_TRUST_PROXY: Input should be a valid boolean"),
        ("GATEWAY_DATABASE_URL", "mysql://u@h/db", "GATEWAY_DATABASE_URL: unsupported database"),
        ("GATEWAY_DATABASE_URL", "not a url", "GATEWAY_DATABASE_URL: not a database URL"),
        ("GATEWAY_CORS_ALLOW_HEADERS", "X Bad", "GATEWAY_CORS_ALLOW_HEADERS: not a header name"),
        ("GATEWAY_DATABASE_URL", "postgresql://h1:5432,h2:x/db",
         "GATEWAY_DATABASE_URL: not a host[:port] in the database URL: 'h2:x'"),
        ("GATEWAY_DATABASE_URL", "postgresql://h/db?sslmode=on",
         "GATEWAY_DATABASE_URL: sslmode='on' in the database URL; use one of"),
        ("GATEWAY_DATABASE_SCHEMA", "a;drop", "GATEWAY_DATABASE_SCHEMA: String should match"),
        ("GATEWAY_REDIS_URL", "http://cache:6379", "GATEWAY_REDIS_URL: not a Redis URL"),
        ("GATEWAY_REDIS_TIMEOUT", "0", "GATEWAY_REDIS_TIMEOUT: Input should be greater than 0"),
        ("GATEWAY_RATE_LIMIT", "600/fortnight", "GATEWAY_RATE_LIMIT: not a rate: '600/fortnight'"),
        ("GATEWAY_GRAPHQL_COST_LIMIT", "0/hour",
         "GATEWAY_GRAPHQL_COST_LIMIT: a rate of 0 would refuse every request"),
        ("GATEWAY_REST_DEFAULT_LIMIT", "500",
         "GATEWAY_REST_DEFAULT_LIMIT (500) must not exceed GATEWAY_REST_MAX_LIMIT (100)"),
        ("GATEWAY_GRAPHQL_DEFAULT_PAGE_SIZE", "101",
         "GATEWAY_GRAPHQL_DEFAULT_PAGE_SIZE (101) must not exceed GATEWAY_GRAPHQL_MAX_PAGE_SIZE "
         "(100)"),
    ],
)  # fmt: skip
def test_invalid_values_name_the_variable(monkeypatch, variable, value, message):
    # Given an invalid value
    monkeypatch.setenv(variable, value)

    # When settings are loaded, then one message names the variable and the problem
    with pytest.raises(ConfigurationError) as raised:
        load_settings()
    assert str(raised.value).startswith(f"invalid configuration: {message}")
    assert "\n" not in str(raised.value)


def test_every_invalid_variable_is_named_at_once(monkeypatch):
    monkeypatch.setenv("GATEWAY_PORT", "x")
    monkeypatch.setenv("GATEWAY_WORKERS", "y")

    with pytest.raises(ConfigurationError) as raised:
        load_settings()

    assert str(raised.value) == (
        "invalid configuration: GATEWAY_PORT: Input should be a valid integer, unable to parse "
        "string as an integer; GATEWAY_WORKERS: Input should be a valid integer, unable to "
        "parse string as an integer"
    )


def test_an_invalid_override_names_its_variable():
    with pytest.raises(ConfigurationError, match="GATEWAY_PORT: Input should be less than"):
        load_settings(port=70000)
