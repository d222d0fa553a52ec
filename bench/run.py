"""Benchmark the gateway as issue 6 asks: one command, JSON on stdout, JSON + Markdown files.

    .venv/bin/python bench/run.py --backend postgresql --workers 1 --duration 15
    .venv/bin/python bench/run.py --backend postgresql,sqlite --workers 1,2 --scenarios S1,S2

For each backend it generates (or reuses) the database, applies the optional indexes (or
drops them with --no-indexes), then for each worker count starts `gateway serve`, waits for
/readyz, checks each scenario once, warms it up and drives it with wrk for --duration
seconds, reading CPU from /proc before and after. On PostgreSQL it then measures the floor:
the page-of-20 statement prepared and run in a loop from asyncpg. Results go to
bench/results/ (git-ignored). See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any

from harness import cpu
from harness.database import (
    BENCH_DATABASE,
    RESULTS,
    ROOT,
    BenchDatabase,
    add_data_arguments,
    data_size,
    prepare,
)
from harness.floor import floor_rate
from harness.load import require_wrk, run_wrk
from harness.report import Row, write
from harness.scenarios import CURSOR_WALK, DEEP_POSITION, Scenario, orders_in, select
from harness.service import CURSOR_SECRET, Service, request
from harness.statements import statements_per_request
from harness.targets import checks

SYSTEM = "shop-gateway"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--backend", default="postgresql", help="postgresql, sqlite, or both comma-separated"
    )
    parser.add_argument("--workers", default="1", help="worker counts, comma-separated: 1,2")
    parser.add_argument("--duration", type=float, default=15, help="seconds per scenario")
    parser.add_argument("--warmup", type=float, default=3, help="unmeasured seconds before")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument(
        "--scenarios",
        default="all",
        help="comma-separated: S1,S2,S2n,S3,S4,S5,S6, 'REST', 'GraphQL' or "
        "full names like 'S3 REST' (default all)",
    )
    add_data_arguments(parser)
    parser.add_argument(
        "--no-floor", dest="floor", action="store_false", help="skip the asyncpg floor"
    )
    return parser.parse_args(argv)


def _check(service: Service, database: BenchDatabase, scenario: Scenario) -> str | None:
    """Why the scenario cannot be measured, or None when its answer is right."""
    status, payload = request(
        service.base,
        scenario.method,
        scenario.path,
        database.token,
        scenario.body() if scenario.method == "POST" else None,
    )
    if status != 200 or payload is None:
        return f"{scenario.method} {scenario.path.split('?')[0]} answered {status}"
    try:
        found = orders_in(scenario, payload)
    except (KeyError, TypeError, ValueError) as exc:
        return f"unexpected answer: {str(exc)[:120]}"
    if (scenario.rows is None and found == 0) or scenario.rows not in (None, found):
        return f"{found} orders in the answer, expected {scenario.rows or 'some'}"
    return None


def _deep_cursor(service: Service, database: BenchDatabase) -> str:
    """The cursor after the DEEP_POSITION-th order, found by walking pages of 100."""
    walk = Scenario("walk", "graphql", "", "/graphql", CURSOR_WALK)
    cursor: str | None = None
    for _ in range(DEEP_POSITION // 100):
        body = walk.body({"first": 100, "after": cursor})
        status, payload = request(service.base, "POST", walk.path, database.token, body)
        if status != 200 or not payload or payload.get("errors"):
            raise ValueError(f"walking pages failed: {status} {str(payload)[:120]}")
        cursor = payload["data"]["myOrders"]["pageInfo"]["endCursor"]
    assert cursor is not None
    return cursor


def measure(
    service: Service,
    database: BenchDatabase,
    scenario: Scenario,
    workers: int,
    args: argparse.Namespace,
    helpers: list[int] | None = None,
) -> Row:
    """One scenario: check, warm up, then the measured wrk run with CPU before/after (of
    the service, PostgreSQL's backends and the `helpers` processes, if any)."""
    reason = None
    if scenario.needs_deep_cursor:
        try:
            scenario = scenario.with_variables(after=_deep_cursor(service, database))
        except (KeyError, TypeError, ValueError) as exc:
            reason = str(exc)
    reason = reason or _check(service, database, scenario)
    if reason is not None:
        print(f"  {scenario.name}: skipped ({reason})", file=sys.stderr, flush=True)
        return Row(
            scenario.name, SYSTEM, database.backend, workers, None, note=f"skipped: {reason}"
        )
    statements = statements_per_request(database.url, CURSOR_SECRET, database.token, scenario)
    load = {"seconds": args.duration, "connections": args.connections, "threads": args.threads}
    if args.warmup > 0:
        run_wrk(service.base, scenario, database.token, **{**load, "seconds": args.warmup})
    postgres = database.backend == "postgresql"
    server_before = cpu.snapshot(service.pids())
    db_before = cpu.snapshot(cpu.postgres_backends(BENCH_DATABASE)) if postgres else {}
    helpers_before = cpu.snapshot(helpers or [])
    result = run_wrk(service.base, scenario, database.token, **load)
    server_after = cpu.snapshot(service.pids())
    db_after = cpu.snapshot(cpu.postgres_backends(BENCH_DATABASE)) if postgres else {}
    helpers_after = cpu.snapshot(helpers or [])
    if not result.requests:
        return Row(
            scenario.name,
            SYSTEM,
            database.backend,
            workers,
            0.0,
            errors=result.errors,
            statements=statements,
            note="no request completed within the run",
        )
    per_request = 1000 / result.requests
    return Row(
        scenario.name,
        SYSTEM,
        database.backend,
        workers,
        rate=result.rate,
        p50_ms=result.p50_ms,
        p99_ms=result.p99_ms,
        server_cpu_ms=cpu.used(server_before, server_after) * per_request,
        database_cpu_ms=cpu.used(db_before, db_after) * per_request if postgres else None,
        requests=result.requests,
        errors=result.errors,
        statements=statements,
        note=f"{result.errors} errors" if result.errors else "",
        helper_cpu_ms=cpu.used(helpers_before, helpers_after) * per_request if helpers else None,
    )


def floor_rows(database: BenchDatabase, seconds: float) -> list[Row]:
    rows = []
    for connections in (1, 8):
        rate = floor_rate(database.url, database.customer_id, connections, seconds)
        label = f"floor, {connections} connection{'s' if connections > 1 else ''}"
        rows.append(
            Row(
                label,
                "asyncpg, prepared page-of-20 statement",
                database.backend,
                None,
                rate,
                note="in one process",
            )
        )
    return rows


def _environment() -> dict[str, Any]:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit + (" (with uncommitted changes)" if dirty else ""),
        "cpus": os.cpu_count(),
        "load average before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    require_wrk()
    scenarios = select(args.scenarios)
    backends = [name.strip() for name in args.backend.split(",") if name.strip()]
    worker_counts = [int(count) for count in args.workers.split(",")]
    size = data_size(args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    meta: dict[str, Any] = {
        **_environment(),
        "data": f"{size.orders} orders among {size.customers} customers; the measured "
        f"customer has {size.demo_orders} (seed {size.seed})",
        "load": f"wrk, {args.threads} thread(s), {args.connections} connections, "
        f"{args.duration:g} s per scenario after {args.warmup:g} s warm-up",
        "indexes": "gateway db indexes applied" if args.indexes else "legacy indexes only",
    }
    rows: list[Row] = []
    for backend in backends:
        database = prepare(backend, args)
        print(
            f"{backend}: {database.url} ({'reused' if database.reused else 'generated'})",
            file=sys.stderr,
            flush=True,
        )
        for workers in worker_counts:
            service = Service(database.url, workers)
            try:
                service.wait_ready()
                for scenario in scenarios:
                    print(
                        f"  {backend}, {workers} worker(s): {scenario.name}",
                        file=sys.stderr,
                        flush=True,
                    )
                    rows.append(measure(service, database, scenario, workers, args))
            finally:
                service.stop()
        if backend == "postgresql" and args.floor:
            rows.extend(floor_rows(database, args.duration))
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    json_path, md_path = write(RESULTS, f"bench-{stamp}", meta, rows, checks(rows))
    print(json_path.read_text())
    print(f"wrote {json_path} and {md_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
