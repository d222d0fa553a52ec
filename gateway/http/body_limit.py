"""A cap on request bodies: a client cannot make the service buffer megabytes of JSON."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.http.paths import under
from gateway.http.refusals import Refusals


class BodyTooLarge(Exception):
    """Raised into the application when the body it reads passes the limit."""


class BodyLimitMiddleware:
    """413 for a body over `max_bytes` on `paths`: at once when `Content-Length` says so,
    otherwise as soon as the streamed body passes the limit (chunked uploads).

    Parameters:
        max_bytes: the largest body accepted.
        paths: paths (and prefixes) the limit applies to.
        refusals: builds the 413 in the front door's format (GraphQL: `QUERY_TOO_COMPLEX`,
            the code of every limit).
    """

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, paths: Sequence[str], refusals: Refusals
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.paths = tuple(paths)
        self.refusals = refusals

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not under(scope["path"], self.paths):
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0
        started = False

        async def receive_counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def send_tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive_counted, send_tracked)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"Request body exceeds the limit of {self.max_bytes} bytes."
        response = self.refusals.refuse(scope["path"], 413, message, "QUERY_TOO_COMPLEX", {})
        await response(scope, receive, send)
