"""Issue 6's targets, checked against one run's rows (per backend and worker count)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from harness.report import Row

ORIGINAL_S1 = 68.0  # req/s of the original REST endpoint
POSTGRAPHILE_S2 = 162.0
STRAWBERRY_DJANGO_S2 = 36.0
POSTGRAPHILE_S3 = 51.0


@dataclass(frozen=True, slots=True)
class Check:
    """One target for one group: what is asked, what was measured, and whether it holds."""

    group: str
    target: str
    measured: str
    met: bool | None  # None: not measured

    def line(self) -> str:
        verdict = {True: "met", False: "NOT met", None: "not measured"}[self.met]
        return f"| {self.group} | {self.target} | {self.measured} | {verdict} |"


def _rate(row: Row) -> float | None:
    return row.rate


def _cpu(row: Row) -> float | None:
    if row.server_cpu_ms is None:
        return None
    return row.server_cpu_ms + (row.database_cpu_ms or 0.0)


def _check(
    group: str,
    target: str,
    row: Row | None,
    value: Callable[[Row], float | None],
    limit: float,
    *,
    at_least: bool,
    unit: str,
) -> Check:
    measured = value(row) if row is not None and row.rate else None
    if measured is None:
        return Check(group, target, "—", None)
    met = measured >= limit if at_least else measured <= limit
    return Check(group, target, f"{measured:,.1f} {unit}", met)


def checks(rows: list[Row]) -> list[Check]:
    """Every target for every (backend, workers) group that has rows of ours."""
    found: list[Check] = []
    floors = {row.scenario: row.rate for row in rows if row.scenario.startswith("floor")}
    floor = floors.get("floor, 8 connections")
    groups = sorted({(r.backend, r.workers) for r in rows if r.workers is not None})
    for backend, workers in groups:
        group = f"{backend}, {workers} worker{'s' if workers != 1 else ''}"
        mine = {r.scenario: r for r in rows if (r.backend, r.workers) == (backend, workers)}
        s1, s2, s3 = mine.get("S1 REST"), mine.get("S2 GraphQL"), mine.get("S3 GraphQL")
        found += [
            _check(
                group,
                f"S1 REST ≥ 5× original ({5 * ORIGINAL_S1:.0f} req/s)",
                s1,
                _rate,
                5 * ORIGINAL_S1,
                at_least=True,
                unit="req/s",
            ),
            _check(
                group, "S1 REST ≤ 6 ms CPU per request", s1, _cpu, 6.0, at_least=False, unit="ms"
            ),
            _check(
                group,
                f"S2 GraphQL ≥ 1.5× PostGraphile ({1.5 * POSTGRAPHILE_S2:.0f} req/s)",
                s2,
                _rate,
                1.5 * POSTGRAPHILE_S2,
                at_least=True,
                unit="req/s",
            ),
            _check(
                group,
                f"S2 GraphQL ≥ 5× strawberry-django ({5 * STRAWBERRY_DJANGO_S2:.0f} req/s)",
                s2,
                _rate,
                5 * STRAWBERRY_DJANGO_S2,
                at_least=True,
                unit="req/s",
            ),
            _check(
                group, "S2 GraphQL ≤ 8 ms CPU per request", s2, _cpu, 8.0, at_least=False, unit="ms"
            ),
            _check(
                group,
                f"S3 GraphQL ≥ 1.5× PostGraphile ({1.5 * POSTGRAPHILE_S3:.1f} req/s)",
                s3,
                _rate,
                1.5 * POSTGRAPHILE_S3,
                at_least=True,
                unit="req/s",
            ),
        ]
        first, deep = mine.get("S2n GraphQL"), mine.get("S5 GraphQL")
        if first is not None and first.p50_ms and deep is not None and deep.p50_ms:
            ratio = deep.p50_ms / first.p50_ms
            found.append(
                Check(group, "S5 p50 ≤ 1.3× S2n p50 (first page)", f"{ratio:.2f}×", ratio <= 1.3)
            )
        else:
            found.append(Check(group, "S5 p50 ≤ 1.3× S2n p50 (first page)", "—", None))
        if floor:
            found.append(
                _check(
                    group,
                    f"S1 REST ≥ 25 % of the 8-connection floor ({0.25 * floor:,.0f} req/s)",
                    s1,
                    _rate,
                    0.25 * floor,
                    at_least=True,
                    unit="req/s",
                )
            )
    return found
