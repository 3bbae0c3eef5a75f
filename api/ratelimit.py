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

The check costs no query of its own on the way of every authenticated
request: :data:`RECENT_FAILURES` is joined to the token's or link's lookup
(:func:`with_recent_failures`), so that one round trip answers both (two
queries were 1 ms of CPU of each portal or organizer read of 3-8 ms;
``benchmarks/service_cpu.py``); :meth:`Attempts.check` then refuses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import Request
from sqlalchemy import Select, bindparam, delete, func, select
from sqlalchemy.orm import Session

from .models import AuthFailureRow, utcnow
from .problems import Problem

__all__ = ["KINDS", "RECENT_FAILURES", "Attempts", "client_address", "record_failure", "with_recent_failures"]

#: What failed: an organizer API token or a participant link token.
KINDS = ("token", "link")


def client_address(request: Request) -> str:
    """The address the limit counts for (``unknown`` when the server does not know it)."""
    host = request.client.host if request.client is not None else ""
    return (host or "unknown")[:64]


#: One row: ``failures`` (how many) and ``oldest_failure`` of the client ``:failures_client`` since ``:failures_since``.
RECENT_FAILURES = (select(func.count().label("failures"), func.min(AuthFailureRow.at).label("oldest_failure"))
                   .where(AuthFailureRow.client == bindparam("failures_client"),
                          AuthFailureRow.at > bindparam("failures_since"))
                   .subquery("recent_failures"))


def with_recent_failures(*entities: Any) -> Select:
    """``SELECT failures, oldest_failure, *entities`` from :data:`RECENT_FAILURES`: outer-join the lookup to it.

    Always one row: the entities are ``None`` when the joined lookup finds
    nothing.  Pass :attr:`Attempts.params` with the lookup's own.
    """
    return select(RECENT_FAILURES.c.failures, RECENT_FAILURES.c.oldest_failure, *entities).select_from(RECENT_FAILURES)


@dataclass(frozen=True)
class Attempts:
    """The limit on failed attempts as it applies to one request: who, when, and the settings."""

    client: str
    now: datetime
    limit: int
    window: int

    @classmethod
    def of(cls, request: Request) -> "Attempts":
        settings = request.app.state.settings
        return cls(client_address(request), utcnow(), settings.auth_failure_limit, settings.auth_failure_window_seconds)

    @property
    def params(self) -> dict[str, Any]:
        """The parameters of :data:`RECENT_FAILURES`."""
        return {"failures_client": self.client, "failures_since": self.now - timedelta(seconds=self.window)}

    def check(self, count: int, oldest: datetime | None) -> None:
        """Raise the ``429`` problem when ``count`` failures (the oldest at ``oldest``) use up the limit.

        Raises
        ------
        Problem
            ``too-many-failures`` with ``Retry-After`` and ``limit``
            (``auth_failure_limit`` and its value).
        """
        if count >= self.limit:
            retry = max(1, math.ceil(self.window - (self.now - oldest).total_seconds()))
            raise Problem("too-many-failures", code="too_many_failures",
                          params={"count": count, "window": self.window, "retry": retry},
                          limit=("auth_failure_limit", self.limit),
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
