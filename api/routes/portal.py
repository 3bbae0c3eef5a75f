"""The participant portal: ``/api/v1/p/{link_token}`` shows one participant only their own data."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from .. import results, service
from ..auth import SessionDep
from ..schemas import PortalFeedback, WishesUpdate

__all__ = ["router"]

router = APIRouter(prefix="/p/{link_token}", tags=["participant portal"])


@router.get("")
def profile(link_token: str, session: SessionDep) -> dict[str, Any]:
    """The participant's own profile (own contacts only) and the event's name."""
    row, event = service.participant_by_link(session, link_token)
    return results.portal_profile(row, event)


@router.get("/recommendations")
def recommendations(link_token: str, session: SessionDep, lang: Annotated[str, Query(pattern="^(ja|en)$")] = "ja",
                    k: Annotated[int, Query(ge=1, le=50)] = 10) -> dict[str, Any]:
    """Partners in the latest match result (or the top-``k`` scored ones before any match), with reasons."""
    row, event = service.participant_by_link(session, link_token)
    return results.recommendations(session, row, event, lang=lang, k=k)


@router.get("/agenda")
def agenda(link_token: str, session: SessionDep) -> dict[str, Any]:
    row, event = service.participant_by_link(session, link_token)
    return results.agenda(results.portal_agenda_result(session, row, event), row.pid)


@router.get("/agenda.ics", response_class=Response, responses={200: {"content": {"text/calendar": {}}}})
def agenda_ics(link_token: str, session: SessionDep) -> Response:
    row, event = service.participant_by_link(session, link_token)
    result = results.portal_agenda_result(session, row, event)
    return Response(results.agenda_ics(result, row.pid, calendar_name=event.name), media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{row.pid}.ics"'})


@router.put("/wishes")
def set_wishes(link_token: str, body: WishesUpdate, session: SessionDep) -> dict[str, Any]:
    """Replace the participant's wishes and vetoes (ids of the other side)."""
    row, event = service.participant_by_link(session, link_token)
    data = results.set_wishes(session, row, event, body.wishes, body.vetoes)
    session.commit()
    return {"wishes": data.get("wishes", []), "vetoes": data.get("vetoes", [])}


@router.post("/feedback", status_code=201)
def feedback(link_token: str, body: PortalFeedback, session: SessionDep) -> dict[str, Any]:
    """Say whether you want to continue with a partner you met (and whether there was a deal)."""
    row, event = service.participant_by_link(session, link_token)
    rnd = event.programme["rounds"][body.round] if body.round < len(event.programme["rounds"]) else None
    mine_left = rnd is None or row.role in rnd["left_roles"]
    left, right = (row.pid, body.partner) if mine_left else (body.partner, row.pid)
    answer = {"left_yes": body.yes} if mine_left else {"right_yes": body.yes}
    saved = service.record_feedback(session, event, round_index=body.round, left=left, right=right, deal=body.deal, **answer)
    session.commit()
    out = service.feedback_public(saved)
    return {k: out[k] for k in ("round", "left", "right", "deal")} | {"yes": body.yes}
