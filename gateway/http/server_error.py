"""The answer to an unexpected failure: JSON, no details (they go to the log)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

SERVER_ERROR_BODY = b'{"detail":"A server error occurred."}'


def server_error_response() -> Response:
    """`500 {"detail":"A server error occurred."}`; the request id header is added by the
    observability middleware, which also logs the traceback."""
    return Response(SERVER_ERROR_BODY, status_code=500, media_type="application/json")


async def server_error(request: Request, exc: Exception) -> Response:
    """Starlette's handler for `Exception`: never an HTML page or a stack trace."""
    return server_error_response()
