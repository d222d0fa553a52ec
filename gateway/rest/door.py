"""What the original's Django stack did around the view, for every answer under `/api/`:
its security headers, and the refusals that come before authentication
(`../spec/rest.md`, "Request-level refusals"), with Django's own 400 page, byte for byte:

- a `Host` that is not a valid host, or not an allowed one (`GATEWAY_ALLOWED_HOSTS`): the
  page with the security headers except `X-Frame-Options`;
- more than 1,000 query fields on the endpoint (`DATA_UPLOAD_MAX_NUMBER_FIELDS`, counted as
  Python's `parse_qsl(max_num_fields=1000)` counts them): the page with all four.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.http.hosts import host_allowed, requested_host
from gateway.http.paths import under

# Django's defaults (SecurityMiddleware and XFrameOptionsMiddleware), as the original sends.
X_FRAME_OPTIONS = {"X-Frame-Options": "DENY"}
SECURITY_MIDDLEWARE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
SECURITY_HEADERS = {**X_FRAME_OPTIONS, **SECURITY_MIDDLEWARE_HEADERS}
# Django's `ERROR_PAGE_TEMPLATE` for 400, which opens with a line break: the 143 bytes the
# spec counts (its quoted text leaves that first "\n" out).
BAD_REQUEST_PAGE = (
    b'\n<!doctype html>\n<html lang="en">\n<head>\n  <title>Bad Request (400)</title>\n'
    b"</head>\n<body>\n  <h1>Bad Request (400)</h1><p></p>\n</body>\n</html>\n"
)
MAX_QUERY_FIELDS = 1000


def query_field_count(query_string: bytes) -> int:
    """Fields as `parse_qsl` counts them: 1 + the `&`s of a non-empty query string."""
    return 1 + query_string.count(b"&") if query_string else 0


def bad_request(headers: dict[str, str]) -> Response:
    return Response(
        BAD_REQUEST_PAGE,
        status_code=400,
        headers=headers,
        media_type="text/html; charset=utf-8",
    )


class LegacyDoorMiddleware:
    """Security headers on every response under `prefix`, and the request-level refusals.

    Parameters:
        prefix: the legacy REST paths (`/api`).
        endpoint: the path whose query string is parsed (the field limit applies to it).
        allowed_hosts: `GATEWAY_ALLOWED_HOSTS` (empty: any valid host).
        trust_proxy: judge `X-Forwarded-Host` instead of `Host` (as the links use it).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        prefix: str,
        endpoint: str,
        allowed_hosts: Sequence[str],
        trust_proxy: bool,
    ) -> None:
        self.app = app
        self.prefix = prefix
        self.endpoint = endpoint
        self.allowed_hosts = list(allowed_hosts)
        self.trust_proxy = trust_proxy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not under(scope["path"], [self.prefix]):
            await self.app(scope, receive, send)
            return
        host = requested_host(scope, trust_proxy=self.trust_proxy)
        if not host_allowed(host, self.allowed_hosts):
            await bad_request(SECURITY_MIDDLEWARE_HEADERS)(scope, receive, send)
            return
        fields = query_field_count(scope.get("query_string", b""))
        if scope["path"] == self.endpoint and fields > MAX_QUERY_FIELDS:
            await bad_request(SECURITY_HEADERS)(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
