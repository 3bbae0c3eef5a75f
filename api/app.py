"""The FastAPI application: JSON API under ``/api/v1``, pages of :mod:`api.web` when present."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import AsyncIterator

from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from .db import make_engine, make_sessionmaker, migrate
from .demo import ensure_demo
from .jobs import JobRunner, recover
from .limits import BodySizeLimit
from .problems import install_problem_handlers
from .routes import api_router
from .security import SecurityHeaders
from .settings import Settings

__all__ = ["create_app"]

log = logging.getLogger("api")


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the service: migrate the database, seed the demo when empty, wire routes and workers.

    Job workers start (after :func:`api.jobs.recover`) when the app starts
    (``uvicorn``, or ``with TestClient(app)``) and stop when it stops.
    ``app.state`` holds ``settings``, ``engine``, ``sessions``, ``runner`` and ``demo``.
    """
    settings = settings or Settings.from_env()
    engine = make_engine(settings.database_url)
    migrate(engine)
    sessions = make_sessionmaker(engine)
    demo = ensure_demo(sessions, settings) if settings.seed_demo else None
    runner = JobRunner(sessions, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        counts = recover(sessions, settings)
        if counts["requeued"] or counts["failed"]:
            log.warning("jobs interrupted by the last stop: %(requeued)d re-queued, %(failed)d failed", counts)
        runner.start()
        try:
            yield
        finally:
            runner.stop()

    app = FastAPI(
        title="SME matching service",
        version="1",
        summary="Events, participants, rules, matching jobs, explained results, timetables and agendas.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.runner = runner
    app.state.demo = demo
    install_problem_handlers(app)
    app.add_middleware(BodySizeLimit, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)  # outermost: also on the body-size limit's answers
    app.include_router(api_router)

    @app.get("/healthz", tags=["service"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

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
