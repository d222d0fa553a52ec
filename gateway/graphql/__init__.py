"""The GraphQL adapter: a strict, typed schema over the order-query core, served at
`/graphql` with an offline GraphiQL."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from gateway.graphql.schema import build_schema
from gateway.graphql.view import STATIC_DIRECTORY, GatewayGraphQL
from gateway.orders.cursor import cursor_key
from gateway.settings import Settings

__all__ = ["build_schema", "graphql_routes", "schema_sdl"]


def graphql_routes(settings: Settings) -> list[BaseRoute]:
    """`/graphql` and the GraphiQL assets under `/graphql/static/`."""
    view = GatewayGraphQL(build_schema(), cursor_key(settings))
    return [
        Route("/graphql", view, methods=["GET", "POST"]),
        Mount("/graphql/static", StaticFiles(directory=STATIC_DIRECTORY), name="graphql-static"),
    ]


def schema_sdl() -> str:
    """The schema as SDL, descriptions included: the content of `schema.graphql`."""
    return build_schema().as_str() + "\n"
