"""The data-growth results: one measurement per (run, request type, customer size), and the
Markdown table with a column per run and the original's figures from issue 15 beside them."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path

# The original (Django REST framework, gunicorn), measured by issue 15's author on the same
# kind of data and machine: two rounds of a median of 5 sequential requests, customer of
# 100k orders; and the single figure it gives at 1M. Not rerun here: it is not runnable.
ORIGINAL: dict[tuple[str, int], str] = {
    ("REST ?is_paid=false", 100_000): "816 / 832",
    ("REST ?is_payable=true", 100_000): "681 / 711",
    ("REST ?search=mar", 100_000): "217 / 223",
    ("REST ?ordering=billing_country__name", 100_000): "216 / 216",
    ("REST default page (with its count)", 100_000): "41 / 43",
    ("REST ?offset=90 %", 100_000): "4,807 / 4,821",
    ("REST ?offset=90 %", 1_000_000): "65,000",
}
ORIGINAL_COLUMN = "original (issue's figures)"


@dataclass(slots=True)
class Measurement:
    """The sequential requests of one request type for one customer.

    `times_ms` holds every measured request; `statuses` their HTTP statuses (0: no answer
    within the client's timeout); `ids` and `count` what the first good answer held;
    `note` why nothing or not everything was measured.
    """

    request: str
    size: int
    customer_id: int
    times_ms: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    ids: list[int] | None = None
    count: int | None = None
    note: str = ""

    @property
    def median_ms(self) -> float | None:
        return statistics.median(self.times_ms) if self.times_ms else None


@dataclass(slots=True)
class Run:
    """One checkout served with one choice of optional structures."""

    label: str
    checkout: str
    commit: str
    structures: str
    load_before: str
    load_after: str = ""
    installed: str = ""  # what `gateway db indexes` said
    measurements: list[Measurement] = field(default_factory=list)


def earlier_runs(path: Path) -> list[Run]:
    """The runs of an earlier JSON output, labelled with their commit: columns measured at
    another time (another load), beside this run's."""
    runs = []
    for raw in json.loads(path.read_text())["runs"]:
        measurements = [Measurement(**m) for m in raw.pop("measurements")]
        run = Run(**raw, measurements=measurements)
        run.label = f"{run.commit}, {run.structures} ({path.name})"
        runs.append(run)
    return runs


def _ms(value: float) -> str:
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def cell(measurement: Measurement | None, reference: Measurement | None) -> str:
    """Median ms; failures counted; `≠` when the answer differs from the first run's."""
    if measurement is None:
        return ""
    median = measurement.median_ms
    if median is None:
        return "skipped"
    text = _ms(median)
    failed = [s for s in measurement.statuses if s != 200]
    if failed:
        text += f" ({len(failed)}× {'/'.join(str(s) for s in sorted(set(failed)))})"
    if (
        reference is not None
        and reference is not measurement
        and reference.ids is not None
        and measurement.ids is not None
        and (reference.ids, reference.count) != (measurement.ids, measurement.count)
    ):
        text += " ≠"
    return text


def markdown(runs: list[Run], sizes: list[int], requests: list[str]) -> str:
    """A row per (request type, size), a column per run, then the original's figures;
    below, why a request was skipped or failed (once per run, request type and reason)."""
    header = ["request", "orders", *(run.label for run in runs), ORIGINAL_COLUMN]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    notes = dict.fromkeys(
        f"- {m.request} ({run.label}): {m.note}"
        for run in runs
        for m in run.measurements
        if m.note and m.request in requests and m.size in sizes
    )
    for name in requests:
        for size in sizes:
            found = [
                next((m for m in run.measurements if (m.request, m.size) == (name, size)), None)
                for run in runs
            ]
            if all(m is None for m in found):
                continue
            reference = next((m for m in found if m is not None and m.ids is not None), None)
            cells = [cell(m, reference) for m in found]
            lines.append(
                f"| {name} | {size:,} | " + " | ".join(cells)
                + f" | {ORIGINAL.get((name, size), '')} |"
            )  # fmt: skip
    return "\n".join([*lines, *([""] if notes else []), *notes]) + "\n"
