"""Helpers for tests of the service (used by tests/api/*): a running app on a fresh database, polling, tokens.

Examples
--------
>>> from api.testing import auth, run_job, running_client      # doctest: +SKIP
>>> with running_client() as (client, token):                  # doctest: +SKIP
...     event = client.post("/api/v1/events", json={"name": "x"}, headers=auth(token)).json()
...     job = run_job(client, token, client.app.state.demo.event_id, {"kind": "match"})
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator

from fastapi.testclient import TestClient

from .app import create_app
from .settings import Settings

__all__ = [
    "auth",
    "make_settings",
    "make_client",
    "close_client",
    "running_client",
    "wait_job",
    "run_job",
    "new_organizer",
    "demo_csv",
    "small_csv",
]


def auth(token: str) -> dict[str, str]:
    """``{"Authorization": "Bearer <token>"}``."""
    return {"Authorization": f"Bearer {token}"}


def make_settings(database_url: str | None = None, **overrides: Any) -> Settings:
    """Settings for a test: a fresh SQLite file in a temporary folder unless ``database_url`` is given.

    Defaults for tests: job polling every 0.05 s; the demo is seeded (``seed_demo=False`` to skip).
    """
    if database_url is None:
        folder = Path(tempfile.mkdtemp(prefix="matching-api-"))
        database_url = f"sqlite:///{folder / 'matching.db'}"
        overrides.setdefault("demo_token_file", str(folder / "demo-token"))
    elif "demo_token_file" not in overrides:
        folder = Path(tempfile.mkdtemp(prefix="matching-api-"))
        overrides["demo_token_file"] = str(folder / "demo-token")
    overrides.setdefault("job_poll_seconds", 0.05)
    return Settings(database_url=database_url, **overrides)


def make_client(database_url: str | None = None, *, raise_server_exceptions: bool = True, **overrides: Any) -> tuple[TestClient, str]:
    """A started :class:`TestClient` (workers running) and the demo organizer's token (all scopes).

    Close it with :func:`close_client` (stops the workers).  ``overrides``
    are :class:`Settings` fields, e.g. ``max_body_bytes=1000``.
    """
    settings = make_settings(database_url, **overrides)
    app = create_app(settings)
    client = TestClient(app, raise_server_exceptions=raise_server_exceptions)
    client.__enter__()
    token = app.state.demo.token if app.state.demo is not None else ""
    return client, token


def close_client(client: TestClient) -> None:
    client.__exit__(None, None, None)
    client.app.state.engine.dispose()


@contextlib.contextmanager
def running_client(database_url: str | None = None, **overrides: Any) -> Iterator[tuple[TestClient, str]]:
    """``with running_client() as (client, token): ...`` — :func:`make_client` then :func:`close_client`."""
    client, token = make_client(database_url, **overrides)
    try:
        yield client, token
    finally:
        close_client(client)


def wait_job(client: TestClient, token: str, job_id: str, *, timeout: float = 60.0, interval: float = 0.05) -> dict[str, Any]:
    """Poll ``GET /api/v1/jobs/{id}`` until the job is succeeded, failed or cancelled; returns the job.

    Raises
    ------
    TimeoutError
        When the job is still queued or running after ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/api/v1/jobs/{job_id}", headers=auth(token)).json()
        if job.get("state") not in ("queued", "running"):
            return job
        if time.monotonic() > deadline:
            raise TimeoutError(f"job {job_id} still {job.get('state')} after {timeout} s: {job}")
        time.sleep(interval)


def run_job(client: TestClient, token: str, event_id: str, spec: dict[str, Any], *, timeout: float = 60.0) -> dict[str, Any]:
    """Submit a job, wait for it, and return the finished job (check ``state`` and ``result_id``)."""
    response = client.post(f"/api/v1/events/{event_id}/jobs", json=spec, headers=auth(token))
    if response.status_code != 202:
        raise AssertionError(f"job refused: {response.status_code} {response.text}")
    return wait_job(client, token, response.json()["id"], timeout=timeout)


def new_organizer(client: TestClient, admin_token: str, name: str = "Other organizer") -> tuple[str, str]:
    """Create an organizer over HTTP (the demo token has the admin scope); returns (organizer id, its token)."""
    response = client.post("/api/v1/organizers", json={"name": name}, headers=auth(admin_token))
    if response.status_code != 201:
        raise AssertionError(f"organizer refused: {response.status_code} {response.text}")
    body = response.json()
    return body["organizer"]["id"], body["token"]


def demo_csv(seed: int = 1, n_left: int | None = None, n_right: int | None = None) -> bytes:
    """100 SMEs and 8 startups (the ``reskilling`` preset; other sizes with ``n_left``, ``n_right``) as CSV bytes."""
    from .demo import demo_participants_csv

    return demo_participants_csv(seed, n_left, n_right)


def small_csv(n_sme: int = 4, n_startup: int = 2) -> bytes:
    """A tiny valid participant CSV (SMEs ``S1..``, startups ``T1..``) for quick tests."""
    lines = ["id,role,organization,offers,seeks,languages"]
    for k in range(1, n_sme + 1):
        lines.append(f"S{k},sme,SME {k},,reskilling,ja")
    for k in range(1, n_startup + 1):
        lines.append(f"T{k},startup,Startup {k},reskilling,,ja")
    return ("\n".join(lines) + "\n").encode()
