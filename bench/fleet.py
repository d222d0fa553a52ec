"""Issue 12's benchmark: what tracing and rate limits on Redis cost, for S1 (REST) and S2
(GraphQL), side by side with the service as it runs without them.

    .venv/bin/python bench/fleet.py --backend postgresql --duration 15
    .venv/bin/python bench/fleet.py --configurations off,tracing --scenarios S2 --duration 5

Configurations (each a fresh `gateway serve`, same database):

- `off`: no `OTEL_*` variable, no Redis (what every other benchmark measures);
- `tracing`: `OTEL_EXPORTER_OTLP_ENDPOINT` pointing at a local OTLP/HTTP receiver
  (`bench/harness/otlp_receiver.py`, its own process), every span sampled and exported;
- `sampled`: the same with `parentbased_traceidratio` at 0.1 (one request in ten traced, as
  a busy deployment would run);
- `limits`: `GATEWAY_REDIS_URL` (`--redis`, default the local server) with
  `GATEWAY_RATE_LIMIT` and `GATEWAY_GRAPHQL_COST_LIMIT` set high enough never to refuse,
  under a key prefix of the run's own, deleted afterwards;
- `both`: tracing and limits.

For each it prints req/s, latency, the service's CPU per request, and the helper's (the
receiver's, or Redis's) per request. JSON on stdout, JSON and Markdown in bench/results/.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any

from harness.database import RESULTS, add_data_arguments, prepare
from harness.load import require_wrk
from harness.report import Row
from harness.scenarios import select
from harness.service import Service, free_port
from redis import Redis
from run import _environment, measure

RECEIVER = Path(__file__).resolve().parent / "harness" / "otlp_receiver.py"
CONFIGURATIONS = ("off", "tracing", "sampled", "limits", "both")
NEVER_REACHED = {
    "GATEWAY_RATE_LIMIT": "100000000/minute",
    "GATEWAY_GRAPHQL_COST_LIMIT": "1000000000000/minute",
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", default="postgresql", help="postgresql or sqlite")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--duration", type=float, default=15, help="seconds per scenario")
    parser.add_argument("--warmup", type=float, default=3, help="unmeasured seconds before")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--scenarios", default="S1,S2 GraphQL", help="as bench/run.py takes them")
    parser.add_argument(
        "--configurations",
        default=",".join(CONFIGURATIONS),
        help="off,tracing,sampled,limits,both",
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0", help="Redis for limits")
    add_data_arguments(parser)
    return parser.parse_args(argv)


class Receiver:
    """The OTLP/HTTP receiver process on a free port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen([sys.executable, str(RECEIVER), "--port", str(self.port)])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                self.stats()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the OTLP receiver did not start")

    def stats(self) -> dict[str, int]:
        with urllib.request.urlopen(self.endpoint + "/stats", timeout=2) as response:
            counts: dict[str, int] = json.loads(response.read())
            return counts

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait()


def redis_pid(url: str) -> int:
    client = Redis.from_url(url)
    try:
        pid: int = client.info("server")["process_id"]
        return pid
    finally:
        client.close()


def delete_prefix(url: str, prefix: str) -> int:
    client = Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
        return len(keys)
    finally:
        client.close()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    require_wrk()
    scenarios = select(args.scenarios)
    configurations = [name.strip() for name in args.configurations.split(",") if name.strip()]
    RESULTS.mkdir(parents=True, exist_ok=True)
    database = prepare(args.backend, args)
    prefix = f"bench-{uuid.uuid4().hex[:8]}:"
    rows: list[dict[str, Any]] = []
    for configuration in configurations:
        environment: dict[str, str] = {}
        helpers: list[int] = []
        receiver = None
        if configuration in ("tracing", "sampled", "both"):
            receiver = Receiver()
            environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.endpoint
            environment["OTEL_TRACES_SAMPLER"] = "always_on"
            if configuration == "sampled":
                environment["OTEL_TRACES_SAMPLER"] = "parentbased_traceidratio"
                environment["OTEL_TRACES_SAMPLER_ARG"] = "0.1"
            helpers.append(receiver.process.pid)
        if configuration in ("limits", "both"):
            environment.update(
                GATEWAY_REDIS_URL=args.redis, GATEWAY_REDIS_PREFIX=prefix, **NEVER_REACHED
            )
            helpers.append(redis_pid(args.redis))
        service = Service(database.url, args.workers, environment)
        try:
            service.wait_ready()
            for scenario in scenarios:
                print(f"  {configuration}: {scenario.name}", file=sys.stderr, flush=True)
                row: Row = measure(service, database, scenario, args.workers, args, helpers)
                rows.append({"configuration": configuration, **asdict(row)})
        finally:
            service.stop()
            if receiver is not None:
                # over the configuration's scenarios (and their checks and warm-ups)
                rows[-1]["spans received"] = receiver.stats()["spans"]
                receiver.stop()
    deleted = delete_prefix(args.redis, prefix) if {"limits", "both"} & set(configurations) else 0
    document = {
        **_environment(),
        "backend": args.backend,
        "workers": args.workers,
        "load": f"wrk, {args.threads} thread(s), {args.connections} connections, "
        f"{args.duration:g} s per scenario after {args.warmup:g} s warm-up",
        "redis keys deleted after the run": deleted,
        "rows": rows,
    }
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    json_path = RESULTS / f"fleet-{stamp}.json"
    json_path.write_text(json.dumps(document, indent=2) + "\n")
    md_path = RESULTS / f"fleet-{stamp}.md"
    md_path.write_text(table(rows))
    print(json.dumps(document, indent=2))
    print(table(rows), file=sys.stderr)
    print(f"wrote {json_path} and {md_path}", file=sys.stderr)
    return 0


def table(rows: list[dict[str, Any]]) -> str:
    """Scenario by scenario, the configurations side by side."""
    lines = [
        "| scenario | configuration | req/s | p50 ms | p99 ms | service CPU ms/request "
        "| helper CPU ms/request |",
        "|---|---|---|---|---|---|---|",
    ]
    for scenario in dict.fromkeys(row["scenario"] for row in rows):
        for row in [r for r in rows if r["scenario"] == scenario]:
            helper = "—" if row["helper_cpu_ms"] is None else f"{row['helper_cpu_ms']:.2f}"
            lines.append(
                f"| {scenario} | {row['configuration']} | {row['rate'] or 0:,.0f} "
                f"| {row['p50_ms'] or 0:.2f} | {row['p99_ms'] or 0:.2f} "
                f"| {row['server_cpu_ms'] or 0:.2f} | {helper} |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
