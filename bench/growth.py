"""Data growth (issue 15): each request type's latency for customers of 1k, 10k, 100k and 1M orders.

    .venv/bin/python bench/growth.py --build             # build (or reuse) gw_growth; tokens
    .venv/bin/python bench/growth.py --structures none,installed --output growth.json
    .venv/bin/python bench/growth.py --baseline /tmp/gw15-base   # and another checkout

On the database `gw_growth` (built once, see harness/growth_data.py), for each structures
mode (`none`: `gateway db indexes --drop` first; `installed`: `gateway db indexes` first)
and each checkout (this one, then `--baseline`), it starts `gateway serve` with one worker,
primes every statement with a small customer (a long-running service has planned them
before, mostly for small customers), then sends each request type `--repeat` times in a row
for each sized customer and keeps every time and the median. JSON on stdout; JSON and
Markdown under bench/results/ (and at `--output`). See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import asyncpg
from harness.database import RESULTS, ROOT, gateway
from harness.growth_data import (
    GROWTH_DATABASE,
    SIZES,
    GrowthDatabase,
    GrowthSpec,
    SizedCustomer,
    describe,
    prepare_growth,
)
from harness.growth_report import Measurement, Run, earlier_runs, markdown
from harness.growth_requests import RequestType, concrete, enum_values, select, timed
from harness.service import Service

STRUCTURES = ("none", "installed")


def _sizes(text: str) -> list[int]:
    sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    unknown = [size for size in sizes if size not in SIZES]
    if unknown or not sizes:
        raise argparse.ArgumentTypeError(f"sizes are among {', '.join(map(str, SIZES))}")
    return sizes


def _structures(text: str) -> list[str]:
    modes = [part.strip() for part in text.split(",") if part.strip()]
    if not modes or any(mode not in STRUCTURES for mode in modes):
        raise argparse.ArgumentTypeError("structures: none, installed or both comma-separated")
    return modes


def _checkout(text: str) -> Path:
    path = Path(text).resolve()
    if not (path / "gateway" / "__init__.py").is_file():
        raise argparse.ArgumentTypeError(f"{path} is not a checkout of the gateway")
    return path


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--build", action="store_true", help="only build (or reuse) the database; print it"
    )
    parser.add_argument("--fresh", action="store_true", help="rebuild the database")
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432",
        help="PostgreSQL server; the database --database is (re)built on it",
    )
    parser.add_argument("--database", default=GROWTH_DATABASE, help="the database's name")
    parser.add_argument(
        "--structures",
        type=_structures,
        default=list(STRUCTURES),
        help="none (gateway db indexes --drop), installed (gateway db indexes), "
        "or both comma-separated (default)",
    )
    parser.add_argument(
        "--sizes", type=_sizes, default=list(SIZES), help="customer sizes to measure"
    )
    parser.add_argument(
        "--requests", default="all", help="request types whose names contain these words"
    )
    parser.add_argument("--repeat", type=int, default=5, help="sequential requests measured")
    parser.add_argument(
        "--warmup", type=int, default=1, help="unmeasured requests just before (caches)"
    )
    parser.add_argument(
        "--prime",
        type=int,
        default=6,
        help="unmeasured requests of each type for a small customer first (past "
        "PostgreSQL's 5 custom plans of a prepared statement)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=120,
        help="seconds a statement and a request may take (the service's and the client's)",
    )
    parser.add_argument(
        "--baseline", type=_checkout, help="also measure the checkout in this directory"
    )
    parser.add_argument(
        "--include",
        type=Path,
        action="append",
        default=[],
        help="an earlier run's JSON output: its runs become the table's first columns",
    )
    parser.add_argument("--output", type=Path, help="also write the JSON here (.md beside)")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.warmup < 0 or args.prime < 0 or args.timeout <= 0:
        parser.error("--repeat ≥ 1, --warmup ≥ 0, --prime ≥ 0 and --timeout > 0")
    return args


def _commit(root: Path) -> str:
    def git(*command: str) -> str:
        return subprocess.run(
            ["git", *command], cwd=root, capture_output=True, text=True
        ).stdout.strip()

    dirty = git("status", "--porcelain", "--untracked-files=no")
    return git("rev-parse", "--short", "HEAD") + (" (with uncommitted changes)" if dirty else "")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def _analyze(dsn: str) -> None:
    connection = await asyncpg.connect(dsn, command_timeout=None)
    try:
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


def set_structures(database: GrowthDatabase, mode: str, root: Path, roots: list[Path]) -> str:
    """Drop every checkout's optional structures, then install `root`'s when `mode` asks:
    a baseline must not run on structures only the newer checkout knows. Then ANALYZE.
    What `gateway db indexes` said, on one line."""
    for other in roots:
        gateway("db", "indexes", "--database-url", database.url, "--drop", root=other)
    said = ""
    if mode == "installed":
        started = time.monotonic()
        output = gateway("db", "indexes", "--database-url", database.url, root=root)
        said = "; ".join(output.split("\n")).strip("; ")
        _log(f"  gateway db indexes ({time.monotonic() - started:.0f} s): {said}")
    asyncio.run(_analyze(database.dsn))
    return said


def _measure(
    service: Service,
    customer: SizedCustomer,
    kind: RequestType,
    repeat: int,
    timeout: float,
    warmup: int = 0,
) -> Measurement:
    """`repeat` requests of `kind` in a row for `customer`, after `warmup` unmeasured."""
    measurement = Measurement(kind.name, customer.orders, customer.customer_id)
    try:
        call = concrete(kind, customer.orders, service.base, customer.token, timeout)
    except ValueError as exc:
        measurement.note = str(exc)
        return measurement
    for _ in range(warmup):
        timed(service.base, customer.token, kind, call, timeout)
    for _ in range(repeat):
        answer = timed(service.base, customer.token, kind, call, timeout)
        measurement.times_ms.append(round(answer.ms, 2))
        measurement.statuses.append(answer.status)
        if measurement.ids is None and answer.ids is not None:
            measurement.ids, measurement.count = list(answer.ids), answer.count
        if answer.error and not measurement.note:
            measurement.note = answer.error
    return measurement


def measure_run(
    database: GrowthDatabase, label: str, root: Path, mode: str, kinds: list[RequestType], args: Any
) -> Run:
    """One service of the checkout at `root`, every request type for every chosen size."""
    run = Run(label, str(root), _commit(root), mode, _load())
    timeout = str(args.timeout)
    environment = {"GATEWAY_STATEMENT_TIMEOUT": timeout, "GATEWAY_REQUEST_TIMEOUT": timeout}
    service = Service(database.url, 1, environment, root=root)
    try:
        service.wait_ready()
        small = database.small_customer
        values = enum_values(service.base, small.token, args.timeout)
        usable = [kind for kind in kinds if kind.needs is None or kind.needs in values]
        for kind in usable if args.prime else []:
            primed = _measure(service, small, kind, args.prime, args.timeout)
            if primed.note:
                _log(f"  priming {kind.name}: {primed.note}")
        for customer in database.customers:
            if customer.orders not in args.sizes:
                continue
            for kind in kinds:
                if kind not in usable:
                    measurement = Measurement(kind.name, customer.orders, customer.customer_id)
                    measurement.note = f"the schema has no OrderOrderField.{kind.needs}"
                else:
                    measurement = _measure(
                        service, customer, kind, args.repeat, args.timeout, args.warmup
                    )
                run.measurements.append(measurement)
                median = measurement.median_ms
                shown = f"{median:,.1f} ms" if median is not None else measurement.note
                _log(f"  {label}, {customer.orders:,} orders, {kind.name}: {shown}")
    finally:
        service.stop()
    run.load_after = _load()
    return run


async def _server(dsn: str) -> dict[str, str]:
    connection = await asyncpg.connect(dsn)
    try:
        settings = await connection.fetch(
            "SELECT name, setting, unit FROM pg_settings WHERE name IN ('shared_buffers', "
            "'work_mem', 'jit', 'max_parallel_workers_per_gather', 'plan_cache_mode', "
            "'random_page_cost', 'effective_cache_size')"
        )
        version = await connection.fetchval("SHOW server_version")
    finally:
        await connection.close()
    return {
        "version": version,
        **{row[0]: f"{row[1]}{' × ' + row[2] if row[2] else ''}" for row in settings},
    }


def _exclusive(name: str) -> TextIO:
    """A lock for the whole run: two runs on one database would change each other's
    structures and share its cores. Held until the process ends."""
    lock = (Path(tempfile.gettempdir()) / f"bench-growth-{name}.lock").open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise SystemExit(f"another bench/growth.py is running on {name}") from None
    return lock


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    kinds = select(args.requests)
    lock = _exclusive(args.database)
    runs: list[Run] = [run for path in args.include for run in earlier_runs(path)]
    RESULTS.mkdir(parents=True, exist_ok=True)  # the services' logs go there too
    database = prepare_growth(args.postgres, GrowthSpec(), name=args.database, fresh=args.fresh)
    description = describe(database)
    if args.build:
        print(json.dumps(description, indent=2))
        return 0
    checkouts = [("this checkout", ROOT)]
    if args.baseline is not None:
        checkouts.append(("baseline", args.baseline))
    roots = [root for _, root in checkouts]
    meta: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["bench/growth.py", *(argv if argv is not None else sys.argv[1:])]),
        "machine": f"{platform.node()}, {os.cpu_count()} CPUs, {platform.platform()}",
        "postgresql": asyncio.run(_server(database.dsn)),
        "load average before": _load(),
        "database": {k: v for k, v in description.items() if k != "customers"},
        "method": f"gateway serve, 1 worker; every request type primed {args.prime}× with "
        f"a small customer ({database.small_customer.orders} orders), then per type and "
        f"size {args.warmup} unmeasured and {args.repeat} measured sequential requests; "
        f"median of the client's wall time; "
        f"statement and request timeout {args.timeout:g} s",
    }
    for mode in args.structures:
        for name, root in checkouts:
            label = f"{name}, {mode}"
            _log(f"{label} ({root})")
            installed = set_structures(database, mode, root, roots)
            run = measure_run(database, label, root, mode, kinds, args)
            run.installed = installed
            runs.append(run)
    meta["load average after"] = _load()
    table = markdown(runs, args.sizes, [kind.name for kind in kinds])
    document = {**meta, "runs": [asdict(run) for run in runs], "table": table}
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    paths = [RESULTS / f"growth-{stamp}.json"] + ([args.output] if args.output else [])
    header = "\n".join(f"- {key}: {value}" for key, value in meta.items())
    for path in paths:
        path.write_text(text)
        path.with_suffix(".md").write_text(f"{header}\n\n{table}")
    print(text)
    _log(table)
    _log(f"wrote {', '.join(str(p) for p in paths)} (and .md)")
    lock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
