"""Job leases: which worker runs a job, until when, and taking over a job whose worker died.

A worker *claims* a job by writing its lease into the job's row: the owner
(``jobs.worker``: the worker's id plus a suffix new at every claim) and an
expiry (``jobs.lease_expires_at``).  While the job runs the worker's
heartbeat pushes the expiry forward (:func:`renew`).  A worker that dies
(kill -9, a lost machine) stops renewing; once its lease has expired any
worker may take the job over, which counts one more attempt.  A job whose
lease expires when it has had ``job_max_attempts`` attempts is failed with
``job-interrupted`` instead (with the default of 3: the first run and two
take-overs).  Nothing but an expired lease is ever taken over, so any
number of API processes and workers can share one database.

Claims are exclusive on both backends:

* PostgreSQL: the candidate row is selected ``FOR UPDATE SKIP LOCKED``, so
  concurrent claimers never wait on, or take, the same row;
* SQLite: a conditional ``UPDATE ... WHERE id = ? AND state = ? AND worker
  IS ?`` in the claim's transaction (SQLite has one writer at a time, and a
  claimer whose row changed under it updates nothing and tries the next).

Times come from the caller's clock (``now``), so tests drive expiry with a
fake clock; the workers of one database need clocks in step (NTP) to well
within the lease length (30 s by default).

Examples
--------
>>> from datetime import datetime, timedelta, timezone
>>> lease = Lease("job_1", "host:42:ab12/cd34", datetime(2026, 12, 7, tzinfo=timezone.utc), attempt=1)
>>> lease.expired(datetime(2026, 12, 7, tzinfo=timezone.utc) + timedelta(seconds=1))
True
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Iterable

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from .models import JobRow
from .problems import Problem

__all__ = ["Clock", "Lease", "claim", "renew", "hand_back", "new_owner", "expired_lease"]

#: A function returning the current time as an aware UTC datetime (:func:`api.models.utcnow`, or a fake in tests).
Clock = Callable[[], datetime]

#: How many candidate rows one claim looks at before giving up for this poll.
_CANDIDATES = 8


@dataclass(frozen=True)
class Lease:
    """A worker's hold on a running job.

    Attributes
    ----------
    job_id : str
        The job.
    owner : str
        What ``jobs.worker`` holds while the lease is this one's.
    expires_at : datetime
        When the lease runs out unless renewed.
    attempt : int
        The job's attempt number this claim started (1 for a first run).
    taken_over : bool
        Whether the job was taken over from a worker whose lease expired.
    """

    job_id: str
    owner: str
    expires_at: datetime
    attempt: int
    taken_over: bool = False

    def expired(self, now: datetime) -> bool:
        return self.expires_at <= now


def new_owner(worker_id: str) -> str:
    """A fresh lease owner for one claim by ``worker_id``: two claims never share an owner."""
    return f"{worker_id}/{uuid.uuid4().hex[:8]}"


def expired_lease(now: datetime):  # noqa: ANN201 - a SQL expression
    """``running`` with a lease that has run out (or none: a job left by a version without leases)."""
    return and_(JobRow.state == "running", or_(JobRow.lease_expires_at.is_(None), JobRow.lease_expires_at <= now))


def _same_holder(worker: str | None):  # noqa: ANN202 - a SQL expression
    return JobRow.worker.is_(None) if worker is None else JobRow.worker == worker


def claim(session: Session, worker_id: str, *, now: datetime, lease_seconds: float, max_attempts: int) -> Lease | None:
    """Claim the oldest claimable job for ``worker_id`` in the session's transaction, or ``None``.

    Claimable: ``queued``, or ``running`` with an expired lease.  On the way,
    an expired job that was asked to cancel is cancelled, and one that has
    had ``max_attempts`` attempts is failed with ``job-interrupted``.  The
    caller commits.
    """
    expires = now + timedelta(seconds=lease_seconds)
    postgres = session.get_bind().dialect.name == "postgresql"
    tried: list[str] = []
    for _ in range(_CANDIDATES):
        query = (select(JobRow.id, JobRow.state, JobRow.worker, JobRow.attempts, JobRow.cancel_requested)
                 .where(or_(JobRow.state == "queued", expired_lease(now)))
                 .order_by(JobRow.created_at, JobRow.id).limit(1))
        if tried:
            query = query.where(JobRow.id.not_in(tried))
        if postgres:
            query = query.with_for_update(skip_locked=True)
        row = session.execute(query).first()
        if row is None:
            return None
        job_id, state, holder, attempts, cancel_requested = row
        tried.append(job_id)
        owner = new_owner(worker_id)
        if state == "queued":
            guard = and_(JobRow.id == job_id, JobRow.state == "queued")
            values = {"message": "started"}
        else:
            guard = and_(JobRow.id == job_id, _same_holder(holder), expired_lease(now))
            if cancel_requested:
                session.execute(update(JobRow).where(guard).values(
                    state="cancelled", worker=None, lease_expires_at=None, finished_at=now,
                    message="cancelled (its worker stopped while it was running); no result was stored"))
                continue
            if attempts >= max_attempts:
                reason = (f"the worker running the job stopped without finishing it (its lease expired); the job had "
                          f"been tried {attempts} time(s), the most allowed ({max_attempts}), so it was not started again")
                session.execute(update(JobRow).where(guard).values(
                    state="failed", worker=None, lease_expires_at=None, finished_at=now, message=reason,
                    error=Problem("job-interrupted", reason).body()))
                continue
            values = {"message": f"taken over: the worker running it stopped renewing its lease "
                                 f"(attempt {attempts + 1} of {max_attempts})"}
        claimed = session.execute(update(JobRow).where(guard).values(
            state="running", attempts=JobRow.attempts + 1, worker=owner, lease_expires_at=expires,
            started_at=now, progress=0.0, **values)).rowcount
        if claimed == 1:
            return Lease(job_id, owner, expires, attempt=attempts + 1, taken_over=state == "running")
    return None


def renew(session: Session, owners: Iterable[str], *, now: datetime, lease_seconds: float) -> set[str]:
    """Push the expiry of the leases of ``owners`` to ``now + lease_seconds``; the job ids still held.

    A lease that was taken over (its job's ``worker`` is someone else's now)
    or whose job has ended is not renewed and its job is not returned.
    """
    owners = list(owners)
    if not owners:
        return set()
    session.execute(update(JobRow).where(JobRow.state == "running", JobRow.worker.in_(owners))
                    .values(lease_expires_at=now + timedelta(seconds=lease_seconds)))
    return set(session.scalars(select(JobRow.id).where(JobRow.state == "running", JobRow.worker.in_(owners))).all())


def hand_back(session: Session, owners: Iterable[str], message: str) -> int:
    """Put the still-running jobs of ``owners`` back in the queue without counting their attempt (SIGTERM)."""
    owners = list(owners)
    if not owners:
        return 0
    return session.execute(update(JobRow).where(JobRow.state == "running", JobRow.worker.in_(owners)).values(
        state="queued", attempts=JobRow.attempts - 1, worker=None, lease_expires_at=None, progress=0.0,
        message=message)).rowcount
