"""Results: summary, explained pairs, unmatched, quality, timetable, agendas (JSON and .ics)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from .. import results, service
from ..auth import Reader, SessionDep
from ._deps import PageDep

__all__ = ["router"]

router = APIRouter(tags=["results"])

Lang = Annotated[str, Query(pattern="^(ja|en)$", description="language of the reasons")]


@router.get("/events/{event_id}/results")
def list_results(event_id: str, caller: Reader, session: SessionDep, page: PageDep,
                 kind: Annotated[str | None, Query(pattern="^(match|plan|replan)$")] = None) -> dict[str, Any]:
    """The event's results, newest first."""
    return results.list_results(session, service.get_event(session, caller.organizer_id, event_id), page, kind)


@router.get("/results/{result_id}")
def get_result(result_id: str, caller: Reader, session: SessionDep) -> dict[str, Any]:
    """The result's summary (``matching.pipeline.summary`` for a match, the timetable's for a plan)."""
    return results.result_public(results.get_result(session, caller.organizer_id, result_id)[0])


@router.get("/results/{result_id}/pairs")
def pairs(result_id: str, caller: Reader, session: SessionDep, page: PageDep, lang: Lang = "ja",
          sort: Annotated[str, Query(pattern=r"^(-?score|left|right|position)$")] = "-score",
          participant: Annotated[str | None, Query(max_length=100)] = None) -> dict[str, Any]:
    """Each matched pair with its score, ranks and the reasons in ``lang`` (``reasons``; both languages kept)."""
    result, _ = results.get_result(session, caller.organizer_id, result_id)
    return results.pair_rows(session, result, lang=lang, sort=sort, page=page, participant=participant)


@router.get("/results/{result_id}/pairs.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def pairs_csv(result_id: str, caller: Reader, session: SessionDep) -> Response:
    result, _ = results.get_result(session, caller.organizer_id, result_id)
    return Response(results.pairs_csv(session, result), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{result.id}-pairs.csv"'})


@router.get("/results/{result_id}/unmatched")
def unmatched(result_id: str, caller: Reader, session: SessionDep) -> dict[str, Any]:
    """Participants left without a partner, with the reason in words."""
    result, _ = results.get_result(session, caller.organizer_id, result_id)
    items = list(result.unmatched)
    return {"items": items, "total": len(items), "limit": len(items), "offset": 0}


@router.get("/results/{result_id}/quality")
def quality(result_id: str, caller: Reader, session: SessionDep) -> dict[str, Any]:
    result, _ = results.get_result(session, caller.organizer_id, result_id)
    return results.quality(session, result)


@router.get("/results/{result_id}/timetable")
def timetable(result_id: str, caller: Reader, session: SessionDep) -> dict[str, Any]:
    """Slots, tables, meetings (with times and interpreter needs), unplaced wishes and, for a replan, the changes."""
    result, _ = results.get_result(session, caller.organizer_id, result_id)
    return {"result_id": result.id, "kind": result.kind, "round": result.round, **results.timetable_of(result)}


@router.get("/results/{result_id}/timetable.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def timetable_csv(result_id: str, caller: Reader, session: SessionDep) -> Response:
    result, _ = results.get_result(session, caller.organizer_id, result_id)
    return Response(results.timetable_csv(result), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{result.id}-timetable.csv"'})


def _participant(session: SessionDep, event: Any, participant_id: str) -> None:
    service.get_participant(session, event, participant_id)


@router.get("/results/{result_id}/agendas/{participant_id}.ics", response_class=Response,
            responses={200: {"content": {"text/calendar": {}}}})
def agenda_ics(result_id: str, participant_id: str, caller: Reader, session: SessionDep) -> Response:
    """One participant's agenda as an iCalendar file."""
    result, event = results.get_result(session, caller.organizer_id, result_id)
    _participant(session, event, participant_id)
    body = results.agenda_ics(result, participant_id, calendar_name=event.name)
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{participant_id}.ics"'})


@router.get("/results/{result_id}/agendas/{participant_id}")
def agenda(result_id: str, participant_id: str, caller: Reader, session: SessionDep) -> dict[str, Any]:
    result, event = results.get_result(session, caller.organizer_id, result_id)
    _participant(session, event, participant_id)
    return results.agenda(result, participant_id)
