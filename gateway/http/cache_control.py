"""`Cache-Control: private, no-store` on customer data."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.http.paths import under

NO_STORE = "private, no-store"


class NoStoreMiddleware:
    """Marks every response under `prefixes` as one that no cache may keep: the bodies are
    one customer's orders, and a shared cache must never hand them to someone else.

    A `Cache-Control` the endpoint set itself is kept.
    """

    def __init__(self, app: ASGIApp, *, prefixes: Sequence[str]) -> None:
        self.app = app
        self.prefixes = tuple(prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not under(scope["path"], self.prefixes):
            await self.app(scope, receive, send)
            return

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).setdefault("Cache-Control", NO_STORE)
            await send(message)

        await self.app(scope, receive, send_no_store)
