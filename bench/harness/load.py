"""Driving the service with wrk, and reading wrk's figures back (see bench/request.lua)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from harness.scenarios import Scenario

SCRIPT = Path(__file__).resolve().parents[1] / "request.lua"
MARKER = "BENCH_RESULT "
INSTALL_HINT = "wrk is not installed: `apt-get install -y wrk` (Debian/Ubuntu package `wrk`)"


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What wrk measured: requests completed, seconds, errors, latency percentiles (ms)."""

    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def require_wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit(INSTALL_HINT)
    return found


def run_wrk(
    base: str, scenario: Scenario, token: str, *, seconds: float, connections: int, threads: int
) -> LoadResult:
    """One wrk run of `scenario` for `seconds`."""
    with tempfile.NamedTemporaryFile(suffix=".json") as body:
        if scenario.method == "POST":
            body.write(scenario.body())
            body.flush()
        environment = {
            **os.environ,
            "BENCH_METHOD": scenario.method,
            "BENCH_TOKEN": token,
            "BENCH_BODY_FILE": body.name if scenario.method == "POST" else "",
        }
        command = [
            require_wrk(),
            f"--threads={threads}",
            f"--connections={connections}",
            f"--duration={max(1, round(seconds))}s",
            "--timeout=30s",
            f"--script={SCRIPT}",
            base + scenario.path,
        ]
        completed = subprocess.run(
            command, env=environment, check=True, capture_output=True, text=True
        )
    line = next((line for line in completed.stdout.splitlines() if line.startswith(MARKER)), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{completed.stdout}\n{completed.stderr}")
    raw = json.loads(line[len(MARKER) :])
    errors = sum(raw[key] for key in raw if key.endswith("_errors") or key == "timeouts")
    return LoadResult(
        requests=raw["requests"],
        seconds=raw["duration_us"] / 1e6,
        errors=errors,
        p50_ms=raw["p50_us"] / 1000,
        p90_ms=raw["p90_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
    )
