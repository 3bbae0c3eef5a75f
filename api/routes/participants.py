"""Participants: bulk import (CSV, JSON, Excel; all or nothing), list, read, change, delete, personal links."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from matching.errors import FieldError, InvalidInput
from matching.io import format_of

from .. import service
from ..auth import Reader, SessionDep, Writer
from ..idempotency import run_idempotent
from ..problems import Problem
from ._deps import PageDep, SettingsDep

__all__ = ["router", "CONTENT_TYPES"]

router = APIRouter(tags=["participants"])

#: Content-Type → participant file format.
CONTENT_TYPES = {
    "text/csv": "csv",
    "application/csv": "csv",
    "text/plain": "csv",
    "text/tab-separated-values": "csv",
    "application/json": "json",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}


async def _upload(request: Request, body: bytes, format: str | None) -> tuple[bytes, str, str]:
    """(file bytes, format, source name) from a raw body or a multipart ``file`` field."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise InvalidInput([FieldError("file", None, "a multipart upload needs a file field named 'file'")])
        data = await upload.read()
        name = upload.filename or "upload"
        return data, format_of(name, format), name
    if format is not None:
        return body, format_of("<upload>", format), f"<upload>.{format}"
    if content_type not in CONTENT_TYPES:
        raise Problem("unsupported-media-type",
                      f"Content-Type {content_type or '(none)'!r} is not a participant file; send text/csv, application/json, "
                      f"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet or multipart/form-data with a 'file' field")
    fmt = CONTENT_TYPES[content_type]
    return body, fmt, f"<upload>.{fmt}"


@router.post("/events/{event_id}/participants/import", openapi_extra={"requestBody": {"required": True, "content": {
    "text/csv": {"schema": {"type": "string"}}, "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}},
    "multipart/form-data": {"schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}}}}})
async def import_participants(
    event_id: str,
    request: Request,
    caller: Writer,
    session: SessionDep,
    settings: SettingsDep,
    mode: Annotated[str, Query(pattern="^(replace|append)$")] = "replace",
    format: Annotated[str | None, Query(description="csv, json or xlsx (default: from the Content-Type)")] = None,
) -> Response:
    """Import a participant file, all or nothing (422 ``import-rejected`` lists every bad row). ``Idempotency-Key`` honoured."""
    body = await request.body()
    data, fmt, source = await _upload(request, body, format)

    def work() -> Response:
        event = service.get_event(session, caller.organizer_id, event_id)

        def produce() -> tuple[int, Any, dict[str, str]]:
            return 200, service.import_participants(session, settings, event, data, format=fmt, mode=mode, source=source), {}

        return run_idempotent(session, request, caller.organizer_id, body, produce)

    return await run_in_threadpool(work)


@router.get("/events/{event_id}/participants")
def list_participants(event_id: str, caller: Reader, session: SessionDep, page: PageDep,
                      role: Annotated[str | None, Query(max_length=64)] = None) -> dict[str, Any]:
    """The event's participants in import order (contacts included: organizers only)."""
    return service.list_participants(session, service.get_event(session, caller.organizer_id, event_id), page, role)


@router.get("/events/{event_id}/participants/{participant_id}")
def get_participant(event_id: str, participant_id: str, caller: Reader, session: SessionDep) -> dict[str, Any]:
    event = service.get_event(session, caller.organizer_id, event_id)
    return service.participant_public(service.get_participant(session, event, participant_id))


@router.patch("/events/{event_id}/participants/{participant_id}")
def update_participant(event_id: str, participant_id: str, caller: Writer, session: SessionDep,
                       changes: Annotated[dict[str, Any], Body(description="fields of the participant to change")]) -> dict[str, Any]:
    event = service.get_event(session, caller.organizer_id, event_id)
    row = service.update_participant(session, event, participant_id, changes)
    session.commit()
    return service.participant_public(row)


@router.delete("/events/{event_id}/participants/{participant_id}", status_code=204)
def delete_participant(event_id: str, participant_id: str, caller: Writer, session: SessionDep) -> Response:
    """Remove a participant and every reference to it (wishes, vetoes, conflicts, must/never pairs, locks)."""
    event = service.get_event(session, caller.organizer_id, event_id)
    service.delete_participant(session, event, participant_id)
    session.commit()
    return Response(status_code=204)


@router.post("/events/{event_id}/participants/{participant_id}/link", status_code=201)
def issue_link(event_id: str, participant_id: str, caller: Writer, session: SessionDep) -> dict[str, Any]:
    """A personal link token for the participant (shown once); issuing again revokes the previous one."""
    event = service.get_event(session, caller.organizer_id, event_id)
    link = service.issue_link(session, event, participant_id)
    session.commit()
    return link
