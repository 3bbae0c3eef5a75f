"""``/me``, ``/organizers`` and ``/tokens``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from .. import service
from ..auth import Admin, CallerDep, Reader, SessionDep, Writer
from ..schemas import Me, OrganizerCreate, TokenCreate

__all__ = ["router"]

router = APIRouter(tags=["organizers"])


@router.get("/me", response_model=Me)
def me(caller: CallerDep) -> dict[str, Any]:
    """The organizer the token belongs to, and the token's scopes."""
    return {"id": caller.organizer_id, "name": caller.organizer_name, "scopes": list(caller.scopes)}


@router.post("/organizers", status_code=201)
def create_organizer(body: OrganizerCreate, caller: Admin, session: SessionDep) -> dict[str, Any]:
    """A new organizer (admin scope) with a first token (read, write, run), shown once."""
    organizer, token = service.create_organizer(session, body.name)
    session.commit()
    return {"organizer": {"id": organizer.id, "name": organizer.name, "created_at": organizer.created_at}, "token": token}


@router.post("/tokens", status_code=201)
def create_token(body: TokenCreate, caller: Writer, session: SessionDep) -> dict[str, Any]:
    """A new token of the caller's organizer; it may not have scopes the caller's token lacks."""
    missing = [s for s in body.scopes if s not in caller.scopes]
    if missing:
        from ..problems import Problem

        raise Problem("forbidden", code="scope_grant", params={"missing": missing})
    row, token = service.create_token(session, caller.organizer_id, body.scopes, label=body.label)
    session.commit()
    return {**service.token_public(row), "token": token}


@router.get("/tokens")
def list_tokens(caller: Reader, session: SessionDep) -> dict[str, Any]:
    items = service.list_tokens(session, caller.organizer_id)
    return {"items": items, "total": len(items), "limit": len(items), "offset": 0}


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(token_id: str, caller: Writer, session: SessionDep) -> Response:
    service.revoke_token(session, caller.organizer_id, token_id)
    session.commit()
    return Response(status_code=204)
