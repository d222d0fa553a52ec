"""The service under test: `gateway serve` in a child process on a free port."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from harness.cpu import descendants

ROOT = Path(__file__).resolve().parents[2]
# Every process of a deployment must share the cursor secret; any fixed value does here.
CURSOR_SECRET = "bench-cursor-secret-not-for-production"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def request(
    base: str,
    method: str,
    path: str,
    token: str,
    body: bytes | None = None,
    timeout: float = 30,
) -> tuple[int, Any]:
    """One HTTP request; (status, parsed JSON body or None)."""
    headers = {"Accept": "application/json", "Authorization": f"Token {token}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    call = urllib.request.Request(base + path, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(call, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, None


class Service:
    """`gateway serve --workers N --database-url URL` until `stop()` (with `environment`
    added to this process's), of this checkout or of the one at `root`.

    Access logging is off (`--log-level warning`), as in the peers' measurements. The
    service's output goes to `bench/results/service-<port>.log`.
    """

    def __init__(
        self,
        database_url: str,
        workers: int,
        environment: dict[str, str] | None = None,
        root: Path = ROOT,
    ) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = ROOT / "bench" / "results" / f"service-{self.port}.log"
        environment = {
            **os.environ,
            "GATEWAY_CURSOR_SECRET": CURSOR_SECRET,
            "PYTHONPATH": str(root),  # `-m gateway` imports the package of `root`
            **(environment or {}),
        }
        command = [
            sys.executable,
            "-m",
            "gateway",
            "serve",
            "--database-url",
            database_url,
            "--workers",
            str(workers),
            "--port",
            str(self.port),
            "--log-level",
            "warning",
        ]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=root, env=environment, stdout=log, stderr=subprocess.STDOUT
            )

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Until `/readyz` answers 200 (and every worker has started)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the service exited; see {self.log}")
            try:
                with urllib.request.urlopen(self.base + "/readyz", timeout=2) as response:
                    if response.status == 200:
                        time.sleep(1.0)  # the other workers finish their start-up too
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"/readyz did not answer within {timeout:.0f} s; see {self.log}")

    def pids(self) -> list[int]:
        """The service's processes: the server and its workers."""
        return descendants(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # uvicorn's graceful shutdown
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
