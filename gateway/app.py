"""The ASGI application: `create_app(settings)` builds it from explicit lists of routes and
middleware; the lifespan opens the database engine and disposes of it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from gateway.db.engine import create_engine, create_session_factory
from gateway.settings import Settings, load_settings


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
    """The database answers; 503 otherwise, so a balancer stops sending traffic here."""
    try:
        async with database(request).engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach the database means "not ready"
        return JSONResponse(
            {"status": "unavailable", "database": type(exc).__name__}, status_code=503
        )
    return JSONResponse({"status": "ok", "database": "ok"})


def create_app(settings: Settings) -> Starlette:
    """The whole service for one set of settings."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        engine = create_engine(settings)
        app.state.database = Database(engine, create_session_factory(engine))
        try:
            yield
        finally:
            await engine.dispose()

    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.settings = settings
    return app


def create_app_from_environment() -> Starlette:
    """Factory for `uvicorn --factory` and worker processes: settings from `GATEWAY_*`."""
    return create_app(load_settings())
