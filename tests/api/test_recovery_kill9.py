"""Crash recovery: the real server (``python -m api``) is killed with SIGKILL while a job runs.

After a restart on the same database (the killed process's job lease, 2 s
here, has to expire first: nothing else tells a dead worker from a slow one):

* the interrupted job does not stay ``running``: it is taken over and ends
  ``succeeded`` with a complete result (as many stored pairs as its summary
  counts, every pair naming an imported participant), or ends ``failed``
  with a reason — here both paths are forced: the first restart allows a
  second attempt, the second restart allows none;
* every write the server acknowledged before the kill is still there (an
  event created and a file imported just before the kill).

Jobs are made slow with ``MATCHING_JOB_STAGE_DELAY`` (seconds spent at
each stage) on the runs that are killed, so the kill lands mid-job whatever
the machine's speed; the last start runs at full speed.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

__all__: list[str] = []

ROOT = Path(__file__).resolve().parents[2]
TERMINAL = ("succeeded", "failed", "cancelled")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``python -m api`` in a subprocess, on a free port."""

    def __init__(self, database_url: str, log: Path, **env: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environ = {k: v for k, v in os.environ.items() if not k.startswith("MATCHING_")}
        environ.update({"MATCHING_DATABASE_URL": database_url, "MATCHING_JOB_POLL_SECONDS": "0.1",
                        "MATCHING_JOB_LEASE_SECONDS": "2", **env})
        self.log = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "api", "--host", "127.0.0.1", "--port", str(self.port), "--no-demo",
             "--log-level", "warning"],
            cwd=ROOT, env=environ, stdout=self.log, stderr=subprocess.STDOUT,
        )
        import httpx

        self.http = httpx.Client(base_url=self.url, timeout=60)
        deadline = time.monotonic() + 180
        while True:
            assert self.process.poll() is None, f"the server exited with {self.process.returncode}: {log.read_text()[-3000:]}"
            try:
                if self.http.get("/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"the server did not start: {log.read_text()[-3000:]}"
            time.sleep(0.1)

    def kill9(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(60)
        assert self.process.returncode == -signal.SIGKILL
        self.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(30)
        self.close()

    def close(self) -> None:
        self.http.close()
        self.log.close()


def bootstrap_organizer(database_url: str) -> str:
    """An organizer token written straight into the database (as ``matching organizer create`` does)."""
    from api import service
    from api.db import make_engine, make_sessionmaker, migrate

    engine = make_engine(database_url)
    try:
        migrate(engine)
        session = make_sessionmaker(engine)()
        try:
            _, token = service.create_organizer(session, "Crash tester", scopes=("read", "write", "run"))
            session.commit()
        finally:
            session.close()
    finally:
        engine.dispose()
    return token


def job_of(server: Server, auth: dict, job_id: str) -> dict[str, Any]:
    r = server.http.get(f"/api/v1/jobs/{job_id}", headers=auth)
    assert r.status_code == 200, r.text
    return r.json()


def wait_for(server: Server, auth: dict, job_id: str, states: tuple[str, ...], timeout: float = 240) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job = job_of(server, auth, job_id)
        if job["state"] in states:
            return job
        assert job["state"] not in TERMINAL, f"job ended {job['state']} before reaching {states}: {job}"
        assert time.monotonic() < deadline, f"job not {states} after {timeout} s: {job}"
        time.sleep(0.05)


def submit_and_kill_mid_job(server: Server, auth: dict, event_id: str) -> dict[str, Any]:
    r = server.http.post(f"/api/v1/events/{event_id}/jobs", json={"kind": "match", "round": 0}, headers=auth)
    assert r.status_code == 202, r.text
    running = wait_for(server, auth, r.json()["id"], ("running",))
    assert running["attempts"] >= 1
    # An acknowledged write just before the kill.
    late = server.http.post("/api/v1/events", json={"name": "written just before the crash"}, headers=auth)
    assert late.status_code == 201, late.text
    assert job_of(server, auth, running["id"])["state"] == "running", "the job finished before the kill: make it slower"
    server.kill9()
    return {"job": running, "late_event": late.json()}


@pytest.mark.slow
def test_kill9_mid_job_then_restart(database_url: str, tmp_path: Path, synth) -> None:  # noqa: ANN001
    data = synth("design", 2, 200, 200)
    token = bootstrap_organizer(database_url)
    auth = {"Authorization": f"Bearer {token}"}
    log = tmp_path / "server.log"
    slow = {"MATCHING_JOB_STAGE_DELAY": "2.0", "MATCHING_JOB_MAX_ATTEMPTS": "2"}

    server = Server(database_url, log, **slow)
    try:
        event = server.http.post("/api/v1/events", json={"name": "crash", "programme": data.programme}, headers=auth)
        assert event.status_code == 201, event.text
        event_id = event.json()["id"]
        imported = server.http.post(f"/api/v1/events/{event_id}/participants/import", content=data.csv,
                                    headers={**auth, "Content-Type": "text/csv"})
        assert imported.status_code == 200, imported.text
        first = submit_and_kill_mid_job(server, auth, event_id)
    finally:
        server.stop()

    # Restart with a second attempt allowed: the job is resumed and succeeds with a whole result.
    server = Server(database_url, log, **slow)
    try:
        job = wait_for(server, auth, first["job"]["id"], TERMINAL)
        assert job["state"] == "succeeded", job
        assert job["attempts"] == 2, job
        summary = server.http.get(f"/api/v1/results/{job['result_id']}", headers=auth).json()
        pairs = []
        while True:
            page = server.http.get(f"/api/v1/results/{job['result_id']}/pairs?limit=500&offset={len(pairs)}", headers=auth).json()
            pairs.extend(page["items"])
            if not page["items"] or len(pairs) >= page["total"]:
                break
        assert summary["pairs"] == len(pairs) == page["total"] > 0, (summary["pairs"], len(pairs))
        ids = set(data.ids)
        assert all(p["left_id"] in ids and p["right_id"] in ids for p in pairs)
        assert len(server.http.get(f"/api/v1/results/{job['result_id']}/pairs.csv", headers=auth).text.strip().splitlines()) == len(pairs) + 1
        # The acknowledged writes survived the SIGKILL.
        late = server.http.get(f"/api/v1/events/{first['late_event']['id']}", headers=auth)
        assert late.status_code == 200 and late.json()["name"] == "written just before the crash", late.text
        assert server.http.get(f"/api/v1/events/{event_id}", headers=auth).json()["participants"] == len(data.ids)
        results = server.http.get(f"/api/v1/events/{event_id}/results", headers=auth).json()
        assert results["total"] == 1, results  # the killed attempt left no partial result
        # Kill again mid-job.
        second = submit_and_kill_mid_job(server, auth, event_id)
    finally:
        server.stop()

    # Restart allowing no further attempt: the job is failed with a reason, never left running.
    server = Server(database_url, log, MATCHING_JOB_MAX_ATTEMPTS="1")
    try:
        job = wait_for(server, auth, second["job"]["id"], TERMINAL)
        assert job["state"] == "failed", job
        assert job["message"].startswith("the worker running the job stopped without finishing it"), job
        assert job["error"]["type"].endswith("/problems/job-interrupted"), job
        assert job["attempts"] == 1, job
        assert job["result_id"] is None
        assert job["finished_at"] is not None
        assert server.http.get(f"/api/v1/events/{second['late_event']['id']}", headers=auth).status_code == 200
        assert server.http.get(f"/api/v1/events/{event_id}/results", headers=auth).json()["total"] == 1
        # The service still runs jobs after recovering.
        r = server.http.post(f"/api/v1/events/{event_id}/jobs", json={"kind": "match", "round": 0, "objective": "greedy"},
                             headers=auth)
        assert r.status_code == 202, r.text
        assert wait_for(server, auth, r.json()["id"], TERMINAL)["state"] == "succeeded"
    finally:
        server.stop()
