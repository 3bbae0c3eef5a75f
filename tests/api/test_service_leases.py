"""Job leases with a fake clock: only an expired lease is taken over, twice at most, and a stale owner writes nothing."""

from __future__ import annotations

import os
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from api.jobs import cancel_job, job_public, submit_job
from api.models import EventRow, JobRow, ResultRow
from api.runner import JobRunner

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime = T0):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def store(make_store):
    """Sessions on a migrated database with one organizer and a 4 × 2 event; leases of 30 s, 3 attempts."""
    return make_store("Leases", job_lease_seconds=30, job_max_attempts=3)


def _queue(sessions, settings, ids) -> str:
    with sessions() as session:
        job = submit_job(session, settings, ids[0], session.get(EventRow, ids[1]), {"kind": "match", "round": 0})
        session.commit()
        return job.id


def _job(sessions, job_id) -> JobRow:
    with sessions() as session:
        return session.get(JobRow, job_id)


def _results(sessions, job_id) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(ResultRow).where(ResultRow.job_id == job_id))


def test_only_an_expired_lease_is_taken_over_and_the_old_owner_then_writes_nothing(store):
    sessions, settings, ids = store
    clock = FakeClock()
    first, second = JobRunner(sessions, settings, clock=clock), JobRunner(sessions, settings, clock=clock)
    job_id = _queue(sessions, settings, ids)
    lease = first.claim()
    assert lease.expires_at == T0 + timedelta(seconds=30)
    clock.advance(20)
    assert second.claim() is None                        # live lease
    assert first.heartbeat() == {job_id}                 # renewed to t = 50 s
    assert _job(sessions, job_id).lease_expires_at == T0 + timedelta(seconds=50)
    shown = job_public(_job(sessions, job_id))           # the API shows who holds the lease and until when
    assert (shown["worker"], shown["lease_expires_at"]) == (lease.owner, T0 + timedelta(seconds=50))
    clock.advance(29)
    assert second.claim() is None                        # t = 49 s: still live thanks to the heartbeat
    clock.advance(1)
    taken = second.claim()                               # t = 50 s: expired (expiry is inclusive)
    assert taken.job_id == job_id and taken.taken_over and taken.attempt == 2
    row = _job(sessions, job_id)
    assert (row.state, row.worker, row.attempts) == ("running", taken.owner, 2)
    assert row.message.startswith("taken over: the worker running it stopped renewing its lease (attempt 2 of 3)")
    assert first.heartbeat() == set()                    # the old owner learns it lost the lease
    first.execute(lease)                                 # ... and its late work is dropped
    row = _job(sessions, job_id)
    assert (row.state, row.worker, row.result_id) == ("running", taken.owner, None)
    assert _results(sessions, job_id) == 0
    second.execute(taken)
    row = _job(sessions, job_id)
    assert row.state == "succeeded" and row.attempts == 2 and row.lease_expires_at is None
    shown = job_public(row)
    assert (shown["worker"], shown["lease_expires_at"]) == (taken.owner, None)
    assert _results(sessions, job_id) == 1


def test_a_job_taken_over_twice_fails_job_interrupted_when_its_lease_expires_again(store):
    sessions, settings, ids = store
    clock = FakeClock()
    doomed, behind = _queue(sessions, settings, ids), _queue(sessions, settings, ids)
    for attempt in (1, 2, 3):
        lease = JobRunner(sessions, settings, clock=clock).claim()   # each worker dies holding it
        assert (lease.job_id, lease.attempt, lease.taken_over) == (doomed, attempt, attempt > 1)
        clock.advance(30.5)
    # The next claimer fails the job with the reason and takes the job queued behind it instead.
    assert JobRunner(sessions, settings, clock=clock).claim().job_id == behind
    row = _job(sessions, doomed)
    assert (row.state, row.attempts, row.result_id, row.worker) == ("failed", 3, None, None)
    assert row.error["type"].endswith("/job-interrupted") and row.error["status"] == 500
    assert "tried 3 time(s), the most allowed (3)" in row.message and row.finished_at == clock.now
    assert _results(sessions, doomed) == 0


def test_an_expired_job_asked_to_cancel_is_cancelled_not_taken_over(store):
    sessions, settings, ids = store
    clock = FakeClock()
    job_id = _queue(sessions, settings, ids)
    JobRunner(sessions, settings, clock=clock).claim()
    with sessions() as session:
        assert cancel_job(session, ids[0], job_id).cancel_requested
        session.commit()
    clock.advance(31)
    assert JobRunner(sessions, settings, clock=clock).claim() is None
    row = _job(sessions, job_id)
    assert row.state == "cancelled" and row.message.startswith("cancelled (its worker stopped while it was running)")


def test_stop_hands_the_job_back_without_counting_the_attempt(store):
    sessions, settings, ids = store
    clock = FakeClock()
    job_id = _queue(sessions, settings, ids)
    runner = JobRunner(sessions, settings, clock=clock)
    runner.claim()
    runner.stop(timeout=0)                               # SIGTERM while the job runs
    row = _job(sessions, job_id)
    assert (row.state, row.attempts, row.worker, row.lease_expires_at) == ("queued", 0, None, None)
    assert row.message.startswith("re-queued: its worker was stopped")
    again = JobRunner(sessions, settings, clock=clock).claim()   # no waiting for an expiry
    assert (again.job_id, again.attempt, again.taken_over) == (job_id, 1, False)


@pytest.mark.skipif(not os.environ.get("MATCHING_TEST_POSTGRES_URL"),
                    reason="needs PostgreSQL: set MATCHING_TEST_POSTGRES_URL (.ci/run does)")
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgres_claims_skip_a_row_locked_by_another_claimer(store):
    sessions, settings, ids = store
    older, newer = _queue(sessions, settings, ids), _queue(sessions, settings, ids)
    with sessions() as holder, holder.begin():
        holder.execute(select(JobRow.id).where(JobRow.id == older).with_for_update())   # another claimer's lock
        claimed: list = []
        thread = threading.Thread(target=lambda: claimed.append(JobRunner(sessions, settings).claim()), daemon=True)
        thread.start()
        thread.join(20)
        assert not thread.is_alive(), "the claim waited on the locked row instead of skipping it"
    assert claimed[0].job_id == newer
    assert _job(sessions, older).state == "queued"
