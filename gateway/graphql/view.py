"""The HTTP side of GraphQL: Strawberry's ASGI view with our context, orjson and an
offline GraphiQL page whose assets the package serves itself."""

from __future__ import annotations

from pathlib import Path

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.schema import BaseSchema

from gateway.graphql.context import GatewayContext
from gateway.graphql.dataloaders import Loaders
from gateway.observability.context import request_id
from gateway.observability.request_id import new_request_id

STATIC_DIRECTORY = Path(__file__).parent / "static"


class GatewayGraphQL(GraphQL[GatewayContext, None]):
    """`/graphql`: POST JSON, GET queries, GraphiQL for a browser's GET.

    Parameters:
        schema: the schema to execute.
        cursor_key: the HMAC key for this deployment's cursors.
    """

    def __init__(self, schema: BaseSchema, cursor_key: bytes) -> None:
        super().__init__(
            schema, graphql_ide="graphiql", allow_queries_via_get=True, subscription_protocols=()
        )
        self.cursor_key = cursor_key
        self.graphiql_page = (STATIC_DIRECTORY / "graphiql.html").read_text(encoding="utf-8")

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> GatewayContext:
        assert isinstance(request, Request)  # the route serves HTTP only
        assert isinstance(response, Response)
        sessions = request.app.state.database.sessions
        return GatewayContext(
            request=request,
            response=response,
            settings=request.app.state.settings,
            sessions=sessions,
            cursor_key=self.cursor_key,
            loaders=Loaders.create(sessions),
            request_id=request_id() or new_request_id(),
        )

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(self.graphiql_page)
