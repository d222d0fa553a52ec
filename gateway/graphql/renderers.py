"""Renderers: each selection set of a compiled plan as one generated Python function.

Walking a `FieldPlan` tree field by field costs a few dispatches per value (about a
microsecond, times some 1,500 values in a page of 20 with every field). A renderer is the
same walk unrolled, once per plan: the reads are attribute loads or direct calls, and the
built-in scalars' `serialize` is skipped for values that are already of the wire type
(exactly what those functions would return for them).

Nothing a client sends becomes source text: response keys, reads and serializers are
passed to the generated code as bound names (`k0`, `r0`, `s0`, ...); only attribute names
from the schema's own Python fields appear in the source, and only when they are
identifiers.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable
from itertools import count
from typing import Any

from graphql import GraphQLBoolean, GraphQLID, GraphQLInt, GraphQLString, Undefined

from gateway.graphql.plans import FieldPlan
from gateway.graphql.scalars import serialize_datetime, serialize_decimal

PENDING: Any = object()  # a value whose load is still to come (see `compiled.Run.loaded`)

# A selection's response object for a parent object and the run's loads.
Renderer = Callable[[Any, Any], dict[str, Any]]


class Unanswerable(Exception):
    """A value the compiled path cannot give (a null for a non-null field, a failed load):
    graphql-core executes the operation and reports it."""


def _null(key: str) -> Any:
    raise Unanswerable(key)


# Serializers that return a value or raise, never None: their result needs no check.
_TOTAL_SERIALIZERS: frozenset[Callable[[Any], Any]] = frozenset(
    {
        GraphQLString.serialize,
        GraphQLInt.serialize,
        GraphQLBoolean.serialize,
        GraphQLID.serialize,
        serialize_decimal,
        serialize_datetime,
    }
)
# A value of this exact class is its own wire value (what the serializer returns for it).
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_ALREADY_WIRE: dict[Callable[[Any], Any], str] = {
    GraphQLString.serialize: "{v}.__class__ is str",
    GraphQLID.serialize: "{v}.__class__ is str",
    GraphQLBoolean.serialize: "{v}.__class__ is bool",
    GraphQLInt.serialize: "{v}.__class__ is int and INT_MIN <= {v} <= INT_MAX",
}


def renderer(fields: tuple[FieldPlan, ...]) -> Renderer:
    """The function that renders `fields` (and, through nested functions, their objects)."""
    return _Generator().function(fields)


class _Generator:
    def __init__(self) -> None:
        self.names = count()
        self.namespace: dict[str, Any] = {
            "PENDING": PENDING,
            "Undefined": Undefined,
            "Unanswerable": Unanswerable,
            "null": _null,
            "INT_MIN": _INT_MIN,
            "INT_MAX": _INT_MAX,
        }

    def bind(self, prefix: str, value: Any) -> str:
        name = f"{prefix}{next(self.names)}"
        self.namespace[name] = value
        return name

    def function(self, fields: tuple[FieldPlan, ...]) -> Renderer:
        lines = ["def render(parent, run):", "    data = {}"]
        for field in fields:
            lines.extend("    " + line for line in self.field(field))
        lines.append("    return data")
        exec("\n".join(lines), self.namespace)  # see the module docstring
        function: Renderer = self.namespace.pop("render")
        return function

    def field(self, field: FieldPlan) -> list[str]:
        key = self.bind("k", field.key)
        if field.attribute is not None and _is_name(field.attribute):
            read = f"parent.{field.attribute}"
        elif field.fetches:
            read = f"{self.bind('r', field.read)}(parent, run)"
        else:
            read = f"{self.bind('r', field.read)}(parent)"
        lines = [f"v = {read}", "if v is None:"]
        lines.append(f"    data[{key}] = None" if field.nullable else f"    null({key})")
        if field.fetches:
            # A load still to come renders as null for now; the run renders again.
            lines += ["elif v is PENDING:", f"    data[{key}] = None"]
        lines.append("else:")
        lines.extend("    " + line for line in self.value(field, key))
        return lines

    def value(self, field: FieldPlan, key: str) -> list[str]:
        """Lines that set `data[key]` from a value `v` that is neither None nor pending."""
        if field.serialize is not None:
            serialize = self.bind("s", field.serialize)
            wire = f"{serialize}(v)"
            condition = _ALREADY_WIRE.get(field.serialize)
            if condition is not None:
                wire = f"v if {condition.format(v='v')} else {wire}"
            if field.serialize in _TOTAL_SERIALIZERS:
                return [f"data[{key}] = {wire}"]
            return [
                f"w = {wire}",
                "if w is None or w is Undefined:",
                f"    raise Unanswerable({key})",
                f"data[{key}] = w",
            ]
        child = self.bind("c", _Generator.function(self, field.fields))
        if field.many:
            return [f"data[{key}] = [{child}(item, run) for item in v]"]
        return [f"data[{key}] = {child}(v, run)"]


def _is_name(attribute: str) -> bool:
    return attribute.isidentifier() and not keyword.iskeyword(attribute)
