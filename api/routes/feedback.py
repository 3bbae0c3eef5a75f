"""Feedback after each meeting (did each side want to continue, was there a deal)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from .. import service
from ..auth import Reader, SessionDep, Writer
from ..schemas import FeedbackCreate
from ._deps import PageDep

__all__ = ["router"]

router = APIRouter(tags=["feedback"])


@router.post("/events/{event_id}/feedback", status_code=201)
def record_feedback(event_id: str, body: FeedbackCreate, caller: Writer, session: SessionDep) -> dict[str, Any]:
    """Record what a pair said after meeting; answers given later complete or overwrite earlier ones."""
    event = service.get_event(session, caller.organizer_id, event_id)
    row = service.record_feedback(session, event, round_index=body.round, left=body.left, right=body.right,
                                  left_yes=body.left_yes, right_yes=body.right_yes, deal=body.deal)
    session.commit()
    return service.feedback_public(row)


@router.get("/events/{event_id}/feedback")
def list_feedback(event_id: str, caller: Reader, session: SessionDep, page: PageDep) -> dict[str, Any]:
    return service.list_feedback(session, service.get_event(session, caller.organizer_id, event_id), page)
