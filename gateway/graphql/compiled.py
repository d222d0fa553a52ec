"""A compiled path for `myOrders` pages: the response without graphql-core's per-field work.

graphql-core resolves each field of a page through Strawberry's resolver wrappers (about
1,450 fields for a page of 20 with every field) and runs a task per nested load; for the
documents clients repeat, that is most of a request's CPU. `CompiledOrders` answers instead
of graphql-core's execution when the operation is a query whose root fields are one
`myOrders` (and any `__typename`):

1. The selection is compiled into a `FieldPlan` tree (`plans.py`), once per document,
   operation name and values of the variables that `@skip`/`@include` read.
2. The arguments are coerced by graphql-core and converted by Strawberry as for the
   resolver, and `orders_connection` (the resolver's body) builds the `OrderConnection`.
3. What resolvers load is fetched as their DataLoaders fetch it, batched for the whole page
   (items, payments); `totalCount` comes with the page row (one statement), reference rows
   come primed from the page row.
4. The plan is walked over those Strawberry objects; each leaf is serialised by its GraphQL
   type's own `serialize`, so values are exactly what graphql-core would send.

Anything it does not compile, and any error while running (authentication, bad input, the
database), leaves the operation to graphql-core: errors, their codes, masking and null
propagation are the normal path's. Extensions that wrap resolvers (`resolve`) do not see
compiled operations; the schema has none.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    Undefined,
)
from graphql.execution import VariableValues, get_argument_values, get_variable_values
from strawberry import Schema
from strawberry.dataloader import DataLoader
from strawberry.extensions import SchemaExtension
from strawberry.types.arguments import convert_arguments

from gateway.graphql.context import GatewayContext
from gateway.graphql.dataloaders import Loaders
from gateway.graphql.pagination import OrderConnection, count_matching
from gateway.graphql.plans import (
    Compiler,
    FieldPlan,
    Loaded,
    OperationPlan,
    Shape,
    Unsupported,
    shape_of,
)
from gateway.lru import LruCache

logger = logging.getLogger(__name__)

ConnectionSource = Callable[..., Awaitable[OrderConnection]]

PLAN_CACHE_SIZE = 256
# City -> State -> Country: every reference chain is loaded within this many rounds.
MAX_ROUNDS = 4
PENDING: Any = object()  # a value whose load is still to come (see `Run.loaded`)
_ABSENT: Any = object()  # not in a cache (where None is a cached answer)


class Run:
    """The state of one compiled execution: the request's loaders, the count, and the
    loads that a walk of the plan found missing."""

    __slots__ = ("loaders", "missing", "total_count")

    def __init__(self, loaders: Loaders) -> None:
        self.loaders = loaders
        self.total_count: int | None = None
        self.missing: list[tuple[DataLoader[int, Any], int]] = []

    def loaded(self, spec: Loaded, parent: Any) -> Any:
        """The field's value from the loader's cache; `PENDING` (and noted) if not loaded."""
        loader = spec.loader(self.loaders)
        key = spec.key(parent)
        future = loader.cache_map.get(key)
        if future is None or not future.done():
            self.missing.append((loader, key))
            return PENDING
        return spec.build(future.result())


class Unanswerable(Exception):
    """A value the compiled path cannot give (a null for a non-null field, a failed load):
    graphql-core executes the operation and reports it."""


def render(fields: tuple[FieldPlan, ...], parent: Any, run: Run) -> dict[str, Any]:
    """The response object for `parent`: the interpreter of the plan."""
    data: dict[str, Any] = {}
    for field in fields:
        value = field.read(parent, run) if field.fetches else field.read(parent)
        if value is None or value is PENDING:
            if value is None and not field.nullable:
                raise Unanswerable(field.key)
            data[field.key] = None
        elif field.serialize is not None:
            wire = field.serialize(value)
            if wire is None or wire is Undefined:
                raise Unanswerable(field.key)
            data[field.key] = wire
        elif field.many:
            data[field.key] = [render(field.fields, item, run) for item in value]
        else:
            data[field.key] = render(field.fields, value, run)
    return data


class Plans:
    """The compiled plans of one schema (and the shapes of the documents seen), cached.

    Parameters:
        maxsize: how many documents (and plans) to keep.
    """

    def __init__(self, maxsize: int = PLAN_CACHE_SIZE) -> None:
        self.shapes: LruCache[tuple[str, str | None], Shape | None] = LruCache(maxsize)
        self.plans: LruCache[tuple[Any, ...], OperationPlan | None] = LruCache(maxsize)

    def shape(self, query: str, document: DocumentNode, operation: str | None) -> Shape | None:
        key = (query, operation)
        shape: Shape | None = self.shapes.get(key, _ABSENT)
        if shape is _ABSENT:
            shape = shape_of(document, operation)
            self.shapes.put(key, shape)
        return shape

    def plan(
        self,
        schema: Schema,
        query: str,
        operation: str | None,
        shape: Shape,
        variables: VariableValues,
    ) -> OperationPlan | None:
        conditions = tuple(variables.coerced.get(name) for name in shape.condition_variables)
        key = (query, operation, conditions)
        plan = self.plans.get(key, _ABSENT)
        if plan is _ABSENT:
            try:
                plan = Compiler(schema, shape, variables).operation()
            except Unsupported:
                plan = None
            self.plans.put(key, plan)
        return plan


async def execute(
    plan: OperationPlan,
    schema: Schema,
    context: GatewayContext,
    variables: VariableValues,
    orders_connection: ConnectionSource,
) -> dict[str, Any]:
    """The operation's `data`; raises whatever the page raises (the caller falls back)."""
    given = get_argument_values(plan.field, plan.node, variables)
    arguments = convert_arguments(
        given,
        plan.arguments,
        scalar_registry=schema.schema_converter.scalar_registry,
        config=schema.config,
    )
    connection = await orders_connection(context, counted=plan.counts, **arguments)
    run = Run(context.loaders)
    loads: list[Awaitable[Any]] = [
        spec.loader(context.loaders).load(spec.key(order))
        for spec in plan.page_loads
        for order in connection.nodes
    ]
    if plan.counts:
        count, *_ = await asyncio.gather(count_matching(context, connection), *loads)
        run.total_count = count
    else:
        await asyncio.gather(*loads)
    for _ in range(MAX_ROUNDS):
        data = render(plan.root, connection, run)
        if not run.missing:
            return data
        await asyncio.gather(*(loader.load(key) for loader, key in run.missing))
        run.missing.clear()
    raise Unanswerable("references nested deeper than expected")


