"""CPU time of processes, read from `/proc`: the service's processes and PostgreSQL's backends.

CPU per request is (CPU after − CPU before) / requests, summed over a set of processes. A
process that starts during the run counts from zero; one that ends during it is lost (the
pool keeps its connections, and uvicorn its workers, so neither happens in a steady run).
"""

from __future__ import annotations

import os
from pathlib import Path

PROC = Path("/proc")
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name is in parentheses and may contain spaces; fields follow the last ")".
    return raw[raw.rindex(")") + 2 :].split()


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process (0 if it is gone)."""
    fields = _stat_fields(pid)
    if fields is None:
        return 0.0
    # After the name: state(0) ppid(1) … utime(11) stime(12).
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND


def _pids() -> list[int]:
    return [int(entry.name) for entry in PROC.iterdir() if entry.name.isdigit()]


def descendants(root: int) -> list[int]:
    """`root` and every process below it (uvicorn's workers, multiprocessing helpers)."""
    children: dict[int, list[int]] = {}
    for pid in _pids():
        fields = _stat_fields(pid)
        if fields is not None:
            children.setdefault(int(fields[1]), []).append(pid)
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending.extend(children.get(pid, []))
    return found


def postgres_backends(database: str) -> list[int]:
    """PostgreSQL backend processes serving `database` (their title names the database), so
    other databases' traffic on a shared server is not counted."""
    found = []
    for pid in _pids():
        try:
            if (PROC / str(pid) / "comm").read_text().strip() != "postgres":
                continue
            title = (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        # "postgres: [<cluster>:] <user> <database> <client> <state>"
        words = title.split()
        if words[:1] == ["postgres:"] and database in words[2:4]:
            found.append(pid)
    return found


def snapshot(pids: list[int]) -> dict[int, float]:
    return {pid: cpu_seconds(pid) for pid in pids}


def used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds the processes of `after` used since `before`."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())
