"""Parsed and validated documents, cached per document text (bounded LRU caches).

Clients repeat a handful of documents, so parsing and validating each one again on every
request is wasted work. Strawberry's `ParserCache` and `ValidationCache` keep the results;
their caches live at module level, keyed by `maxsize`, so every request (and every schema)
shares them.

The validation cache is keyed by the schema, the document and the tuple of rule classes: it
only hits while the rule classes are the same objects on every request. Extensions that
build rule classes per request defeat it (Strawberry issue 4635), which is why the query
limits (`limits.py`) are checked without validation rules.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from graphql import GraphQLError, GraphQLSyntaxError, parse, validate
from strawberry import Schema
from strawberry.extensions import ParserCache, SchemaExtension, ValidationCache

from gateway.graphql.internals import graphql_schema

DOCUMENT_CACHE_SIZE = 256


class CachedParser(ParserCache):
    """Strawberry's `ParserCache`, except for documents that do not parse.

    `ParserCache` parses inside the hook, where Strawberry does not expect a syntax error:
    the error escapes the parse phase (other extensions never see it), so it would be
    answered as an internal error. Here such a document is left unparsed, and Strawberry's
    own parse reports it as usual (errors are not cached: lru_cache keeps only results).
    """

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        with contextlib.suppress(GraphQLError):
            context.graphql_document = self.cached_parse_document(
                context.query, **context.parse_options
            )
        yield


def document_caches(maxsize: int = DOCUMENT_CACHE_SIZE) -> list[Callable[[], SchemaExtension]]:
    """The parse and validation caches, as extension factories for `extensions=[...]`."""
    return [lambda: CachedParser(maxsize=maxsize), lambda: ValidationCache(maxsize=maxsize)]


def document_problem(schema: Schema, document: str) -> str | None:
    """Why a document could never run on `schema` (the first syntax or validation error,
    with its line and column), or None."""
    try:
        parsed = parse(document)
    except GraphQLSyntaxError as error:
        return _located(error)
    errors = validate(graphql_schema(schema), parsed)
    return _located(errors[0]) if errors else None


def _located(error: GraphQLError) -> str:
    where = error.locations[0] if error.locations else None
    place = f" (line {where.line}, column {where.column})" if where else ""
    return f"{error.message}{place}"
