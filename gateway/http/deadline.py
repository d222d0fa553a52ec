"""A deadline for every request: past it the work is cancelled and the client gets a quick
503 with `Retry-After`, instead of waiting on a stuck database or a full pool."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.http.paths import under
from gateway.http.refusals import Refusals

logger = logging.getLogger(__name__)


class DeadlineMiddleware:
    """Cancels a request under `paths` that runs longer than `seconds` and answers 503.

    Cancelling unwinds the request's `async with` blocks, so its database sessions go back
    to the pool. A response already started cannot be replaced: the error propagates and the
    server drops the connection, so the client never takes a cut body for a whole one.

    Parameters:
        seconds: the time budget of one request.
        paths: paths (and prefixes) that get the deadline; probes and metrics do not.
        refusals: builds the 503 in the front door's format.
    """

    def __init__(
        self, app: ASGIApp, *, seconds: float, paths: Sequence[str], refusals: Refusals
    ) -> None:
        self.app = app
        self.seconds = seconds
        self.paths = tuple(paths)
        self.refusals = refusals

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not under(scope["path"], self.paths):
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        deadline = asyncio.timeout(self.seconds)
        try:
            async with deadline:
                await self.app(scope, receive, send_tracked)
        except TimeoutError:
            if not deadline.expired():
                raise  # the application's own timeout, not the deadline
            logger.warning("request exceeded its %s s deadline: %s", self.seconds, scope["path"])
            if started:
                raise  # too late for a 503: the server drops the connection instead
            await self.refusals.unavailable(scope["path"])(scope, receive, send)
