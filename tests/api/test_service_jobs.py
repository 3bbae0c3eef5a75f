"""Durable jobs: exclusive claims, one-transaction results, cancellation; migrations match the models (leases: test_service_leases)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from api.db import make_engine, make_sessionmaker, migrate
from api.jobs import JobRunner, submit_job
from api.models import EventRow, JobRow, PairRow, ResultRow
from api.settings import Settings


@pytest.fixture
def store(make_store):
    """Sessions on a migrated database with one organizer and an event of 4 SMEs × 2 startups (no app, no workers)."""
    return make_store("Jobs")


def _queue(sessions, settings, ids, spec=None) -> str:
    with sessions() as session:
        event = session.get(EventRow, ids[1])
        job = submit_job(session, settings, ids[0], event, spec or {"kind": "match", "round": 0})
        session.commit()
        return job.id


def _job(sessions, job_id) -> JobRow:
    with sessions() as session:
        return session.get(JobRow, job_id)


def test_a_job_is_claimed_by_one_worker_only(store):
    sessions, settings, ids = store
    job_id = _queue(sessions, settings, ids)
    first, second = JobRunner(sessions, settings), JobRunner(sessions, settings)
    lease = first.claim()
    assert lease.job_id == job_id and lease.attempt == 1 and not lease.taken_over
    assert second.claim() is None
    row = _job(sessions, job_id)
    assert (row.state, row.attempts, row.worker) == ("running", 1, lease.owner)
    assert lease.owner.startswith(first.identity + "/") and row.lease_expires_at == lease.expires_at


def test_a_job_runs_to_success_with_one_result(store):
    sessions, settings, ids = store
    job_id = _queue(sessions, settings, ids)
    assert JobRunner(sessions, settings).run_once() == job_id
    row = _job(sessions, job_id)
    assert row.state == "succeeded" and row.attempts == 1 and row.progress == 1.0 and row.lease_expires_at is None
    with sessions() as session:
        result = session.get(ResultRow, row.result_id)
        pairs = session.scalar(select(func.count()).select_from(PairRow).where(PairRow.result_id == result.id))
    assert pairs == result.summary["pairs"] > 0


def test_a_failure_while_storing_leaves_no_half_written_result(store, monkeypatch):
    sessions, settings, ids = store
    job_id = _queue(sessions, settings, ids)
    runner = JobRunner(sessions, settings)
    original = PairRow.__init__

    def explode(self, **kwargs):
        if kwargs.get("position") == 1:
            raise OSError("disk full")
        original(self, **kwargs)

    monkeypatch.setattr(PairRow, "__init__", explode)
    runner.run_once()
    row = _job(sessions, job_id)
    assert row.state == "failed" and row.result_id is None and row.error["type"].endswith("/internal-error")
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ResultRow)) == 0
        assert session.scalar(select(func.count()).select_from(PairRow)) == 0


def test_cancel_while_running_drops_the_result(store):
    sessions, settings, ids = store
    job_id = _queue(sessions, settings, ids)
    runner = JobRunner(sessions, settings)
    lease = runner.claim()
    assert lease.job_id == job_id
    from api.jobs import cancel_job

    with sessions() as session:
        assert cancel_job(session, ids[0], job_id).cancel_requested
        session.commit()
    runner.execute(lease)
    row = _job(sessions, job_id)
    assert row.state == "cancelled" and row.result_id is None


def test_migrations_match_the_models(database_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from api.models import Base

    engine = make_engine(database_url)
    migrate(engine)
    migrate(engine)  # idempotent
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    engine.dispose()
    assert diff == []


def test_sqlite_runs_in_wal_mode_with_full_sync(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'var' / 'x.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_organizer_cli_prints_a_working_token(tmp_path, capsys):
    from matching.cli import main

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["organizer", "create", "Kyoto fair", "--scopes", "read", "--database-url", url]) == 0
    token = capsys.readouterr().out.split("token: ")[1].strip()
    from fastapi.testclient import TestClient

    from api.app import create_app

    with TestClient(create_app(Settings(database_url=url, seed_demo=False))) as client:
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["name"] == "Kyoto fair" and me["scopes"] == ["read"]
    assert main(["organizer", "create", "x", "--scopes", "root", "--database-url", url]) == 1
    assert "--scopes" in capsys.readouterr().err


def test_demo_is_seeded_once_and_its_token_printed_again(tmp_path):
    from api.demo import ensure_demo

    url = f"sqlite:///{tmp_path / 'var' / 'matching.db'}"
    engine = make_engine(url)
    migrate(engine)
    sessions = make_sessionmaker(engine)
    settings = Settings(database_url=url)
    first = ensure_demo(sessions, settings)
    again = ensure_demo(sessions, settings)
    assert first.created and not again.created and first.token == again.token and first.event_id == again.event_id
    assert first.token_file == tmp_path / "var" / "demo-token"
    first.token_file.unlink()
    renewed = ensure_demo(sessions, settings)
    assert renewed.token and renewed.token != first.token and renewed.event_id == first.event_id
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(EventRow)) == 1
    engine.dispose()


def test_a_cancel_racing_a_claim_still_stops_the_job(store, monkeypatch):
    # The cancel read the job 'queued', then a worker claimed it before the cancel wrote: the cancel used to
    # change nothing and the job ran to success (seen under load in test_concurrent_jobs_limit_is_429...).
    import api.jobs as jobs

    sessions, settings, ids = store
    job_id = _queue(sessions, settings, ids)
    runner = JobRunner(sessions, settings)
    claimed = []

    def read_then_lose_the_race(session, organizer_id, wanted):
        row = original(session, organizer_id, wanted)
        claimed.append(runner.claim())
        return row

    original = jobs.get_job
    monkeypatch.setattr(jobs, "get_job", read_then_lose_the_race)
    with sessions() as session:
        row = jobs.cancel_job(session, ids[0], job_id)
        session.commit()
    assert claimed[0].job_id == job_id and (row.state, row.cancel_requested) == ("running", True)
    runner.execute(claimed[0])
    final = _job(sessions, job_id)
    assert final.state == "cancelled" and final.result_id is None
