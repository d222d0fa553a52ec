"""The benchmark database: generated once with `gateway seed`, reused while its size matches.

PostgreSQL: the scratch database `gw_bench` on the given server (never `test`, which the
test suite uses). SQLite: a file under `bench/results/` named after its size.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from dataclasses import asdict, dataclass
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
BENCH_DATABASE = "gw_bench"
DEMO_CUSTOMER = 1
# The demo customer's first token; `{}` is the driver's placeholder.
_TOKEN_SQL = "SELECT key FROM shop_apitoken WHERE customer_id = {} ORDER BY created_at, key LIMIT 1"


@dataclass(frozen=True, slots=True)
class DataSize:
    """What `gateway seed` is asked for: orders in all, customers, the demo customer's
    orders, and the random seed."""

    orders: int
    customers: int
    demo_orders: int
    seed: int


@dataclass(frozen=True, slots=True)
class BenchDatabase:
    """A ready database: its URL for `--database-url`, the demo customer's token, and how
    it came to be."""

    backend: str
    url: str
    token: str
    size: DataSize
    reused: bool
    indexes: bool
    customer_id: int = DEMO_CUSTOMER


def gateway(*args: str, root: Path = ROOT) -> str:
    """Run the CLI of the checkout at `root` (`python -m gateway …`); its standard output."""
    command = [sys.executable, "-m", "gateway", *args]
    environment = {**os.environ, "PYTHONPATH": str(root)}
    completed = subprocess.run(command, cwd=root, env=environment, capture_output=True, text=True)
    if completed.returncode != 0:
        raise SystemExit(f"`gateway {' '.join(args)}` failed:\n{completed.stderr}")
    return completed.stdout


def _seed(url: str, size: DataSize) -> None:
    print(f"seeding {url}: {size}", file=sys.stderr, flush=True)
    gateway(
        "seed",
        "--database-url",
        url,
        "--orders",
        str(size.orders),
        "--customers",
        str(size.customers),
        "--demo-orders",
        str(size.demo_orders),
        "--seed",
        str(size.seed),
    )


def _set_indexes(url: str, wanted: bool) -> None:
    # before any service of the benchmark runs: nothing to wait for when dropping
    gateway("db", "indexes", "--database-url", url, *([] if wanted else ["--drop", "--grace", "0"]))


def _sidecar(name: str) -> Path:
    return RESULTS / f"{name}.json"


def _recorded_size(name: str) -> DataSize | None:
    try:
        return DataSize(**json.loads(_sidecar(name).read_text()))
    except (FileNotFoundError, TypeError, ValueError):
        return None


# --- PostgreSQL ------------------------------------------------------------------------------


async def _pg_counts(dsn: str) -> tuple[int, int, int] | None:
    """(orders, demo customer's orders, customers), or None when the tables are missing."""
    connection = await asyncpg.connect(dsn)
    try:
        row = await connection.fetchrow(
            "SELECT (SELECT count(*) FROM shop_order), "
            "(SELECT count(*) FROM shop_order WHERE customer_id = $1), "
            "(SELECT count(*) FROM shop_customer)",
            DEMO_CUSTOMER,
        )
    except asyncpg.UndefinedTableError:
        return None
    finally:
        await connection.close()
    return (row[0], row[1], row[2])


async def pg_recreate(server: str, name: str = BENCH_DATABASE) -> None:
    """Drop the scratch database `name` on `server` (its sessions too) and create it empty."""
    admin = await asyncpg.connect(f"{server}/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


async def pg_exists(server: str, name: str = BENCH_DATABASE) -> bool:
    admin = await asyncpg.connect(f"{server}/postgres")
    try:
        found = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
    finally:
        await admin.close()
    return found is not None


async def _pg_query(dsn: str, sql: str, *args: object) -> object:
    connection = await asyncpg.connect(dsn)
    try:
        return await connection.fetchval(sql, *args)
    finally:
        await connection.close()


def prepare_postgresql(server: str, size: DataSize, *, fresh: bool, indexes: bool) -> BenchDatabase:
    """`gw_bench` on `server` (`postgresql://user@host:port`), seeded to `size`."""
    url = f"{server}/{BENCH_DATABASE}"
    expected = (size.orders, size.demo_orders, size.customers)
    reused = (
        not fresh
        and asyncio.run(pg_exists(server))
        and _recorded_size(BENCH_DATABASE) == size
        and asyncio.run(_pg_counts(url)) == expected
    )
    if not reused:
        asyncio.run(pg_recreate(server))
        _seed(url, size)
        _sidecar(BENCH_DATABASE).write_text(json.dumps(asdict(size)))
    _set_indexes(url, indexes)
    # What autovacuum would have done on a live shop: statistics and the visibility map.
    asyncio.run(_pg_query(url, "VACUUM ANALYZE"))
    token = asyncio.run(_pg_query(url, _TOKEN_SQL.format("$1"), DEMO_CUSTOMER))
    return BenchDatabase("postgresql", url, str(token), size, reused, indexes)


# --- SQLite ----------------------------------------------------------------------------------


def prepare_sqlite(size: DataSize, *, fresh: bool, indexes: bool) -> BenchDatabase:
    """A SQLite file under bench/results/ named after `size`, seeded on first use."""
    name = f"bench-o{size.orders}-c{size.customers}-d{size.demo_orders}-s{size.seed}"
    path = RESULTS / f"{name}.sqlite3"
    url = f"sqlite:///{path}"
    reused = path.exists() and not fresh
    if not reused:
        path.unlink(missing_ok=True)
        _seed(url, size)
    _set_indexes(url, indexes)
    with closing(sqlite3.connect(path)) as connection:
        token = connection.execute(_TOKEN_SQL.format("?"), (DEMO_CUSTOMER,)).fetchone()[0]
    return BenchDatabase("sqlite", url, str(token), size, reused, indexes)


# --- Command-line options shared by bench/run.py and bench/profile.py -----------------------


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that say which database to generate or reuse."""
    parser.add_argument("--orders", type=int, default=10_000, help="orders in all")
    parser.add_argument("--customers", type=int, default=200, help="customers in all")
    parser.add_argument(
        "--demo-orders", type=int, default=5_000, help="orders of the customer whose token is used"
    )
    parser.add_argument("--seed", type=int, default=1, help="data generator seed")
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432",
        help=f"PostgreSQL server; the database {BENCH_DATABASE} is (re)created on it",
    )
    parser.add_argument("--fresh", action="store_true", help="regenerate the database")
    parser.add_argument(
        "--no-indexes",
        dest="indexes",
        action="store_false",
        help="run without `gateway db indexes` (drops them if present)",
    )


def data_size(args: argparse.Namespace) -> DataSize:
    return DataSize(args.orders, args.customers, args.demo_orders, args.seed)


def prepare(backend: str, args: argparse.Namespace) -> BenchDatabase:
    """The database for `backend` ("postgresql" or "sqlite") as the options ask."""
    size = data_size(args)
    if backend == "postgresql":
        return prepare_postgresql(args.postgres, size, fresh=args.fresh, indexes=args.indexes)
    if backend == "sqlite":
        return prepare_sqlite(size, fresh=args.fresh, indexes=args.indexes)
    raise SystemExit(f"unknown backend {backend!r}: postgresql or sqlite")
