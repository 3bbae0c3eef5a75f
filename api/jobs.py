"""Durable background jobs: the ``jobs`` row is the truth, worker threads run in-process.

Life of a job: ``queued → running → succeeded | failed | cancelled`` (never
backwards).

* :func:`submit_job` checks the request and the limits and inserts a
  ``queued`` row.
* A worker claims the oldest queued job with a conditional update
  (``... WHERE id = ? AND state = 'queued'``), so two workers never take
  the same job; the claim counts an attempt.
* The result and the flip to ``succeeded`` are written in **one**
  transaction: a crash leaves either no result or the whole result.
* :func:`recover` (at start-up) finds jobs left ``running`` by a process
  that died: they are queued again while ``attempts < job_max_attempts``,
  else marked ``failed`` with the reason.  One server process per database
  is assumed (a second process starting would re-queue the first one's
  running jobs).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from typing import Any, Mapping

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from matching.errors import FieldError, InvalidInput

from . import compute, service
from .auth import new_id
from .models import EventRow, FeedbackRow, JobRow, LockRow, PairRow, ResultRow, utcnow
from .problems import Problem, limit_exceeded, not_found, problem_from_exception
from .settings import Settings

__all__ = ["JOB_KINDS", "submit_job", "get_job", "job_public", "list_jobs", "cancel_job", "recover", "JobRunner"]

log = logging.getLogger("api.jobs")

JOB_KINDS = ("match", "plan", "replan")


def job_public(row: JobRow) -> dict[str, Any]:
    return {
        "id": row.id, "event_id": row.event_id, "kind": row.kind, "params": row.params, "state": row.state,
        "progress": round(float(row.progress), 4), "message": row.message, "error": row.error,
        "result_id": row.result_id, "attempts": row.attempts, "cancel_requested": bool(row.cancel_requested),
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
    if row.state == "queued":
        session.execute(update(JobRow).where(JobRow.id == row.id, JobRow.state == "queued")
                        .values(state="cancelled", message="cancelled before it started", finished_at=utcnow()))
    elif row.state == "running":
        session.execute(update(JobRow).where(JobRow.id == row.id, JobRow.state == "running")
                        .values(cancel_requested=True, message="cancellation requested"))
    else:
        raise Problem("conflict", f"job {job_id!r} has already finished ({row.state}); nothing to cancel")
    session.flush()
    session.refresh(row)
    return row


def recover(sessions: sessionmaker[Session], settings: Settings) -> dict[str, int]:
    """Deal with jobs a dead process left ``running``: re-queue them, or fail them after too many attempts."""
    counts = {"requeued": 0, "failed": 0}
    with sessions() as session, session.begin():
        for row in session.scalars(select(JobRow).where(JobRow.state == "running")).all():
            if row.attempts < settings.job_max_attempts:
                row.state = "queued"
                row.message = f"re-queued: the server stopped while the job was running (attempt {row.attempts} of {settings.job_max_attempts})"
                row.progress = 0.0
                row.worker = None
                counts["requeued"] += 1
            else:
                reason = (f"server stopped while the job was running; it had been tried {row.attempts} time(s), "
                          f"the most allowed ({settings.job_max_attempts}), so it was not started again")
                row.state = "failed"
                row.message = reason
                row.error = Problem("job-interrupted", reason).body()
                row.finished_at = utcnow()
                counts["failed"] += 1
            if row.cancel_requested and row.state == "queued":
                row.state = "cancelled"
                row.message = "cancelled (the server stopped while it was running)"
                row.finished_at = utcnow()
    return counts


class _Cancelled(Exception):
    pass


class JobRunner:
    """Worker threads taking queued jobs from the database."""

    def __init__(self, sessions: sessionmaker[Session], settings: Settings):
        self.sessions = sessions
        self.settings = settings
        self.identity = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for k in range(self.settings.job_workers):
            thread = threading.Thread(target=self._loop, name=f"job-worker-{k}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop taking jobs; a job still running after ``timeout`` goes back to the queue (this attempt not counted)."""
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()
        try:
            with self.sessions() as session, session.begin():
                session.execute(
                    update(JobRow).where(JobRow.state == "running", JobRow.worker == self.identity)
                    .values(state="queued", attempts=JobRow.attempts - 1, worker=None, progress=0.0,
                            message="re-queued: the server was stopped while the job was running")
                )
        except Exception:  # the database is gone: recovery at the next start deals with it
            log.exception("could not re-queue running jobs at shutdown")

    def wake(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                job_id = self.claim()
            except Exception:  # the database is briefly unavailable: retry later
                log.exception("claiming a job failed")
                job_id = None
            if job_id is None:
                self._wake.wait(self.settings.job_poll_seconds)
                self._wake.clear()
                continue
            self.execute(job_id)

    def claim(self) -> str | None:
        """Take the oldest queued job, or ``None``; a conditional update makes the claim exclusive."""
        with self.sessions() as session, session.begin():
            candidates = session.scalars(select(JobRow.id).where(JobRow.state == "queued")
                                         .order_by(JobRow.created_at, JobRow.id).limit(5)).all()
            for job_id in candidates:
                claimed = session.execute(
                    update(JobRow).where(JobRow.id == job_id, JobRow.state == "queued")
                    .values(state="running", attempts=JobRow.attempts + 1, started_at=utcnow(), worker=self.identity,
                            progress=0.0, message="started")
                ).rowcount
                if claimed == 1:
                    return job_id
        return None

    def run_once(self) -> str | None:
        """Claim and run one job in this thread (tests); returns its id."""
        job_id = self.claim()
        if job_id is not None:
            self.execute(job_id)
        return job_id

    def _progress(self, job_id: str, fraction: float, message: str) -> None:
        delay = self.settings.job_stage_delay
        if delay:
            time.sleep(delay)
        with self.sessions() as session, session.begin():
            session.execute(update(JobRow).where(JobRow.id == job_id, JobRow.state == "running", JobRow.worker == self.identity)
                            .values(progress=max(0.0, min(1.0, fraction)), message=message))
            cancelled = session.scalar(select(JobRow.cancel_requested).where(JobRow.id == job_id))
        if cancelled:
            raise _Cancelled()

    def execute(self, job_id: str) -> None:
        """Run a claimed job to its end state."""
        try:
            payload = self._compute(job_id)
            self._store(job_id, payload)
        except _Cancelled:
            self._finish(job_id, "cancelled", "cancelled while running; no result was stored")
        except Exception as exc:  # every failure ends the job with a reason
            problem = problem_from_exception(exc)
            if problem.status >= 500:
                log.exception("job %s failed unexpectedly", job_id)
                message = f"unexpected error ({type(exc).__name__}); it was logged"
                problem = Problem("internal-error", message)
            else:
                message = problem.detail
            self._finish(job_id, "failed", message, error=problem.body())

    def _compute(self, job_id: str) -> dict[str, Any]:
        with self.sessions() as session:
            job = session.get(JobRow, job_id)
            if job is None:
                raise _Cancelled()  # deleted with its event
            event = session.get(EventRow, job.event_id)
            if event is None:
                raise InvalidInput([FieldError("event_id", job.event_id, "the event was deleted")])
            params = dict(job.params)
            kind = job.kind
            progress = lambda fraction, message: self._progress(job_id, fraction, message)  # noqa: E731
            progress(0.02, "loading the event")
            profiles_at = utcnow()  # before the profiles are read: a change after this makes the result stale
            if kind == "replan":
                source = session.get(ResultRow, params["result_id"])
                if source is None or source.inputs is None or source.timetable is None:
                    raise InvalidInput([FieldError("result_id", params["result_id"], "the timetable to re-plan is gone")])
                inputs, stored = source.inputs, source.timetable
                profiles_at = source.profiles_at or source.created_at  # re-plans the source's profiles
                session.close()
                return {**compute.run_replan(inputs, stored, params, progress), "profiles_at": profiles_at}
            locks = [service.lock_public(lk) for lk in session.scalars(select(LockRow).where(LockRow.event_id == event.id)).all()]
            programme = compute.with_locks(service.parse_programme(event.programme), locks)
            engine_event = service.build_event(session, event, programme)
            feedback = []
            if kind == "match":
                feedback = [service.feedback_public(f) for f in session.scalars(
                    select(FeedbackRow).where(FeedbackRow.event_id == event.id, FeedbackRow.round == int(params.get("round", 0)))).all()]
            pairs = None
            if kind == "plan" and params.get("result_id"):
                pairs = [(a, b) for a, b in session.execute(select(PairRow.left_id, PairRow.right_id)
                                                            .where(PairRow.result_id == params["result_id"])
                                                            .order_by(PairRow.position)).all()]
            session.close()
        if kind == "match":
            return {**compute.run_match(engine_event, params, progress, feedback), "profiles_at": profiles_at}
        return {**compute.run_plan(engine_event, params, pairs, progress), "profiles_at": profiles_at}

    def _store(self, job_id: str, payload: dict[str, Any]) -> None:
        """Write the result and mark the job succeeded, in one transaction."""
        with self.sessions() as session, session.begin():
            job = session.get(JobRow, job_id)
            if job is None or job.state != "running" or job.worker != self.identity:
                return  # the event was deleted, or another process took the job over: write nothing
            if job.cancel_requested:
                raise _Cancelled()
            result = ResultRow(id=new_id("res"), event_id=job.event_id, job_id=job.id, kind=payload["kind"],
                               round=payload["round"], objective=payload["objective"], summary=payload["summary"],
                               unmatched=payload["unmatched"], timetable=payload["timetable"], inputs=payload["inputs"],
                               created_at=utcnow(), profiles_at=payload.get("profiles_at"))
            session.add(result)
            session.flush()
            session.add_all([PairRow(result_id=result.id, position=k, left_id=row["left_id"], right_id=row["right_id"],
                                     score=float(row["score"]), data=row) for k, row in enumerate(payload["pairs"])])
            flipped = session.execute(
                update(JobRow).where(JobRow.id == job_id, JobRow.state == "running", JobRow.worker == self.identity,
                                     JobRow.cancel_requested.is_(False))
                .values(state="succeeded", progress=1.0, message="done", result_id=result.id, finished_at=utcnow())
            ).rowcount
            if flipped != 1:
                raise _Cancelled()

    def _finish(self, job_id: str, state: str, message: str, error: dict[str, Any] | None = None) -> None:
        with self.sessions() as session, session.begin():
            session.execute(update(JobRow).where(JobRow.id == job_id, JobRow.state == "running")
                            .values(state=state, message=message, error=error, finished_at=utcnow()))
