"""The app factory of each API process started by ``matching serve --workers N``.

uvicorn starts the processes itself and builds each one's app by importing
``api.deploy:app_from_env``; everything it needs comes from ``MATCHING_*``
environment variables, which :func:`api.__main__.serve` sets after it has
checked the database and seeded the demo once.
"""

from __future__ import annotations

from fastapi import FastAPI

from .app import create_app
from .settings import Settings

__all__ = ["app_from_env"]


def app_from_env() -> FastAPI:
    """The service from ``MATCHING_*`` settings, on a database that must already be migrated (never upgraded here).

    Each process warms up (database connections, lazy imports, a frozen heap) before it takes its first request.
    """
    return create_app(Settings.from_env(), migrate_schema=False, warm_up=True)
