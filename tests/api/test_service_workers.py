"""Three ``matching worker`` processes on one database (SQLite file, PostgreSQL): every job runs exactly once.

One worker is made slow (``MATCHING_JOB_STAGE_DELAY``) so that it is surely
mid-job when it is killed with SIGKILL while two others work through a few
dozen tiny jobs.  Its job is taken over after its lease (3 s here) expires.
Checked from the database afterwards: no job lost (all succeeded), none
run twice (one claim each, two for the killed one), exactly one result per
job, and the work was shared by the two live workers.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from api import service
from api.db import make_engine, make_sessionmaker, migrate
from api.jobs import submit_job
from api.models import EventRow, JobRow, ResultRow
from api.settings import Settings
from api.testing import small_csv

ROOT = Path(__file__).resolve().parents[2]
N_JOBS = 30


class Worker:
    """``python -m matching worker`` in a subprocess; :attr:`identity` once it has said it is ready."""

    def __init__(self, database_url: str, log: Path, **env: str):
        environ = {k: v for k, v in os.environ.items() if not k.startswith("MATCHING_")}
        environ.update({"MATCHING_DATABASE_URL": database_url, "MATCHING_JOB_POLL_SECONDS": "0.05",
                        "MATCHING_JOB_LEASE_SECONDS": "3", **env})
        self.log = log
        with open(log, "wb") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "matching", "worker", "--log-level", "warning"],
                                            cwd=ROOT, env=environ, stdout=out, stderr=subprocess.STDOUT)
        self.identity = ""

    def ready(self, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while not self.identity:
            text = self.log.read_text(errors="replace")
            if text.startswith("job worker "):
                self.identity = text.split()[2].rstrip(":")
            assert self.process.poll() is None, f"the worker exited: {text[-2000:]}"
            assert time.monotonic() < deadline, f"the worker did not start: {text[-2000:]}"
            time.sleep(0.05)
        return self.identity

    def terminate(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(60)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(60)


def _jobs(sessions) -> list[JobRow]:
    with sessions() as session:
        return list(session.scalars(select(JobRow)).all())


def test_three_workers_run_every_job_once_and_a_killed_workers_job_is_taken_over(database_url, tmp_path):
    engine = make_engine(database_url)
    migrate(engine)
    sessions = make_sessionmaker(engine)
    settings = Settings(database_url=database_url, seed_demo=False, max_concurrent_jobs=N_JOBS + 1)

    def queue() -> str:
        with sessions() as session:
            job = submit_job(session, settings, organizer_id, session.get(EventRow, event_id), {"kind": "match", "round": 0})
            session.commit()
            return job.id

    with sessions() as session:
        organizer, _ = service.create_organizer(session, "Workers")
        event = service.create_event(session, organizer.id, "e")
        service.import_participants(session, settings, event, small_csv(), format="csv")
        session.commit()
        organizer_id, event_id = organizer.id, event.id

    workers: list[Worker] = []
    try:
        doomed = queue()
        slow = Worker(database_url, tmp_path / "slow.log", MATCHING_JOB_STAGE_DELAY="60")
        workers.append(slow)
        slow_id = slow.ready()
        deadline = time.monotonic() + 120
        while not ((row := _jobs(sessions)[0]).state == "running" and row.worker.startswith(slow_id + "/")):
            assert time.monotonic() < deadline, f"the slow worker did not take the job: {row.state} {row.worker}"
            time.sleep(0.05)
        fast = [Worker(database_url, tmp_path / f"fast{k}.log") for k in range(2)]
        workers.extend(fast)
        live = {w.ready() for w in fast}
        others = [queue() for _ in range(N_JOBS)]
        slow.process.send_signal(signal.SIGKILL)         # mid-job: each of its stages takes 60 s
        assert slow.process.wait(60) == -signal.SIGKILL
        deadline = time.monotonic() + 240
        while unfinished := [(r.id, r.state, r.worker) for r in _jobs(sessions) if r.state in ("queued", "running")]:
            assert time.monotonic() < deadline, unfinished
            time.sleep(0.1)
        for worker in fast:                              # SIGTERM: a clean stop
            assert worker.terminate() == 0, worker.log.read_text()[-2000:]
            assert "stopped" in worker.log.read_text()
    finally:
        for worker in workers:
            worker.kill()

    jobs = {row.id: row for row in _jobs(sessions)}
    assert set(jobs) == {doomed, *others}
    assert {row.state for row in jobs.values()} == {"succeeded"}, [(r.id, r.state, r.message) for r in jobs.values()]
    assert jobs[doomed].attempts == 2 and jobs[doomed].worker.split("/")[0] in live
    assert [jobs[j].attempts for j in others] == [1] * N_JOBS          # none run twice
    with sessions() as session:
        per_job = dict(session.execute(select(ResultRow.job_id, func.count()).group_by(ResultRow.job_id)).all())
        result_of = dict(session.execute(select(ResultRow.job_id, ResultRow.id)).all())
    assert per_job == {job_id: 1 for job_id in jobs}                  # exactly one result each
    assert all(row.result_id == result_of[job_id] for job_id, row in jobs.items())
    assert {jobs[j].worker.split("/")[0] for j in others} == live     # both live workers took jobs
    engine.dispose()


def test_a_stopped_worker_hands_its_running_job_back_without_counting_the_attempt(database_url):
    # What SIGTERM does in `matching worker` (its handler sets the same stop event), in-process.
    import io
    import threading

    from api.worker import run_worker

    engine = make_engine(database_url)
    migrate(engine)
    sessions = make_sessionmaker(engine)
    settings = Settings(database_url=database_url, seed_demo=False, job_stage_delay=2.0, job_poll_seconds=0.05)
    with sessions() as session:
        organizer, _ = service.create_organizer(session, "Stop")
        event = service.create_event(session, organizer.id, "e")
        service.import_participants(session, settings, event, small_csv(), format="csv")
        job_id = submit_job(session, settings, organizer.id, event, {"kind": "match", "round": 0}).id
        session.commit()
    stop, out = threading.Event(), io.StringIO()
    thread = threading.Thread(target=run_worker, args=(settings,), kwargs={"stop": stop, "out": out,
                                                                          "shutdown_seconds": 0.2})
    thread.start()
    deadline = time.monotonic() + 60
    while _jobs(sessions)[0].state != "running":
        assert time.monotonic() < deadline and thread.is_alive(), out.getvalue()
        time.sleep(0.05)
    stop.set()
    thread.join(30)
    assert not thread.is_alive()
    row = _jobs(sessions)[0]
    assert (row.id, row.state, row.attempts, row.worker) == (job_id, "queued", 0, None)
    assert "1 running job(s) finished or handed back" in out.getvalue()
    engine.dispose()
