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
4. The plan's renderer (`renderers.py`, generated once per plan) walks those Strawberry
   objects; each leaf is serialised by its GraphQL type's own `serialize` (skipped where
   it would return the value itself), so values are exactly what graphql-core would send.

Anything it does not compile, and any error while running (authentication, bad input, the
database), leaves the operation to graphql-core: errors, their codes, masking and null
propagation are the normal path's. Each such fallback is counted by reason (`fallbacks.py`).
One exception: when the database is unavailable (down, overloaded, timed out), running the
operation again would wait on it a second time and add load while it struggles; the answer
is then graphql-core's for a failed `myOrders` (its type is non-null: no data, one error at
`myOrders`), coded `SERVICE_UNAVAILABLE` as usual.
Extensions that wrap resolvers (`resolve`) do not see compiled operations; the schema has
none.

`GATEWAY_GRAPHQL_COMPILED=false` leaves this extension out of the schema. The library
internals it and `plans.py` use are imported from `internals.py`, and nowhere else.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from graphql import DocumentNode, ExecutionResult, GraphQLError, located_error
from strawberry import Schema
from strawberry.dataloader import DataLoader
from strawberry.extensions import SchemaExtension

from gateway.errors import DatabaseUnavailable, GatewayError
from gateway.graphql.context import GatewayContext
from gateway.graphql.dataloaders import Loaders
from gateway.graphql.fallbacks import Fallbacks, Reason
from gateway.graphql.internals import (
    VariableValues,
    batch_load,
    cached_load,
    convert_arguments,
    get_argument_values,
    get_variable_values,
    graphql_schema,
    scalar_registry,
)
from gateway.graphql.loaded import Loaded
from gateway.graphql.pagination import OrderConnection, count_matching
from gateway.graphql.plans import Compiler, OperationPlan, Shape, Unsupported, shape_of
from gateway.graphql.renderers import PENDING, Renderer, Unanswerable, renderer
from gateway.lru import LruCache

# The `myOrders` resolver's body (`schema.orders_connection`): arguments -> the page.
PageResolver = Callable[..., Awaitable[OrderConnection]]

PLAN_CACHE_SIZE = 256
# City -> State -> Country: every reference chain is loaded within this many rounds.
MAX_ROUNDS = 4
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
        future = cached_load(loader, key)
        if future is None or not future.done():
            self.missing.append((loader, key))
            return PENDING
        return spec.build(future.result())


class DatabaseUnavailableAt(Exception):
    """The database was unavailable while a compiled operation ran: `error` is the error
    graphql-core would report for it (at `myOrders`)."""

    def __init__(self, error: GraphQLError) -> None:
        super().__init__(error.message)
        self.error = error


@dataclass(frozen=True, slots=True)
class CompiledOperation:
    """A plan and its renderer (made once per plan)."""

    plan: OperationPlan
    render: Renderer


class Plans:
    """The compiled plans of one schema (and the shapes of the documents seen), cached.

    Parameters:
        maxsize: how many documents (and plans) to keep.
    """

    def __init__(self, maxsize: int = PLAN_CACHE_SIZE) -> None:
        self.shapes: LruCache[tuple[str, str | None], Shape | None] = LruCache(maxsize)
        self.plans: LruCache[tuple[Any, ...], CompiledOperation | Unsupported] = LruCache(maxsize)

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
    ) -> CompiledOperation | Unsupported:
        """The operation's plan, or why it has none (both cached)."""
        conditions = tuple(variables.coerced.get(name) for name in shape.condition_variables)
        key = (query, operation, conditions)
        compiled = self.plans.get(key, _ABSENT)
        if compiled is _ABSENT:
            try:
                plan = Compiler(schema, shape, variables).operation()
            except Unsupported as unsupported:
                compiled = unsupported
            else:
                compiled = CompiledOperation(plan, renderer(plan.root))
            self.plans.put(key, compiled)
        return compiled


