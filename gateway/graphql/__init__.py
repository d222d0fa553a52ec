"""The GraphQL adapter: a strict, typed schema over the order-query core, served at
`/graphql` with an offline GraphiQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from gateway.graphql.fallbacks import Fallbacks
from gateway.graphql.limits import QueryLimits
from gateway.graphql.persisted import PersistedQueries, load_manifest
from gateway.graphql.schema import build_schema
from gateway.graphql.view import STATIC_DIRECTORY, GatewayGraphQL
from gateway.http.paths import GRAPHQL_PATH
from gateway.settings import Settings

__all__ = ["build_schema", "graphql_routes", "schema_sdl"]


def graphql_routes(
    settings: Settings, count_fallback: Callable[[str], None] | None = None
) -> list[BaseRoute]:
    """`/graphql` and the GraphiQL assets under `/graphql/static/`. `count_fallback` counts
    the compiled path's fallbacks by reason (`Metrics.count_fallback`)."""
    schema = build_schema(
        QueryLimits.from_settings(settings),
        compiled=settings.graphql_compiled,
        fallbacks=Fallbacks(count_fallback),
    )
    view = GatewayGraphQL(schema, persisted_queries(settings))
    return [
        Route(GRAPHQL_PATH, view, methods=["GET", "POST"]),
        Mount(
            f"{GRAPHQL_PATH}/static", StaticFiles(directory=STATIC_DIRECTORY), name="graphql-static"
        ),
    ]


def persisted_queries(settings: Settings) -> PersistedQueries:
    """The persisted-query store, with the registered documents of the manifest."""
    path = settings.persisted_queries_file
    return PersistedQueries(
        registered=load_manifest(Path(path)) if path else {},
        capacity=settings.apq_cache_size,
        only_registered=settings.persisted_queries_only,
    )


def schema_sdl() -> str:
    """The schema as SDL, descriptions included: the content of `schema.graphql`."""
    return build_schema().as_str() + "\n"