class CompiledOrders(SchemaExtension):
    """Answers compilable `myOrders` operations before graphql-core executes them (a result
    set in `on_execute` replaces execution). Listed last, so every other extension's
    `on_execute` (the query limits) has run first.

    Parameters:
        plans: the schema's plan cache.
        orders_connection: the `myOrders` resolver's body (`schema.orders_connection`).
    """

    def __init__(self, plans: Plans, orders_connection: ConnectionSource) -> None:
        self.plans = plans
        self.orders_connection = orders_connection

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if context.result is None and document is not None and context.query is not None:
            try:
                data = await self._data(document, context.query)
            except Exception:
                # graphql-core runs the operation again and reports this as it always does.
                logger.debug("compiled myOrders fell back to graphql-core", exc_info=True)
                data = None
            if data is not None:
                context.result = ExecutionResult(data=data, errors=None)
        yield

    async def _data(self, document: DocumentNode, query: str) -> dict[str, Any] | None:
        context = self.execution_context
        shape = self.plans.shape(query, document, context.operation_name)
        if shape is None:
            return None
        schema = context.schema
        assert isinstance(schema, Schema)
        variables = get_variable_values(
            schema._schema, shape.operation.variable_definitions or (), context.variables or {}
        )
        if isinstance(variables, list):
            return None  # graphql-core reports the variables' errors
        plan = self.plans.plan(schema, query, context.operation_name, shape, variables)
        if plan is None:
            return None
        gateway_context: GatewayContext = context.context
        return await execute(plan, schema, gateway_context, variables, self.orders_connection)


def compiled_orders(
    orders_connection: ConnectionSource, maxsize: int = PLAN_CACHE_SIZE
) -> Callable[[], SchemaExtension]:
    """The extension factory for one schema (its plans are cached with the factory)."""
    plans = Plans(maxsize)
    return lambda: CompiledOrders(plans, orders_connection)
