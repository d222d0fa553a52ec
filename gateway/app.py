"""The ASGI application: `create_app(settings)` builds it from explicit lists of routes and
middleware; the lifespan opens the database engine and disposes of it.

Middleware, outermost first: observability (request id, access log, metrics; it wraps
Starlette's error middleware so 500s carry the request id too), Starlette's error middleware
(JSON 500s), CORS (only when origins are configured), gzip (not the legacy endpoint),
`Cache-Control: private, no-store` on customer data."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

from gateway.db.engine import create_engine, create_session_factory, for_reading
from gateway.graphql import graphql_routes
from gateway.http.cache_control import NoStoreMiddleware
from gateway.http.compression import CompressionMiddleware
from gateway.http.server_error import server_error
from gateway.observability.database import time_statements
from gateway.observability.exposition import metrics_endpoint
from gateway.observability.logs import configure_logging
from gateway.observability.metrics import Metrics
from gateway.observability.middleware import ObservabilityMiddleware
from gateway.observability.request_id import HEADER as REQUEST_ID_HEADER
from gateway.rest.routes import rest_routes
from gateway.settings import Settings, load_settings

LEGACY_PREFIX = "/api"  # the legacy REST endpoint: headers exactly as the original's
CUSTOMER_DATA_PREFIXES = (LEGACY_PREFIX, "/graphql")

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class Database:
    """The engine and the session factory every request takes its sessions from."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]


def database(request: Request) -> Database:
    db: Database = request.app.state.database
    return db


async def healthz(request: Request) -> JSONResponse:
    """The process is alive (says nothing about the database)."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """The database answers within the pool timeout; 503 otherwise, so a balancer stops
    sending traffic here. The cause goes to the log, not to the (unauthenticated) client."""
    settings: Settings = request.app.state.settings
    try:
        async with asyncio.timeout(settings.db_pool_timeout):
            async with database(request).engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database means "not ready"
        logger.warning("readiness check: the database does not answer", exc_info=True)
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


class Gateway(Starlette):
    """Starlette with `ObservabilityMiddleware` around its whole stack, error middleware
    included (Starlette otherwise puts its own error middleware outermost)."""

    def __init__(self, *, metrics: Metrics, trust_proxy: bool, **options: Any) -> None:
        super().__init__(**options)
        self.metrics = metrics
        self.trust_proxy = trust_proxy

    def build_middleware_stack(self) -> ASGIApp:
        inner = super().build_middleware_stack()
        return ObservabilityMiddleware(inner, metrics=self.metrics, trust_proxy=self.trust_proxy)


def http_middleware(settings: Settings) -> list[Middleware]:
    """CORS, compression and caching headers, outermost first."""
    middleware: list[Middleware] = []
    if settings.cors_origin_list:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origin_list,
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type"],
                expose_headers=[REQUEST_ID_HEADER],
                max_age=600,
            )
        )
    if settings.gzip_minimum_size:
        middleware.append(
            Middleware(
                CompressionMiddleware,
                minimum_size=settings.gzip_minimum_size,
                excluded=[LEGACY_PREFIX],
            )
        )
    middleware.append(Middleware(NoStoreMiddleware, prefixes=CUSTOMER_DATA_PREFIXES))
    return middleware


def create_app(settings: Settings) -> Starlette:
    """The whole service for one set of settings."""
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        engine = create_engine(settings)
        time_statements(engine, metrics.statement_duration)
        metrics.pool.watch(engine)
        app.state.database = Database(engine, create_session_factory(for_reading(engine)))
        try:
            yield
        finally:
            metrics.pool.watch(None)
            await engine.dispose()

    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
        *rest_routes(settings),
        *graphql_routes(settings),
    ]
    app = Gateway(
        routes=routes,
        middleware=http_middleware(settings),
        exception_handlers={Exception: server_error},
        lifespan=lifespan,
        metrics=metrics,
        trust_proxy=settings.trust_proxy,
    )
    app.state.settings = settings
    app.state.metrics = metrics
    return app


def create_app_from_environment() -> Starlette:
    """Factory for `uvicorn --factory` and worker processes: settings from `GATEWAY_*`,
    logging set up for this process."""
    settings = load_settings()
    configure_logging(settings.log_format, settings.log_level)
    return create_app(settings)
