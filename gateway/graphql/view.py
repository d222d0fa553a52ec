"""The HTTP side of GraphQL: Strawberry's ASGI view with our context, orjson and an
offline GraphiQL page whose assets the package serves itself."""

from __future__ import annotations

from pathlib import Path

import orjson
from cross_web import AsyncHTTPRequestAdapter
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.schema import BaseSchema
from strawberry.types import ExecutionResult

from gateway.db.connections import SharedConnection
from gateway.graphql.context import GatewayContext
from gateway.graphql.dataloaders import Loaders
from gateway.graphql.persisted import PersistedQueries, PersistedQueryError
from gateway.observability import context as observed
from gateway.observability.context import request_id
from gateway.observability.request_id import new_request_id

STATIC_DIRECTORY = Path(__file__).parent / "static"


class GatewayGraphQL(GraphQL[GatewayContext, None]):
    """`/graphql`: POST JSON, GET queries, GraphiQL for a browser's GET.

    Parameters:
        schema: the schema to execute.
        persisted: the persisted-query store (automatic persisted queries, allow-list).
    """

    def __init__(self, schema: BaseSchema, persisted: PersistedQueries) -> None:
        super().__init__(
            schema, graphql_ide="graphiql", allow_queries_via_get=True, subscription_protocols=()
        )
        self.persisted = persisted
        self.graphiql_page = (STATIC_DIRECTORY / "graphiql.html").read_text(encoding="utf-8")

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> GatewayContext:
        assert isinstance(request, Request)  # the route serves HTTP only
        assert isinstance(response, Response)
        state = request.app.state
        connection = SharedConnection(state.database)
        return GatewayContext(
            request=request,
            response=response,
            settings=state.settings,
            connection=connection,
            cursor_key=state.cursor_key,
            loaders=Loaders.create(connection),
            request_id=request_id() or new_request_id(),
        )

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        """GraphiQL for a browser's plain GET; a GET carrying a query or a persisted-query
        hash is an operation, whatever its Accept header."""
        params = request.query_params
        return (
            request.method == "GET"
            and params.get("query") is None
            and params.get("extensions") is None
            and "text/html" in request.headers.get("accept", "")
        )

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: GatewayContext,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Resolve a persisted query (by hash, or checked and remembered) before running;
        the request's connection goes back to the pool once the operation has run."""
        try:
            request_data.query = self.persisted.resolve(request_data.query, request_data.extensions)
        except PersistedQueryError as exc:
            observed.set_error_code(str((exc.error.extensions or {})["code"]))
            return ExecutionResult(data=None, errors=[exc.error])
        try:
            return await super().execute_single(
                request, request_adapter, sub_response, context, root_value, request_data
            )
        finally:
            await context.connection.close()

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(self.graphiql_page)
