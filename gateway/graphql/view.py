"""`/graphql`: GraphQL over HTTP to the letter of its specification (`transport.py` reads the
request), the schema's execution (Strawberry's, with the gateway's extensions), orjson, and an
offline GraphiQL page whose assets the package serves itself.

A request goes through three steps, each one method of `GraphQLView`:

1. `read`: the method, the GraphiQL page, `Accept` and the parameters (`TransportError`:
   the request is not a GraphQL request at all; answered with its own status).
2. `execute`: admission (the persisted-query store resolves the document; a refusal before
   execution belongs here), then the schema runs the operation.
3. `respond`: the body and status. A request error (nothing was executed: the document does
   not parse or validate, the variables do not coerce, no operation can be chosen, a limit,
   a persisted query not found) has no `data` entry; under
   `application/graphql-response+json` it answers 4xx (500 for an internal error), under
   `application/json` 200. Once execution started it is 200 (503 with `Retry-After` when the
   database is unavailable). `extensions` carries what the schema's extensions report.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

import orjson
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.schema import BaseSchema
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from gateway.db.connections import SharedConnection
from gateway.graphql.admission import admit, counted_fields
from gateway.graphql.context import GatewayContext
from gateway.graphql.dataloaders import Loaders
from gateway.graphql.internals import CannotGetOperationTypeError, InvalidOperationTypeError
from gateway.graphql.persisted import PersistedQueryError
from gateway.graphql.shared_persisted import SharedPersistedQueries
from gateway.graphql.transport import (
    GRAPHQL_RESPONSE,
    JSON,
    GraphQLRequest,
    TransportError,
    method_not_allowed,
    read_get,
    read_post,
    response_media_type,
)
from gateway.http.hosts import host_allowed, requested_host
from gateway.observability import context as observed
from gateway.observability.context import request_id
from gateway.observability.request_id import new_request_id
from gateway.throttling.limiter import RequestLimit

STATIC_DIRECTORY = Path(__file__).parent / "static"
OPERATION_RESOLUTION_FAILURE = "OPERATION_RESOLUTION_FAILURE"
_SAFE_METHODS = ("GET", "HEAD")
_GET_OPERATIONS = (OperationType.QUERY,)
_POST_OPERATIONS = tuple(OperationType)
_DOCUMENT_PARAMETERS = ("query", "extensions", "documentId", "doc_id")
# A request error's status under application/graphql-response+json, by its code.
_REQUEST_ERROR_STATUS = {"INTERNAL_SERVER_ERROR": 500, "SERVICE_UNAVAILABLE": 503}


def _code(error: GraphQLError) -> str | None:
    code = (error.extensions or {}).get("code")
    return None if code is None else str(code)


def is_request_error(result: ExecutionResult) -> bool:
    """Nothing was executed: no data, and no error located at a field (field errors carry
    the path of their field)."""
    return (
        result.data is None
        and bool(result.errors)
        and all(error.path is None for error in result.errors or ())
    )


def request_error(message: str, code: str) -> ExecutionResult:
    """A request error the view itself answers; its code describes the request."""
    observed.set_error_code(code)
    return ExecutionResult(data=None, errors=[GraphQLError(message, extensions={"code": code})])


class GraphQLView:
    """The ASGI app at `/graphql` (every method reaches it: it answers 405 itself).

    Parameters:
        schema: the schema to execute.
        persisted: the persisted-query store (automatic persisted queries, allow-list).
        graphiql: serve the GraphiQL page to browsers.
        allowed_hosts: `GATEWAY_ALLOWED_HOSTS`: when set, a request naming another host
            is refused (400) before anything else.
        trust_proxy: judge `X-Forwarded-Host` instead of `Host`.
        request_limit: the per-customer request rate (`GATEWAY_RATE_LIMIT`), counted before
            the document runs (`admission.py`).
    """

    def __init__(
        self,
        schema: BaseSchema,
        persisted: SharedPersistedQueries,
        *,
        graphiql: bool = True,
        allowed_hosts: Sequence[str] = (),
        trust_proxy: bool = False,
        request_limit: RequestLimit | None = None,
    ) -> None:
        self.request_limit = request_limit
        self.allowed_hosts = list(allowed_hosts)
        self.trust_proxy = trust_proxy
        self.schema = schema
        self.persisted = persisted
        self.graphiql_page = (
            (STATIC_DIRECTORY / "graphiql.html").read_text(encoding="utf-8") if graphiql else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.handle(Request(scope, receive))
        await response(scope, receive, send)

    async def handle(self, request: Request) -> Response:
        head = request.method == "HEAD"
        if self.allowed_hosts:
            host = requested_host(request.scope, trust_proxy=self.trust_proxy)
            if not host_allowed(host, self.allowed_hosts):
                return self.refuse(
                    TransportError(400, "Host not allowed.", "BAD_REQUEST"), JSON, head
                )
        if self.graphiql_page is not None and self.wants_graphiql(request):
            return HTMLResponse(self.graphiql_page)
        media_type = JSON  # for a refusal before `Accept` is read
        try:
            media_type = self.negotiate(request)
            params = await self.read(request)
            context = self.context(request)
            try:
                result = await self.execute(context, params, request.method)
            finally:
                await context.connection.close()
        except TransportError as refusal:
            return self.refuse(refusal, media_type, head)
        status = self.status(result, media_type, context.response.status_code)
        context.response.headers.update(counted_fields(context))
        return self.respond(result, media_type, status, context.response.headers, head=head)

    def refuse(self, refusal: TransportError, media_type: str, head: bool) -> Response:
        """The answer to a request that is not a GraphQL request: its own status."""
        result = request_error(refusal.message, refusal.code)
        return self.respond(result, media_type, refusal.status, refusal.headers, head=head)

    def wants_graphiql(self, request: Request) -> bool:
        """A browser's plain GET: no document, HTML accepted. A GET carrying a query or a
        persisted-query hash is an operation, whatever its Accept header."""
        params = request.query_params
        return (
            request.method in _SAFE_METHODS
            and not any(params.get(name) for name in _DOCUMENT_PARAMETERS)
            and "text/html" in request.headers.get("accept", "")
        )

    @staticmethod
    def negotiate(request: Request) -> str:
        """The response's media type, for a method this endpoint serves."""
        if request.method not in (*_SAFE_METHODS, "POST"):
            raise method_not_allowed(f"Method {request.method} is not allowed.")
        return response_media_type(request.headers.get("accept"))

    @staticmethod
    async def read(request: Request) -> GraphQLRequest:
        """The request's parameters (from the query string, or a POST's JSON body)."""
        if request.method == "POST":
            params = read_post(request.headers.get("content-type"), await request.body())
        else:
            params = read_get(request.query_params)
        observed.set_operation_name(params.operation_name)
        return params

    @staticmethod
    def context(request: Request) -> GatewayContext:
        state = request.app.state
        connection = SharedConnection(state.database)
        return GatewayContext(
            request=request,
            response=Response(),
            settings=state.settings,
            connection=connection,
            cursor_key=state.cursor_key,
            loaders=Loaders.create(connection),
            request_id=request_id() or new_request_id(),
            stored_totals=state.database.stored_totals,
            search_indexes=state.database.search_indexes,
        )

    async def execute(
        self, context: GatewayContext, params: GraphQLRequest, method: str
    ) -> ExecutionResult:
        """Admits the request (resolving a persisted document) and runs its operation; the
        caller returns the request's connection to the pool."""
        try:
            document = await self.persisted.resolve(
                params.query, params.extensions, params.document_id
            )
        except PersistedQueryError as exc:
            return request_error(exc.message, exc.code)
        if document is None:
            raise TransportError(400, "The request has no query.", "BAD_REQUEST")
        allowed: Collection[OperationType] = (
            _GET_OPERATIONS if method in _SAFE_METHODS else _POST_OPERATIONS
        )
        refusal = await admit(context, self.request_limit)  # the caller's request rate
        if refusal is not None:
            return refusal
        try:
            return await self.schema.execute(
                document,
                variable_values=params.variables,
                context_value=context,
                operation_name=params.operation_name,
                allowed_operation_types=allowed,
            )
        except CannotGetOperationTypeError as exc:
            # graphql-core's own wording for GetOperation()'s request errors.
            name = exc.operation_name
            message = "Must provide an operation." if name is None else exc.as_http_error_reason()
            return request_error(message, OPERATION_RESOLUTION_FAILURE)
        except InvalidOperationTypeError as exc:
            reason = exc.as_http_error_reason(method)  # "mutations are not allowed when using GET"
            raise method_not_allowed(f"{reason[:1].upper()}{reason[1:]}.") from None

    @staticmethod
    def status(result: ExecutionResult, media_type: str, status: int) -> int:
        """The HTTP status of a result (`status`: what the schema's extensions set, 200
        unless the database is unavailable)."""
        if status != 200 or media_type != GRAPHQL_RESPONSE or not is_request_error(result):
            return status
        codes = [_code(error) for error in result.errors or ()]
        return next((_REQUEST_ERROR_STATUS[c] for c in codes if c in _REQUEST_ERROR_STATUS), 400)

    @staticmethod
    def respond(
        result: ExecutionResult,
        media_type: str,
        status: int,
        headers: Any,
        *,
        head: bool,
    ) -> Response:
        """The GraphQL response: `data` only if execution started, then `errors` and
        `extensions` when there are any."""
        body: dict[str, Any] = {}
        if not is_request_error(result):
            body["data"] = result.data
        if result.errors:
            body["errors"] = [error.formatted for error in result.errors]
        if result.extensions:
            body["extensions"] = result.extensions
        content = orjson.dumps(body)
        content_type = JSON if media_type == JSON else f"{media_type}; charset=utf-8"
        response = Response(b"" if head else content, status_code=status)
        response.headers.update(headers)
        response.headers["Content-Type"] = content_type
        response.headers["Content-Length"] = str(len(content))
        return response
