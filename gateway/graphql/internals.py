"""Every library internal the GraphQL adapter relies on, in one place: the compiled path's
(`plans.py`, `compiled.py`), graphql-core's schema behind Strawberry's (`limits.py`,
`documents.py`), and what the view and `operations.py` need of Strawberry's execution (the
exceptions `Schema.execute` raises for an operation it cannot choose or may not run, the
operation name the request gave).

Strawberry and graphql-core do not promise these: private attributes, modules outside their
documented API, signatures that changed between minor versions. They are proven on the
versions `pyproject.toml` allows (strawberry-graphql 0.341, graphql-core 3.3);
`tests/graphql/test_internals.py` names each one, so an upgrade that moves one fails there,
in one place, before the differential tests fail for reasons harder to read. With
`GATEWAY_GRAPHQL_COMPILED=false` the service runs without the compiled path's.

Besides these imports and accessors, `plans.py` reads documented attributes of Strawberry's
fields and resolvers (`StrawberryField.base_resolver`, `.permission_classes`, `.extensions`,
`.python_name`, `.arguments`; `StrawberryResolver.is_async`, `.info_parameter`,
`.self_parameter`, `.arguments`); the test names those too.
"""

from __future__ import annotations

from asyncio import Future
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from graphql import GraphQLSchema
from graphql.execution import VariableValues, get_argument_values, get_variable_values
from graphql.execution.collect_fields import (
    FieldDetailsList,
    FragmentDetails,
    collect_fields,
    collect_subfields,
)
from strawberry import Schema
from strawberry.dataloader import DataLoader
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionContext
from strawberry.types.arguments import StrawberryArgument, convert_arguments
from strawberry.types.fields.resolver import StrawberryResolver

K = TypeVar("K")
V = TypeVar("V")

__all__ = [
    "CannotGetOperationTypeError",
    "FieldDetailsList",
    "FragmentDetails",
    "InvalidOperationTypeError",
    "StrawberryArgument",
    "VariableValues",
    "batch_load",
    "cached_load",
    "collect_fields",
    "collect_subfields",
    "convert_arguments",
    "get_argument_values",
    "get_variable_values",
    "graphql_schema",
    "provided_operation_name",
    "resolver_function",
    "scalar_registry",
]


def graphql_schema(schema: Schema) -> GraphQLSchema:
    """graphql-core's schema behind Strawberry's (`Schema._schema`; Strawberry's own
    extensions read it so)."""
    return schema._schema


def scalar_registry(schema: Schema) -> Any:
    """The scalars Strawberry converts arguments with (`Schema.schema_converter`)."""
    return schema.schema_converter.scalar_registry


def cached_load(loader: DataLoader[K, V], key: K) -> Future[V] | None:
    """The future `loader` holds for `key` (`DataLoader.cache_map`); None if never loaded."""
    return loader.cache_map.get(key)


async def batch_load(loader: DataLoader[K, V], keys: list[K]) -> Sequence[V | BaseException]:
    """`loader`'s batch function called directly (`DataLoader.load_fn`): one batch without
    a future and a task per key. (A batch function may return an exception for a key.)"""
    return await loader.load_fn(keys)


def resolver_function(resolver: StrawberryResolver[Any]) -> Callable[..., Any] | Any:
    """The function a resolver wraps (`StrawberryResolver.wrapped_func`): calling it is what
    `StrawberryResolver.__call__` does, one call less."""
    return resolver.wrapped_func


def provided_operation_name(context: ExecutionContext) -> str | None:
    """The operation name the request gave (`ExecutionContext._provided_operation_name`):
    the public `operation_name` falls back to the document's first operation."""
    name: str | None = context._provided_operation_name
    return name
