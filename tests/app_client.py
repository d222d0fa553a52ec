"""The one way tests build the whole app and talk to it: `serve(settings)`, the app with
its lifespan running and an HTTP client on it (the `served` and `client` fixtures use it);
`asgi_client(app)` for the small apps that middleware tests build inline."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from starlette.applications import Starlette
from starlette.types import ASGIApp

from gateway.app import create_app
from gateway.settings import Settings


@dataclass(frozen=True, slots=True)
class Served:
    """The app (its `state` holds the database, the settings, the metrics) and a client."""

    app: Starlette
    client: httpx.AsyncClient


def asgi_client(app: ASGIApp, *, peer: tuple[str, int] = ("127.0.0.1", 123)) -> httpx.AsyncClient:
    """An HTTP client talking to `app` in-process, from the address `peer` (`async with`)."""
    transport = httpx.ASGITransport(app=app, client=peer)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@asynccontextmanager
async def serve(settings: Settings, **changes: object) -> AsyncIterator[Served]:
    """The whole app for `settings` (with `changes` applied), lifespan running, and a
    client talking to it in-process."""
    app = create_app(settings.model_copy(update=changes) if changes else settings)
    async with app.router.lifespan_context(app), asgi_client(app) as client:
        yield Served(app, client)
