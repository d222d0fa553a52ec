"""Every GraphQL error carries `extensions.code`; unexpected errors are masked.

The codes (docs/graphql-over-http.md has them with their HTTP statuses):

GRAPHQL_PARSE_FAILED          the document does not parse
GRAPHQL_VALIDATION_FAILED     it does not validate against the schema
OPERATION_RESOLUTION_FAILURE  no operation can be chosen (`operations.py`, the view)
BAD_USER_INPUT                `BadUserInput`, or variables that do not fit their types
UNAUTHENTICATED               `AuthenticationFailed`
QUERY_TOO_COMPLEX             over a query limit (`gateway.graphql.limits`) or the body size
PERSISTED_QUERY_NOT_FOUND     a persisted document the server does not know (`persisted.py`)
SERVICE_UNAVAILABLE           the database is down, overloaded or timed out
                              (`DatabaseUnavailable`, which `gateway.db.errors` raises for
                              such failures): HTTP 503 with `Retry-After`, so clients retry
                              later
INTERNAL_SERVER_ERROR         anything else: "Internal server error" and the request id;
                              the traceback goes to the log under the same id
BAD_REQUEST, METHOD_NOT_ALLOWED, NOT_ACCEPTABLE, UNSUPPORTED_MEDIA_TYPE
                              not a GraphQL request at all (400, 405, 406, 415): raised by
                              the transport (`transport.py`), before any GraphQL work
RATE_LIMITED                  reserved by the contract for request rate limits
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from gateway.errors import AuthenticationFailed, BadUserInput, DatabaseUnavailable
from gateway.graphql.context import GatewayContext
from gateway.http.refusals import RETRY_AFTER, UNAVAILABLE_MESSAGE
from gateway.observability import context as observed

logger = logging.getLogger(__name__)

INTERNAL_MESSAGE = "Internal server error"
# graphql-core words every error in coercing the request's variables this way.
_VARIABLE_ERROR_PREFIX = "Variable '$"


def _with_code(error: GraphQLError, code: str) -> GraphQLError:
    error.extensions = {**(error.extensions or {}), "code": code}
    return error


def _has_code(error: GraphQLError) -> bool:
    return bool(error.extensions and "code" in error.extensions)


class ErrorCodes(SchemaExtension):
    """Codes parse and validation errors as their phase ends, and the rest when the
    operation ends: expected errors by their exception, others masked."""

    def on_parse(self) -> Iterator[None]:
        yield
        for error in self.execution_context.pre_execution_errors or ():
            _with_code(error, "GRAPHQL_PARSE_FAILED")

    def on_validate(self) -> Iterator[None]:
        yield
        for error in self.execution_context.pre_execution_errors or ():
            if not _has_code(error):  # `OperationSelection` codes its own
                _with_code(error, "GRAPHQL_VALIDATION_FAILED")

    def on_operation(self) -> Iterator[None]:
        yield
        observed.set_operation_name(self.execution_context.operation_name)
        result = self.execution_context.result
        if result is not None and result.errors:
            coded = [self._coded(error) for error in result.errors]
            result.errors = coded
            observed.set_error_code(str((coded[0].extensions or {})["code"]))
            if any(_code(error) == "SERVICE_UNAVAILABLE" for error in coded):
                _answer_unavailable(self.execution_context)

    def _coded(self, error: GraphQLError) -> GraphQLError:
        if _has_code(error):
            return error
        original = error.original_error
        if isinstance(original, BadUserInput):
            return _with_code(error, "BAD_USER_INPUT")
        if isinstance(original, AuthenticationFailed):
            return _with_code(error, "UNAUTHENTICATED")
        if error.path is None and error.message.startswith(_VARIABLE_ERROR_PREFIX):
            return _with_code(error, "BAD_USER_INPUT")
        if isinstance(original, DatabaseUnavailable):
            return self._unavailable(error)
        return self._masked(error)

    def _unavailable(self, error: GraphQLError) -> GraphQLError:
        """The database's own message (SQL, host names) stays in the log."""
        logger.warning(
            "database unavailable in GraphQL request %s at %s: %s",
            _request_id(self.execution_context),
            error.path,
            error.message,
        )
        return GraphQLError(
            UNAVAILABLE_MESSAGE,
            nodes=error.nodes,
            path=error.path,
            extensions={"code": "SERVICE_UNAVAILABLE"},
        )

    def _masked(self, error: GraphQLError) -> GraphQLError:
        request_id = _request_id(self.execution_context)
        logger.error(
            "internal error in GraphQL request %s at %s: %s",
            request_id,
            error.path,
            error.message,
            exc_info=error.original_error or error,
        )
        return GraphQLError(
            INTERNAL_MESSAGE,
            nodes=error.nodes,
            path=error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        )


def _code(error: GraphQLError) -> object:
    return (error.extensions or {}).get("code")


def _answer_unavailable(execution_context: ExecutionContext) -> None:
    """HTTP 503 with `Retry-After` for the whole response (the view sends these)."""
    context: GatewayContext = execution_context.context
    context.response.status_code = 503
    context.response.headers.update(RETRY_AFTER)


def _request_id(execution_context: ExecutionContext) -> str:
    context: GatewayContext = execution_context.context
    return context.request_id


class GatewaySchema(strawberry.Schema):
    """Strawberry's schema, minus its error logging: `ErrorCodes` logs what deserves it
    (internal errors, with the request id) and client mistakes are not logged at all."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Errors are logged by `ErrorCodes` instead."""
