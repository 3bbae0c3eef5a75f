"""The deployment of the README, end to end: ``matching serve --workers 2 --no-jobs`` and one ``matching worker``.

Real processes on one database (SQLite file, PostgreSQL): the API answers
from two uvicorn processes, a job submitted over HTTP waits while no worker
runs, a separate ``matching worker`` then runs it, and SIGTERM stops the API
processes and the worker cleanly.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from test_service_workers import Worker

from api import service
from api.db import make_engine, make_sessionmaker, migrate
from api.settings import Settings
from api.testing import small_csv

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _call(url: str, token: str | None = None, body: dict | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers, method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _api_processes(pid: int) -> list[int]:
    """The uvicorn worker processes started by the ``matching serve`` process ``pid``."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children
            if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]


def test_two_api_processes_and_a_separate_worker_run_a_job_submitted_over_http(database_url, tmp_path):
    engine = make_engine(database_url)
    migrate(engine)                               # `matching migrate`: --workers N does not upgrade the database
    sessions = make_sessionmaker(engine)
    settings = Settings(database_url=database_url, seed_demo=False)
    with sessions() as session:
        organizer, token = service.create_organizer(session, "Deployment")
        event = service.create_event(session, organizer.id, "e")
        service.import_participants(session, settings, event, small_csv(), format="csv")
        session.commit()
        event_id = event.id
    engine.dispose()

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MATCHING_")}
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        serve = subprocess.Popen(
            [sys.executable, "-m", "matching", "serve", "--workers", "2", "--no-jobs", "--no-demo", "--port", str(port),
             "--database-url", database_url, "--log-level", "warning"],
            cwd=ROOT, env=environ, stdout=out, stderr=subprocess.STDOUT,
        )
    worker = None
    try:
        deadline = time.monotonic() + 120
        while True:
            assert serve.poll() is None, f"serve exited: {log.read_text(errors='replace')[-2000:]}"
            assert time.monotonic() < deadline, f"never ready: {log.read_text(errors='replace')[-2000:]}"
            try:
                if _call(f"{base}/readyz")[0] == 200 and len(_api_processes(serve.pid)) == 2:
                    break
            except OSError:
                pass
            time.sleep(0.2)

        status, job = _call(f"{base}/api/v1/events/{event_id}/jobs", token, {"kind": "match", "round": 0})
        assert status == 202, job
        time.sleep(1.5)                           # --no-jobs: no API process takes it
        assert _call(f"{base}/api/v1/jobs/{job['id']}", token)[1]["state"] == "queued"

        worker = Worker(database_url, tmp_path / "worker.log")
        identity = worker.ready()
        deadline = time.monotonic() + 120
        while (state := _call(f"{base}/api/v1/jobs/{job['id']}", token)[1])["state"] in ("queued", "running"):
            assert time.monotonic() < deadline, state
            time.sleep(0.2)
        assert state["state"] == "succeeded", state
        assert state["worker"].split("/")[0] == identity  # run by the separate worker
        assert worker.terminate() == 0, worker.log.read_text()[-2000:]

        api = _api_processes(serve.pid)
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(60) == 0, log.read_text(errors="replace")[-2000:]
        assert not [pid for pid in api if Path(f"/proc/{pid}").exists()]  # the API processes stopped with it
    finally:
        if worker is not None:
            worker.kill()
        if serve.poll() is None:
            serve.kill()
            serve.wait(60)
