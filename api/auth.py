"""Organizer API tokens (``mt_...``) with scopes, and participant link tokens (``pt_...``).

Tokens are random, shown once, and stored only as their SHA-256 hex digest.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Annotated, AsyncIterator

import anyio
from fastapi import Depends, Request
from sqlalchemy import and_, bindparam
from sqlalchemy.orm import Session

from .models import ApiToken, Organizer
from .problems import Problem
from .ratelimit import Attempts, record_failure, with_recent_failures

__all__ = [
    "SCOPES",
    "Caller",
    "new_id",
    "new_token",
    "hash_token",
    "get_session",
    "get_caller",
    "require",
    "SessionDep",
    "CallerDep",
]

#: Scopes of an organizer token: read (GET), write (change data), run (jobs), admin (organizers).
SCOPES: tuple[str, ...] = ("read", "write", "run", "admin")


def new_id(prefix: str) -> str:
    """A short random id such as ``ev_3f9a1c2b7d4e``."""
    return f"{prefix}_{secrets.token_hex(6)}"


def new_token(prefix: str) -> str:
    """A bearer secret: ``mt_`` (organizer) or ``pt_`` (participant link) + 32 url-safe characters."""
    return f"{prefix}_{secrets.token_urlsafe(24)}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Caller:
    """The organizer a request acts for, and what its token may do."""

    organizer_id: str
    organizer_name: str
    token_id: str
    scopes: tuple[str, ...]


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's database session, closed (its connection back in the pool) when the response is done.

    Opening a session does no I/O (it connects on its first query): that
    happens in the event loop; only closing it goes to the thread pool, as
    FastAPI closes a sync dependency (with a limiter of its own, shielded
    from cancellation) -- one hop per request less than a sync generator's two.
    """
    session = request.app.state.sessions()
    try:
        yield session
    finally:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(session.close, limiter=anyio.CapacityLimiter(1))


SessionDep = Annotated[Session, Depends(get_session)]


#: The client's recent failed attempts and the live token of ``:token_hash`` with its organizer (``None`` for none).
_CALLER = (with_recent_failures(ApiToken, Organizer)
           .outerjoin(ApiToken, and_(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None)))
           .outerjoin(Organizer, Organizer.id == ApiToken.organizer_id))


def get_caller(request: Request, session: SessionDep) -> Caller:
    """The caller of the request's bearer token: 401 without one or for an unknown or revoked one.

    An address over the limit of failed attempts gets 429 whatever token it
    sends (:mod:`api.ratelimit`; checked in the token's own query).
    """
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem("unauthorized", code="auth_missing", headers={"WWW-Authenticate": "Bearer"})
    attempts = Attempts.of(request)
    failures, oldest, api_token, organizer = session.execute(
        _CALLER, {**attempts.params, "token_hash": hash_token(token.strip())}).one()
    attempts.check(failures, oldest)
    if api_token is None or organizer is None:
        record_failure(request, session, "token")
        raise Problem("unauthorized", code="auth_unknown", headers={"WWW-Authenticate": "Bearer"})
    return Caller(organizer.id, organizer.name, api_token.id, tuple(api_token.scopes))


CallerDep = Annotated[Caller, Depends(get_caller)]


def require(scope: str):  # noqa: ANN201 - a FastAPI dependency
    """A dependency giving the caller, or 403 when its token lacks ``scope``."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}; expected one of {SCOPES}")

    async def dependency(caller: CallerDep) -> Caller:  # no I/O: run in the event loop, not the thread pool
        if scope not in caller.scopes:
            raise Problem("forbidden", code="scope_missing", params={"scope": scope, "scopes": list(caller.scopes)})
        return caller

    return dependency


Reader = Annotated[Caller, Depends(require("read"))]
Writer = Annotated[Caller, Depends(require("write"))]
Runner = Annotated[Caller, Depends(require("run"))]
Admin = Annotated[Caller, Depends(require("admin"))]
__all__ += ["Reader", "Writer", "Runner", "Admin"]
