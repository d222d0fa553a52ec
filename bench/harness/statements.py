"""SQL statements per request: the scenario's request sent twice to the app in this process
(httpx's ASGI transport, same database, same settings as the served app), counting what the
second one sends to the database (steady state: per-process caches are warm)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.engine import Engine

from gateway.app import create_app
from gateway.settings import load_settings
from harness.scenarios import Scenario


async def _count(database_url: str, cursor_secret: str, token: str, scenario: Scenario) -> int:
    app = create_app(load_settings(database_url=database_url, cursor_secret=cursor_secret))
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        statements.append(statement)

    headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
    body = scenario.body() if scenario.method == "POST" else None
    if body is not None:
        headers["Content-Type"] = "application/json"
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for attempt in range(2):
                if attempt:
                    event.listen(Engine, "before_cursor_execute", record)
                try:
                    response = await client.request(
                        scenario.method, scenario.path, content=body, headers=headers
                    )
                finally:
                    if attempt:
                        event.remove(Engine, "before_cursor_execute", record)
                response.raise_for_status()
    return len(statements)


def statements_per_request(
    database_url: str, cursor_secret: str, token: str, scenario: Scenario
) -> int:
    return asyncio.run(_count(database_url, cursor_secret, token, scenario))
