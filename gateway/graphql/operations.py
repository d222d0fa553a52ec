"""GetOperation() of the GraphQL specification (October 2021, 6.1): a document with several
operations must name the one to run.

Strawberry runs the first operation of the document when the request names none; the
specification makes that a request error. Checked once the document validated (so an
invalid document reports its validation errors, as `ExecuteRequest()` orders them): listed
after the validation cache, whose hook validates on entering, and deciding on entering too
(Strawberry reads the errors before the hooks' exits run).
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

from gateway.graphql.internals import provided_operation_name

CODE = "OPERATION_RESOLUTION_FAILURE"
MESSAGE = "Must provide operation name if query contains multiple operations."


class OperationSelection(SchemaExtension):
    """Refuses a document of several operations without `operationName` before it runs."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        unnamed = provided_operation_name(context) is None
        if not context.pre_execution_errors and document is not None and unnamed:
            definitions = document.definitions
            if sum(isinstance(d, OperationDefinitionNode) for d in definitions) > 1:
                context.pre_execution_errors = [GraphQLError(MESSAGE, extensions={"code": CODE})]
        yield
