"""GraphiQL in a real browser against the real service: it loads with no request to any
other host, runs a `myOrders` query with a token typed into its headers tab, and opens from
the demo's link with the demo token's header filled in, kept for the browser session only."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.gateway_process import GRAPHIQL_LINK, TOKEN

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The committed screenshot is refreshed only on request (GATEWAY_UPDATE_SCREENSHOT=1), so a
# test run leaves the work tree clean; otherwise the screenshot goes to a temporary folder.
SCREENSHOT = Path(__file__).parents[2] / "docs" / "artifacts" / "graphiql.png"
UPDATE_SCREENSHOT = os.environ.get("GATEWAY_UPDATE_SCREENSHOT") == "1"
HEADERS_EDITOR = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror"
QUERY = """query MyOrders {
  myOrders(first: 3) {
    totalCount
    nodes { key status total }
  }
}"""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason=f"no Chromium at {CHROMIUM} (apt-get install chromium): GraphiQL browser test "
        "skipped",
    ),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _gateway(*args: str) -> list[str]:
    return [sys.executable, "-m", "gateway", *args]


@pytest.fixture
def service(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The real service (`gateway serve`) on a seeded SQLite file: (base URL, a token)."""
    database_url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    seeded = subprocess.run(
        _gateway("seed", "--database-url", database_url, "--orders", "30", "--customers", "3"),
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    token = re.search(r"^\s+([0-9a-f]{40})\s+customer 1 ", seeded.stdout, re.MULTILINE)
    assert token is not None, seeded.stdout
    port = _free_port()
    environment = {**os.environ, "GATEWAY_CURSOR_SECRET": "browser-test-secret"}
    server = subprocess.Popen(
        _gateway("serve", "--database-url", database_url, "--port", str(port)),
        env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the service did not start"
            assert server.poll() is None, "the service exited"
            time.sleep(0.2)
        yield base, token[1]
    finally:
        server.terminate()
        server.wait(timeout=30)


def _set_editor(page, selector: str, text: str) -> None:
    page.eval_on_selector(selector, "(element, text) => element.CodeMirror.setValue(text)", text)


def _run_query(page) -> str:
    """Types QUERY into the query editor, runs it, and returns the result editor's text."""
    _set_editor(page, ".graphiql-query-editor .CodeMirror", QUERY)
    page.click(".graphiql-execute-button")
    page.wait_for_function(
        "() => document.querySelector('.result-window .CodeMirror')"
        ".CodeMirror.getValue().includes('totalCount')"
    )
    text: str = page.eval_on_selector(".result-window .CodeMirror", "e => e.CodeMirror.getValue()")
    return text


def test_graphiql_runs_my_orders_offline(service: tuple[str, str], tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    base, token = service
    expected = httpx.post(
        f"{base}/graphql", json={"query": QUERY}, headers={"Authorization": f"Token {token}"}
    ).json()
    assert expected["data"]["myOrders"]["totalCount"] > 3

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            requested: list[str] = []
            page.on("request", lambda request: requested.append(request.url))

            # Given GraphiQL, loaded from the service alone
            page.goto(f"{base}/graphql")
            page.wait_for_selector(".graphiql-query-editor .CodeMirror")
            default_headers = page.eval_on_selector(
                HEADERS_EDITOR, "element => element.CodeMirror.getValue()"
            )

            # When a token and a query are entered and run
            _set_editor(page, HEADERS_EDITOR, json.dumps({"Authorization": f"Token {token}"}))
            result = _run_query(page)
            screenshot = SCREENSHOT if UPDATE_SCREENSHOT else tmp_path / "graphiql.png"
            page.screenshot(path=str(screenshot))
        finally:
            browser.close()

    # Then the page shows the API's answer, and nothing was fetched from another host
    assert default_headers == '{"Authorization": "Token <your key>"}'
    assert json.loads(result) == expected
    hosts = {urlsplit(url).netloc for url in requested if not url.startswith("data:")}
    assert hosts == {urlsplit(base).netloc}
    assert f"{base}/graphql/static/graphiql.min.js" in requested


def _storage_keys_holding(page, storage: str, text: str) -> list[str]:
    return page.evaluate(
        f"text => Object.keys({storage}).filter(k => ({storage}.getItem(k) || '').includes(text))",
        text,
    )


def test_the_demo_link_opens_graphiql_with_the_token_kept_for_the_session_only(
    start_server, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    # Given the demo, and the GraphiQL link it prints
    work = tmp_path / "work"
    work.mkdir()
    server = start_server("--demo", cwd=work)
    server.wait_until_ready()
    token = TOKEN.search(server.stdout)
    link = GRAPHIQL_LINK.search(server.stdout)
    assert token is not None, server.stdout
    assert link is not None, server.stdout
    expected = httpx.post(
        server.url("/graphql"),
        json={"query": QUERY},
        headers={"Authorization": f"Token {token[1]}"},
    ).json()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            # When the link is opened, and a query run without typing any header
            page.goto(link[1])
            page.wait_for_selector(".graphiql-query-editor .CodeMirror")
            headers = page.eval_on_selector(HEADERS_EDITOR, "e => e.CodeMirror.getValue()")
            address = page.url
            result = _run_query(page)
            page.wait_for_function(
                "text => Object.keys(sessionStorage).some("
                "k => (sessionStorage.getItem(k) || '').includes(text))",
                arg=token[1],
            )
            in_local = _storage_keys_holding(page, "localStorage", token[1])
            in_session = _storage_keys_holding(page, "sessionStorage", token[1])
        finally:
            browser.close()

    # Then the headers came filled in with the demo token, the query ran with them, and the
    # token is kept in sessionStorage (the browser session), not in localStorage nor the URL
    assert json.loads(headers) == {"Authorization": f"Token {token[1]}"}
    assert json.loads(result) == expected
    assert expected["data"]["myOrders"]["totalCount"] > 3
    assert token[1] not in address
    assert in_local == []
    assert "graphiql:tabState" in in_session  # the tabs, with their headers
