"""Answers the HTTP layer gives by itself (a request too large, too slow), in the wire format
of the front door asked: DRF's `{"detail": …}` for the REST paths, a GraphQL error with
`extensions.code` for `/graphql`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import orjson
from starlette.responses import Response

from gateway.http.paths import GRAPHQL_PATH, under

UNAVAILABLE_MESSAGE = "Service temporarily unavailable, try again later."  # DRF's text
RETRY_AFTER = {"Retry-After": "1"}


class Refusals:
    """Builds refusals for one app.

    Parameters:
        graphql_paths: paths (and prefixes) that answer GraphQL-shaped errors.
        endpoint_headers: headers that an endpoint sends on every answer, by exact path
            (the legacy endpoint's `Allow` and `Vary`).
    """

    def __init__(
        self,
        *,
        graphql_paths: Sequence[str] = (GRAPHQL_PATH,),
        endpoint_headers: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.graphql_paths = tuple(graphql_paths)
        self.endpoint_headers = dict(endpoint_headers or {})

    def refuse(
        self, path: str, status: int, message: str, code: str, headers: Mapping[str, str]
    ) -> Response:
        """`status` with `message`; `code` is the GraphQL `extensions.code`."""
        body: dict[str, object]
        if under(path, self.graphql_paths):
            body = {"errors": [{"message": message, "extensions": {"code": code}}]}
        else:
            body = {"detail": message}
        all_headers = {**self.endpoint_headers.get(path, {}), **headers}
        return Response(
            orjson.dumps(body),
            status_code=status,
            headers=all_headers,
            media_type="application/json",
        )

    def unavailable(self, path: str) -> Response:
        """503 with `Retry-After`: the database or the request's time budget ran out."""
        return self.refuse(path, 503, UNAVAILABLE_MESSAGE, "SERVICE_UNAVAILABLE", RETRY_AFTER)
