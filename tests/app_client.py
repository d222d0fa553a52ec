"""The one way tests build the whole app and talk to it: `serve(settings)`, the app with
its lifespan running and an HTTP client on it (the `served` and `client` fixtures use it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from starlette.applications import Starlette

from gateway.app import create_app
from gateway.settings import Settings


@dataclass(frozen=True, slots=True)
class Served:
    """The app (its `state` holds the database, the settings, the metrics) and a client."""

    app: Starlette
    client: httpx.AsyncClient


@asynccontextmanager
async def serve(settings: Settings, **changes: object) -> AsyncIterator[Served]:
    """The whole app for `settings` (with `changes` applied), lifespan running, and a
    client talking to it in-process."""
    app = create_app(settings.model_copy(update=changes) if changes else settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Served(app, client)
