"""Spans of a GraphQL operation: the operation, and its parse, validate and execute phases.

The operation's span is named as the semantic conventions for GraphQL say
(`query MyOrders`, `query` when anonymous) and carries `graphql.operation.type` and
`graphql.operation.name`; the document itself is not recorded (its literals may be a
customer's search terms). Inside the execute span come the compiled path's span
(`graphql.compiled`, when it answered), the DataLoader batches and the SQL statements.

Listed first among the schema's extensions, so its spans enclose every other extension's
work. Only in the schema when tracing is on.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import get_operation_ast
from strawberry.extensions import SchemaExtension

from gateway.observability.spans import span


class TracedOperation(SchemaExtension):
    """One span per operation and per phase (see the module docstring)."""

    def on_operation(self) -> Iterator[None]:
        with span("graphql.operation") as operation:
            yield
            context = self.execution_context
            document = context.graphql_document
            definition = (
                None if document is None else get_operation_ast(document, context.operation_name)
            )
            if operation is not None and definition is not None:
                kind = definition.operation.value
                name = definition.name.value if definition.name else None
                operation.update_name(f"{kind} {name}" if name else kind)
                operation.set_attribute("graphql.operation.type", kind)
                if name:
                    operation.set_attribute("graphql.operation.name", name)

    def on_parse(self) -> Iterator[None]:
        with span("graphql.parse"):
            yield

    def on_validate(self) -> Iterator[None]:
        with span("graphql.validate"):
            yield

    def on_execute(self) -> Iterator[None]:
        with span("graphql.execute"):
            yield
