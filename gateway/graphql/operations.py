"""GetOperation() of the GraphQL specification (October 2021, 6.1): a document with several
operations must name the one to run.

Strawberry runs the first operation of the document when the request names none; the
specification makes that a request error. Checked once validation passed (so an invalid
document reports its validation errors, as `ExecuteRequest()` orders them).
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

CODE = "OPERATION_RESOLUTION_FAILURE"
MESSAGE = "Must provide operation name if query contains multiple operations."


class OperationSelection(SchemaExtension):
    """Refuses a document of several operations without `operationName` before it runs."""

    def on_validate(self) -> Iterator[None]:
        yield
        context = self.execution_context
        document = context.graphql_document
        if context.pre_execution_errors or document is None:
            return
        # The name the request gave (Strawberry's `operation_name` falls back to the first).
        if context._provided_operation_name is not None:
            return
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if len(operations) > 1:
            context.pre_execution_errors = [GraphQLError(MESSAGE, extensions={"code": CODE})]
