"""The deployment of compose.yaml, run on this machine: a PostgreSQL primary and its streaming
replica, a PgBouncer in front of each, Redis, two `gateway serve` instances and HAProxy
health-checking their /readyz in front. REST and GraphQL traffic goes through HAProxy while
one instance is drained and stopped, the primary's node goes down, and the replica is
promoted. For each event the test reports the answers by status and the time until every
answer is 200 again, and holds the targets: no answer other than 200 or 503, every
recovery within 2 s, nothing left running afterwards.

    .venv/bin/python -m pytest -m topology -s     # prints the report

Everything lives in temporary folders on free ports; every process is this test's own and
is stopped when it ends, whether it passes or not.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import shutil
import socket
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from gateway.db.engine import create_engine
from gateway.settings import load_settings
from tests.pg_server import ThrowawayPostgres, free_port
from tests.processes import Server, pgbouncer, port_open
from tests.topology.compose import (
    Localizer,
    gateway_arguments,
    gateway_environment,
    haproxy_config,
    load_compose,
    pgbouncer_config,
    postgres_settings,
)
from tests.traffic import Call, mixed_calls, seed_shop

pytestmark = [pytest.mark.slow, pytest.mark.topology]

RECOVERY_TARGET = 2.0  # seconds from an event until every answer is 200 again
SETTLED = 1.5  # seconds of nothing but 200s (and at least this long after the action)
EVENT_LIMIT = 30.0  # an event that has not settled by then fails the test
CLIENTS = 4  # concurrent clients sending requests through HAProxy
GATEWAYS = ("gateway-1", "gateway-2")


@dataclass
class Answer:
    at: float
    status: str  # "200", "503", … or "error: <exception>" when no HTTP answer came


@dataclass
class Traffic:
    """Clients sending the mixed requests in a loop and recording every answer."""

    base: str
    calls: Iterator[Call]
    answers: list[Answer] = field(default_factory=list)
    stopping: bool = False

    async def client(self) -> None:
        async with httpx.AsyncClient(base_url=self.base, timeout=15) as c:
            while not self.stopping:
                call = next(self.calls)
                try:
                    response = await c.request(
                        call.method, call.path, headers=call.headers, json=call.body
                    )
                    status = str(response.status_code)
                except httpx.HTTPError as exc:
                    status = f"error: {type(exc).__name__}"
                self.answers.append(Answer(time.monotonic(), status))

    def since(self, started: float) -> list[Answer]:
        return [answer for answer in self.answers if answer.at >= started]


@dataclass
class EventReport:
    name: str
    statuses: Counter[str]
    recovery: float  # seconds from the event to the last answer other than 200 (0: none)

    def line(self) -> str:
        answers = ", ".join(f"{status}: {n}" for status, n in sorted(self.statuses.items()))
        return f"  {self.name:<58} {answers:<24} {self.recovery:5.2f} s"


async def observe(name: str, traffic: Traffic, action: Callable[[], None]) -> EventReport:
    """Run `action` (in a thread: traffic goes on meanwhile) and watch the answers until
    they have been all 200 for `SETTLED` seconds."""
    started = time.monotonic()
    await asyncio.to_thread(action)
    acted = time.monotonic()
    while True:
        await asyncio.sleep(0.1)
        now = time.monotonic()
        answers = traffic.since(started)
        bad = [answer.at for answer in answers if answer.status != "200"]
        quiet_since = max(bad, default=acted)
        if now - max(quiet_since, acted) >= SETTLED:
            break
        assert now - started < EVENT_LIMIT, f"{name}: answers not all 200 after {EVENT_LIMIT} s"
    recovery = max(bad) - started if bad else 0.0
    return EventReport(name, Counter(answer.status for answer in answers), recovery)


def haproxy_command(path: Path, command: str) -> str:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(path))
        sock.sendall(command.encode() + b"\n")
        return b"".join(iter(lambda: sock.recv(65536), b"")).decode()


def current_sessions(path: Path, server: str) -> int:
    """HAProxy's `scur` (sessions now open) for one server of the gateways backend."""
    for row in haproxy_command(path, "show stat").splitlines():
        fields = row.split(",")
        if fields[:2] == ["gateways", server]:
            return int(fields[4])
    raise AssertionError(f"HAProxy does not know {server}")


def required(program: str) -> str:
    path = shutil.which(program)
    if path is None:
        pytest.fail(f"{program} is not installed (.ci/run installs Debian's package)")
    return path


@dataclass
class Topology:
    """The running deployment: what the events act on, and what must be gone at the end."""

    primary: ThrowawayPostgres
    replica: ThrowawayPostgres
    servers: dict[str, Server]
    haproxy_socket: Path
    tokens: list[str]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.servers['haproxy'].port}"

    def stop_gateway_1(self) -> None:
        self.drain_and_stop("gateway-1")

    def drain_and_stop(self, gateway: str) -> None:
        """What docs/deployment.md tells operators: drain at HAProxy, then SIGTERM."""
        haproxy_command(self.haproxy_socket, f"set server gateways/{gateway} state drain")
        deadline = time.monotonic() + 10
        while current_sessions(self.haproxy_socket, gateway) and time.monotonic() < deadline:
            time.sleep(0.02)
        self.servers[gateway].stop()

    def primary_node_down(self) -> None:
        self.servers["pgbouncer-primary"].stop()
        self.primary.stop()

    def promote_replica(self) -> None:
        self.replica.promote()


