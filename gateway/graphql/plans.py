"""The compiled form of a `myOrders` operation: a small tree of `FieldPlan`s.

`Compiler` turns an operation into an `OperationPlan` with graphql-core's own
`collect_fields` (so aliases, fragments, type conditions, `@skip`/`@include` and field
merging mean what they mean to graphql-core), and reads each field the way its Strawberry
resolver does: an attribute, a resolver that takes only `self`, or a `Loaded` field
(`loaded.py`). Whatever it does not know raises `Unsupported`: graphql-core executes it.
`compiled.py` runs the plans. Library internals come from `internals.py` only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from graphql import (
    DocumentNode,
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
    VariableNode,
    get_nullable_type,
    get_operation_ast,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
)
from strawberry import Schema

from gateway.graphql.internals import (
    FieldDetailsList,
    FragmentDetails,
    StrawberryArgument,
    VariableValues,
    collect_fields,
    collect_subfields,
    graphql_schema,
    resolver_function,
)
from gateway.graphql.loaded import Loaded, loaded_by

ROOT_FIELD = "myOrders"
TYPENAME = "__typename"
CONDITIONS = ("skip", "include")


TOTAL_COUNT = ("OrderConnection", "totalCount")

# How a field gets its value: from its parent object alone (an attribute, a resolver that
# takes only `self`), or, when `fetches`, from the parent and the run's loads.
Read = Callable[..., Any]


@dataclass(frozen=True, slots=True)
class FieldPlan:
    """One response key of a selection set.

    Attributes:
        key: the response key (alias or field name).
        read: the field's value on its parent object, as its resolver gives it:
            `read(parent)`, or `read(parent, run)` when `fetches`.
        nullable: null is a valid answer (otherwise null is left to graphql-core).
        serialize: a leaf's wire value (its GraphQL type's `serialize`); None for objects.
        fields: an object's selection, in response order.
        many: a list of objects.
        attribute: when `read` only reads this attribute of the parent.
    """

    key: str
    read: Read
    nullable: bool
    serialize: Callable[[Any], Any] | None = None
    fields: tuple[FieldPlan, ...] = ()
    many: bool = False
    fetches: bool = False
    attribute: str | None = None


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


class Attribute:
    """Reads one attribute of the parent (a field without a resolver); callable like the
    other reads, and the renderers read the attribute inline."""

    __slots__ = ("_get", "attribute")

    def __init__(self, attribute: str) -> None:
        self.attribute = attribute
        self._get = attrgetter(attribute)

    def __call__(self, parent: Any) -> Any:
        return self._get(parent)


class Unsupported(Exception):
    """The compiler does not handle this selection: graphql-core executes it."""


def _constant(value: str) -> Read:
    return lambda _parent: value


def _loaded(spec: Loaded) -> Read:
    return lambda parent, run: run.loaded(spec, parent)


def _total_count(_connection: Any, run: Any) -> Any:
    return run.total_count


def _itself(connection: Any) -> Any:
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
        schema = graphql_schema(self.schema)
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
            graphql_schema(self.schema),
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
        read, fetches = (read, False) if read else self._read(parent.name, name)
        attribute = read.attribute if isinstance(read, Attribute) else None
        nullable = not is_non_null_type(field_type)
        if is_leaf_type(inner) and not many:
            return FieldPlan(
                key, read, nullable, inner.serialize, fetches=fetches, attribute=attribute
            )
        if not isinstance(inner, GraphQLObjectType):
            raise Unsupported(f"{parent.name}.{name}: {inner}")
        fields = self._selection(inner, details)
        return FieldPlan(key, read, nullable, None, fields, many, fetches, attribute)

    def _read(self, type_name: str, field_name: str) -> tuple[Read, bool]:
        """How the field's resolver gets its value without graphql-core, and whether that
        needs the run's loads."""
        if (type_name, field_name) == TOTAL_COUNT:
            self.counts = True
            return _total_count, True
        field = self.schema.get_field_for_type(field_name, type_name)
        if field is None or field.permission_classes or field.extensions:
            raise Unsupported(f"{type_name}.{field_name}")
        resolver = field.base_resolver
        if resolver is None:
            return Attribute(field.python_name), False
        function = resolver_function(resolver)
        spec = loaded_by(function)
        if spec is not None:
            if type_name == "Order" and spec not in self.page_loads:
                self.page_loads.append(spec)
            return _loaded(spec), True
        if (
            resolver.is_async
            or resolver.info_parameter is not None
            or resolver.arguments
            or resolver.self_parameter is None
        ):
            raise Unsupported(f"{type_name}.{field_name}: resolver")
        # The function itself: what `StrawberryResolver.__call__` calls, one call less.
        return (function if callable(function) else resolver), False


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
