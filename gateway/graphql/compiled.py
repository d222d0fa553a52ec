"""A compiled path for `myOrders` pages: the response without graphql-core's per-field work.

graphql-core resolves each field of a page through Strawberry's resolver wrappers (about
1,450 fields for a page of 20 with every field) and runs a task per nested load; for the
documents clients repeat, that is most of a request's CPU. `CompiledOrders` answers instead
of graphql-core's execution when the operation is a query whose root fields are one
`myOrders` (and any `__typename`):

1. The selection is compiled into a `FieldPlan` tree, once per document, operation name and
   values of the variables that `@skip`/`@include` read, with graphql-core's own
   `collect_fields` (aliases, fragments, type conditions, directives, field merging).
2. The arguments are coerced by graphql-core and converted by Strawberry as for the
   resolver, and `orders_connection` (the resolver's body) builds the `OrderConnection`.
3. What resolvers load is fetched as their DataLoaders fetch it, batched for the whole page:
   `totalCount`, items, payments; reference rows come primed from the page row.
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
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Generic, TypeVar

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLString,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    Undefined,
    VariableNode,
    get_nullable_type,
    get_operation_ast,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
)
from graphql.execution import VariableValues, get_argument_values, get_variable_values
from graphql.execution.collect_fields import (
    FieldDetailsList,
    FragmentDetails,
    collect_fields,
    collect_subfields,
)
from strawberry import Schema
from strawberry.dataloader import DataLoader
from strawberry.extensions import SchemaExtension
from strawberry.types.arguments import StrawberryArgument, convert_arguments

from gateway.graphql.context import GatewayContext
from gateway.graphql.dataloaders import Loaders
from gateway.graphql.pagination import OrderConnection, count_matching
from gateway.graphql.types import Country, Customer, OrderItem, Payment, State

logger = logging.getLogger(__name__)

K = TypeVar("K")
V = TypeVar("V")
ConnectionSource = Callable[..., Awaitable[OrderConnection]]

PLAN_CACHE_SIZE = 256
ROOT_FIELD = "myOrders"
TYPENAME = "__typename"
CONDITIONS = ("skip", "include")
# City -> State -> Country: every reference chain is loaded within this many rounds.
MAX_ROUNDS = 4
PENDING: Any = object()  # a value whose load is still to come (see `Run.loaded`)


@dataclass(frozen=True, slots=True)
class Loaded:
    """A field whose resolver loads through one of the request's DataLoaders: which
    loader, the key taken from the parent object, and how the resolver builds its value."""

    loader: Callable[[Loaders], DataLoader[int, Any]]
    key: Callable[[Any], int]
    build: Callable[[Any], Any]


def _each(build: Callable[[Any], Any]) -> Callable[[list[Any]], list[Any]]:
    return lambda records: [build(record) for record in records]


# The resolvers of `types.py` that load, as the compiled path runs them (the differential
# tests in tests/graphql/test_compiled.py hold both to the same answers).
LOADED_FIELDS: dict[tuple[str, str], Loaded] = {
    ("Order", "customer"): Loaded(
        attrgetter("customer"), attrgetter("customer_id"), Customer.from_record
    ),
    ("Order", "items"): Loaded(
        attrgetter("items_by_order"), attrgetter("database_id"), _each(OrderItem.from_record)
    ),
    ("Order", "payments"): Loaded(
        attrgetter("payments_by_order"), attrgetter("database_id"), _each(Payment.from_record)
    ),
    ("State", "country"): Loaded(
        attrgetter("country"), attrgetter("country_id"), Country.from_record
    ),
    ("City", "state"): Loaded(attrgetter("state"), attrgetter("state_id"), State.from_record),
}
TOTAL_COUNT = ("OrderConnection", "totalCount")


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


Read = Callable[[Any, Run], Any]


@dataclass(frozen=True, slots=True)
class FieldPlan:
    """One response key of a selection set.

    Attributes:
        key: the response key (alias or field name).
        read: the field's value on its parent object, as its resolver gives it.
        nullable: null is a valid answer (otherwise null is left to graphql-core).
        serialize: a leaf's wire value (its GraphQL type's `serialize`); None for objects.
        fields: an object's selection, in response order.
        many: a list of objects.
    """

    key: str
    read: Read
    nullable: bool
    serialize: Callable[[Any], Any] | None = None
    fields: tuple[FieldPlan, ...] = ()
    many: bool = False


@dataclass(frozen=True, slots=True)
class OperationPlan:
    """A compiled operation.

    Attributes:
        root: the root selection; its `myOrders` reads the connection it is given.
        field, node, arguments: `myOrders`' definition, its node (with the arguments) and
            Strawberry's arguments, to convert them as for the resolver.
        page_loads: loads of the page's orders, fetched for all of them at once.
        counts: `totalCount` is selected.
    """

    root: tuple[FieldPlan, ...]
    field: GraphQLField
    node: FieldNode
    arguments: list[StrawberryArgument]
    page_loads: tuple[Loaded, ...]
    counts: bool


@dataclass(frozen=True, slots=True)
class Shape:
    """A document's operation as far as it is known before its variables: a candidate for
    the compiled path, and which variables its `@skip`/`@include` read."""

    operation: OperationDefinitionNode
    fragments: dict[str, FragmentDetails]
    condition_variables: tuple[str, ...]


class Unsupported(Exception):
    """The compiler does not handle this selection: graphql-core executes it."""


class Unanswerable(Exception):
    """A value the compiled path cannot give (a null for a non-null field, a failed load):
    graphql-core executes the operation and reports it."""


def _constant(value: str) -> Read:
    return lambda _parent, _run: value


def _attribute(name: str) -> Read:
    get = attrgetter(name)
    return lambda parent, _run: get(parent)


def _method(function: Callable[[Any], Any]) -> Read:
    return lambda parent, _run: function(parent)


def _loaded(spec: Loaded) -> Read:
    return lambda parent, run: run.loaded(spec, parent)


def _total_count(_connection: Any, run: Run) -> Any:
    return run.total_count


def _itself(connection: Any, _run: Run) -> Any:
    return connection


class Compiler:
    """Compiles one operation's selection for given variable values.

    Parameters:
        schema: the Strawberry schema (its resolvers say how each field reads).
        shape: the operation and its fragments.
        variables: the coerced variables, for `@skip`/`@include`.
    """

    def __init__(self, schema: Schema, shape: Shape, variables: VariableValues) -> None:
        self.schema = schema
        self.shape = shape
        self.variables = variables
        self.page_loads: list[Loaded] = []
        self.counts = False

    def operation(self) -> OperationPlan:
        schema = self.schema._schema
        query = schema.query_type
        assert query is not None  # a schema always has a query type
        collected = collect_fields(
            schema, self.shape.fragments, self.variables, query, self.shape.operation
        )
        if collected.new_defer_usages:
            raise Unsupported("@defer")
        root: list[FieldPlan] = []
        orders: FieldDetailsList | None = None
        for key, details in collected.grouped_field_set.items():
            name = details[0].node.name.value
            if name == TYPENAME:
                root.append(FieldPlan(key, _constant(query.name), False, GraphQLString.serialize))
            elif name == ROOT_FIELD and orders is None:
                orders = details
                root.append(self._field(query, key, details, read=_itself))
            else:
                raise Unsupported(name)
        if orders is None:
            raise Unsupported("no myOrders")
        strawberry_field = self.schema.get_field_for_type(ROOT_FIELD, query.name)
        assert strawberry_field is not None  # the schema defines it
        return OperationPlan(
            root=tuple(root),
            field=query.fields[ROOT_FIELD],
            node=orders[0].node,
            arguments=strawberry_field.arguments,
            page_loads=tuple(self.page_loads),
            counts=self.counts,
        )

    def _selection(
        self, parent: GraphQLObjectType, details: FieldDetailsList
    ) -> tuple[FieldPlan, ...]:
        collected = collect_subfields(
            self.schema._schema,
            self.shape.fragments,
            self.variables,
            self.shape.operation,
            parent,
            details,
        )
        if collected.new_defer_usages:
            raise Unsupported("@defer")
        return tuple(
            self._field(parent, key, field_details)
            for key, field_details in collected.grouped_field_set.items()
        )

    def _field(
        self,
        parent: GraphQLObjectType,
        key: str,
        details: FieldDetailsList,
        read: Read | None = None,
    ) -> FieldPlan:
        if any(d.defer_usage or d.fragment_variable_values for d in details):
            raise Unsupported("@defer or fragment variables")
        name = details[0].node.name.value
        if name == TYPENAME:
            return FieldPlan(key, _constant(parent.name), False, GraphQLString.serialize)
        definition = parent.fields.get(name)
        if definition is None or (definition.args and read is None):
            raise Unsupported(f"{parent.name}.{name}")
        field_type = definition.type
        inner = get_nullable_type(field_type)
        many = is_list_type(inner)
        if many:
            if not is_non_null_type(inner.of_type):
                raise Unsupported("a list of nullable values")
            inner = get_nullable_type(inner.of_type)
        read = read or self._read(parent.name, name)
        nullable = not is_non_null_type(field_type)
        if is_leaf_type(inner) and not many:
            return FieldPlan(key, read, nullable, inner.serialize)
        if not isinstance(inner, GraphQLObjectType):
            raise Unsupported(f"{parent.name}.{name}: {inner}")
        return FieldPlan(key, read, nullable, None, self._selection(inner, details), many)

    def _read(self, type_name: str, field_name: str) -> Read:
        """How the field's resolver gets its value, without graphql-core."""
        if (type_name, field_name) == TOTAL_COUNT:
            self.counts = True
            return _total_count
        spec = LOADED_FIELDS.get((type_name, field_name))
        if spec is not None:
            if type_name == "Order" and spec not in self.page_loads:
                self.page_loads.append(spec)
            return _loaded(spec)
        field = self.schema.get_field_for_type(field_name, type_name)
        if field is None or field.permission_classes or field.extensions:
            raise Unsupported(f"{type_name}.{field_name}")
        resolver = field.base_resolver
        if resolver is None:
            return _attribute(field.python_name)
        if (
            resolver.is_async
            or resolver.info_parameter is not None
            or resolver.arguments
            or resolver.self_parameter is None
        ):
            raise Unsupported(f"{type_name}.{field_name}: resolver")
        return _method(resolver)


