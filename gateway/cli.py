"""`gateway …` / `python -m gateway …`: parse arguments, build settings, call plain functions."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

import uvicorn

from gateway.db.bootstrap import create_tables, embedded_database_exists, missing_tables
from gateway.db.engine import create_engine, create_session_factory
from gateway.db.seed import SeedOptions, seed_database
from gateway.db.tokens import create_token, list_tokens, revoke_token
from gateway.db.urls import sqlite_path
from gateway.errors import ConfigurationError, GatewayError
from gateway.settings import Settings, load_settings


def _database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        help="database URL (default: $GATEWAY_DATABASE_URL, else the embedded demo SQLite file)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gateway",
        description="GraphQL gateway and legacy REST endpoint over a shop's order database.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="run the HTTP service",
        description="Serve GraphQL (/graphql) and the legacy REST endpoint. On the embedded "
        "default database, create and seed it first if it does not exist yet; any other "
        "database is only read.",
    )
    _database_option(serve)
    serve.add_argument("--host", help="interface to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="TCP port (default 8000)")
    serve.add_argument("--workers", type=int, help="worker processes (default 1)")
    serve.add_argument("--log-level", help="debug, info, warning, error or critical")
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
    return parser


def _settings(args: argparse.Namespace, **extra: Any) -> Settings:
    return load_settings(database_url=getattr(args, "database_url", None), **extra)


def _prepare_sqlite_file(settings: Settings) -> None:
    """Commands that create tables may create a SQLite file, and its folder."""
    path = sqlite_path(settings.database_url)
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _run(coroutine_function: Callable[[], Coroutine[Any, Any, int]]) -> int:
    return asyncio.run(coroutine_function())


# --- serve ---------------------------------------------------------------------------------


async def prepare_embedded_database(settings: Settings) -> bool:
    """Create and seed the embedded demo database if it does not exist. True if it did."""
    path = settings.embedded_path
    if embedded_database_exists(path):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings)
    try:
        await create_tables(engine)
        print(f"creating the demo database {path} ...", flush=True)
        await seed_database(engine, SeedOptions(), progress=sys.stderr.isatty())
    finally:
        await engine.dispose()
    return True


async def _demo_token(settings: Settings) -> str | None:
    engine = create_engine(settings)
    try:
        async with create_session_factory(engine)() as session:
            tokens = await list_tokens(session)
    finally:
        await engine.dispose()
    return tokens[0].key if tokens else None


def _export(settings: Settings) -> None:
    """Hand the effective settings to worker processes, which read `GATEWAY_*`."""
    for name, value in settings.model_dump().items():
        os.environ[f"GATEWAY_{name.upper()}"] = str(value)


def serve_command(args: argparse.Namespace) -> int:
    settings = _settings(
        args, host=args.host, port=args.port, workers=args.workers, log_level=args.log_level
    )
    path = sqlite_path(settings.database_url)
    if not settings.is_embedded_default and path is not None and not Path(path).exists():
        raise ConfigurationError(f"GATEWAY_DATABASE_URL: no SQLite database at {path}")
    if settings.is_embedded_default:
        asyncio.run(prepare_embedded_database(settings))
        token = asyncio.run(_demo_token(settings))
        base = f"http://{settings.host}:{settings.port}"
        print(
            f"\nDemo database: {settings.embedded_path}\n"
            f"Demo token:    {token}\n"
            f'GraphiQL:      {base}/graphql   (headers: {{"Authorization": "Token {token}"}})\n'
            f"REST:          curl -H 'Authorization: Token {token}' "
            f"'{base}/api/shop/customers/me/orders?limit=2'\n"
            f"Ready check:   {base}/readyz\n",
            flush=True,
        )
    _export(settings)
    uvicorn.run(
        "gateway.app:create_app_from_environment",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level,
        proxy_headers=False,  # X-Forwarded-* are honoured by the app, only when trusted
        server_header=False,
    )
    return 0


# --- db, seed, token -----------------------------------------------------------------------


def db_init_command(args: argparse.Namespace) -> int:
    settings = _settings(args)
    _prepare_sqlite_file(settings)

    async def run() -> int:
        engine = create_engine(settings)
        try:
            missing = await missing_tables(engine)
            await create_tables(engine)
        finally:
            await engine.dispose()
        print(f"created {len(missing)} tables" if missing else "all tables already exist")
        return 0

    return _run(run)


def seed_command(args: argparse.Namespace) -> int:
    settings = _settings(args)
    options = SeedOptions(orders=args.orders, customers=args.customers, seed=args.seed)
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


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.handler(args)
    except GatewayError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return code
