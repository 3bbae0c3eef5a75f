"""The participant portal: ``/api/v1/p/{link_token}`` shows one participant only their own data."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import bindparam

from .. import results, service
from ..auth import SessionDep, hash_token
from ..models import EventRow, ParticipantRow
from ..problems import not_found
from ..ratelimit import Attempts, record_failure, with_recent_failures
from ..schemas import PortalFeedback, WishesUpdate

__all__ = ["router"]

router = APIRouter(prefix="/p/{link_token}", tags=["participant portal"])


#: The client's recent failed attempts and the participant of ``:link_hash`` with their event (``None`` for none).
_LINK_OWNER = (with_recent_failures(ParticipantRow, EventRow)
               .outerjoin(ParticipantRow, ParticipantRow.link_hash == bindparam("link_hash"))
               .outerjoin(EventRow, EventRow.id == ParticipantRow.event_id))


def link_owner(request: Request, link_token: str, session: SessionDep) -> tuple[ParticipantRow, EventRow]:
    """The participant of the path's link token and their event, within the limit of failed attempts.

    An address over the limit gets 429 (:mod:`api.ratelimit`) whatever
    link it sends; an unknown or revoked link is 404 and counts as a failed
    attempt.  One query does both (as :func:`api.service.participant_by_link`
    looks a link up).
    """
    attempts = Attempts.of(request)
    failures, oldest, row, event = session.execute(_LINK_OWNER, {**attempts.params, "link_hash": hash_token(link_token)}).one()
    attempts.check(failures, oldest)
    if row is None or event is None or not link_token.startswith("pt_"):
        record_failure(request, session, "link")
        raise not_found("link", "(token)")
    return row, event


LinkOwner = Annotated[tuple[ParticipantRow, EventRow], Depends(link_owner)]


@router.get("")
def profile(owner: LinkOwner) -> dict[str, Any]:
    """The participant's own profile (own contacts only) and the event's name."""
    row, event = owner
    return results.portal_profile(row, event)


@router.get("/recommendations")
def recommendations(owner: LinkOwner, session: SessionDep, lang: Annotated[str, Query(pattern="^(ja|en)$")] = "ja",
                    k: Annotated[int, Query(ge=1, le=50)] = 10) -> dict[str, Any]:
    """Partners in the latest match result (or the top-``k`` scored ones before any match), with reasons."""
    row, event = owner
    return results.recommendations(session, row, event, lang=lang, k=k)


@router.get("/agenda")
def agenda(owner: LinkOwner, session: SessionDep) -> dict[str, Any]:
    row, event = owner
    return results.agenda(results.portal_agenda_result(session, row, event), row.pid)


@router.get("/agenda.ics", response_class=Response, responses={200: {"content": {"text/calendar": {}}}})
def agenda_ics(owner: LinkOwner, session: SessionDep) -> Response:
    row, event = owner
    result = results.portal_agenda_result(session, row, event)
    return Response(results.agenda_ics(result, row.pid, calendar_name=event.name), media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{row.pid}.ics"'})


@router.put("/wishes")
def set_wishes(owner: LinkOwner, body: WishesUpdate, session: SessionDep) -> dict[str, Any]:
    """Replace the participant's wishes and vetoes (ids of the other side)."""
    row, event = owner
    data = results.set_wishes(session, row, event, body.wishes, body.vetoes)
    session.commit()
    return {"wishes": data.get("wishes", []), "vetoes": data.get("vetoes", [])}


@router.post("/feedback", status_code=201)
def feedback(owner: LinkOwner, body: PortalFeedback, session: SessionDep) -> dict[str, Any]:
    """Say whether you want to continue with a partner you met (and whether there was a deal)."""
    row, event = owner
    rnd = event.programme["rounds"][body.round] if body.round < len(event.programme["rounds"]) else None
    mine_left = rnd is None or row.role in rnd["left_roles"]
    left, right = (row.pid, body.partner) if mine_left else (body.partner, row.pid)
    answer = {"left_yes": body.yes} if mine_left else {"right_yes": body.yes}
    saved = service.record_feedback(session, event, round_index=body.round, left=left, right=right, deal=body.deal, **answer)
    session.commit()
    out = service.feedback_public(saved)
    return {k: out[k] for k in ("round", "left", "right", "deal")} | {"yes": body.yes}
