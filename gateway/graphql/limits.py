"""Query limits: depth, aliases, tokens and an estimated cost, checked before anything runs.

A query over a limit fails with `extensions.code` `QUERY_TOO_COMPLEX` and a message naming
the limit and the value ("Query depth 16 exceeds the limit of 15"); no resolver runs, so no
SQL is sent.

Tokens are counted by graphql-core's parser itself (`parse_options["max_tokens"]`), which
stops reading a long document early. Depth, aliases and cost are measured on the parsed,
validated document with the request's variables (a page size may come from a variable), as
execution starts; a result set then takes the place of execution.
`QueryLimiter` adds no validation rule: Strawberry's validation cache is keyed by the rule
classes, and rule classes made per request would defeat it (Strawberry issue 4635).

Fields are merged by response key as execution merges them: a field asked for twice (or
through two fragments) counts once. Cost: every field that returns an object (or a list of
objects) costs 1, leaves cost 0, and a field with `first`/`last` (a page) multiplies the
cost of what it selects by the page size:
`myOrders(first: 100) { edges { node { items { productId } } } }` costs 1 + 100 × 3.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLNamedType,
    GraphQLSchema,
    GraphQLSyntaxError,
    InlineFragmentNode,
    IntValueNode,
    Lexer,
    ListTypeNode,
    NamedTypeNode,
    NonNullTypeNode,
    SelectionSetNode,
    Source,
    TokenKind,
    TypeNode,
    VariableNode,
    get_named_type,
    get_operation_ast,
    is_leaf_type,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef, TypeNameMetaFieldDef
from strawberry.extensions import SchemaExtension

from gateway.graphql.internals import graphql_schema
from gateway.lru import LruCache
from gateway.settings import Settings

CODE = "QUERY_TOO_COMPLEX"
PAGE_SIZE_ARGUMENTS = ("first", "last")
_META_FIELDS = {
    "__schema": SchemaMetaFieldDef,
    "__type": TypeMetaFieldDef,
    "__typename": TypeNameMetaFieldDef,
}
# graphql-core words the error of `max_tokens` this way.
_TOKENS_ERROR = "tokens. Parsing aborted."


@dataclass(frozen=True, slots=True)
class QueryLimits:
    """The limits of one schema, from the settings.

    Attributes:
        max_depth, max_aliases, max_tokens, max_cost: the limits (see `Settings`).
        default_page_size, max_page_size: the page size a page field counts without
            `first`/`last`, and the most it counts with them (more is refused by the
            field itself, as `BAD_USER_INPUT`).
    """

    max_depth: int
    max_aliases: int
    max_tokens: int
    max_cost: int
    default_page_size: int
    max_page_size: int

    @classmethod
    def from_settings(cls, settings: Settings) -> QueryLimits:
        return cls(
            max_depth=settings.graphql_max_depth,
            max_aliases=settings.graphql_max_aliases,
            max_tokens=settings.graphql_max_tokens,
            max_cost=settings.graphql_max_cost,
            default_page_size=settings.graphql_default_page_size,
            max_page_size=settings.graphql_max_page_size,
        )


@dataclass(frozen=True, slots=True)
class Measure:
    """What a selection set asks for: nesting depth, aliased fields, estimated cost."""

    depth: int = 0
    aliases: int = 0
    cost: int = 0

    def beside(self, other: Measure) -> Measure:
        """Two selections side by side: the deeper depth, the sums of the rest."""
        return Measure(
            max(self.depth, other.depth), self.aliases + other.aliases, self.cost + other.cost
        )


class _Measurer:
    """Walks one operation as execution would: the fields of a selection set (with those of
    its fragments) merged by response key, so a field asked for twice runs, and counts, once.
    Each merged selection is measured once and remembered, so a document that spreads
    fragments into fragments cannot make the walk itself explode."""

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        variables: Mapping[str, Any],
        limits: QueryLimits,
    ) -> None:
        self.schema = schema
        self.variables = variables
        self.limits = limits
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.measured: dict[tuple[tuple[int, ...], str], Measure] = {}

    def selection_sets(
        self, selections: Sequence[SelectionSetNode], parent: GraphQLNamedType
    ) -> Measure:
        """The measure of selection sets that answer under one parent, merged."""
        key = (tuple(id(s) for s in selections), parent.name)
        if key not in self.measured:
            fields: dict[tuple[str, str], tuple[GraphQLNamedType, list[FieldNode]]] = {}
            self._collect(selections, parent, fields, set())
            total = Measure()
            for owner, nodes in fields.values():
                total = total.beside(self.field(nodes, owner))
            self.measured[key] = total
        return self.measured[key]

    def _collect(
        self,
        selections: Sequence[SelectionSetNode],
        parent: GraphQLNamedType,
        fields: dict[tuple[str, str], tuple[GraphQLNamedType, list[FieldNode]]],
        spread: set[str],
    ) -> None:
        """Fields by (response key, type), through fragments (each spread once per level)."""
        for selection_set in selections:
            for selection in selection_set.selections:
                if isinstance(selection, FieldNode):
                    name = (selection.alias or selection.name).value
                    fields.setdefault((name, parent.name), (parent, []))[1].append(selection)
                elif isinstance(selection, InlineFragmentNode):
                    condition = selection.type_condition
                    inner = parent if condition is None else self._type(condition.name.value)
                    self._collect([selection.selection_set], inner, fields, spread)
                elif isinstance(selection, FragmentSpreadNode):
                    if selection.name.value in spread:
                        continue
                    spread.add(selection.name.value)
                    definition = self.fragments[selection.name.value]
                    inner = self._type(definition.type_condition.name.value)
                    self._collect([definition.selection_set], inner, fields, spread)

    def field(self, nodes: list[FieldNode], parent: GraphQLNamedType) -> Measure:
        """One field of the response (all the nodes that ask for it under this key)."""
        first = nodes[0]
        alias = 1 if first.alias is not None else 0
        definition = self._field_definition(parent, first.name.value)
        field_type = get_named_type(definition.type)
        selections = [node.selection_set for node in nodes if node.selection_set is not None]
        if not selections or is_leaf_type(field_type):
            return Measure(depth=1, aliases=alias, cost=0)
        inner = self.selection_sets(selections, field_type)
        return Measure(
            depth=1 + inner.depth,
            aliases=alias + inner.aliases,
            cost=1 + self._page_size(first, definition) * inner.cost,
        )

    def _page_size(self, node: FieldNode, definition: GraphQLField) -> int:
        """The multiplier of a field's selection: its page size, 1 for other fields."""
        if not any(name in definition.args for name in PAGE_SIZE_ARGUMENTS):
            return 1
        for argument in node.arguments or ():
            if argument.name.value not in PAGE_SIZE_ARGUMENTS:
                continue
            value: object = None
            if isinstance(argument.value, IntValueNode):
                value = int(argument.value.value)
            elif isinstance(argument.value, VariableNode):
                value = self.variables.get(argument.value.name.value)
            if isinstance(value, int) and not isinstance(value, bool):
                return min(max(value, 0), self.limits.max_page_size)
        return self.limits.default_page_size

    def _type(self, name: str) -> GraphQLNamedType:
        named = self.schema.get_type(name)
        assert named is not None  # the document passed validation
        return named

    @staticmethod
    def _field_definition(parent: GraphQLNamedType, name: str) -> GraphQLField:
        if name in _META_FIELDS:
            return _META_FIELDS[name]
        fields: dict[str, GraphQLField] = getattr(parent, "fields")  # noqa: B009  # objects and interfaces only: the document passed validation
        return fields[name]


