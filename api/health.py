"""Liveness and readiness: ``GET /healthz``, ``GET /readyz``, and the schema check at start-up.

* ``/healthz`` answers 200 while the process serves HTTP (a load balancer's
  liveness probe); it touches nothing else.
* ``/readyz`` answers 200 when the database is reachable and its migrations
  are at the revision this code needs, else 503 with the reason (a
  readiness probe: take the process out of rotation, do not restart it).
  It checks on a fresh connection of its own (:func:`probe_engine`), given
  up after ``readiness_timeout_seconds``: a database that hangs (a frozen
  server, a dropped network) answers 503 in seconds instead of holding the
  probe for psycopg's default of 130 s.
* :func:`require_current_schema` is what a process that must not migrate
  (``matching worker``, ``matching serve --workers N`` or ``--no-jobs``)
  calls before it starts: a database whose migrations are behind is refused
  with the command that upgrades it.
"""

from __future__ import annotations

import functools
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from matching.errors import MatchingError

__all__ = ["router", "head_revision", "schema_revision", "require_current_schema", "probe_engine", "SchemaNotCurrent",
           "UPGRADE_COMMAND"]

#: The command that brings a database to the code's revision (named in every refusal).
UPGRADE_COMMAND = "matching migrate"


class SchemaNotCurrent(MatchingError, RuntimeError):
    """The database's migrations are not at the revision this code needs (behind, ahead, or none at all)."""


@functools.cache
def head_revision() -> str:
    """The newest revision of :mod:`api.migrations` (the one the models describe)."""
    from alembic.script import ScriptDirectory

    from .db import alembic_config

    heads = ScriptDirectory.from_config(alembic_config(None)).get_heads()
    if len(heads) != 1:  # pragma: no cover - a broken migration history
        raise RuntimeError(f"the migrations have {len(heads)} heads {heads}; expected exactly one")
    return heads[0]


def schema_revision(engine: Engine) -> str | None:
    """The database's current revision, or ``None`` for a database never migrated.

    Raises
    ------
    sqlalchemy.exc.OperationalError
        When the database cannot be reached.
    """
    from alembic.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _where(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def require_current_schema(engine: Engine) -> str:
    """Check the database is at :func:`head_revision`; returns it.

    Raises
    ------
    SchemaNotCurrent
        Naming the database, both revisions and the upgrade command.
    """
    current, head = schema_revision(engine), head_revision()
    if current == head:
        return head
    from alembic.script import ScriptDirectory

    from .db import alembic_config

    known = current is None or _knows(ScriptDirectory.from_config(alembic_config(None)), current)
    if not known:
        raise SchemaNotCurrent(f"the database {_where(engine)} is at migration {current!r}, which this version does not "
                               f"know (it needs {head!r}): the database was upgraded by a newer version; run that version")
    state = "has no tables yet (never migrated)" if current is None else f"is at migration {current!r}"
    raise SchemaNotCurrent(f"the database {_where(engine)} {state}; this version needs {head!r}. Upgrade it first with "
                           f"`{UPGRADE_COMMAND} --database-url URL` (or with MATCHING_DATABASE_URL set), then start again")


def _knows(scripts, revision: str) -> bool:  # noqa: ANN001 - alembic.script.ScriptDirectory
    try:
        return scripts.get_revision(revision) is not None
    except Exception:  # noqa: BLE001 - alembic raises its own errors for an unknown revision
        return False


def probe_engine(engine: Engine, timeout_seconds: int) -> Engine:
    """The engine ``/readyz`` checks with: a new connection per probe that gives up after ``timeout_seconds``.

    On PostgreSQL it shares no pooled connection with the requests (a probe
    never waits behind them, nor finds a connection that died unseen) and
    connects with libpq's ``connect_timeout`` (whole seconds, at least 2).
    A SQLite file has no server that could hang: its engine is used as it is.
    """
    if timeout_seconds < 2:
        raise ValueError(f"timeout_seconds must be at least 2 (libpq's least connect_timeout), got {timeout_seconds}")
    if engine.url.get_backend_name() == "sqlite":
        return engine
    return create_engine(engine.url, poolclass=NullPool, connect_args={"connect_timeout": int(timeout_seconds)})


router = APIRouter(tags=["service"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up and serving HTTP."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "the database is unreachable or its migrations are not at head"}})
def readyz(request: Request) -> Any:
    """Ready for traffic: the database answers and its migrations are at the revision this code needs."""
    from alembic.migration import MigrationContext

    engine: Engine = request.app.state.probe_engine
    head = head_revision()
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = MigrationContext.configure(connection).get_current_revision()
    except Exception as exc:  # noqa: BLE001 - any failure to reach the database means not ready
        return JSONResponse({"ready": False, "database": "unreachable", "migration": None, "expected_migration": head,
                             "detail": _unreachable(exc, request.app.state.settings.readiness_timeout_seconds)},
                            status_code=503)
    if current != head:
        return JSONResponse({"ready": False, "database": "reachable", "migration": current, "expected_migration": head,
                             "detail": f"the database is at migration {current!r}, this version needs {head!r}; "
                                       f"run `{UPGRADE_COMMAND}`"}, status_code=503)
    return {"ready": True, "database": "reachable", "migration": current, "expected_migration": head}


def _unreachable(exc: BaseException, timeout_seconds: int) -> str:
    """Why the database cannot be reached, by the driver's error class only (its message names hosts and ports)."""
    name = type(getattr(exc, "orig", None) or exc).__name__
    if "Timeout" in name:
        return f"the database did not answer within {timeout_seconds} s ({name})"
    return f"the database cannot be reached ({name})"
