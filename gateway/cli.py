"""`gateway …` / `python -m gateway …`: parse arguments, build settings, call plain functions."""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import secrets
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import uvicorn
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.db.bootstrap import create_tables, embedded_database_exists, missing_tables
from gateway.db.engine import create_engine, create_session_factory
from gateway.db.optional import DROP_GRACE, PARTS, drop_parts, install_parts
from gateway.db.schema_check import schema_problem
from gateway.db.seed import SeedOptions, seed_database
from gateway.db.stored_check import check_stored_totals
from gateway.db.stored_install import retire_stored_totals
from gateway.db.tokens import create_token, list_tokens, revoke_token
from gateway.db.urls import DEFAULT_SQLITE_PATH, normalize_database_url, sqlite_path
from gateway.errors import BadUserInput, ConfigurationError, GatewayError, StartupError
from gateway.observability.logs import uvicorn_log_config
from gateway.observability.multiprocess import shared_metrics_folder
from gateway.settings import DEMO_DATABASE_URL, Settings, load_settings

NO_DATABASE = (
    "no database configured: set GATEWAY_DATABASE_URL or pass --database-url "
    "(postgresql://user@host/db or sqlite:///path/file.sqlite3)"
)


def _database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", help="database URL (default: $GATEWAY_DATABASE_URL)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gateway",
        description="GraphQL gateway and legacy REST endpoint over a shop's order database.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="run the HTTP service",
        description="Serve GraphQL (/graphql) and the legacy REST endpoint on the database of "
        "GATEWAY_DATABASE_URL (or --database-url), which is only read; it must hold the "
        "shop's tables. --demo serves the embedded demo database instead, created and "
        "seeded on first start.",
    )
    _database_option(serve)
    serve.add_argument(
        "--demo",
        action="store_true",
        help=f"serve the embedded demo database ({DEFAULT_SQLITE_PATH}; made on first start)",
    )
    serve.add_argument("--host", help="interface to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="TCP port (default 8000)")
    serve.add_argument("--workers", type=int, help="worker processes (default 1)")
    serve.add_argument("--log-level", help="debug, info, warning, error or critical")
    serve.add_argument("--log-format", help="json, text or auto (text on a terminal)")
    serve.add_argument(
        "--graceful-timeout",
        type=int,
        help="seconds a stopping process lets in-flight requests finish (default 30)",
    )
    serve.set_defaults(handler=serve_command)

    db = commands.add_parser("db", help="database maintenance", description="Database tasks.")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    init = db_commands.add_parser(
        "init",
        help="create the legacy tables (for a new demo or test database)",
        description="Create the shop's ten tables from the models where they are missing.",
    )
    _database_option(init)
    init.set_defaults(handler=db_init_command)
    indexes = db_commands.add_parser(
        "indexes",
        help="install (or --drop, or --check) the optional indexes and stored totals",
        description="Install the optional structures of docs/indexes.md where missing: "
        "orders (indexes on shop_order), totals (gw_order_totals, kept exact by triggers, "
        "back-filled in batches) and search (pg_trgm indexes, PostgreSQL only). Writes go on "
        "meanwhile. Additive and reversible: --drop removes exactly these (names gw_...).",
    )
    _database_option(indexes)
    action = indexes.add_mutually_exclusive_group()
    action.add_argument("--drop", action="store_true", help="drop them instead")
    action.add_argument(
        "--check",
        action="store_true",
        help="compare gw_order_totals with a recomputation; exit 1 naming the orders that differ",
    )
    pick = indexes.add_mutually_exclusive_group()
    pick.add_argument(
        "--only", type=_parts, metavar="PARTS", help=f"only these parts (of {','.join(PARTS)})"
    )
    pick.add_argument("--skip", type=_parts, metavar="PARTS", help="all parts but these")
    indexes.add_argument(
        "--grace",
        type=_seconds,
        default=DROP_GRACE,
        metavar="SECONDS",
        help="with --drop: seconds between stopping the services' reads of gw_order_totals "
        f"and dropping it (default {DROP_GRACE:g}: each running process notices within "
        "that; 0 when no service runs)",
    )
    indexes.set_defaults(handler=db_indexes_command)

    seed = commands.add_parser(
        "seed",
        help="fill an empty database with deterministic demo data",
        description="Create the tables if needed and fill them with demo data: customers, "
        "reference data, orders with items and payments, and one token per customer. "
        "The same --seed always gives the same data. Refuses a database that has customers.",
    )
    _database_option(seed)
    seed.add_argument("--orders", type=int, default=SeedOptions().orders, help="orders in all")
    seed.add_argument(
        "--customers", type=int, default=SeedOptions().customers, help="customers in all"
    )
    seed.add_argument("--seed", type=int, default=SeedOptions().seed, help="random seed")
    seed.add_argument(
        "--demo-orders",
        type=int,
        help="exactly this many orders for customer 1, the demo customer "
        # argparse %-formats help: the share's own "%" is doubled.
        f"(default: {SeedOptions().demo_share:.0%}% of --orders)",
    )
    seed.set_defaults(handler=seed_command)

    token = commands.add_parser("token", help="manage API tokens", description="API tokens.")
    token_commands = token.add_subparsers(dest="token_command", required=True, metavar="COMMAND")
    create = token_commands.add_parser(
        "create", help="create a token for a customer", description="Print a new API key."
    )
    _database_option(create)
    create.add_argument("customer", help="customer id or email")
    create.set_defaults(handler=token_create_command)
    listing = token_commands.add_parser(
        "list", help="list tokens", description="List keys, optionally of one customer."
    )
    _database_option(listing)
    listing.add_argument("customer", nargs="?", help="customer id or email")
    listing.set_defaults(handler=token_list_command)
    revoke = token_commands.add_parser(
        "revoke", help="delete a token", description="Delete an API key."
    )
    _database_option(revoke)
    revoke.add_argument("key", help="the 40-character key")
    revoke.set_defaults(handler=token_revoke_command)
    _add_schema_command(commands)
    _add_apq_command(commands)
    return parser


def _parts(value: str) -> tuple[str, ...]:
    """A comma-separated list of `db indexes` parts."""
    parts = tuple(part.strip() for part in value.split(",") if part.strip())
    unknown = [part for part in parts if part not in PARTS]
    if unknown or not parts:
        raise argparse.ArgumentTypeError(
            f"{', '.join(unknown) or 'nothing'}: parts are {', '.join(PARTS)}"
        )
    return parts


def _seconds(value: str) -> float:
    """A number of seconds, 0 or more."""
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not 0 <= seconds < math.inf:
        raise argparse.ArgumentTypeError(f"{value!r}: a number of seconds, 0 or more")
    return seconds


def _settings(args: argparse.Namespace, **extra: Any) -> Settings:
    """The settings of a command that needs a database: one must be configured."""
    settings = load_settings(database_url=getattr(args, "database_url", None), **extra)
    if not settings.database_url:
        raise ConfigurationError(NO_DATABASE)
    return settings


def _prepare_sqlite_file(settings: Settings) -> None:
    """Commands that create tables may create a SQLite file, and its folder."""
    path = sqlite_path(settings.database_url)
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _run(coroutine_function: Callable[[], Coroutine[Any, Any, int]]) -> int:
    return asyncio.run(coroutine_function())


# --- serve ---------------------------------------------------------------------------------


async def prepare_demo_database(settings: Settings) -> bool:
    """Create and seed the embedded demo database if it does not exist. True if it did.

    It is built under a temporary name and renamed into place once seeded, so a first start
    that is interrupted leaves no half-made database for the next start to trust.
    """
    path = settings.demo_path
    if embedded_database_exists(path):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.partial")
    partial.unlink(missing_ok=True)  # left by an interrupted start
    url = normalize_database_url(f"sqlite:///{partial}")
    engine = create_engine(settings.model_copy(update={"database_url": url}))
    try:
        await create_tables(engine)
        print(f"creating the demo database {path} ...", flush=True)
        await seed_database(engine, SeedOptions(), progress=sys.stderr.isatty())
    finally:
        await engine.dispose()
    partial.replace(path)
    return True


async def _demo_token(settings: Settings) -> str | None:
    engine = create_engine(settings)
    try:
        async with create_session_factory(engine)() as session:
            tokens = await list_tokens(session)
    finally:
        await engine.dispose()
    return tokens[0].key if tokens else None


def demo_banner(settings: Settings, token: str | None) -> str:
    """What `serve --demo` prints: the token, and links that work as they are (GraphiQL's
    opens with the token's header filled in)."""
    base = f"http://{settings.host}:{settings.port}"
    headers = json.dumps({"Authorization": f"Token {token}"})
    return (
        f"\nDemo database: {settings.demo_path}\n"
        f"Demo token:    {token}\n"
        f"GraphiQL:      {base}/graphql?{urlencode({'headers': headers}, quote_via=quote)}\n"
        f"REST:          curl -H 'Authorization: Token {token}' "
        f"'{base}/api/shop/customers/me/orders?limit=2'\n"
        f"Ready check:   {base}/readyz\n"
    )


async def _database_check(settings: Settings) -> str | None:
    """What the database lacks (one line), or None; an unreachable database is only
    warned about: the service starts, and `/readyz` answers 503 until it answers."""
    engine = create_engine(settings, read_only=True)
    try:
        async with engine.connect() as connection:
            return await schema_problem(connection, settings.database_schema)
    except (OSError, SQLAlchemyError) as exc:
        first_line = (str(exc).splitlines() or [type(exc).__name__])[0]
        print(f"warning: the database does not answer yet: {first_line}", file=sys.stderr)
        return None
    finally:
        await engine.dispose()


def check_manifest(settings: Settings) -> None:
    """The persisted-query manifest loads (`ConfigurationError`, one line, if not)."""
    from gateway.graphql import persisted_queries  # loads the schema: only serve needs it

    persisted_queries(settings)


def check_database(settings: Settings) -> None:
    """The database has the shop's tables and columns (`StartupError`, one line, if not)."""
    problem = asyncio.run(_database_check(settings))
    if problem is not None:
        raise StartupError(problem)


def _export(settings: Settings) -> None:
    """Hand the effective settings to worker processes, which read `GATEWAY_*`."""
    for name, value in settings.model_dump().items():
        os.environ[f"GATEWAY_{name.upper()}"] = str(value)


WORKER_HEALTHCHECK_SECONDS = 30


def _serve_settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(
        database_url=args.database_url,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        log_format=args.log_format,
        graceful_timeout=args.graceful_timeout,
    )
    if args.demo:
        if settings.database_url and not settings.is_demo:
            raise ConfigurationError(
                "--demo serves the demo database: leave GATEWAY_DATABASE_URL and "
                "--database-url unset"
            )
        return settings.model_copy(update={"database_url": DEMO_DATABASE_URL})
    if not settings.database_url:
        raise ConfigurationError(f"{NO_DATABASE}, or pass --demo for the demo database")
    path = sqlite_path(settings.database_url)
    if not settings.is_demo and path is not None and not Path(path).exists():
        raise ConfigurationError(f"GATEWAY_DATABASE_URL: no SQLite database at {path}")
    return settings


def serve_command(args: argparse.Namespace) -> int:
    settings = _serve_settings(args)
    check_manifest(settings)
    if settings.is_demo:
        asyncio.run(prepare_demo_database(settings))
    check_database(settings)
    if settings.is_demo:
        print(demo_banner(settings, asyncio.run(_demo_token(settings))), flush=True)
    if settings.workers > 1 and not settings.cursor_secret and not settings.is_demo:
        # One key for all workers of this `serve`, so a cursor works whichever worker
        # answers; a restart still changes it (set GATEWAY_CURSOR_SECRET to keep cursors).
        settings = settings.model_copy(update={"cursor_secret": secrets.token_urlsafe(32)})
    _export(settings)
    with shared_metrics_folder(settings.workers):
        uvicorn.run(
            "gateway.app:create_app_from_environment",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            log_level=settings.log_level,
            # uvicorn's own lines (start-up, shutdown, errors) in the gateway's format.
            log_config=uvicorn_log_config(settings.log_format, settings.log_level),
            access_log=False,  # the app logs each request itself, with its request id
            timeout_graceful_shutdown=settings.graceful_timeout,
            # uvicorn's default 5 s kills a worker still importing on a busy small host.
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
            proxy_headers=False,  # X-Forwarded-* are honoured by the app, only when trusted
            server_header=False,
        )
    return 0


# --- db, seed, token -----------------------------------------------------------------------


def db_init_command(args: argparse.Namespace) -> int:
    settings = _settings(args)
    _prepare_sqlite_file(settings)

    async def run() -> int:
        engine = maintenance_engine(settings)
        try:
            missing = await missing_tables(engine)
            await create_tables(engine)
        finally:
            await engine.dispose()
        print(f"created {len(missing)} tables" if missing else "all tables already exist")
        return 0

    return _run(run)


def maintenance_engine(settings: Settings) -> AsyncEngine:
    """An engine for `gateway db indexes`: its statements (index builds, the stored totals'
    back-fill and check) take what the shop's size needs, so `GATEWAY_STATEMENT_TIMEOUT`,
    the service's per-statement budget, does not apply to them."""
    return create_engine(settings.model_copy(update={"statement_timeout": 0.0}))


def db_indexes_command(args: argparse.Namespace) -> int:
    settings = _settings(args)
    path = sqlite_path(settings.database_url)
    if path is not None and not Path(path).exists():
        raise ConfigurationError(f"GATEWAY_DATABASE_URL: no SQLite database at {path}")

    parts = args.only or tuple(part for part in PARTS if part not in (args.skip or ()))

    async def run() -> int:
        engine = maintenance_engine(settings)
        try:
            missing = await missing_tables(engine)
            if "shop_order" in missing:
                raise ConfigurationError("the database has no shop_order table to index")
            if args.check:
                problems = await check_stored_totals(engine)
                print("\n".join(problems) or "gw_order_totals matches its recomputation")
                return 1 if problems else 0
            if args.drop:
                if "totals" in parts and await retire_stored_totals(engine) and args.grace:
                    print(
                        "gw_order_totals: running services stop reading it within "
                        f"{args.grace:g} s; dropping it then (--grace 0 when none runs)",
                        file=sys.stderr,
                        flush=True,
                    )
                    await asyncio.sleep(args.grace)
                lines = await drop_parts(engine, parts)
                none = "none of the indexes exist"
            else:
                if missing and "totals" in parts:
                    raise ConfigurationError(
                        f"stored totals need the shop's tables; missing: {', '.join(missing)}"
                    )
                lines = await install_parts(engine, parts)
                none = "all indexes already exist"
        finally:
            await engine.dispose()
        print("\n".join(lines) or none)
        return 0

    return _run(run)


def seed_command(args: argparse.Namespace) -> int:
    settings = _settings(args)
    options = SeedOptions(
        orders=args.orders, customers=args.customers, seed=args.seed, demo_orders=args.demo_orders
    )
    _prepare_sqlite_file(settings)

    async def run() -> int:
        engine = create_engine(settings)
        try:
            await create_tables(engine)
            summary = await seed_database(engine, options, progress=sys.stderr.isatty())
        finally:
            await engine.dispose()
        print(summary.describe())
        return 0

    return _run(run)


def token_create_command(args: argparse.Namespace) -> int:
    async def run() -> int:
        engine = create_engine(_settings(args))
        try:
            async with create_session_factory(engine)() as session:
                print(await create_token(session, args.customer))
        finally:
            await engine.dispose()
        return 0

    return _run(run)


def token_list_command(args: argparse.Namespace) -> int:
    async def run() -> int:
        engine = create_engine(_settings(args))
        try:
            async with create_session_factory(engine)() as session:
                for token in await list_tokens(session, args.customer):
                    created = token.created_at.isoformat()
                    print(f"{token.key}  customer {token.customer_id}  {token.email}  {created}")
        finally:
            await engine.dispose()
        return 0

    return _run(run)


def token_revoke_command(args: argparse.Namespace) -> int:
    async def run() -> int:
        engine = create_engine(_settings(args))
        try:
            async with create_session_factory(engine)() as session:
                if not await revoke_token(session, args.key):
                    print("no such token", file=sys.stderr)
                    return 1
        finally:
            await engine.dispose()
        print("revoked")
        return 0

    return _run(run)


# --- schema ----------------------------------------------------------------------------------


def _add_schema_command(commands: Any) -> None:
    schema = commands.add_parser("schema", help="the GraphQL schema", description="GraphQL SDL.")
    schema_commands = schema.add_subparsers(dest="schema_command", required=True, metavar="COMMAND")
    export = schema_commands.add_parser(
        "export",
        help="print the GraphQL schema (SDL), as committed in schema.graphql",
        description="Print the schema the code defines, descriptions included.",
    )
    export.add_argument("--output", type=Path, help="write to this file instead of stdout")
    export.set_defaults(handler=schema_export_command)


def schema_export_command(args: argparse.Namespace) -> int:
    # Imported here: the other commands need not load Strawberry and the whole schema.
    from gateway.graphql import schema_sdl

    sdl = schema_sdl()
    if args.output is None:
        sys.stdout.write(sdl)
    else:
        args.output.write_text(sdl, encoding="utf-8")
    return 0


# --- apq -------------------------------------------------------------------------------------


def _add_apq_command(commands: Any) -> None:
    apq = commands.add_parser(
        "apq", help="persisted queries", description="Registered GraphQL documents."
    )
    apq_commands = apq.add_subparsers(dest="apq_command", required=True, metavar="COMMAND")
    register = apq_commands.add_parser(
        "register",
        help="register GraphQL documents in the persisted-queries manifest",
        description="Add each FILE's whole text as one document to the manifest "
        "($GATEWAY_PERSISTED_QUERIES_FILE, or --manifest) and print its SHA-256, the hash "
        "clients send. With GATEWAY_PERSISTED_QUERIES_ONLY=true the service runs only these.",
    )
    register.add_argument("files", nargs="+", type=Path, metavar="FILE")
    register.add_argument("--manifest", type=Path, help="manifest file to update")
    register.set_defaults(handler=apq_register_command)


def apq_register_command(args: argparse.Namespace) -> int:
    from gateway.graphql import build_schema
    from gateway.graphql.documents import document_problem
    from gateway.graphql.persisted import ManifestError, register_documents

    manifest = args.manifest or Path(load_settings().persisted_queries_file or "")
    if not str(manifest) or str(manifest) == ".":
        raise ConfigurationError(
            "GATEWAY_PERSISTED_QUERIES_FILE: not set; pass --manifest or set the variable"
        )
    documents = [path.read_text(encoding="utf-8") for path in args.files]
    schema = build_schema()
    for path, document in zip(args.files, documents, strict=True):
        problem = document_problem(schema, document)
        if problem is not None:
            raise BadUserInput(f"{path}: {problem}; nothing was registered")
    try:
        hashes = register_documents(manifest, documents)
    except ManifestError as exc:
        raise ConfigurationError(f"GATEWAY_PERSISTED_QUERIES_FILE: {exc}") from None
    for path, digest in zip(args.files, hashes, strict=True):
        print(f"{digest}  {path}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.handler(args)
    except GatewayError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (OSError, SQLAlchemyError) as exc:
        # The database is unreachable or lacks the shop's tables: one line, not a traceback
        # (SQLAlchemy's further lines repeat the SQL and link its documentation).
        first_line = (str(exc).splitlines() or [type(exc).__name__])[0]
        print(f"error: database: {first_line}", file=sys.stderr)
        return 1
    return code
