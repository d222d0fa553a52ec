"""The one settings object: read from `GATEWAY_*` variables, overridden by CLI flags."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from gateway.db.urls import DEFAULT_SQLITE_PATH, normalize_database_url
from gateway.errors import ConfigurationError
from gateway.throttling.rates import Rate, parse_rate

LogLevel = Literal["debug", "info", "warning", "error", "critical"]
LogFormat = Literal["auto", "json", "text"]
_ORIGIN = re.compile(r"https?://[^/\s,]+")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110 token: a header name
PREFIX = "GATEWAY_"
# Variables of the test suite (`GATEWAY_TEST_POSTGRES_URL`, …), not settings.
TEST_PREFIX = "GATEWAY_TEST_"
DEMO_DATABASE_URL = normalize_database_url(f"sqlite:///{DEFAULT_SQLITE_PATH}")


class Settings(BaseSettings):
    """Everything the service can be told. Values only; validation happens here, once.

    Attributes:
        database_url: the shop database. `postgresql://…`, `sqlite:///path` and SQLAlchemy's
            driver-qualified forms are accepted. Required: `gateway serve` refuses to start
            without it, unless `--demo` asks for the embedded demo SQLite file
            (`.gateway/demo.sqlite3`, created and seeded on first start: the only database
            the gateway ever creates).
        host, port, workers: where and how many processes `gateway serve` runs.
        log_level: the minimum level logged.
        timezone: IANA zone whose calendar dates the date filters compare (UTC like the
            original backend).
        rest_default_limit, rest_max_limit: the legacy endpoint's page size (20 / 100).
        graphql_default_page_size, graphql_max_page_size: `first`/`last` default and cap.
        graphql_compiled: answer `myOrders` pages on the compiled path, without graphql-core's
            per-field execution (the same answers, less CPU); false: graphql-core executes
            every operation (a switch to rule the compiled path out, say after an upgrade).
        trust_proxy: honour `X-Forwarded-Proto/Host/For` (only behind a proxy you run).
        database_schema: PostgreSQL schema holding the shop's tables (its `search_path`);
            empty: the server's default (`public`).
        db_pool_size, db_max_overflow, db_pool_timeout: PostgreSQL connection pool sizing.
        db_prepared_statements: `false` behind PgBouncer in transaction pooling (before
            PgBouncer 1.21): no start-up parameters PgBouncer refuses and no prepared
            statement kept from one statement to the next (each is prepared unnamed right
            before it runs); `statement_timeout` is then enforced by the driver (a cancel
            request) and `database_schema` is written into each statement. `true`:
            statements are prepared once per connection and cached.
        sqlite_busy_timeout: seconds SQLite waits for a lock before failing.
        cursor_secret: HMAC key for GraphQL cursors; every process of a deployment must share
            it. Empty: the demo database keeps a generated one beside its file; otherwise
            `gateway serve` generates one at start-up, shared by its `--workers` but lost on
            restart (and not shared with other machines or other `serve` processes; a
            process started by another server, e.g. uvicorn's own command, generates its
            own, with a warning).
        log_format: `json` (one JSON object per line), `text`, or `auto`: text when stdout
            is a terminal, JSON lines otherwise.
        cors_origins: comma-separated browser origins (`https://shop.example`) allowed to call
            the API from their pages; empty: CORS off. `*` allows any origin.
        cors_allow_headers: request headers browsers may send besides those always allowed
            (`Authorization`, `Content-Type`, `Accept`, `X-Request-ID`, `traceparent`,
            `tracestate`, `apollographql-client-name`, `apollographql-client-version`),
            comma-separated.
        allowed_hosts: comma-separated host names the service answers for, with Django's
            `ALLOWED_HOSTS` semantics: `shop.example` exactly, `.shop.example` for it and
            its subdomains, `*` for any; letter case and a port in `Host` do not matter.
            Empty: any valid host. A request for another host answers 400 (closes the door
            to DNS rebinding).
        gzip_minimum_size: responses of at least this many bytes are gzip-compressed for
            clients that accept it (never the legacy REST endpoint); 0: no compression.
        graceful_timeout: seconds a stopping process lets in-flight requests finish.
        statement_timeout: seconds one SQL statement may run before it is cancelled
            (PostgreSQL: the session's `statement_timeout`, which takes precedence over one
            set for the role or database; behind PgBouncer the driver cancels it; SQLite:
            the statement is interrupted); the request answers 503. 0: the gateway sets no
            limit, so PostgreSQL's own `statement_timeout` applies (postgresql.conf,
            `ALTER ROLE|DATABASE … SET`; none by default), and SQLite's statements run
            unbounded.
        request_timeout: seconds a whole request may take; past it the service answers 503
            with `Retry-After` instead of keeping the client waiting. 0: no limit.
        max_body_bytes: largest request body accepted on `/graphql` and under `/api/`;
            larger ones are refused with 413 before they are read.
        graphql_max_depth: deepest field nesting a GraphQL query may have (GraphiQL's own
            schema query needs 14).
        graphql_max_aliases: most aliased fields one GraphQL query may have.
        graphql_max_tokens: most tokens (names, punctuation, values) one GraphQL document may
            have; longer ones are refused while parsing.
        graphql_max_cost: highest estimated cost of a GraphQL query: each object field costs
            1, and a page of orders multiplies the cost of what it selects by its size
            (`first`/`last`, default page size otherwise).
        apq_cache_size: documents each process remembers for automatic persisted queries
            (Apollo protocol), and with Redis, the most the deployment shares there; 0: only
            registered documents are known.
        persisted_queries_file: JSON manifest of registered documents
            (`gateway apq register FILE…` writes it); empty: none.
        persisted_queries_only: allow-list mode: run only documents registered in
            `persisted_queries_file`, sent by id, by hash or in full.
        graphql_introspection: answer introspection queries (`__schema`, `__type`); off,
            they fail validation (the schema stays available from `gateway schema export`),
            and GraphiQL cannot load the schema.
        graphiql: serve the GraphiQL page to browsers at `/graphql`; off, no IDE page (and
            no assets under `/graphql/static/`).
        redis_url: the Redis every instance of a deployment shares
            (`redis://host:6379/0`, `rediss://…`, `unix:///path?db=0`): automatic persisted
            queries and rate-limit counters live there. Empty: each process keeps its own.
            While Redis does not answer, each process falls back to its own (see
            docs/fleet.md).
        redis_prefix: the start of every key the gateway writes in Redis (several
            deployments may share one server).
        redis_timeout: seconds one Redis command may take, connecting included; past it
            the request goes on without Redis.
        apq_ttl: seconds a persisted query stays in Redis after its last use.
        rate_limit: requests each authenticated customer may make, in DRF's rate syntax
            (`600/minute`, `10000/day`; the period's first letter: s, m, h, d); counted
            across every instance when Redis is configured, per process otherwise. Over
            it: 429 with `Retry-After`. Empty: no limit.
        graphql_cost_limit: GraphQL cost points each customer may spend per period, the
            same syntax (`100000/hour`); the cost is the one `graphql_max_cost` measures,
            charged for what an operation returned. Empty: no limit.
    """

    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="forbid")

    database_url: str = ""
    database_schema: str = Field(default="", pattern=r"^[A-Za-z_][A-Za-z0-9_$]*$|^$")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    log_level: LogLevel = "info"
    timezone: str = "UTC"
    rest_default_limit: int = Field(default=20, ge=1)
    rest_max_limit: int = Field(default=100, ge=1)
    graphql_default_page_size: int = Field(default=20, ge=0)
    graphql_max_page_size: int = Field(default=100, ge=1)
    graphql_compiled: bool = True
    trust_proxy: bool = False
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=5, ge=0)
    db_pool_timeout: float = Field(default=5.0, gt=0)
    db_prepared_statements: bool = True
    sqlite_busy_timeout: float = Field(default=5.0, ge=0)
    cursor_secret: str = ""
    # Operations: logs, browsers, compression, shutdown.
    log_format: LogFormat = "auto"
    cors_origins: str = ""
    cors_allow_headers: str = ""
    allowed_hosts: str = ""
    gzip_minimum_size: int = Field(default=1024, ge=0)
    graceful_timeout: int = Field(default=30, ge=1)
    # Protection: timeouts, request size and GraphQL query limits.
    statement_timeout: float = Field(default=5.0, ge=0)
    request_timeout: float = Field(default=10.0, ge=0)
    max_body_bytes: int = Field(default=65536, ge=1024)
    graphql_max_depth: int = Field(default=15, ge=1)
    graphql_max_aliases: int = Field(default=15, ge=0)
    graphql_max_tokens: int = Field(default=1000, ge=100)
    graphql_max_cost: int = Field(default=5000, ge=1)
    # Automatic persisted queries.
    apq_cache_size: int = Field(default=1000, ge=0)
    persisted_queries_file: str = ""
    persisted_queries_only: bool = False
    # Switches for production.
    graphql_introspection: bool = True
    graphiql: bool = True
    # Shared state (Redis) and rate limits.
    redis_url: str = ""
    redis_prefix: str = Field(default="gateway:", pattern=r"^[A-Za-z0-9_.:-]*$")
    redis_timeout: float = Field(default=0.1, gt=0, le=10)
    apq_ttl: int = Field(default=86400, ge=1)
    rate_limit: str = ""
    graphql_cost_limit: str = ""

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return normalize_database_url(value) if value.strip() else ""

    @field_validator("cors_origins")
    @classmethod
    def _cors_origins(cls, value: str) -> str:
        origins = [origin.strip() for origin in value.split(",") if origin.strip()]
        for origin in origins:
            if origin != "*" and _ORIGIN.fullmatch(origin) is None:
                raise ValueError(f"not an origin (scheme://host[:port]): {origin!r}")
        return ",".join(origins)

    @field_validator("cors_allow_headers")
    @classmethod
    def _cors_allow_headers(cls, value: str) -> str:
        names = [name.strip() for name in value.split(",") if name.strip()]
        for name in names:
            if _TOKEN.fullmatch(name) is None:
                raise ValueError(f"not a header name: {name!r}")
        return ",".join(names)

    @field_validator("allowed_hosts")
    @classmethod
    def _allowed_hosts(cls, value: str) -> str:
        return ",".join(host.strip().lower() for host in value.split(",") if host.strip())

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("not a Redis URL (redis://host:6379/0, rediss://…, unix://…)")
        return value

    @field_validator("rate_limit", "graphql_cost_limit")
    @classmethod
    def _rate(cls, value: str) -> str:
        if value.strip():
            parse_rate(value)
        return value.strip()

    @field_validator("log_level", mode="before")
    @classmethod
    def _log_level(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _limits(self) -> Settings:
        pairs = [
            ("rest_default_limit", "rest_max_limit"),
            ("graphql_default_page_size", "graphql_max_page_size"),
        ]
        for default, maximum in pairs:
            if getattr(self, default) > getattr(self, maximum):
                raise ValueError(
                    f"GATEWAY_{default.upper()} ({getattr(self, default)}) must not exceed "
                    f"GATEWAY_{maximum.upper()} ({getattr(self, maximum)})"
                )
        if self.persisted_queries_only and not self.persisted_queries_file:
            raise ValueError("GATEWAY_PERSISTED_QUERIES_ONLY needs GATEWAY_PERSISTED_QUERIES_FILE")
        return self

    @property
    def cors_origin_list(self) -> list[str]:
        return self.cors_origins.split(",") if self.cors_origins else []

    @property
    def cors_allow_header_list(self) -> list[str]:
        return self.cors_allow_headers.split(",") if self.cors_allow_headers else []

    @property
    def allowed_host_list(self) -> list[str]:
        return self.allowed_hosts.split(",") if self.allowed_hosts else []

    @property
    def request_rate(self) -> Rate | None:
        return parse_rate(self.rate_limit) if self.rate_limit else None

    @property
    def cost_rate(self) -> Rate | None:
        return parse_rate(self.graphql_cost_limit) if self.graphql_cost_limit else None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_demo(self) -> bool:
        """True for the demo database: the only one the service may create and seed."""
        return self.database_url == DEMO_DATABASE_URL

    @property
    def demo_path(self) -> Path:
        return Path(DEFAULT_SQLITE_PATH)


def unknown_variable(environ: Mapping[str, str]) -> str | None:
    """The message for the first `GATEWAY_*` variable that names no setting (a misspelt
    one would otherwise be ignored silently), with the closest real name."""
    known = [name.upper() for name in Settings.model_fields]
    for variable in sorted(environ):
        name = variable.upper()  # pydantic-settings reads them case-insensitively
        if not name.startswith(PREFIX) or name.startswith(TEST_PREFIX):
            continue
        suffix = name.removeprefix(PREFIX)  # compared without the prefix they all share
        if suffix in known:
            continue
        close = difflib.get_close_matches(suffix, known, n=1)
        hint = f"did you mean {PREFIX}{close[0]}?" if close else "no setting has this name"
        return f"unknown variable {variable}: {hint} (see docs/configuration.md)"
    return None


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment plus explicit overrides (CLI flags win).

    Raises `ConfigurationError` naming the variable, so start-up fails with one clear line;
    a `GATEWAY_*` variable that is no setting is such an error too.
    """
    unknown = unknown_variable(os.environ)
    if unknown is not None:
        raise ConfigurationError(unknown)
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**given)  # type: ignore[arg-type]  # pydantic validates the values
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            # A validator's own message reads better without pydantic's "Value error, ".
            cause = error.get("ctx", {}).get("error")
            message = str(cause) if isinstance(cause, ValueError) else error["msg"]
            name = ".".join(str(part) for part in error["loc"])
            # Errors across fields (no location) name their variables in the message.
            problems.append(f"GATEWAY_{name.upper()}: {message}" if name else message)
        raise ConfigurationError("invalid configuration: " + "; ".join(problems)) from None
