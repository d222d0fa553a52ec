"""A steady mixed load against a running service, for a given time; a JSON report at the end.

    python bench/load.py --url http://127.0.0.1:8000 --token KEY --duration 60 --concurrency 8

Each of `--concurrency` clients sends one request after another (REST pages, searches and
filters; GraphQL pages, nested pages, single orders, `me`) until the time is up. The report:
requests, errors by status, latency percentiles, and the server's resident memory (RSS)
before and after, from `--pid` or found from the port the URL names (Linux `/proc`; the
process and its children, so `--workers N` counts every worker).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

ORDERS = "/api/shop/customers/me/orders"
REST_QUERIES = [
    "",
    "?limit=50&offset=20",
    "?ordering=-shipping_cost,billing_country__name",
    "?search=a&is_paid=false",
    "?status_in=new,processing,completed&created_from=2023-01-01",
]
PAGE = "query ($first: Int) { myOrders(first: $first) { totalCount nodes { key total isPaid } } }"
NESTED = """query { myOrders(first: 50, orderBy: [{field: SHIPPING_COST, direction: DESC}]) {
  edges { cursor node { id key status total customer { email } billingCity { name
  state { name country { code } } } items { productName total } payments { amount } } } } }"""
SEARCH = 'query { myOrders(search: "a", filter: {isPayable: true}) { nodes { key notes } } }'
ONE = "query ($key: String) { myOrder(key: $key) { key total amountOutstanding } }"
ME = "{ me { email firstName } }"
GRAPHQL_BODIES: list[dict[str, Any]] = [
    {"query": PAGE, "variables": {"first": 20}},
    {"query": NESTED},
    {"query": SEARCH},
    {"query": ONE, "variables": {"key": "no-such-key"}},
    {"query": ME},
]


@dataclass
class Tally:
    """What the clients saw."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def listening_pid(port: int) -> int | None:
    """The process listening on TCP `port`, from /proc (no external tools)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(f"socket:[{inode}]")
    for process in Path("/proc").iterdir():
        if not process.name.isdigit():
            continue
        try:
            links = {os.readlink(fd) for fd in (process / "fd").iterdir()}
        except OSError:
            continue
        if links & inodes:
            return int(process.name)
    return None


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            pending += [int(child) for child in task.read_text().split()]
    return found


def rss_kib(pid: int) -> int:
    """Resident memory of `pid` and its children, in KiB."""
    total = 0
    for member in process_tree(pid):
        for line in Path(f"/proc/{member}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


async def client_loop(
    client: httpx.AsyncClient, token: str, deadline: float, start: int, tally: Tally
) -> None:
    """One client: the mix in turn (each client starts at another point of it)."""
    headers = {"Authorization": f"Token {token}"}
    mix: list[tuple[str, dict[str, Any]]] = [("rest", {"query": q}) for q in REST_QUERIES]
    mix += [("graphql", body) for body in GRAPHQL_BODIES]
    for kind, request in itertools.islice(itertools.cycle(mix), start, None):
        if time.monotonic() >= deadline:
            return
        began = time.perf_counter()
        try:
            if kind == "rest":
                response = await client.get(ORDERS + request["query"], headers=headers)
            else:
                response = await client.post("/graphql", json=request, headers=headers)
            status = str(response.status_code)
            if kind == "graphql" and response.status_code == 200 and "errors" in response.json():
                status = "200 with GraphQL errors"
        except httpx.HTTPError as error:
            status = type(error).__name__
        tally.latencies.append((time.perf_counter() - began) * 1000)
        tally.statuses[status] += 1
        tally.kinds[kind] += 1


async def run(args: argparse.Namespace) -> dict[str, Any]:
    port = urlsplit(args.url).port or 80
    pid = args.pid or listening_pid(port)
    rss_before = rss_kib(pid) if pid else None
    tally = Tally()
    limits = httpx.Limits(max_connections=args.concurrency)
    async with httpx.AsyncClient(base_url=args.url, limits=limits, timeout=30) as client:
        started = time.monotonic()
        deadline = started + args.duration
        await asyncio.gather(
            *(client_loop(client, args.token, deadline, n, tally) for n in range(args.concurrency))
        )
        elapsed = time.monotonic() - started
    rss_after = rss_kib(pid) if pid else None
    total = sum(tally.statuses.values())
    errors = {status: n for status, n in tally.statuses.items() if not status.startswith("200")}
    return {
        "url": args.url,
        "duration_s": round(elapsed, 1),
        "concurrency": args.concurrency,
        "requests": total,
        "requests_per_s": round(total / elapsed, 1),
        "by_door": dict(tally.kinds),
        "statuses": dict(tally.statuses),
        "errors": sum(errors.values()),
        "errors_by_status": errors,
        "latency_ms": {
            "p50": round(percentile(tally.latencies, 0.50), 1),
            "p90": round(percentile(tally.latencies, 0.90), 1),
            "p99": round(percentile(tally.latencies, 0.99), 1),
            "max": round(max(tally.latencies, default=0.0), 1),
            "mean": round(statistics.fmean(tally.latencies), 1) if tally.latencies else 0.0,
        },
        "server_pid": pid,
        "server_rss_kib": {
            "before": rss_before,
            "after": rss_after,
            "growth": None if rss_before is None or rss_after is None else rss_after - rss_before,
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the service, e.g. http://127.0.0.1:8000")
    parser.add_argument("--token", required=True, help="an API token of a customer with orders")
    parser.add_argument("--duration", type=float, default=60, help="seconds of load (60)")
    parser.add_argument("--concurrency", type=int, default=8, help="clients at once (8)")
    parser.add_argument("--pid", type=int, help="server process (default: found from the port)")
    args = parser.parse_args(argv)
    report = asyncio.run(run(args))
    json.dump(report, sys.stdout, indent=2)
    print()
    return 0 if report["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
