"""Durable background jobs: the ``jobs`` row is the truth; here, submitting, reading and cancelling them.

Life of a job: ``queued → running → succeeded | failed | cancelled`` (never
backwards).

* :func:`submit_job` checks the request and the limits and inserts a
  ``queued`` row.
* A worker (:class:`api.runner.JobRunner`, in an API process or in
  ``matching worker``) claims the oldest queued job with a lease
  (:mod:`api.leases`) and renews it by heartbeat; the claim counts an
  attempt.  A job whose worker died is taken over once its lease has
  expired, or failed with ``job-interrupted`` after ``job_max_attempts``.
* The result and the flip to ``succeeded`` are written in **one**
  transaction, by the lease's owner only: a crash leaves either no result
  or the whole result, and a job has at most one result.
"""

from __future__ import annotations

import logging
from typing import Any, Mapping

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from matching.errors import FieldError, InvalidInput

from . import service
from .auth import new_id
from .models import EventRow, JobRow, LockRow, ResultRow, utcnow
from .problems import Problem, limit_exceeded, not_found
from .settings import Settings

__all__ = ["JOB_KINDS", "submit_job", "get_job", "job_public", "list_jobs", "cancel_job", "JobRunner"]

log = logging.getLogger("api.jobs")

JOB_KINDS = ("match", "plan", "replan")


def job_public(row: JobRow) -> dict[str, Any]:
    """The job as the API shows it, lease included: ``worker`` holds (or last held) it, until ``lease_expires_at``.

    ``lease_expires_at`` is set only while the job runs (``null`` once it is queued again or has ended);
    ``worker`` stays on a finished job, naming the worker that finished it.
    """
    return {
        "id": row.id, "event_id": row.event_id, "kind": row.kind, "params": row.params, "state": row.state,
        "progress": round(float(row.progress), 4), "message": row.message, "error": row.error,
        "result_id": row.result_id, "attempts": row.attempts, "cancel_requested": bool(row.cancel_requested),
        "worker": row.worker, "lease_expires_at": row.lease_expires_at,
        "created_at": row.created_at, "started_at": row.started_at, "finished_at": row.finished_at,
    }


def _result_of(session: Session, event: EventRow, result_id: str) -> ResultRow:
    found = session.scalar(select(ResultRow).where(ResultRow.id == result_id, ResultRow.event_id == event.id))
    if found is None:
        raise not_found("result", result_id)
    return found


def _check_cells(session: Session, settings: Settings, event: EventRow, round_index: int) -> None:
    n_left, n_right = service.round_sizes(session, event, round_index)
    cells = n_left * n_right
    if cells > settings.max_matrix_cells:
        raise limit_exceeded("max_matrix_cells", settings.max_matrix_cells,
                             f"round {round_index} has {n_left} × {n_right} = {cells} pairs to score; at most {settings.max_matrix_cells} per job")


