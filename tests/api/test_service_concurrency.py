"""Concurrency regressions found by the load test (benchmarks/service.py) on several API processes."""

from __future__ import annotations

import threading

import anyio
import httpx
from sqlalchemy import func, select

from api import service
from api.app import create_app
from api.db import make_engine, make_sessionmaker, migrate
from api.models import EventRow, ParticipantRow
from api.settings import Settings
from api.testing import small_csv


def test_requests_do_not_deadlock_when_there_are_more_of_them_than_database_connections(tmp_path):
    # Four connections, one thread for the sync endpoints, eight requests at once.  A request holds its connection
    # across several thread hops; before the gate (api.concurrency) every thread could wait for a connection held
    # by a request that waited for a thread: the requests failed after the pool's timeout with 500s.
    url = f"sqlite:///{tmp_path / 'm.db'}"
    app = create_app(Settings(database_url=url, seed_demo=False, job_workers=0, database_pool_size=4))
    app.state.engine.pool._timeout = 5   # fail fast, not after 30 s, if it deadlocks again
    with app.state.sessions() as session:
        _, token = service.create_organizer(session, "Busy")
        session.commit()

    async def main() -> list[int]:
        limiter = anyio.to_thread.current_default_thread_limiter()
        before, limiter.total_tokens = limiter.total_tokens, 1
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://test") as client:
                statuses: list[int] = []

                async def me() -> None:
                    response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
                    statuses.append(response.status_code)

                with anyio.fail_after(60):
                    async with anyio.create_task_group() as group:
                        for _ in range(8):
                            group.start_soon(me)
                return statuses
        finally:
            limiter.total_tokens = before

    assert anyio.run(main) == [200] * 8
    app.state.engine.dispose()


def test_concurrent_replace_imports_of_one_event_do_not_collide(database_url):
    # Two uploads replacing the same event's participants at once: the second waits for the first and then
    # replaces its rows (on PostgreSQL it used to insert beside them and fail on the unique (event, id) key: a 500).
    engine = make_engine(database_url)
    migrate(engine)
    sessions = make_sessionmaker(engine)
    settings = Settings(database_url=database_url, seed_demo=False)
    with sessions() as session:
        organizer, _ = service.create_organizer(session, "Uploads")
        event_id = service.create_event(session, organizer.id, "e").id
        session.commit()
    first = sessions()
    service.import_participants(first, settings, first.get(EventRow, event_id), small_csv(), format="csv")
    outcome: list[object] = []

    def second_upload() -> None:
        with sessions() as session:
            try:
                service.import_participants(session, settings, session.get(EventRow, event_id), small_csv(5, 3),
                                            format="csv")
                session.commit()
                outcome.append("ok")
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                outcome.append(exc)

    thread = threading.Thread(target=second_upload)
    thread.start()
    thread.join(1.0)                      # the second upload is waiting on the first
    first.commit()
    first.close()
    thread.join(60)
    assert outcome == ["ok"]
    with sessions() as session:
        pids = session.scalars(select(ParticipantRow.pid).where(ParticipantRow.event_id == event_id)).all()
        assert sorted(pids) == ["S1", "S2", "S3", "S4", "S5", "T1", "T2", "T3"]
        assert session.scalar(select(func.count()).select_from(ParticipantRow)) == 8
    engine.dispose()
