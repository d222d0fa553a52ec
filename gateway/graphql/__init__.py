"""The GraphQL adapter: a strict, typed schema over the order-query core, served at
`/graphql` with an offline GraphiQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from gateway.errors import ConfigurationError
from gateway.fleet.documents import SharedDocuments
from gateway.fleet.redis import RedisLink
from gateway.graphql.fallbacks import Fallbacks
from gateway.graphql.limits import QueryLimits
from gateway.graphql.persisted import ManifestError, PersistedQueries, load_manifest
from gateway.graphql.schema import build_schema
from gateway.graphql.shared_persisted import SharedPersistedQueries
from gateway.graphql.view import STATIC_DIRECTORY, GraphQLView
from gateway.http.paths import GRAPHQL_PATH
from gateway.settings import Settings
from gateway.throttling.limiter import Throttles

__all__ = ["build_schema", "graphql_routes", "persisted_queries", "schema_sdl"]


def graphql_routes(
    settings: Settings,
    *,
    count_fallback: Callable[[str], None] | None = None,
    traced: bool = False,
    throttles: Throttles | None = None,
    redis: RedisLink | None = None,
) -> list[BaseRoute]:
    """`/graphql`, and the GraphiQL assets under `/graphql/static/` when GraphiQL is on.
    `count_fallback` counts the compiled path's fallbacks by reason
    (`Metrics.count_fallback`); `traced`: with spans; `throttles`: the per-customer limits;
    `redis`: shares learned persisted queries."""
    throttles = throttles or Throttles()
    schema = build_schema(
        QueryLimits.from_settings(settings),
        compiled=settings.graphql_compiled,
        fallbacks=Fallbacks(count_fallback),
        introspection=settings.graphql_introspection,
        traced=traced,
        cost_budget=throttles.cost,
    )
    persisted = SharedPersistedQueries(
        persisted_queries(settings), shared_documents(settings, redis)
    )
    view = GraphQLView(
        schema,
        persisted,
        graphiql=settings.graphiql,
        allowed_hosts=settings.allowed_host_list,
        trust_proxy=settings.trust_proxy,
        request_limit=throttles.requests,
    )
    routes: list[BaseRoute] = [Route(GRAPHQL_PATH, view)]
    if settings.graphiql:
        static = StaticFiles(directory=STATIC_DIRECTORY)
        routes.append(Mount(f"{GRAPHQL_PATH}/static", static, name="graphql-static"))
    return routes


def persisted_queries(settings: Settings) -> PersistedQueries:
    """The persisted-query store, with the registered documents of the manifest;
    `ConfigurationError` (one line) when the manifest cannot be used."""
    path = settings.persisted_queries_file
    try:
        registered = load_manifest(Path(path)) if path else {}
    except ManifestError as exc:
        raise ConfigurationError(f"GATEWAY_PERSISTED_QUERIES_FILE: {exc}") from None
    return PersistedQueries(
        registered=registered,
        capacity=settings.apq_cache_size,
        only_registered=settings.persisted_queries_only,
    )


def shared_documents(settings: Settings, redis: RedisLink | None) -> SharedDocuments | None:
    """The learned documents every instance shares, when Redis is configured (and learning is
    on: `GATEWAY_APQ_CACHE_SIZE` > 0)."""
    if redis is None or settings.apq_cache_size == 0:
        return None
    return SharedDocuments(redis, capacity=settings.apq_cache_size, ttl=settings.apq_ttl)


def schema_sdl() -> str:
    """The schema as SDL, descriptions included: the content of `schema.graphql`."""
    return build_schema().as_str() + "\n"