def submit_job(session: Session, settings: Settings, organizer_id: str, event: EventRow, spec: Mapping[str, Any]) -> JobRow:
    """Check a job request and queue it.

    Raises
    ------
    Problem
        invalid-input (unknown kind, round, objective, result), not-found (a
        result of another event), limit-exceeded ``max_matrix_cells`` (422)
        or ``max_concurrent_jobs`` (429).
    """
    from matching.pipeline import OBJECTIVES
    from matching.timetable import METHODS

    kind = spec.get("kind")
    params: dict[str, Any] = {k: v for k, v in spec.items() if v is not None and k != "kind"}
    if kind not in JOB_KINDS:
        raise InvalidInput([FieldError("kind", kind, f"unknown job kind; expected one of {list(JOB_KINDS)}")])
    if kind in ("match", "plan"):
        round_index = int(params.get("round", 0))
        params["round"] = round_index
        service.round_sizes(session, event, round_index)  # checks the round exists
        _check_cells(session, settings, event, round_index)
    if kind == "match":
        objective = params.get("objective")
        if objective is not None and objective not in OBJECTIVES:
            raise InvalidInput([FieldError("objective", objective, f"unknown objective; expected one of {sorted(OBJECTIVES)}")])
        _check_pins_kept(session, event, params["round"], objective)
    if kind in ("plan", "replan"):
        method = params.get("method", "auto")
        if method != "auto" and method not in METHODS:
            raise InvalidInput([FieldError("method", method, f"unknown method; expected 'auto' or one of {sorted(METHODS)}")])
    if kind == "plan":
        rnd = event.programme["rounds"][params["round"]]
        if not rnd.get("slots"):
            raise InvalidInput([FieldError(f"rounds[{params['round']}].slots", [], "a timetable needs the round's time slots; add them with PUT .../rules")])
        if "result_id" in params:
            source = _result_of(session, event, params["result_id"])
            if source.kind != "match" or source.round != params["round"]:
                raise InvalidInput([FieldError("result_id", params["result_id"], f"expected a match result of round {params['round']}; got a {source.kind} result of round {source.round}")])
    if kind == "replan":
        if "result_id" not in params:
            raise InvalidInput([FieldError("result_id", None, "a replan needs the result_id of a plan or replan result")])
        source = _result_of(session, event, params["result_id"])
        if source.kind not in ("plan", "replan"):
            raise InvalidInput([FieldError("result_id", params["result_id"], f"expected a plan or replan result; got a {source.kind} result")])
        params["round"] = source.round
    active = service.active_jobs(session, organizer_id)
    if active >= settings.max_concurrent_jobs:
        raise limit_exceeded("max_concurrent_jobs", settings.max_concurrent_jobs,
                             f"{active} job(s) are queued or running; at most {settings.max_concurrent_jobs} at a time per organizer",
                             status=429)
    row = JobRow(id=new_id("job"), organizer_id=organizer_id, event_id=event.id, kind=kind, params=params, state="queued",
                 progress=0.0, message="queued", attempts=0, cancel_requested=False, created_at=utcnow())
    session.add(row)
    session.flush()
    return row


def _check_pins_kept(session: Session, event: EventRow, round_index: int, objective: str | None) -> None:
    """Refuse up front an objective that would drop the round's must pairs and pins (see EXACT_OBJECTIVES)."""
    from matching.pipeline import EXACT_OBJECTIVES

    rnd = event.programme["rounds"][round_index]
    name = objective if objective is not None else rnd.get("objective", "max-total")
    if name in EXACT_OBJECTIVES:
        return
    pins = session.scalar(select(func.count()).select_from(LockRow).where(
        LockRow.event_id == event.id, LockRow.round == round_index, LockRow.kind == "pin")) or 0
    must = len(rnd.get("must", ())) + pins
    if must:
        raise InvalidInput([FieldError("objective", name, f"round {round_index} has {must} pinned or must pair(s), which only "
                                       f"{' and '.join(EXACT_OBJECTIVES)} keep; choose one of those or delete the pins")])


def get_job(session: Session, organizer_id: str, job_id: str) -> JobRow:
    row = session.scalar(select(JobRow).where(JobRow.id == job_id, JobRow.organizer_id == organizer_id))
    if row is None:
        raise not_found("job", job_id)
    return row


def list_jobs(session: Session, event: EventRow, page: service.Page) -> dict[str, Any]:
    from sqlalchemy import func

    query = select(JobRow).where(JobRow.event_id == event.id)
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = session.scalars(query.order_by(JobRow.created_at.desc(), JobRow.id).limit(page.limit).offset(page.offset)).all()
    return service.paged([job_public(r) for r in rows], total, page)


def cancel_job(session: Session, organizer_id: str, job_id: str) -> JobRow:
    """Cancel a queued job at once, or ask a running one to stop at its next stage (its result is then dropped)."""
    row = get_job(session, organizer_id, job_id)
    for _ in range(3):  # a worker may claim (or finish) the job between the read and the update: look again
        if row.state == "queued":
            changed = session.execute(update(JobRow).where(JobRow.id == row.id, JobRow.state == "queued")
                                      .values(state="cancelled", message="cancelled before it started", finished_at=utcnow()))
        elif row.state == "running":
            changed = session.execute(update(JobRow).where(JobRow.id == row.id, JobRow.state == "running")
                                      .values(cancel_requested=True, message="cancellation requested"))
        else:
            raise Problem("conflict", f"job {job_id!r} has already finished ({row.state}); nothing to cancel")
        if changed.rowcount == 1:
            break
        session.refresh(row)
    session.flush()
    session.refresh(row)
    return row


from .runner import JobRunner  # noqa: E402 - re-exported: workers used to live here