async def execute(
    compiled: CompiledOperation,
    schema: Schema,
    context: GatewayContext,
    variables: VariableValues,
    orders_connection: PageResolver,
) -> dict[str, Any]:
    """The operation's `data`; raises whatever the page raises (the caller falls back)."""
    plan = compiled.plan
    given = get_argument_values(plan.field, plan.node, variables)
    arguments = convert_arguments(
        given,
        plan.arguments,
        scalar_registry=scalar_registry(schema),
        config=schema.config,
    )
    connection = await orders_connection(context, counted=plan.counts, **arguments)
    run = Run(context.loaders)
    if plan.counts:
        run.total_count = await count_matching(context, connection)
    for spec in plan.page_loads:
        await fetch(spec.loader(context.loaders), [spec.key(order) for order in connection.nodes])
    for _ in range(MAX_ROUNDS):
        data = compiled.render(connection, run)
        if not run.missing:
            return data
        by_loader: dict[DataLoader[int, Any], list[int]] = {}
        for loader, key in run.missing:
            by_loader.setdefault(loader, []).append(key)
        for loader, keys in by_loader.items():
            await fetch(loader, keys)
        run.missing.clear()
    raise Unanswerable("references nested deeper than expected")


async def fetch(loader: DataLoader[int, Any], keys: list[int]) -> None:
    """Puts the values of `keys` in the loader's cache: one call of its batch function for
    the keys not cached yet, as `load` would batch them, without a future and a task per
    key. (The batches run one after another: they share the request's connection anyway.)"""
    wanted = [key for key in dict.fromkeys(keys) if cached_load(loader, key) is None]
    if wanted:
        values = await batch_load(loader, wanted)
        loader.prime_many(dict(zip(wanted, values, strict=True)))


class CompiledOrders(SchemaExtension):
    """Answers compilable `myOrders` operations before graphql-core executes them (a result
    set in `on_execute` replaces execution). Listed last, so every other extension's
    `on_execute` (the query limits) has run first.

    Parameters:
        plans: the schema's plan cache.
        orders_connection: the `myOrders` resolver's body (`schema.orders_connection`).
        fallbacks: counts (and reports) the operations left to graphql-core.
    """

    def __init__(self, plans: Plans, orders_connection: PageResolver, fallbacks: Fallbacks) -> None:
        self.plans = plans
        self.orders_connection = orders_connection
        self.fallbacks = fallbacks

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if context.result is None and document is not None and context.query is not None:
            try:
                data = await self._data(document, context.query)
            except DatabaseUnavailableAt as failed:
                context.result = ExecutionResult(data=None, errors=[failed.error])
            except Unanswerable as error:
                self.fallbacks.record(Reason.UNANSWERABLE, str(error))
            except GatewayError as error:
                # graphql-core runs the operation again and reports this as it always does.
                self.fallbacks.record(Reason.REFUSED, type(error).__name__)
            except Exception as error:
                self.fallbacks.record(Reason.ERROR, type(error).__name__, error)
            else:
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
            graphql_schema(schema),
            shape.operation.variable_definitions or (),
            context.variables or {},
        )
        if isinstance(variables, list):
            self.fallbacks.record(Reason.VARIABLES, "graphql-core reports them")
            return None
        compiled = self.plans.plan(schema, query, context.operation_name, shape, variables)
        if isinstance(compiled, Unsupported):
            self.fallbacks.record(Reason.UNSUPPORTED, str(compiled))
            return None
        gateway_context: GatewayContext = context.context
        try:
            return await execute(
                compiled, schema, gateway_context, variables, self.orders_connection
            )
        except DatabaseUnavailable as error:
            node = compiled.plan.node
            key = node.alias.value if node.alias else node.name.value
            raise DatabaseUnavailableAt(located_error(error, [node], [key])) from error


def compiled_orders(
    orders_connection: PageResolver,
    fallbacks: Fallbacks | None = None,
    maxsize: int = PLAN_CACHE_SIZE,
) -> Callable[[], SchemaExtension]:
    """The extension factory for one schema (its plans are cached with the factory)."""
    plans = Plans(maxsize)
    reported = fallbacks or Fallbacks()
    return lambda: CompiledOrders(plans, orders_connection, reported)
