"""bench/growth.py's options, requests and table (the measuring itself is run by hand)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))  # the harness is imported as `harness`, as bench/*.py do

import growth  # noqa: E402
from harness.growth_report import Measurement, Run, markdown  # noqa: E402
from harness.growth_requests import REQUEST_TYPES, concrete, document, select  # noqa: E402


def test_defaults_measure_every_size_in_both_modes() -> None:
    args = growth.parse_args([])
    assert args.sizes == [1_000, 10_000, 100_000, 1_000_000]
    assert args.structures == ["none", "installed"]
    assert (args.repeat, args.warmup, args.prime, args.timeout) == (5, 1, 6, 120)
    assert args.baseline is None


def test_sizes_and_structures_are_checked() -> None:
    assert growth.parse_args(["--sizes", "1000,1_000_000"]).sizes == [1_000, 1_000_000]
    for wrong in (["--sizes", "5000"], ["--structures", "some"], ["--repeat", "0"]):
        with pytest.raises(SystemExit):
            growth.parse_args(wrong)


def test_baseline_must_be_a_checkout(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        growth.parse_args(["--baseline", str(tmp_path)])
    assert growth.parse_args(["--baseline", str(BENCH.parent)]).baseline == BENCH.parent


def test_request_types_select_by_words() -> None:
    assert [kind.name for kind in select("search")] == [
        "REST ?search=mar",
        "GraphQL search 'mar' + totalCount",
    ]
    assert select("all") == list(REQUEST_TYPES)
    with pytest.raises(ValueError, match="no request type"):
        select("nothing")


def test_rest_offset_is_ninety_percent_of_the_customer() -> None:
    deep = next(kind for kind in REQUEST_TYPES if kind.name == "REST ?offset=90 %")
    call = concrete(deep, 10_000, "http://unused", "token", 1.0)
    assert (call.method, call.path, call.body) == (
        "GET",
        "/api/shop/customers/me/orders?offset=9000",
        None,
    )


def test_graphql_documents_declare_what_they_pass() -> None:
    kind = next(kind for kind in REQUEST_TYPES if kind.needs == "TOTAL")
    body = json.loads(concrete(kind, 1_000, "http://unused", "token", 1.0).body or b"")
    assert body["variables"] == {"first": 20, "orderBy": [{"field": "TOTAL", "direction": "DESC"}]}
    assert body["query"].startswith(
        "query Growth($first: Int!, $orderBy: [OrderOrderByInput!]) {\n"
        "  myOrders(first: $first, orderBy: $orderBy) {\n    totalCount\n"
    )
    assert "totalCount" not in document(["first", "after"], count=False)


def _run(label: str, *measurements: Measurement) -> Run:
    return Run(label, "/checkout", "abc1234", "none", "1.00 1.00 1.00", "", "", list(measurements))


def test_table_marks_different_answers_failures_and_skips() -> None:
    before = _run(
        "before",
        Measurement(
            "REST ?is_paid=false", 100_000, 3, [900.0, 800.0, 1000.0], [200] * 3, [1, 2], 7
        ),
        Measurement("GraphQL page without totalCount", 100_000, 3, [], [], note="why not"),
    )
    after = _run(
        "after",
        Measurement("REST ?is_paid=false", 100_000, 3, [40.0, 5000.0, 45.5], [200, 503, 200],
                    [1, 3], 7, note="HTTP 503"),
        Measurement("GraphQL page without totalCount", 100_000, 3, [8.25], [200], [4], None),
    )  # fmt: skip
    table = markdown(
        [before, after], [100_000], ["REST ?is_paid=false", "GraphQL page without totalCount"]
    )
    assert table.splitlines() == [
        "| request | orders | before | after | original (issue's figures) |",
        "|---|---|---|---|---|",
        "| REST ?is_paid=false | 100,000 | 900 | 45.5 (1× 503) ≠ | 816 / 832 |",
        "| GraphQL page without totalCount | 100,000 | skipped | 8.2 |  |",
        "",
        "- GraphQL page without totalCount (before): why not",
        "- REST ?is_paid=false (after): HTTP 503",
    ]
