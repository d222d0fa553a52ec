"""What a statement timeout costs behind PgBouncer (transaction pooling), three ways.

    .venv/bin/python bench/pgbouncer_timeout.py --requests 2000 --rounds 3

Starts its own PostgreSQL and PgBouncer (Debian's; as the tests do, see tests/processes.py),
seeds a shop, and sends the legacy endpoint's default page (20 orders) to the app
in-process, one request after another, with the statement timeout enforced:

- `none`: no timeout at all (the floor);
- `driver`: asyncpg's `command_timeout`, a cancel request past the limit (what the gateway
  does with GATEWAY_DB_PREPARED_STATEMENTS=false);
- `set-local`: each checkout in a transaction that starts with `SET LOCAL
  statement_timeout` (what transaction pooling allows server-side);
- `query_timeout`: PgBouncer's own `query_timeout` (nothing on the gateway's side);
- `direct`: PostgreSQL without PgBouncer, the session's `statement_timeout` (for contrast).

For each: the time per request (wall clock, one request at a time: the machine's other load
shows), the statements and transactions PgBouncer forwarded per request (its `SHOW STATS`,
deterministic), and what one firing costs: the time from the statement's start until the
caller gets the error, and the next request's time (a connection PgBouncer closed must be
opened again). Prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gateway.app import create_app  # noqa: E402
from gateway.db.engine import create_engine  # noqa: E402
from gateway.settings import Settings, load_settings  # noqa: E402
from tests.pg_server import ThrowawayPostgres  # noqa: E402
from tests.processes import Server, pgbouncer  # noqa: E402
from tests.traffic import ORDERS, seed_shop  # noqa: E402

LIMIT = 0.5  # seconds: the statement timeout of every mode


def set_local_timeout(app: Any) -> None:
    """`set-local`: transactions instead of autocommit, each opened with SET LOCAL."""
    engine = app.state.database.engine
    engine.sync_engine.update_execution_options(isolation_level="READ COMMITTED")

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(connection: Any) -> None:
        milliseconds = round(LIMIT * 1000)
        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {milliseconds}")


@asynccontextmanager
async def client(settings: Settings, tune: Callable[[Any], None] | None) -> AsyncIterator[Any]:
    app = create_app(settings)

    async def slow(request: Any) -> Any:
        from starlette.responses import JSONResponse

        async with request.app.state.database.connect() as connection:
            await connection.execute(text("SELECT pg_sleep(5)"))
        return JSONResponse({})

    from starlette.routing import Route

    app.router.routes.insert(0, Route("/api/slow", slow))
    async with app.router.lifespan_context(app):
        if tune is not None:
            tune(app)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as c:
            yield c


def forwarded(bouncer: Server | None) -> tuple[int, int]:
    """PgBouncer's counts of transactions and statements sent to the server so far."""
    if bouncer is None:
        return (0, 0)
    command = ["psql", "-h", "127.0.0.1", "-p", str(bouncer.port), "-U", "postgres", "-At",
               "-F", ",", "-c", "SHOW STATS", "pgbouncer"]  # fmt: skip
    for row in subprocess.run(command, capture_output=True, text=True, check=True).stdout.split():
        fields = row.split(",")
        if fields[0] == "shop":
            return int(fields[1]), int(fields[2])  # total_xact_count, total_query_count
    raise SystemExit("PgBouncer's SHOW STATS has no row for shop")


async def measure(
    settings: Settings, tune: Any, bouncer: Server | None, token: str, requests: int
) -> dict[str, float]:
    headers = {"Authorization": f"Token {token}"}
    async with client(settings, tune) as c:
        for _ in range(50):  # warm-up: pool, caches
            assert (await c.get(ORDERS, headers=headers)).status_code == 200
        await asyncio.sleep(1.1)  # PgBouncer's totals are updated once a second
        before = forwarded(bouncer)
        started = time.perf_counter()
        for _ in range(requests):
            response = await c.get(ORDERS, headers=headers)
            assert response.status_code == 200, response.text
        per_request = (time.perf_counter() - started) / requests
        await asyncio.sleep(1.1)
        after = forwarded(bouncer)
        fired_at = time.perf_counter()
        fired = await c.get("/api/slow")
        firing = time.perf_counter() - fired_at
        next_at = time.perf_counter()
        assert (await c.get(ORDERS, headers=headers)).status_code == 200
        next_request = time.perf_counter() - next_at
    return {
        "ms_per_request": round(per_request * 1000, 3),
        "transactions_per_request": round((after[0] - before[0]) / requests, 2),
        "statements_per_request": round((after[1] - before[1]) / requests, 2),
        "firing_status": fired.status_code,
        "firing_s": round(firing, 3),
        "next_request_ms": round(next_request * 1000, 2),
    }


async def main(arguments: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="gw-bench-timeout-"))
    postgres = ThrowawayPostgres()
    bouncers: list[Server] = []
    try:
        postgres.start()
        engine = create_engine(load_settings(database_url=postgres.url))
        tokens = await seed_shop(engine, orders=2000, customers=10)
        await engine.dispose()
        database = {"shop": f"host=127.0.0.1 port={postgres.port} dbname=postgres"}
        pool = {"pool_mode": "transaction", "default_pool_size": "5", "stats_users": "postgres"}
        plain = pgbouncer("pgbouncer", database, pool, folder)
        timed = pgbouncer("pgbouncer-qt", database, pool | {"query_timeout": str(LIMIT)}, folder)
        bouncers += [plain, timed]
        for bouncer in bouncers:
            bouncer.start()

        def through(bouncer: Server, timeout: float) -> Settings:
            return load_settings(
                database_url=f"postgresql://postgres@127.0.0.1:{bouncer.port}/shop",
                db_prepared_statements=False,
                statement_timeout=timeout,
                request_timeout=0,
            )

        modes: dict[str, tuple[Settings, Any, Server | None]] = {
            "direct": (load_settings(database_url=postgres.url, statement_timeout=LIMIT), None,
                       None),
            "none": (through(plain, 0), None, plain),
            "driver": (through(plain, LIMIT), None, plain),
            "set-local": (through(plain, 0), set_local_timeout, plain),
            "query_timeout": (through(timed, 0), None, timed),
        }  # fmt: skip
        results: dict[str, list[dict[str, float]]] = {name: [] for name in modes}
        for _ in range(arguments.rounds):
            for name, (settings, tune, bouncer) in modes.items():
                run = await measure(settings, tune, bouncer, tokens[0], arguments.requests)
                results[name].append(run)
        summary = {
            name: {
                "ms_per_request_median": statistics.median(r["ms_per_request"] for r in runs),
                "ms_per_request_runs": [r["ms_per_request"] for r in runs],
                "transactions_per_request": runs[-1]["transactions_per_request"],
                "statements_per_request": runs[-1]["statements_per_request"],
                "firing": runs[-1],
            }
            for name, runs in results.items()
        }
        print(json.dumps({"limit_s": LIMIT, "requests": arguments.requests, "modes": summary},
                         indent=2))  # fmt: skip
    finally:
        for bouncer in bouncers:
            bouncer.destroy()
        postgres.destroy()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    asyncio.run(main(parser.parse_args()))
