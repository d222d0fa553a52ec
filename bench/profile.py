"""Where one scenario's CPU goes: the service (one worker) under wrk, sampled by py-spy.

    .venv/bin/pip install -c constraints.txt -e '.[bench]'      # py-spy, once
    .venv/bin/python bench/profile.py "S2 GraphQL" --duration 10
    .venv/bin/python bench/profile.py "S1 REST" --backend sqlite --top 40

It prepares the database as bench/run.py does, starts `gateway serve --workers 1`, warms
the scenario up, then samples the worker with `py-spy record` while wrk drives it. It prints
JSON: the request rate while sampled (py-spy slows the worker a little), the server's CPU
per request, and the functions holding the most samples, by their own time ("self") and
with what they call ("total"), lines folded into functions. The raw stacks are kept in
bench/results/profile-<time>.txt (py-spy's raw format, for flame graph tools).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from harness import cpu
from harness.database import RESULTS, add_data_arguments, prepare
from harness.load import LoadResult, require_wrk, run_wrk
from harness.scenarios import SCENARIOS
from harness.service import Service

WARMUP_SECONDS = 3.0
_LINE_NUMBER = re.compile(r":\d+\)$")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", choices=list(SCENARIOS), help="e.g. 'S2 GraphQL'")
    parser.add_argument("--backend", default="postgresql", choices=["postgresql", "sqlite"])
    parser.add_argument("--duration", type=float, default=10, help="seconds sampled")
    parser.add_argument("--rate", type=int, default=200, help="py-spy samples per second")
    parser.add_argument("--top", type=int, default=25, help="functions listed per ranking")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    add_data_arguments(parser)
    return parser.parse_args(argv)


def require_py_spy() -> str:
    found = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if found is None:
        raise SystemExit("py-spy is not installed: .venv/bin/pip install -e '.[bench]'")
    return found


def rankings(raw: str, top: int) -> dict[str, Any]:
    """Self and total sample shares per function from py-spy's raw (collapsed) stacks."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [_LINE_NUMBER.sub(")", frame) for frame in stack.split(";")]
        samples += int(count)
        own[frames[-1]] += int(count)
        for frame in set(frames):
            total[frame] += int(count)

    def ranked(counter: Counter[str]) -> list[dict[str, Any]]:
        return [
            {"function": name, "share": round(count / samples, 4)}
            for name, count in counter.most_common(top)
        ]

    return {"samples": samples, "self": ranked(own), "total": ranked(total)}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    require_wrk()
    py_spy = require_py_spy()
    scenario = SCENARIOS[args.scenario]
    if scenario.needs_deep_cursor:
        raise SystemExit(f"{scenario.name} needs a walked cursor: profile it with bench/run.py")
    database = prepare(args.backend, args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stacks = RESULTS / f"profile-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.txt"
    service = Service(database.url, 1)
    try:
        service.wait_ready()
        load = {"connections": args.connections, "threads": 1}
        run_wrk(service.base, scenario, database.token, seconds=WARMUP_SECONDS, **load)
        # The worker is the busiest of the service's processes.
        worker = max(service.pids(), key=cpu.cpu_seconds)
        results: list[LoadResult] = []
        driver = threading.Thread(
            target=lambda: results.append(
                run_wrk(service.base, scenario, database.token, seconds=args.duration + 2, **load)
            )
        )
        before = cpu.snapshot([worker])
        driver.start()
        time.sleep(1)  # wrk is connected and the worker busy before sampling starts
        subprocess.run(
            [
                py_spy,
                "record",
                "--pid",
                str(worker),
                "--duration",
                str(round(args.duration)),
                "--rate",
                str(args.rate),
                "--format",
                "raw",
                "--output",
                str(stacks),
            ],
            check=True,
            capture_output=True,
        )
        driver.join()
        after = cpu.snapshot([worker])
    finally:
        service.stop()
    load_result = results[0]
    report = {
        "scenario": scenario.name,
        "backend": args.backend,
        "requests per second (sampled)": round(load_result.rate, 1),
        "server CPU ms per request": round(
            cpu.used(before, after) * 1000 / max(load_result.requests, 1), 2
        ),
        "stacks": str(stacks),
        **rankings(stacks.read_text(), args.top),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
