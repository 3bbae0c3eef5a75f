"""Job workers: threads that claim jobs with a lease, run them and store the result once.

A :class:`JobRunner` runs inside every API process (``job_workers``
threads; none with ``matching serve --no-jobs``) and inside every
``matching worker`` process.  Any number of runners may share one
database: a claim is exclusive and leased (:mod:`api.leases`), a heartbeat
thread renews the leases of the jobs the runner holds, and a runner writes
progress, a result or an end state only while the lease is still its own.

Stopping (:meth:`JobRunner.stop`, on SIGTERM) waits a little for running
jobs, then hands the rest back to the queue without counting the attempt.
A runner that dies without stopping (kill -9) leaves its leases to expire;
another runner then takes the jobs over.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from matching.errors import FieldError, InvalidInput

from . import compute, leases, service
from .auth import new_id
from .leases import Clock, Lease
from .models import EventRow, FeedbackRow, JobRow, LockRow, PairRow, ResultRow, utcnow
from .problems import Problem, problem_from_exception
from .settings import Settings

__all__ = ["JobRunner"]

log = logging.getLogger("api.jobs")


class _Cancelled(Exception):
    """The job was cancelled (or deleted with its event): end it without a result."""


class _LeaseLost(Exception):
    """Another worker took the job over (this runner's lease expired): drop the work, write nothing."""


class JobRunner:
    """Worker threads taking jobs from the database under a lease.

    Parameters
    ----------
    sessions : sessionmaker
        Sessions on the service's database.
    settings : Settings
        ``job_workers`` (threads), ``job_poll_seconds``, ``job_lease_seconds``
        and ``job_max_attempts`` are used.
    clock : callable, optional
        The current time (aware UTC); lease expiry is judged by it.  Tests
        pass a fake one and call :meth:`claim`, :meth:`heartbeat` and
        :meth:`execute` themselves instead of :meth:`start`.
    """

    def __init__(self, sessions: sessionmaker[Session], settings: Settings, *, clock: Clock = utcnow):
        self.sessions = sessions
        self.settings = settings
        self.clock = clock
        self.identity = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self._held: dict[str, Lease] = {}
        self._held_lock = threading.Lock()

    # -- life cycle

    def start(self) -> None:
        """Start ``job_workers`` worker threads and, when there is one, the heartbeat thread."""
        if self.settings.job_workers <= 0:
            return
        for k in range(self.settings.job_workers):
            thread = threading.Thread(target=self._loop, name=f"job-worker-{k}", daemon=True)
            thread.start()
            self._threads.append(thread)
        beat = threading.Thread(target=self._beat, name="job-heartbeat", daemon=True)
        beat.start()
        self._threads.append(beat)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop taking jobs; a job still running after ``timeout`` goes back to the queue (this attempt not counted)."""
        self._stop.set()
        self._wake.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads.clear()
        owners = [lease.owner for lease in self.held()]
        if not owners:
            return
        try:
            with self.sessions() as session, session.begin():
                leases.hand_back(session, owners, "re-queued: its worker was stopped while the job was running")
        except Exception:  # the database is gone: the leases expire and another worker takes the jobs over
            log.exception("could not hand running jobs back at shutdown")

    def wake(self) -> None:
        self._wake.set()

    def held(self) -> list[Lease]:
        """The leases this runner holds now (jobs it is running)."""
        with self._held_lock:
            return list(self._held.values())

    # -- claiming and renewing

    def claim(self) -> Lease | None:
        """Claim the oldest queued job (or one whose lease expired) with a new lease, or ``None``."""
        with self.sessions() as session, session.begin():
            lease = leases.claim(session, self.identity, now=self.clock(), lease_seconds=self.settings.job_lease_seconds,
                                 max_attempts=self.settings.job_max_attempts)
        if lease is not None:
            with self._held_lock:
                self._held[lease.job_id] = lease
            if lease.taken_over:
                log.warning("job %s taken over after its lease expired (attempt %d)", lease.job_id, lease.attempt)
        return lease

    def heartbeat(self) -> set[str]:
        """Renew the leases of the jobs this runner holds; the ids of those still its own."""
        owners = [lease.owner for lease in self.held()]
        if not owners:
            return set()
        with self.sessions() as session, session.begin():
            return leases.renew(session, owners, now=self.clock(), lease_seconds=self.settings.job_lease_seconds)

    def _beat(self) -> None:
        interval = max(0.05, self.settings.job_lease_seconds / 3)
        while not self._stop.wait(interval):
            try:
                self.heartbeat()
            except Exception:  # the database is briefly unavailable: try again at the next beat
                log.exception("renewing job leases failed")

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                lease = self.claim()
            except Exception:  # the database is briefly unavailable: retry later
                log.exception("claiming a job failed")
                lease = None
            if lease is None:
                self._wake.wait(self.settings.job_poll_seconds)
                self._wake.clear()
                continue
            self.execute(lease)

    def run_once(self) -> str | None:
        """Claim and run one job in this thread (tests); returns its id."""
        lease = self.claim()
        if lease is not None:
            self.execute(lease)
        return lease.job_id if lease is not None else None

    # -- running a job

    def _mine(self, lease: Lease):  # noqa: ANN202 - a SQL condition
        return (JobRow.id == lease.job_id) & (JobRow.state == "running") & (JobRow.worker == lease.owner)

    def _progress(self, lease: Lease, fraction: float, message: str) -> None:
        delay = self.settings.job_stage_delay
        if delay:
            time.sleep(delay)
        with self.sessions() as session, session.begin():
            mine = session.execute(update(JobRow).where(self._mine(lease))
                                   .values(progress=max(0.0, min(1.0, fraction)), message=message)).rowcount
            cancelled = session.scalar(select(JobRow.cancel_requested).where(JobRow.id == lease.job_id))
        if cancelled is None:
            raise _Cancelled()  # deleted with its event
        if not mine:
            raise _LeaseLost()
        if cancelled:
            raise _Cancelled()

    def execute(self, lease: Lease) -> None:
        """Run a claimed job to its end state (nothing is written once the lease is no longer this runner's)."""
        try:
            payload = self._compute(lease)
            self._store(lease, payload)
        except _LeaseLost:
            log.warning("job %s was taken over by another worker (this worker's lease expired); its work is dropped",
                        lease.job_id)
        except _Cancelled:
            self._finish(lease, "cancelled", "cancelled while running; no result was stored")
        except Exception as exc:  # every failure ends the job with a reason
            problem = problem_from_exception(exc)
            if problem.status >= 500:
                log.exception("job %s failed unexpectedly", lease.job_id)
                message = f"unexpected error ({type(exc).__name__}); it was logged"
                problem = Problem("internal-error", message)
            else:
                message = problem.detail
            self._finish(lease, "failed", message, error=problem.body())
        finally:
            with self._held_lock:
                if self._held.get(lease.job_id) == lease:
                    del self._held[lease.job_id]

    def _compute(self, lease: Lease) -> dict[str, Any]:
        with self.sessions() as session:
            job = session.get(JobRow, lease.job_id)
            if job is None:
                raise _Cancelled()  # deleted with its event
            event = session.get(EventRow, job.event_id)
            if event is None:
                raise InvalidInput([FieldError("event_id", job.event_id, "the event was deleted")])
            params = dict(job.params)
            kind = job.kind
            progress = lambda fraction, message: self._progress(lease, fraction, message)  # noqa: E731
            progress(0.02, "loading the event")
            profiles_at = self.clock()  # before the profiles are read: a change after this makes the result stale
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
                    select(FeedbackRow).where(FeedbackRow.event_id == event.id, FeedbackRow.round <= int(params.get("round", 0)))).all()]
            pairs = None
            if kind == "plan" and params.get("result_id"):
                pairs = [(a, b) for a, b in session.execute(select(PairRow.left_id, PairRow.right_id)
                                                            .where(PairRow.result_id == params["result_id"])
                                                            .order_by(PairRow.position)).all()]
            session.close()
        if kind == "match":
            return {**compute.run_match(engine_event, params, progress, feedback, cluster=self.settings.dask_scheduler),
                    "profiles_at": profiles_at}
        return {**compute.run_plan(engine_event, params, pairs, progress), "profiles_at": profiles_at}

    def _store(self, lease: Lease, payload: dict[str, Any]) -> None:
        """Write the result and mark the job succeeded, in one transaction, only while the lease is this runner's."""
        with self.sessions() as session, session.begin():
            job = session.get(JobRow, lease.job_id)
            if job is None:
                return  # deleted with its event
            if job.state != "running" or job.worker != lease.owner:
                raise _LeaseLost()
            if job.cancel_requested:
                raise _Cancelled()
            result = ResultRow(id=new_id("res"), event_id=job.event_id, job_id=job.id, kind=payload["kind"],
                               round=payload["round"], objective=payload["objective"], summary=payload["summary"],
                               unmatched=payload["unmatched"], timetable=payload["timetable"], inputs=payload["inputs"],
                               created_at=self.clock(), profiles_at=payload.get("profiles_at"))
            session.add(result)
            session.flush()
            session.add_all([PairRow(result_id=result.id, position=k, left_id=row["left_id"], right_id=row["right_id"],
                                     score=float(row["score"]), data=row) for k, row in enumerate(payload["pairs"])])
            # Conditional on the lease: a take-over committed meanwhile makes this update nothing and the
            # whole transaction (result included) is rolled back, so a job never gets two results.
            flipped = session.execute(
                update(JobRow).where(self._mine(lease), JobRow.cancel_requested.is_(False))
                .values(state="succeeded", progress=1.0, message="done", result_id=result.id, finished_at=self.clock(),
                        lease_expires_at=None)
            ).rowcount
            if flipped != 1:
                holder = session.scalar(select(JobRow.worker).where(JobRow.id == lease.job_id))
                raise _Cancelled() if holder == lease.owner else _LeaseLost()

    def _finish(self, lease: Lease, state: str, message: str, error: dict[str, Any] | None = None) -> None:
        with self.sessions() as session, session.begin():
            session.execute(update(JobRow).where(self._mine(lease))
                            .values(state=state, message=message, error=error, finished_at=self.clock(),
                                    lease_expires_at=None))