def measure_operation(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    limits: QueryLimits,
) -> Measure | None:
    """The measure of the operation that will run; None when the document does not say
    which one (execution reports that)."""
    operation = get_operation_ast(document, operation_name)
    root = None if operation is None else schema.get_root_type(operation.operation)
    if operation is None or root is None:
        return None
    given = variables if isinstance(variables, Mapping) else {}
    measurer = _Measurer(schema, document, given, limits)
    return measurer.selection_sets([operation.selection_set], root)


def violation(measure: Measure, limits: QueryLimits) -> str | None:
    """The message for the first limit the measure exceeds, if any."""
    checks = (
        ("Query depth", measure.depth, limits.max_depth),
        ("Query alias count", measure.aliases, limits.max_aliases),
        ("Query cost", measure.cost, limits.max_cost),
    )
    for name, value, limit in checks:
        if value > limit:
            return f"{name} {value} exceeds the limit of {limit}."
    return None


def count_tokens(query: str) -> int | None:
    """The number of tokens in `query`, as the parser counts them; None if it does not lex."""
    lexer = Lexer(Source(query))
    count = 0
    try:
        while lexer.advance().kind is not TokenKind.EOF:
            count += 1
    except GraphQLSyntaxError:
        return None
    return count


def too_complex(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": CODE})


MEASURE_CACHE_SIZE = 256
_UNMEASURED: Any = object()
# Measures of operations seen, by document text, operation name and the values of the
# variables the measure may read: clients repeat their documents (and page through them
# with new cursors), and a measure costs a walk of the whole selection.
MeasureKey = tuple[str | None, str | None, tuple[tuple[str, Any], ...]]
Measures = LruCache[MeasureKey, Measure | None]


def measure_key(
    query: str | None,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
) -> MeasureKey:
    """What a measure depends on: of the variables, only page sizes (`_page_size`), which a
    validated document passes in `Int` variables only, and only as integers (any other
    value counts as no page size). Cursors, filters and search stay out of the key."""
    operation = get_operation_ast(document, operation_name)
    given = variables if isinstance(variables, Mapping) else {}
    values = []
    for definition in operation.variable_definitions or () if operation else ():
        if _named_type(definition.type) == "Int":
            value = given.get(definition.variable.name.value)
            values.append((definition.variable.name.value, value if type(value) is int else None))
    return query, operation_name, tuple(values)


def _named_type(node: TypeNode) -> str:
    while isinstance(node, (NonNullTypeNode, ListTypeNode)):
        node = node.type
    assert isinstance(node, NamedTypeNode)
    return node.name.value


class QueryLimiter(SchemaExtension):
    """Enforces `QueryLimits` on every operation (one instance per request, built from
    limits made once with the schema).

    Listed before `ErrorCodes`, so that its hooks finish after `ErrorCodes`' and its code
    replaces the generic `GRAPHQL_PARSE_FAILED` of the token limit.
    """

    def __init__(self, limits: QueryLimits, measures: Measures) -> None:
        self.limits = limits
        self.measures = measures

    def on_operation(self) -> Iterator[None]:
        self.execution_context.parse_options["max_tokens"] = self.limits.max_tokens
        yield

    def on_parse(self) -> Iterator[None]:
        yield
        context = self.execution_context
        for error in context.pre_execution_errors or ():
            if _TOKENS_ERROR in error.message:
                # Recoded in place: Strawberry answers with this very error object.
                count = count_tokens(context.query or "")
                limit = self.limits.max_tokens
                value = f" {count}" if count is not None and count > limit else ""
                error.message = f"Query token count{value} exceeds the limit of {limit}."
                error.extensions = {"code": CODE}

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None and context.result is None:
            key = measure_key(
                context.query,
                context.graphql_document,
                context.operation_name,
                context.variables,
            )
            measure = self.measures.get(key, _UNMEASURED)
            if measure is _UNMEASURED:
                measure = measure_operation(
                    graphql_schema(context.schema),
                    context.graphql_document,
                    context.operation_name,
                    context.variables,
                    self.limits,
                )
                self.measures.put(key, measure)
            message = None if measure is None else violation(measure, self.limits)
            if message is not None:
                # A result set before execution replaces it: no resolver runs.
                context.result = ExecutionResult(data=None, errors=[too_complex(message)])
        yield