def shape_of(document: DocumentNode, operation_name: str | None) -> Shape | None:
    """The operation's shape if it may be compiled: a query whose root fields (whatever the
    directives say) are `myOrders` and `__typename`, with no directive other than
    `@skip`/`@include`."""
    operation = get_operation_ast(document, operation_name)
    if operation is None or operation.operation is not OperationType.QUERY:
        return None
    definitions = [d for d in document.definitions if isinstance(d, FragmentDefinitionNode)]
    if any(d.variable_definitions for d in definitions):
        return None
    fragments = {d.name.value: d for d in definitions}
    variables = _condition_variables(
        [operation.selection_set, *(d.selection_set for d in definitions)]
    )
    root_fields = _field_names(operation.selection_set, fragments)
    if variables is None or ROOT_FIELD not in root_fields:
        return None
    if not root_fields <= {ROOT_FIELD, TYPENAME}:
        return None
    return Shape(
        operation=operation,
        fragments={name: FragmentDetails(d) for name, d in fragments.items()},
        condition_variables=tuple(sorted(variables)),
    )


def _condition_variables(selection_sets: list[SelectionSetNode]) -> set[str] | None:
    """The variables that `@skip`/`@include` read; None if another directive is used."""
    names: set[str] = set()
    pending = list(selection_sets)
    while pending:
        for selection in pending.pop().selections:
            for directive in selection.directives or ():
                if directive.name.value not in CONDITIONS:
                    return None
                names.update(
                    argument.value.name.value
                    for argument in directive.arguments or ()
                    if isinstance(argument.value, VariableNode)
                )
            inner = getattr(selection, "selection_set", None)
            if inner is not None:
                pending.append(inner)
    return names


