"""A limit on guessing: failed API tokens and participant links per client address.

Every failed authentication (an organizer API token that is unknown or
revoked, a participant link token that names nobody) is a row of
``auth_failures`` (:class:`api.models.AuthFailureRow`) with the client's
address.  Before a token or link is even looked at, an address with
``auth_failure_limit`` failures within the last
``auth_failure_window_seconds`` is answered ``429`` with the problem
``too-many-failures`` and a ``Retry-After`` header (seconds until its oldest
counted failure leaves the window) — also when the token it sends this time
is good, so that a guesser learns nothing from the answer.  Other addresses
are not affected.

The state lives in the service's database, so the limit holds across every
API process on that database (SQLite or PostgreSQL) and across restarts.
Behind a reverse proxy the address is the proxy's unless uvicorn is told to
trust its ``X-Forwarded-For`` (``--proxy-headers --forwarded-allow-ips``).
A request with no token at all is not a failure.  The checks use the
request's own database session, so a request never holds more than one
connection of the pool (see :mod:`api.concurrency`).
"""

from __future__ import annotations

import math
from datetime import timedelta
from fastapi import Request
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .models import AuthFailureRow, utcnow
from .problems import Problem

__all__ = ["KINDS", "client_address", "check_attempts", "record_failure"]

#: What failed: an organizer API token or a participant link token.
KINDS = ("token", "link")


def client_address(request: Request) -> str:
    """The address the limit counts for (``unknown`` when the server does not know it)."""
    host = request.client.host if request.client is not None else ""
    return (host or "unknown")[:64]


def check_attempts(request: Request, session: Session) -> None:
    """Raise the ``429`` problem when the client's address has used up its failed attempts.

    Raises
    ------
    Problem
        ``too-many-failures`` with ``Retry-After`` and ``limit``
        (``auth_failure_limit`` and its value).
    """
    settings = request.app.state.settings
    limit, window = settings.auth_failure_limit, settings.auth_failure_window_seconds
    client = client_address(request)
    now = utcnow()
    count, oldest = session.execute(
        select(func.count(), func.min(AuthFailureRow.at))
        .where(AuthFailureRow.client == client, AuthFailureRow.at > now - timedelta(seconds=window))
    ).one()
    if count >= limit:
        retry = max(1, math.ceil(window - (now - oldest).total_seconds()))
        raise Problem("too-many-failures", code="too_many_failures", params={"count": count, "window": window, "retry": retry},
                      limit=("auth_failure_limit", limit),
                      headers={"Retry-After": str(retry)}, retry_after=retry)


def record_failure(request: Request, session: Session, kind: str) -> None:
    """Count one failed attempt of ``kind`` (``token`` or ``link``) for the client's address; commits ``session``.

    Rows older than the window are deleted in the same transaction, so the
    table holds at most the failures of one window.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown failure kind {kind!r}; expected one of {KINDS}")
    settings = request.app.state.settings
    now = utcnow()
    session.execute(delete(AuthFailureRow).where(AuthFailureRow.at <= now - timedelta(seconds=settings.auth_failure_window_seconds)))
    session.add(AuthFailureRow(client=client_address(request), kind=kind, at=now))
    session.commit()
