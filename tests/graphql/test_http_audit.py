"""The GraphQL-over-HTTP specification's own audit suite, `graphql-http`'s `serverAudits`
(pinned in `http_audit/package-lock.json`, installed by `npm ci`), run against the real
server: every audit must pass, with no warning."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.gateway_process import environment

AUDIT = Path(__file__).parent / "http_audit"
NPM = shutil.which("npm")
NODE = shutil.which("node")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        NPM is None or NODE is None,
        reason="no node/npm on PATH (apt-get install nodejs npm): GraphQL-over-HTTP audit skipped",
    ),
]


@pytest.fixture(scope="module")
def audit_suite() -> Path:
    """`npm ci` in the audit folder: exactly the locked versions."""
    assert NPM is not None
    subprocess.run(
        [NPM, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=AUDIT, check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return AUDIT / "audit.mjs"


def test_every_graphql_over_http_audit_passes(audit_suite: Path, start_server, tmp_path: Path):
    # Given the real server (uvicorn, as `gateway serve` runs it) on a shop database
    database = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    subprocess.run(
        [sys.executable, "-m", "gateway", "db", "init", "--database-url", database],
        env=environment(), check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    server = start_server("--database-url", database, cwd=tmp_path)
    server.wait_until_ready()

    # When graphql-http's server audits run against /graphql
    assert NODE is not None
    run = subprocess.run(
        [NODE, str(audit_suite), server.url("/graphql")],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    results = json.loads(run.stdout)

    # Then every audit is "ok": no error, no warning
    counts = Counter(result["status"] for result in results)
    print(f"graphql-http serverAudits: {len(results)} audits, {dict(counts)}")
    assert [r for r in results if r["status"] != "ok"] == []
    assert len(results) == 61  # every audit of graphql-http 1.23.1 ran
