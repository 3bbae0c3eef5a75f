"""The FastAPI application: JSON API under ``/api/v1``, pages of :mod:`api.web` when present."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import AsyncIterator

import anyio
from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from ._warmup import warm_up as warm_up_process
from .concurrency import DatabaseGate, request_slots
from .db import make_engine, make_sessionmaker, migrate
from .demo import ensure_demo
from .health import probe_engine, require_current_schema
from .health import router as health_router
from .limits import BodySizeLimit
from .problems import install_problem_handlers
from .routes import api_router
from .runner import JobRunner
from .security import SecurityHeaders
from .settings import Settings

__all__ = ["create_app"]

log = logging.getLogger("api")


def create_app(settings: Settings | None = None, *, migrate_schema: bool = True, warm_up: bool = False) -> FastAPI:
    """Build the service: migrate the database, seed the demo when empty, wire routes and workers.

    With ``migrate_schema=False`` the database is not upgraded but checked:
    :class:`api.health.SchemaNotCurrent` when its migrations are not at head.
    With ``warm_up=True`` (``matching serve``: a process about to take
    traffic) the app, when it starts, first opens one database connection
    per request slot, imports what requests would import lazily and freezes
    its start-up heap out of the garbage collector (:func:`api._warmup.warm_up`).
    ``settings.job_workers`` job worker threads (:class:`api.runner.JobRunner`)
    start when the app starts (``uvicorn``, or ``with TestClient(app)``) and
    stop when it stops; none with ``job_workers=0``.
    ``app.state`` holds ``settings``, ``engine``, ``probe_engine`` (``/readyz``'s), ``sessions``, ``runner`` and ``demo``.
    """
    settings = settings or Settings.from_env()
    engine = make_engine(settings.database_url, pool_size=settings.database_pool_size)
    if migrate_schema:
        migrate(engine)
    else:
        require_current_schema(engine)
    sessions = make_sessionmaker(engine)
    demo = ensure_demo(sessions, settings) if settings.seed_demo else None
    runner = JobRunner(sessions, settings)
    probe = probe_engine(engine, settings.readiness_timeout_seconds)

    slots = request_slots(settings.database_pool_size, settings.job_workers)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if warm_up:
            await anyio.to_thread.run_sync(warm_up_process, engine, slots)
        runner.start()
        try:
            yield
        finally:
            runner.stop()
            if probe is not engine:
                probe.dispose()

    app = FastAPI(
        title="SME matching service",
        version="1",
        summary="Events, participants, rules, matching jobs, explained results, timetables and agendas.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.probe_engine = probe
    app.state.sessions = sessions
    app.state.runner = runner
    app.state.demo = demo
    install_problem_handlers(app)
    app.add_middleware(BodySizeLimit, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(DatabaseGate, limit=slots)
    app.add_middleware(SecurityHeaders)  # outermost: also on the body-size limit's and the gate's answers
    app.include_router(api_router)
    app.include_router(health_router)

    if not _mount_web(app):
        @app.get("/", include_in_schema=False)
        def root() -> RedirectResponse:
            return RedirectResponse("/docs")

    return app


def _mount_web(app: FastAPI) -> bool:
    """Include the pages of :mod:`api.web` (issue #8) when that package is present."""
    try:
        from . import web
    except ImportError:
        return False
    router = getattr(web, "router", None)
    if router is None:
        return False
    static = getattr(web, "STATIC_DIR", None)
    if static is not None:
        from fastapi.staticfiles import StaticFiles

        app.mount("/static", StaticFiles(directory=str(static)), name="static")
    app.include_router(router)
    return True
