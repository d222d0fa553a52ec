"""gzip for large responses, without touching the legacy endpoint's headers.

Starlette's `GZipMiddleware` adds `Vary: Accept-Encoding` to every large response, even to a
client that sent no `Accept-Encoding` and gets the body uncompressed. The legacy endpoint
must answer `Vary: Accept` exactly as the original did (which never compressed), so its
paths are left out; everything else is compressed for clients that accept gzip.
Brotli is not offered: no well-kept brotli package is among the pinned dependencies.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.http.paths import under


class CompressionMiddleware:
    """gzip responses of at least `minimum_size` bytes, except under `excluded` prefixes.

    Parameters:
        app: the application it wraps.
        minimum_size: smallest body (bytes) worth compressing.
        excluded: path prefixes whose responses are never compressed.
    """

    def __init__(self, app: ASGIApp, *, minimum_size: int, excluded: Sequence[str]) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=minimum_size, compresslevel=6)
        self.excluded = tuple(excluded)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not under(scope["path"], self.excluded):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)