async def create_shop(primary: ThrowawayPostgres) -> list[str]:
    connection = await asyncpg.connect(host="127.0.0.1", port=primary.port, user="postgres")
    try:
        await connection.execute("CREATE DATABASE shop")
    finally:
        await connection.close()
    url = primary.url.rsplit("/", 1)[0] + "/shop"
    engine = create_engine(load_settings(database_url=url))
    try:
        return await seed_shop(engine, orders=200, customers=8)
    finally:
        await engine.dispose()


async def wait_ready(base: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=base, timeout=2) as c:
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if (await c.get("/readyz")).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    pytest.fail(f"{base} not ready within {seconds} s")


@contextlib.asynccontextmanager
async def topology(folder: Path) -> Any:
    """Start everything compose.yaml declares; stop all of it on the way out."""
    compose = load_compose()
    haproxy_binary, redis_binary = required("haproxy"), required("redis-server")
    postgres = postgres_settings(compose, "primary")
    assert postgres_settings(compose, "replica") == postgres
    primary = ThrowawayPostgres(postgres)
    replica: ThrowawayPostgres | None = None
    servers: dict[str, Server] = {}
    try:
        primary.start()
        tokens = await create_shop(primary)
        replica = ThrowawayPostgres(postgres, standby_of=primary)
        replica.start()
        ports = {"primary": primary.port, "replica": replica.port, "redis": free_port()}
        ports |= {name: free_port() for name in GATEWAYS}
        for node in ("primary", "replica"):
            name = f"pgbouncer-{node}"
            databases, settings = pgbouncer_config(compose, name, Localizer(ports))
            servers[name] = pgbouncer(name, databases, settings, folder)
            ports[name] = servers[name].port
        local = Localizer(ports)
        servers["redis"] = Server(
            "redis",
            [redis_binary, "--port", str(ports["redis"]), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            ports["redis"], folder,
        )  # fmt: skip
        clean = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
        for name in GATEWAYS:
            environment = clean | gateway_environment(compose, name, local)
            arguments = gateway_arguments(compose, name, ports[name])
            command = [sys.executable, "-m", "gateway", *arguments]
            servers[name] = Server(name, command, ports[name], folder, env=environment)
        haproxy_socket = folder / "haproxy.sock"
        haproxy_port = free_port()
        cfg = folder / "haproxy.cfg"
        cfg.write_text(haproxy_config(compose, local, haproxy_port, haproxy_socket))
        servers["haproxy"] = Server("haproxy", [haproxy_binary, "-f", str(cfg), "-db"],
                                    haproxy_port, folder)  # fmt: skip
        for server in servers.values():
            server.start()
            if server.name in GATEWAYS:
                await wait_ready(f"http://127.0.0.1:{server.port}")
        running = Topology(primary, replica, servers, haproxy_socket, tokens)
        # HAProxy's checks must see both instances up (rise 2) before traffic starts.
        await asyncio.sleep(1)
        yield running
    finally:
        for server in reversed(servers.values()):
            server.destroy()
        if replica is not None:
            replica.destroy()
        primary.destroy()


def left_running(top: Topology) -> list[str]:
    """What of the deployment still runs or listens (nothing should)."""
    left = [name for name, server in top.servers.items() if server.running]
    left += [f"port {s.port}" for s in top.servers.values() if port_open(s.port)]
    for server in (top.primary, top.replica):
        if server.data.exists() or port_open(server.port):
            left.append(f"PostgreSQL on port {server.port}")
    return left


async def test_the_topology_rides_out_a_rolling_stop_a_failover_and_a_promotion(
    tmp_path: Path,
) -> None:
    reports: list[EventReport] = []
    async with topology(tmp_path) as top:
        calls = mixed_calls(top.tokens)
        traffic = Traffic(top.base, calls)
        clients = [asyncio.create_task(traffic.client()) for _ in range(CLIENTS)]
        try:
            events: list[tuple[str, Callable[[], None]]] = [
                ("steady state: two instances, reads on the primary", lambda: None),
                ("gateway-1 drained at HAProxy, then SIGTERM", top.stop_gateway_1),
                ("primary node down (PostgreSQL and its PgBouncer)", top.primary_node_down),
                ("replica promoted (pg_ctl promote)", top.promote_replica),
            ]  # fmt: skip
            for name, action in events:
                reports.append(await observe(name, traffic, action))
        finally:
            traffic.stopping = True
            await asyncio.gather(*clients)
    leftovers = left_running(top)

    report = "\n".join(report.line() for report in reports)
    print(f"\ntopology: {len(traffic.answers)} answers through HAProxy\n"
          f"  {'event':<58} {'answers by status':<24} recovery\n{report}")  # fmt: skip
    assert leftovers == []
    statuses = set(itertools.chain.from_iterable(r.statuses for r in reports))
    assert statuses <= {"200", "503"}, report
    assert all(r.statuses["200"] > 0 for r in reports), report
    assert max(r.recovery for r in reports) <= RECOVERY_TARGET, report
