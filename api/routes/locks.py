"""Manual edits: pin (must meet) or forbid (never meet) a pair; the next match keeps them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from .. import service
from ..auth import Reader, SessionDep, Writer
from ..schemas import LockCreate

__all__ = ["router"]

router = APIRouter(tags=["locks"])


@router.post("/events/{event_id}/locks", status_code=201)
def create_lock(event_id: str, body: LockCreate, caller: Writer, session: SessionDep) -> dict[str, Any]:
    """Pin or forbid a pair of a round; a new lock on the same pair replaces the old one."""
    event = service.get_event(session, caller.organizer_id, event_id)
    lock = service.create_lock(session, event, round_index=body.round, left=body.left, right=body.right, kind=body.kind)
    session.commit()
    return service.lock_public(lock)


@router.get("/events/{event_id}/locks")
def list_locks(event_id: str, caller: Reader, session: SessionDep) -> dict[str, Any]:
    items = [service.lock_public(lk) for lk in service.list_locks(session, service.get_event(session, caller.organizer_id, event_id))]
    return {"items": items, "total": len(items), "limit": len(items), "offset": 0}


@router.delete("/events/{event_id}/locks/{lock_id}", status_code=204)
def delete_lock(event_id: str, lock_id: str, caller: Writer, session: SessionDep) -> Response:
    service.delete_lock(session, service.get_event(session, caller.organizer_id, event_id), lock_id)
    session.commit()
    return Response(status_code=204)
