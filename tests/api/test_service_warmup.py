"""An API process warms up before its first request: a connection per request slot, lazy imports done, heap frozen."""

from __future__ import annotations

import gc
import logging
import socket

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from api._warmup import warm_up
from api.app import create_app
from api.concurrency import request_slots
from api.db import make_engine, migrate
from api.deploy import app_from_env
from api.settings import Settings


@pytest.fixture(autouse=True)
def _unfreeze():
    """warm_up freezes the whole (test) process's heap: thaw it so later tests collect their garbage as usual."""
    gc.unfreeze()
    yield
    gc.unfreeze()


def _opened(app) -> int:  # noqa: ANN001 - a FastAPI app
    pool = app.state.engine.pool
    return pool.checkedin() + pool.checkedout()


def test_a_served_app_holds_one_open_connection_per_request_slot_and_a_plain_one_opens_them_on_demand(database_url):
    settings = Settings(database_url=database_url, seed_demo=False, job_workers=0, database_pool_size=8)
    plain = create_app(settings)                      # tests and embedded uses: no warm-up
    with TestClient(plain) as client:
        assert client.get("/healthz").status_code == 200
        assert _opened(plain) < 7 and gc.get_freeze_count() == 0
    served = create_app(settings, warm_up=True)
    with TestClient(served) as client:
        assert _opened(served) >= request_slots(8, 0) == 7
        assert gc.get_freeze_count() > 10_000        # the imported library is out of every later collection
        assert client.get("/healthz").status_code == 200


def test_each_process_of_serve_workers_warms_up(tmp_path, monkeypatch: pytest.MonkeyPatch):
    url = f"sqlite:///{tmp_path / 'matching.db'}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    for name, value in {"MATCHING_DATABASE_URL": url, "MATCHING_SEED_DEMO": "false", "MATCHING_JOB_WORKERS": "0",
                        "MATCHING_DATABASE_POOL_SIZE": "6"}.items():
        monkeypatch.setenv(name, value)
    app = app_from_env()
    with TestClient(app):
        assert _opened(app) >= request_slots(6, 0) == 5


def test_warm_up_logs_a_database_it_cannot_reach_and_carries_on(caplog):
    with socket.socket() as probe:            # a port nobody listens on: connections are refused at once
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    engine = create_engine(f"postgresql+psycopg://matching:secret@127.0.0.1:{port}/matching", connect_args={"connect_timeout": 2})
    with caplog.at_level(logging.WARNING, logger="api"):
        assert warm_up(engine, 3) == 0
    assert "warm-up: opened 0 of 3 database connections" in caplog.text
