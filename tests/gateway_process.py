"""`gateway serve` as a real process, for the tests that need the real server: started in a
folder of the test's, on a free port, and stopped (workers included) whatever happened.
(`tests/processes.py` starts the other servers tests need: PgBouncer, HAProxy, Redis.)"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.pg_server import free_port

STARTUP_SECONDS = 120  # seeding the demo data on a loaded CI machine included
TOKEN = re.compile(r"^Demo token:\s+([0-9a-f]{40})$", re.MULTILINE)
GRAPHIQL_LINK = re.compile(r"^GraphiQL:\s+(\S+)$", re.MULTILINE)


@dataclass
class GatewayServer:
    process: subprocess.Popen[bytes]
    port: int
    output: Path

    @property
    def stdout(self) -> str:
        return self.output.read_text(encoding="utf-8", errors="replace")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_until_ready(self) -> None:
        """Until `/readyz` answers 200; fails with the output if the process dies."""
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"serve exited with {self.process.returncode}:\n{self.stdout}")
            try:
                if httpx.get(self.url("/readyz"), timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        pytest.fail(f"serve was not ready after {STARTUP_SECONDS}s:\n{self.stdout}")

    def stop(self) -> None:
        """SIGTERM to the whole process group (workers included), SIGKILL if it lingers."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=20)


def environment(**variables: str) -> dict[str, str]:
    """This environment without `GATEWAY_*` (so only the test's own settings count)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    return env | {"PYTHONUNBUFFERED": "1"} | variables


def start_serve(
    *args: str, cwd: Path, output: Path, env: dict[str, str] | None = None
) -> GatewayServer:
    """`python -m gateway serve --port <free> ARGS…` in `cwd`, its output to `output`."""
    port = free_port()
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "gateway", "serve", "--port", str(port), *args],
            cwd=cwd,
            env=env or environment(),
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() reaches workers too
        )
    return GatewayServer(process, port, output)
