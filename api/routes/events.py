"""Events and their rules (the programme)."""

from __future__ import annotations

import json
import tomllib
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from matching.errors import FieldError, InvalidInput

from .. import service
from ..auth import Reader, SessionDep, Writer
from ..schemas import EventCreate, EventPublic, EventUpdate
from ._deps import PageDep

__all__ = ["router"]

router = APIRouter(tags=["events"])

TOML_TYPES = ("application/toml", "text/toml", "application/x-toml")


@router.post("/events", status_code=201, response_model=EventPublic)
def create_event(body: EventCreate, caller: Writer, session: SessionDep, response: Response) -> dict[str, Any]:
    """A new event; without ``programme``: SMEs × startups (0..1 / 0..13), 14 twenty-minute slots at 8 tables."""
    row = service.create_event(session, caller.organizer_id, body.name, body.programme, body.date)
    session.commit()
    response.headers["Location"] = f"/api/v1/events/{row.id}"
    return service.event_public(session, row)


@router.get("/events")
def list_events(caller: Reader, session: SessionDep, page: PageDep) -> dict[str, Any]:
    return service.list_events(session, caller.organizer_id, page)


@router.get("/events/{event_id}", response_model=EventPublic)
def get_event(event_id: str, caller: Reader, session: SessionDep) -> dict[str, Any]:
    return service.event_public(session, service.get_event(session, caller.organizer_id, event_id))


@router.patch("/events/{event_id}", response_model=EventPublic)
def update_event(event_id: str, body: EventUpdate, caller: Writer, session: SessionDep) -> dict[str, Any]:
    row = service.get_event(session, caller.organizer_id, event_id)
    service.update_event(session, row, name=body.name, programme=body.programme)
    session.commit()
    return service.event_public(session, row)


@router.delete("/events/{event_id}", status_code=204)
def delete_event(event_id: str, caller: Writer, session: SessionDep) -> Response:
    service.delete_event(session, service.get_event(session, caller.organizer_id, event_id))
    session.commit()
    return Response(status_code=204)


@router.get("/events/{event_id}/rules")
def get_rules(event_id: str, caller: Reader, session: SessionDep) -> dict[str, Any]:
    """The event's programme (rules) as JSON."""
    return service.get_event(session, caller.organizer_id, event_id).programme


def _parse_rules(body: bytes, content_type: str) -> Any:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput([FieldError("(encoding)", None, f"rules must be UTF-8: {exc.reason} at byte {exc.start}")]) from None
    if content_type in TOML_TYPES:
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InvalidInput([FieldError("(toml)", None, f"not valid TOML: {exc}")]) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput([FieldError("(json)", None, f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")]) from None


@router.put("/events/{event_id}/rules", openapi_extra={"requestBody": {"content": {
    "application/json": {"schema": {"type": "object"}}, "application/toml": {"schema": {"type": "string"}}}, "required": True}})
async def put_rules(event_id: str, request: Request, caller: Writer, session: SessionDep) -> dict[str, Any]:
    """Replace the programme (JSON, or TOML with ``Content-Type: application/toml``), checked against the participants."""
    body = await request.body()
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()

    def work() -> dict[str, Any]:
        row = service.get_event(session, caller.organizer_id, event_id)
        service.set_rules(session, row, _parse_rules(body, content_type))
        session.commit()
        return row.programme

    return await run_in_threadpool(work)