def _field_names(
    selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode]
) -> set[str]:
    """The names of the fields a selection set selects itself (through fragments)."""
    names: set[str] = set()
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            names.add(selection.name.value)
        elif isinstance(selection, InlineFragmentNode):
            names |= _field_names(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            # validated: fragments do not spread themselves
            names |= _field_names(fragments[selection.name.value].selection_set, fragments)
    return names


def render(fields: tuple[FieldPlan, ...], parent: Any, run: Run) -> dict[str, Any]:
    """The response object for `parent`: the interpreter of the plan."""
    data: dict[str, Any] = {}
    for field in fields:
        value = field.read(parent, run)
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


class LruCache(Generic[K, V]):
    """A bounded mapping that forgets the least recently used entry first."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K, default: V) -> V:
        try:
            self._entries.move_to_end(key)
        except KeyError:
            return default
        return self._entries[key]

    def put(self, key: K, value: V) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        if len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)


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


_ABSENT: Any = object()


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
    connection = await orders_connection(context, **arguments)
    run = Run(context.loaders)
    loads: list[Awaitable[Any]] = [
        spec.loader(context.loaders).load(spec.key(order))
        for spec in plan.page_loads
        for order in connection.nodes
    ]
    if plan.counts:
        count, *_ = await asyncio.gather(count_matching(context, connection.query), *loads)
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
