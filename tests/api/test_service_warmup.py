"""An API process warms up before its first request: a database connection per request slot, lazy imports done."""

from __future__ import annotations

import logging
import socket

from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from api._warmup import warm_up
from api.app import create_app
from api.concurrency import request_slots
from api.settings import Settings


def test_a_started_app_holds_one_open_connection_per_request_slot(database_url):
    settings = Settings(database_url=database_url, seed_demo=False, job_workers=0, database_pool_size=8)
    app = create_app(settings)
    pool = app.state.engine.pool
    before = pool.checkedin()
    with TestClient(app) as client:
        assert pool.checkedin() >= request_slots(8, 0) == 7 > before
        assert client.get("/healthz").status_code == 200


def test_warm_up_logs_a_database_it_cannot_reach_and_carries_on(caplog):
    with socket.socket() as probe:            # a port nobody listens on: connections are refused at once
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    engine = create_engine(f"postgresql+psycopg://matching:secret@127.0.0.1:{port}/matching", connect_args={"connect_timeout": 2})
    with caplog.at_level(logging.WARNING, logger="api"):
        assert warm_up(engine, 3) == 0
    assert "warm-up: opened 0 of 3 database connections" in caplog.text
