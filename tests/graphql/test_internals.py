"""Each library internal the GraphQL adapter relies on (`gateway/graphql/internals.py`), named
one by one with what the gateway needs of it: an upgrade of strawberry-graphql or
graphql-core that moves one fails here, in one place.

When one fails: read the library's changelog for it, adapt `internals.py` (and its caller),
rerun `tests/graphql/test_compiled.py`, then widen the bounds in `pyproject.toml`.
"""

from __future__ import annotations

import inspect
import tomllib
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLSchema, parse
from packaging.requirements import Requirement
from strawberry.dataloader import DataLoader
from strawberry.types import ExecutionContext
from strawberry.types.fields.resolver import StrawberryResolver

from gateway.graphql import internals
from gateway.graphql.loaded import loaded_by
from gateway.graphql.schema import build_schema

PYPROJECT = Path(__file__).parent.parent.parent / "pyproject.toml"


def parameters(function: Any) -> list[str]:
    return list(inspect.signature(function).parameters)


@pytest.mark.parametrize("distribution", ["strawberry-graphql", "graphql-core"])
def test_the_installed_versions_are_within_the_proven_bounds(distribution: str) -> None:
    # given the ranges pyproject.toml allows (the versions the internals are proven on)
    dependencies = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    requirement = next(
        Requirement(line) for line in dependencies if Requirement(line).name == distribution
    )

    # then the range has an upper bound, and the installed version is inside it
    assert any(spec.operator == "<" for spec in requirement.specifier), requirement
    assert requirement.specifier.contains(version(distribution)), requirement


@pytest.mark.parametrize(
    ("function", "leading"),
    [
        (
            internals.collect_fields,
            ["schema", "fragments", "variable_values", "runtime_type", "operation"],
        ),
        (
            internals.collect_subfields,
            ["schema", "fragments", "variable_values", "operation", "return_type"],
        ),
        (internals.get_argument_values, ["type_def", "node", "variable_values"]),
        (internals.get_variable_values, ["schema", "var_def_nodes", "inputs"]),
        (internals.convert_arguments, ["value", "arguments", "scalar_registry", "config"]),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_graphql_core_and_strawberry_functions_take_these_arguments(
    function: Any, leading: list[str]
) -> None:
    assert parameters(function)[: len(leading)] == leading


def test_collected_fields_and_variables_have_these_attributes() -> None:
    # given a document's fields collected as the compiler collects them
    graphql = internals.graphql_schema(build_schema())
    operation = parse("query ($n: Int) { myOrders(first: $n) { totalCount } }").definitions[0]
    variables = internals.get_variable_values(graphql, operation.variable_definitions, {"n": 2})
    assert isinstance(variables, internals.VariableValues)
    collected = internals.collect_fields(graphql, {}, variables, graphql.query_type, operation)

    # then what the compiler reads is there
    assert variables.coerced == {"n": 2}
    assert collected.new_defer_usages == []
    details = collected.grouped_field_set["myOrders"]
    assert details[0].node.name.value == "myOrders"
    assert details[0].defer_usage is None
    assert details[0].fragment_variable_values is None
    assert internals.FieldDetailsList == list[type(details[0])]
    assert internals.FragmentDetails._fields[0] == "definition"


def test_strawberry_schema_internals() -> None:
    schema = build_schema()

    assert isinstance(internals.graphql_schema(schema), GraphQLSchema)  # Schema._schema
    assert internals.scalar_registry(schema) is schema.schema_converter.scalar_registry
    field = schema.get_field_for_type("myOrders", "Query")
    assert field is not None
    assert [argument.python_name for argument in field.arguments][:2] == ["filter", "search"]


def test_strawberry_field_and_resolver_attributes() -> None:
    # given the fields the compiler reads: an attribute, a self-only resolver, a loaded one
    schema = build_schema()
    attribute = schema.get_field_for_type("key", "Order")
    computed = schema.get_field_for_type("total", "OrderItem")
    loaded = schema.get_field_for_type("items", "Order")
    assert attribute is not None
    assert computed is not None
    assert loaded is not None

    # then StrawberryField and StrawberryResolver have what `plans.py` reads
    assert (attribute.base_resolver, attribute.python_name) == (None, "key")
    assert (attribute.permission_classes, attribute.extensions) == ([], [])
    resolver = computed.base_resolver
    assert isinstance(resolver, StrawberryResolver)
    assert (resolver.is_async, resolver.info_parameter, resolver.arguments) == (False, None, [])
    assert resolver.self_parameter is not None
    assert internals.resolver_function(resolver) is resolver.wrapped_func
    assert loaded.base_resolver is not None
    assert loaded_by(internals.resolver_function(loaded.base_resolver)) is not None


async def test_dataloader_internals() -> None:
    # given a loader that has loaded one key
    async def batch(keys: list[int]) -> list[int]:
        return [key * 10 for key in keys]

    loader = DataLoader(load_fn=batch)
    assert await loader.load(1) == 10

    # then its cache holds the future (DataLoader.cache_map), and its batch function can
    # be called directly (DataLoader.load_fn)
    future = internals.cached_load(loader, 1)
    assert future is not None
    assert future.result() == 10
    assert internals.cached_load(loader, 2) is None
    assert await internals.batch_load(loader, [2, 3]) == [20, 30]


async def test_strawberrys_execution_raises_these_for_the_operation_it_cannot_run() -> None:
    # The view answers these (a coded request error, a 405): their attributes and wording.
    schema = build_schema()
    with pytest.raises(internals.CannotGetOperationTypeError) as unknown:
        await schema.execute("query A { __typename }", operation_name="B")
    with pytest.raises(internals.InvalidOperationTypeError) as refused:
        await schema.execute("mutation { __typename }", allowed_operation_types=[])

    assert unknown.value.operation_name == "B"
    assert unknown.value.as_http_error_reason() == 'Unknown operation named "B".'
    assert refused.value.as_http_error_reason("GET") == "mutations are not allowed when using GET"


def test_the_execution_context_keeps_the_operation_name_the_request_gave() -> None:
    # `operations.py` needs the request's own name: the public one falls back to the first.
    context = ExecutionContext(
        query="query A { __typename } query B { __typename }",
        schema=build_schema(),
        allowed_operations=(),
        provided_operation_name=None,
    )
    context.graphql_document = parse(context.query or "")

    assert internals.provided_operation_name(context) is None
    assert context.operation_name == "A"
