"""The results: one JSON document and one Markdown table, with issue 6's peer rows beside ours."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the table. CPU figures are milliseconds per request; None: not measured."""

    scenario: str
    system: str
    backend: str
    workers: int | None
    rate: float | None
    p50_ms: float | None = None
    p99_ms: float | None = None
    server_cpu_ms: float | None = None
    database_cpu_ms: float | None = None
    requests: int | None = None
    errors: int | None = None
    statements: int | None = None
    note: str = ""
    helper_cpu_ms: float | None = None  # a helper process's (bench/fleet.py: receiver, Redis)


# Issue 6's table: measured by the issue's author on a 2-core machine, same PostgreSQL data.
PEERS: tuple[Row, ...] = (
    Row(
        "S1 REST",
        "original (DRF, gunicorn, 2 workers)",
        "postgresql",
        2,
        68,
        None,
        None,
        18.0,
        10.9,
    ),
    Row("S2 GraphQL", "PostGraphile 5 (Node 22)", "postgresql", None, 162, None, None, 2.7, 9.2),
    Row(
        "S2 GraphQL",
        "strawberry-django + optimizer",
        "postgresql",
        None,
        36,
        None,
        None,
        29.2,
        24.3,
    ),
    Row(
        "S3 REST",
        "original (DRF, gunicorn, 2 workers)",
        "postgresql",
        2,
        45,
        None,
        None,
        30.1,
        14.6,
    ),
    Row("S3 GraphQL", "PostGraphile 5 (Node 22)", "postgresql", None, 51, None, None, 8.3, 30.7),
    Row("floor, 1 connection", "asyncpg, prepared (issue)", "postgresql", None, 820),
    Row("floor, 8 connections", "asyncpg, prepared (issue)", "postgresql", None, 1200),
)


def _number(value: float | int | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _cpu(row: Row) -> str:
    if row.server_cpu_ms is None:
        return "—"
    if row.database_cpu_ms is None:
        return f"{row.server_cpu_ms:.2f} (database in-process)"
    return f"{row.server_cpu_ms:.2f} + {row.database_cpu_ms:.2f}"


def markdown(rows: list[Row], header: str) -> str:
    """Our rows, each scenario followed by the peers' rows for it, then the floor."""
    lines = [
        header,
        "",
        "| scenario | system | backend | workers | req/s | p50 ms | p99 ms "
        "| CPU ms/request (server + PostgreSQL) | SQL statements/request | note |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    scenarios = list(dict.fromkeys(row.scenario for row in (*rows, *PEERS)))
    for scenario in scenarios:
        for row in [r for r in rows if r.scenario == scenario] + [
            p for p in PEERS if p.scenario == scenario
        ]:
            workers = "—" if row.workers is None else str(row.workers)
            lines.append(
                f"| {row.scenario} | {row.system} | {row.backend} | {workers} "
                f"| {_number(row.rate, 0)} | {_number(row.p50_ms, 2)} | {_number(row.p99_ms, 2)} "
                f"| {_cpu(row)} | {_number(row.statements, 0)} | {row.note} |"
            )
    return "\n".join(lines) + "\n"


def write(
    directory: Path, stem: str, meta: dict[str, Any], rows: list[Row], targets: list[Any]
) -> tuple[Path, Path]:
    """`<stem>.json` and `<stem>.md` in `directory` (targets: `harness.targets.Check`s)."""
    document = {
        **meta,
        "rows": [asdict(row) for row in rows],
        "peers": [asdict(row) for row in PEERS],
        "targets": [asdict(check) for check in targets],
    }
    json_path = directory / f"{stem}.json"
    json_path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    header = "\n".join(f"- {key}: {value}" for key, value in meta.items())
    table = markdown(rows, header)
    checks = "\n".join(check.line() for check in targets)
    md_path = directory / f"{stem}.md"
    md_path.write_text(
        f"{table}\nIssue 6's targets:\n\n| group | target | measured | verdict |\n"
        f"|---|---|---|---|\n{checks}\n"
    )
    return json_path, md_path
