"""Background jobs: match, plan, replan; progress; cancel."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from .. import jobs, service
from ..auth import Reader, Runner, SessionDep
from ..idempotency import run_idempotent
from ..problems import localize_problem, request_language
from ..schemas import JobCreate
from ._deps import PageDep, SettingsDep

__all__ = ["router"]

router = APIRouter(tags=["jobs"])


@router.post("/events/{event_id}/jobs", status_code=202, responses={202: {"description": "queued; poll the Location"}})
def submit_job(event_id: str, body: JobCreate, request: Request, caller: Runner, session: SessionDep,
               settings: SettingsDep) -> Response:
    """Queue a job (202 with ``Location: /api/v1/jobs/{id}``). ``Idempotency-Key`` honoured.

    * ``{"kind": "match", "round": 0, "objective"?, "weights"?, "seed"?}``: locks are added as must/never pairs;
    * ``{"kind": "plan", "round": 0, "result_id"?, "method"?, "time_limit"?, "tables"?, "fairness"?}``: the
      timetable of a match result's pairs, or of all scored pairs (wishes first) without ``result_id``;
    * ``{"kind": "replan", "result_id", "no_show": [...], "now_slot"?, "move_future"?}``.
    """
    canonical = body.model_dump_json(exclude_none=True).encode()

    def produce() -> tuple[int, Any, dict[str, str]]:
        event = service.get_event(session, caller.organizer_id, event_id)
        row = jobs.submit_job(session, settings, caller.organizer_id, event, body.model_dump(exclude_none=True))
        return 202, jobs.job_public(row), {"Location": f"/api/v1/jobs/{row.id}"}

    response = run_idempotent(session, request, caller.organizer_id, canonical, produce)
    runner = getattr(request.app.state, "runner", None)
    if runner is not None:
        runner.wake()
    return response


def _worded(job: dict[str, Any], request: Request) -> dict[str, Any]:
    """The job with its stored problem (``error``) in the request's language."""
    if isinstance(job.get("error"), dict):
        job = dict(job, error=localize_problem(job["error"], request_language(request)))
    return job


@router.get("/events/{event_id}/jobs")
def list_jobs(event_id: str, request: Request, caller: Reader, session: SessionDep, page: PageDep) -> dict[str, Any]:
    listed = jobs.list_jobs(session, service.get_event(session, caller.organizer_id, event_id), page)
    return dict(listed, items=[_worded(job, request) for job in listed["items"]])


@router.get("/jobs/{job_id}")
def get_job(job_id: str, request: Request, caller: Reader, session: SessionDep) -> dict[str, Any]:
    """A job's state and progress; a failed job's ``error`` is a problem document in the request's language."""
    return _worded(jobs.job_public(jobs.get_job(session, caller.organizer_id, job_id)), request)


@router.post("/jobs/{job_id}/cancel")
def cancel_job(job_id: str, caller: Runner, session: SessionDep) -> dict[str, Any]:
    """Cancel a queued job, or ask a running one to stop (its result is dropped); 409 when already finished."""
    row = jobs.cancel_job(session, caller.organizer_id, job_id)
    session.commit()
    return jobs.job_public(row)
