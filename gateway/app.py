"""The ASGI application: `create_app(settings)` builds it from explicit lists of routes and
middleware; the lifespan opens the database engine and disposes of it.

Middleware, outermost first: tracing (the server span; only when tracing is on, see
`gateway.observability.tracing`), observability (request id, access log, metrics; it wraps
Starlette's error middleware so 500s carry the request id too), Starlette's error middleware
(JSON 500s), CORS (only when origins are configured), the legacy door (Django's security
headers and request-level refusals under /api), the request deadline (503) and body
limit (413) on customer data, gzip (not the legacy endpoint), `Cache-Control: private,
no-store` on customer data.

The lifespan opens what the routes use, once per process: the database (`app.state.database`)
and the key of GraphQL cursors (`app.state.cursor_key`).

`DatabaseUnavailable` (the database layer's translation of an outage) escaping a REST
endpoint answers 503 with `Retry-After` (GraphQL codes it itself: `SERVICE_UNAVAILABLE`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

from gateway.cursor_secret import cursor_key
from gateway.db import optional
from gateway.db.connections import Database
from gateway.db.engine import create_engine
from gateway.db.schema_check import schema_problem
from gateway.errors import ConfigurationError, DatabaseUnavailable
from gateway.fleet.redis import RedisLink
from gateway.graphql import graphql_routes
from gateway.http.body_limit import BodyLimitMiddleware
from gateway.http.cache_control import NoStoreMiddleware
from gateway.http.compression import CompressionMiddleware
from gateway.http.deadline import DeadlineMiddleware
from gateway.http.paths import CUSTOMER_DATA_PREFIXES, GRAPHQL_PATH, LEGACY_PREFIX
from gateway.http.refusals import Refusals
from gateway.http.server_error import server_error
from gateway.observability.database import time_statements
from gateway.observability.exposition import metrics_endpoint
from gateway.observability.logs import configure_logging
from gateway.observability.metrics import Metrics
from gateway.observability.middleware import ObservabilityMiddleware
from gateway.observability.request_id import HEADER as REQUEST_ID_HEADER
from gateway.observability.tracing import (
    TracingMiddleware,
    gateway_tracer,
    trace_statements,
    tracer_provider_from_environment,
)
from gateway.rest.door import LegacyDoorMiddleware
from gateway.rest.routes import ENDPOINT_HEADERS, ORDERS_PATH, rest_routes
from gateway.settings import Settings, load_settings
from gateway.throttling.limiter import CostLimit, RequestLimit, Throttles

logger = logging.getLogger(__name__)
# What browser clients send: the token and body type, Apollo Client's client awareness,
# W3C trace context, a request id of their own (GATEWAY_CORS_ALLOW_HEADERS adds more).
CORS_ALLOW_HEADERS = (
    "Authorization",
    "Content-Type",
    "Accept",
    REQUEST_ID_HEADER,
    "traceparent",
    "tracestate",
    "apollographql-client-name",
    "apollographql-client-version",
)


def database(request: Request) -> Database:
    db: Database = request.app.state.database
    return db


async def healthz(request: Request) -> JSONResponse:
    """The process is alive (says nothing about the database)."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """The database answers within the pool timeout and holds the shop's tables with the
    columns the gateway reads; 503 otherwise, so a balancer stops sending traffic here. An
    unreachable database's cause goes to the log, not to the (unauthenticated) client; what
    the database lacks is said in the body. With Redis configured, the body says whether it
    answers too (`"redis": "ok"` or `"unavailable"`) without failing readiness: without
    Redis the service still answers."""
    settings: Settings = request.app.state.settings
    shared = await shared_state(request)
    try:
        async with asyncio.timeout(settings.db_pool_timeout):
            async with database(request).connect() as connection:
                problem = await schema_problem(connection, settings.database_schema)
                if problem is None:
                    await database(request).check_optional_structures(connection)
    except Exception:  # any failure to reach the database means "not ready"
        logger.warning("readiness check: the database does not answer", exc_info=True)
        body = {"status": "unavailable", "database": "unreachable", **shared}
        return JSONResponse(body, status_code=503)
    if problem is not None:
        logger.warning("readiness check: %s", problem)
        body = {"status": "unavailable", "database": "incomplete", "reason": problem, **shared}
        return JSONResponse(body, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok", **shared})


async def check_optional_structures(db: Database) -> None:
    """Whether the stored totals may be read and the search indexes used, checked at
    start-up. A database that does not answer yet leaves them unused (and is logged);
    `/readyz` and `watch_optional_structures` check again."""
    try:
        async with db.connect() as connection:
            await db.check_optional_structures(connection)
    except Exception as error:  # the database's state is for /readyz to report, not start-up
        logger.warning(
            "start-up: the optional structures could not be checked (%s); /readyz checks again",
            type(error).__name__,
        )


async def watch_optional_structures(db: Database) -> None:
    """Check the optional structures again every `OPTIONAL_STRUCTURES_RECHECK` seconds: with
    `--workers N` the balancer's probes reach one worker at a time, and each must follow an
    install or a drop by `gateway db indexes` on its own."""
    while True:
        await asyncio.sleep(optional.OPTIONAL_STRUCTURES_RECHECK)
        try:
            async with db.connect() as connection:
                await db.check_optional_structures(connection)
        except Exception:  # the database's state is /readyz's to report; next round
            continue


async def shared_state(request: Request) -> dict[str, str]:
    """`{"redis": "ok" | "unavailable"}` when Redis is configured, else nothing."""
    redis: RedisLink | None = request.app.state.redis
    if redis is None:
        return {}
    return {"redis": "ok" if await redis.ping() else "unavailable"}


class Gateway(Starlette):
    """Starlette with `ObservabilityMiddleware` around its whole stack, error middleware
    included (Starlette otherwise puts its own error middleware outermost), and with
    tracing on, `TracingMiddleware` around that."""

    def __init__(
        self,
        *,
        metrics: Metrics,
        trust_proxy: bool,
        tracer_provider: TracerProvider | None = None,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.metrics = metrics
        self.trust_proxy = trust_proxy
        self.tracer_provider = tracer_provider

    def build_middleware_stack(self) -> ASGIApp:
        inner = super().build_middleware_stack()
        provider = self.tracer_provider
        observed = ObservabilityMiddleware(
            inner,
            metrics=self.metrics,
            trust_proxy=self.trust_proxy,
            tracer=None if provider is None else gateway_tracer(provider),
        )
        if provider is None:
            return observed
        return TracingMiddleware(observed, provider=provider)


REFUSALS = Refusals(graphql_paths=[GRAPHQL_PATH], endpoint_headers={ORDERS_PATH: ENDPOINT_HEADERS})


async def database_unavailable(request: Request, exc: Exception) -> Response:
    """503 with `Retry-After` when the database is down, overloaded or too slow."""
    logger.warning("database unavailable: %s", exc)
    return REFUSALS.unavailable(request.url.path)


def http_middleware(settings: Settings) -> list[Middleware]:
    """CORS, the legacy door's headers and refusals, deadline, body limit, compression and
    caching headers, outermost first."""
    middleware: list[Middleware] = []
    if settings.cors_origin_list:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origin_list,
                allow_methods=["GET", "POST"],
                allow_headers=[*CORS_ALLOW_HEADERS, *settings.cors_allow_header_list],
                expose_headers=[REQUEST_ID_HEADER],
                max_age=600,
            )
        )
    middleware.append(
        Middleware(
            LegacyDoorMiddleware,
            prefix=LEGACY_PREFIX,
            endpoint=ORDERS_PATH,
            allowed_hosts=settings.allowed_host_list,
            trust_proxy=settings.trust_proxy,
        )
    )
    if settings.request_timeout:
        middleware.append(
            Middleware(
                DeadlineMiddleware,
                seconds=settings.request_timeout,
                paths=CUSTOMER_DATA_PREFIXES,
                refusals=REFUSALS,
            )
        )
    middleware.append(
        Middleware(
            BodyLimitMiddleware,
            max_bytes=settings.max_body_bytes,
            paths=CUSTOMER_DATA_PREFIXES,
            refusals=REFUSALS,
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


def throttles(settings: Settings, redis: RedisLink | None, metrics: Metrics) -> Throttles:
    """The rate limits the settings ask for, counted on `redis` if there is one."""
    requests, cost = settings.request_rate, settings.cost_rate
    return Throttles(
        requests=None if requests is None else RequestLimit(requests, redis, metrics.rate_limited),
        cost=None if cost is None else CostLimit(cost, redis, metrics.rate_limited),
    )


def create_app(settings: Settings, *, tracer_provider: TracerProvider | None = None) -> Starlette:
    """The whole service for one set of settings; traced to `tracer_provider` if given
    (its owner shuts it down: the app only flushes it when it stops)."""
    metrics = Metrics()
    redis = None
    if settings.redis_url:
        redis = RedisLink(
            settings.redis_url,
            prefix=settings.redis_prefix,
            timeout=settings.redis_timeout,
            metrics=metrics.redis(),
        )
    limits = throttles(settings, redis, metrics)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.cursor_key = cursor_key(settings)
        engine = create_engine(settings, read_only=True)
        time_statements(engine, metrics.statement_duration)
        if tracer_provider is not None:
            trace_statements(engine, tracer_provider)
        metrics.pool.watch(engine)
        app.state.database = Database(engine)
        await check_optional_structures(app.state.database)
        watcher = asyncio.create_task(watch_optional_structures(app.state.database))
        try:
            yield
        finally:
            watcher.cancel()
            metrics.pool.watch(None)
            await engine.dispose()
            if redis is not None:
                await redis.close()
            if tracer_provider is not None:
                tracer_provider.force_flush()

    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
        *rest_routes(settings),
        *graphql_routes(
            settings,
            count_fallback=metrics.count_fallback,
            traced=tracer_provider is not None,
            throttles=limits,
            redis=redis,
        ),
    ]
    app = Gateway(
        routes=routes,
        middleware=http_middleware(settings),
        exception_handlers={
            # The gateway's own exceptions; the database layer translates its failures.
            DatabaseUnavailable: database_unavailable,
            Exception: server_error,
        },
        lifespan=lifespan,
        metrics=metrics,
        trust_proxy=settings.trust_proxy,
        tracer_provider=tracer_provider,
    )
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.redis = redis
    app.state.throttles = limits
    return app


def create_app_from_environment() -> Starlette:
    """Factory for `uvicorn --factory` and worker processes: settings from `GATEWAY_*`,
    logging set up for this process, and tracing as the `OTEL_*` variables ask (the
    provider is also the process's global one, for any other instrumented library)."""
    settings = load_settings()
    if not settings.database_url:
        raise ConfigurationError("GATEWAY_DATABASE_URL is not set")
    configure_logging(settings.log_format, settings.log_level)
    provider = tracer_provider_from_environment()
    if provider is not None:
        trace.set_tracer_provider(provider)
    return create_app(settings, tracer_provider=provider)
