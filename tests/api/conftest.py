"""Fixtures of the API test suite (``tests/api``).

Every test that uses :func:`database_url` (directly or through ``api`` /
``make_api``) runs once per backend: always SQLite (a file in the test's
temporary directory, so WAL mode and restarts are real), and PostgreSQL too
when ``MATCHING_TEST_POSTGRES_URL`` names a database the tests may create
schemas in (``.ci/run`` starts one and sets it).  Each test gets a clean
database: a new SQLite file, or, on PostgreSQL, this test process's own
schema (created and migrated once, selected through the connection's
``search_path``) with every table emptied.

:class:`Api` drives the app through Starlette's ``TestClient`` (the app's
lifespan runs, so migrations and the job workers are real) and knows the
contract's conventions: bearer tokens, 202 + polling for jobs, paged lists.
Test modules reach the helpers through the fixtures (``api.synthetic``,
``api.slug``, ``synth``), never by importing this module.
"""

from __future__ import annotations

import functools
import os
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import pytest

__all__ = [
    "BACKENDS",
    "POSTGRES_URL",
    "STATE_RANK",
    "TERMINAL_STATES",
    "Api",
    "Dataset",
    "Organizer",
    "synthetic",
    "problem_slug",
    "without_instance",
]

#: PostgreSQL database for the second backend (``postgresql+psycopg://user:password@host:port/db``).
POSTGRES_URL = os.environ.get("MATCHING_TEST_POSTGRES_URL") or None
BACKENDS: tuple[str, ...] = ("sqlite", "postgresql") if POSTGRES_URL else ("sqlite",)

TERMINAL_STATES = ("succeeded", "failed", "cancelled")
#: Job states in the only order they may take (terminal states share the last rank).
STATE_RANK = {"queued": 0, "running": 1, "succeeded": 2, "failed": 2, "cancelled": 2}
PROBLEM_BASE = "https://sme-matching.dev/problems/"


# --------------------------------------------------------------------------- databases


@functools.cache
def _postgres_admin():  # noqa: ANN202 - a SQLAlchemy engine, one per test process
    from sqlalchemy import create_engine

    return create_engine(POSTGRES_URL, pool_size=1, max_overflow=2, pool_pre_ping=True)


def _postgres_schema_url(schema: str) -> str:
    from sqlalchemy.engine import make_url

    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@functools.cache
def _postgres_schema() -> str:
    """This test process's schema, created and migrated once (dropped at exit)."""
    import atexit

    from sqlalchemy import text

    from api.db import make_engine, migrate

    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    schema = f"t_{worker}_{uuid.uuid4().hex[:10]}"
    admin = _postgres_admin()
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        try:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        finally:
            admin.dispose()

    atexit.register(drop)
    engine = make_engine(_postgres_schema_url(schema))
    try:
        migrate(engine)
    finally:
        engine.dispose()
    return schema


def _postgres_clean(schema: str) -> None:
    """Empty every table of ``schema`` but Alembic's (a fresh database without migrating again)."""
    from sqlalchemy import text

    with _postgres_admin().begin() as conn:
        # the schema is this pytest worker's own: a connection still holding a lock on one of its tables is
        # an earlier test's leftover (a thread it left running, a session it never closed); end it rather than
        # wait for it (a CI run once failed a setup here on the lock timeout)
        leftovers = conn.execute(text(
            "SELECT DISTINCT l.pid FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :s AND l.pid <> pg_backend_pid()"),
            {"s": schema}).scalars().all()
        for pid in leftovers:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        conn.execute(text("SET LOCAL lock_timeout = '30s'"))
        names = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = :s AND tablename <> 'alembic_version'"),
                             {"s": schema}).scalars().all()
        if names:
            tables = ", ".join(f'"{schema}"."{name}"' for name in names)
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # noqa: ANN001
    """A URL of an empty database, one per test and backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'matching.db'}"
        return
    schema = _postgres_schema()
    _postgres_clean(schema)
    yield _postgres_schema_url(schema)


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Dataset:
    """A small synthetic programme ready to send: rules JSON and participant files."""

    preset: str
    programme: dict[str, Any]
    csv: bytes
    json: bytes
    left_ids: tuple[str, ...]
    right_ids: tuple[str, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        return self.left_ids + self.right_ids


@pytest.fixture
def make_store(database_url: str) -> Iterator[Callable[..., tuple[Any, Any, tuple[str, str]]]]:
    """``make_store(organizer_name, **settings)``: sessions on a migrated database, the settings, and
    ``(organizer id, event id)`` of one organizer's event of 4 SMEs × 2 startups (no app, no workers)."""
    from api import service
    from api.db import make_engine, make_sessionmaker, migrate
    from api.settings import Settings
    from api.testing import small_csv

    engines = []

    def make(organizer_name: str, **overrides: Any) -> tuple[Any, Any, tuple[str, str]]:
        engine = make_engine(database_url)
        engines.append(engine)
        migrate(engine)
        sessions = make_sessionmaker(engine)
        settings = Settings(database_url=database_url, seed_demo=False, max_concurrent_jobs=10, **overrides)
        with sessions() as session:
            organizer, _ = service.create_organizer(session, organizer_name)
            event = service.create_event(session, organizer.id, "e")
            service.import_participants(session, settings, event, small_csv(), format="csv")
            session.commit()
            ids = (organizer.id, event.id)
        return sessions, settings, ids

    yield make
    for engine in engines:
        engine.dispose()


@functools.cache
def synthetic(preset: str, seed: int = 1, n_left: int = 12, n_right: int = 6) -> Dataset:
    """``datasets.synthetic.generate`` as the bytes a client would upload (cached per process)."""
    from datasets.synthetic import generate
    from matching.io import participants_to_bytes
    from matching.io._rules import programme_to_mapping

    data = generate(preset, seed=seed, n_left=n_left, n_right=n_right)
    return Dataset(
        preset=preset,
        programme=programme_to_mapping(data.programme, json_ready=True),
        csv=participants_to_bytes(data.participants, format="csv"),
        json=participants_to_bytes(data.participants, format="json"),
        left_ids=tuple(p.id for p in data.left),
        right_ids=tuple(p.id for p in data.right),
    )


def problem_slug(response) -> str:  # noqa: ANN001 - an httpx response
    """The slug of a problem response, after checking it is an RFC 9457 document."""
    assert response.headers.get("content-type", "").startswith("application/problem+json"), (
        response.status_code, response.headers.get("content-type"), response.text[:500])
    body = response.json()
    assert body["status"] == response.status_code, body
    assert body["type"].startswith(PROBLEM_BASE), body
    assert isinstance(body.get("title"), str) and body["title"], body
    assert isinstance(body.get("detail"), str), body
    assert "Traceback" not in response.text, body
    return body["type"][len(PROBLEM_BASE):]


def without_instance(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "instance"}


# --------------------------------------------------------------------------- the client


@dataclass(frozen=True)
class Organizer:
    id: str
    name: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Api:
    """A ``TestClient`` on one app and database, with the contract's conventions."""

    client: Any
    app: Any
    settings: Any
    database_url: str
    job_history: dict[str, list[str]] = field(default_factory=dict)

    # helpers reachable from the tests without importing this module
    synthetic = staticmethod(synthetic)
    slug = staticmethod(problem_slug)
    without_instance = staticmethod(without_instance)

    # -- organizers and tokens
    def organizer(self, name: str = "organizer", scopes: tuple[str, ...] = ("read", "write", "run", "admin")) -> Organizer:
        """A new organizer with one token of ``scopes``, made directly in the database (bootstrap)."""
        from api import service

        session = self.app.state.sessions()
        try:
            organizer, token = service.create_organizer(session, name, scopes=scopes)
            session.commit()
            return Organizer(organizer.id, organizer.name, token)
        finally:
            session.close()

    def token(self, owner: Organizer, scopes: list[str]) -> tuple[str, str]:
        """(token id, token) of a new token of ``owner``, made over HTTP."""
        body = self.ok(self.post("/api/v1/tokens", owner, json={"scopes": scopes}), 201)
        assert body["token"].startswith("mt_"), body
        return body["id"], body["token"]

    # -- plain requests
    def request(self, method: str, url: str, who: Organizer | str | None = None, **kwargs: Any):  # noqa: ANN201
        headers = dict(kwargs.pop("headers", None) or {})
        if who is not None:
            token = who.token if isinstance(who, Organizer) else who
            headers.setdefault("Authorization", f"Bearer {token}")
        return self.client.request(method, url, headers=headers, **kwargs)

    def get(self, url: str, who: Organizer | str | None = None, **kwargs: Any):  # noqa: ANN201
        return self.request("GET", url, who, **kwargs)

    def post(self, url: str, who: Organizer | str | None = None, **kwargs: Any):  # noqa: ANN201
        return self.request("POST", url, who, **kwargs)

    def put(self, url: str, who: Organizer | str | None = None, **kwargs: Any):  # noqa: ANN201
        return self.request("PUT", url, who, **kwargs)

    def patch(self, url: str, who: Organizer | str | None = None, **kwargs: Any):  # noqa: ANN201
        return self.request("PATCH", url, who, **kwargs)

    def delete(self, url: str, who: Organizer | str | None = None, **kwargs: Any):  # noqa: ANN201
        return self.request("DELETE", url, who, **kwargs)

    @staticmethod
    def ok(response, status: int = 200) -> Any:  # noqa: ANN001, ANN401
        """The JSON of a response that must have ``status`` (the assertion shows the body otherwise)."""
        assert response.status_code == status, (
            response.request.method, str(response.request.url), response.status_code, response.text[:2000])
        return response.json() if response.content else None

    # -- resources
    def create_event(self, who: Organizer, dataset: Dataset | None = None, name: str = "event") -> dict[str, Any]:
        body: dict[str, Any] = {"name": name}
        if dataset is not None:
            body["programme"] = dataset.programme
        return self.ok(self.post("/api/v1/events", who, json=body), 201)

    def import_file(self, who: Organizer, event_id: str, data: bytes, *, content_type: str = "text/csv",
                    mode: str = "replace", key: str | None = None):  # noqa: ANN201
        headers = {"Content-Type": content_type}
        if key is not None:
            headers["Idempotency-Key"] = key
        return self.post(f"/api/v1/events/{event_id}/participants/import?mode={mode}", who, content=data, headers=headers)

    def event_with_participants(self, who: Organizer, dataset: Dataset, name: str = "event") -> dict[str, Any]:
        event = self.create_event(who, dataset, name)
        imported = self.ok(self.import_file(who, event["id"], dataset.csv))
        assert imported["total"] == len(dataset.ids), imported
        return event

    def submit(self, who: Organizer, event_id: str, body: dict[str, Any], key: str | None = None):  # noqa: ANN201
        headers = {"Idempotency-Key": key} if key is not None else {}
        return self.post(f"/api/v1/events/{event_id}/jobs", who, json=body, headers=headers)

    def record_state(self, job: dict[str, Any]) -> None:
        """Remember a job's state; fail if it moved backwards or left a final state."""
        history = self.job_history.setdefault(job["id"], [])
        if history:
            assert STATE_RANK[job["state"]] >= STATE_RANK[history[-1]], (job["id"], history, job["state"])
            if history[-1] in TERMINAL_STATES:
                assert job["state"] == history[-1], (job["id"], history, job["state"])
        history.append(job["state"])

    def wait(self, who: Organizer, job_id: str, timeout: float = 240.0) -> dict[str, Any]:
        """Poll a job until it has finished (generous timeout: the suite runs under load)."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.ok(self.get(f"/api/v1/jobs/{job_id}", who))
            self.record_state(job)
            assert 0.0 <= job["progress"] <= 1.0, job
            if job["state"] in TERMINAL_STATES:
                return job
            assert time.monotonic() < deadline, f"job {job_id} not finished after {timeout} s: {job}"
            time.sleep(0.05)

    def run_job(self, who: Organizer, event_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Submit a job, wait for it, and return the finished job (whatever its state)."""
        response = self.submit(who, event_id, body)
        job = self.ok(response, 202)
        assert response.headers["location"] == f"/api/v1/jobs/{job['id']}", response.headers
        self.record_state(job)
        return self.wait(who, job["id"])

    def match(self, who: Organizer, event_id: str, **params: Any) -> dict[str, Any]:
        """Run a match job that must succeed; the finished job."""
        job = self.run_job(who, event_id, {"kind": "match", "round": 0, **params})
        assert job["state"] == "succeeded", job
        return job

    def owned_world(self, who: Organizer, preset: str = "industry-fair") -> dict[str, Any]:
        """One resource of each kind owned by ``who``: event with participants, lock, feedback, match job and
        result, plan result, a second (read) token and a participant link.

        Returns ``{"ids": {path parameter: value}, "plan_result_id", "link", "read_token", "left", "right",
        "csv", "programme", "event", "dataset"}``.
        """
        data = self.synthetic(preset, 3, 10, 6)
        event = self.event_with_participants(who, data)
        eid = event["id"]
        left, right = data.left_ids[0], data.right_ids[0]
        lock = self.ok(self.post(f"/api/v1/events/{eid}/locks", who, json={"round": 0, "left": left, "right": right, "kind": "pin"}), 201)
        self.ok(self.post(f"/api/v1/events/{eid}/feedback", who, json={"round": 0, "left": left, "right": right, "left_yes": True}), 201)
        match = self.match(who, eid)
        plan = self.run_job(who, eid, {"kind": "plan", "round": 0, "result_id": match["result_id"]})
        assert plan["state"] == "succeeded", plan
        token_id, token = self.token(who, ["read"])
        link = self.ok(self.post(f"/api/v1/events/{eid}/participants/{left}/link", who), 201)
        return {
            "event": event, "dataset": data, "left": left, "right": right, "csv": data.csv, "programme": data.programme,
            "read_token": token, "plan_result_id": plan["result_id"], "link": link["token"],
            "ids": {"event_id": eid, "participant_id": left, "job_id": match["id"], "result_id": match["result_id"],
                    "lock_id": lock["id"], "token_id": token_id, "link_token": link["token"]},
        }

    def all_items(self, who: Organizer, url: str, page: int = 200) -> list[dict[str, Any]]:
        """Every item of a paged list, page by page; checks ``total``."""
        items: list[dict[str, Any]] = []
        sep = "&" if "?" in url else "?"
        while True:
            body = self.ok(self.get(f"{url}{sep}limit={page}&offset={len(items)}", who))
            items.extend(body["items"])
            if not body["items"] or len(items) >= body["total"]:
                assert len(items) == body["total"], (url, len(items), body["total"])
                return items


def _settings(database_url: str, overrides: dict[str, Any]):  # noqa: ANN202
    from api.settings import Settings

    values: dict[str, Any] = {"database_url": database_url, "seed_demo": False}
    if "job_poll_seconds" in Settings.model_fields:
        values["job_poll_seconds"] = 0.05
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def make_api(database_url: str) -> Iterator[Callable[..., Api]]:
    """``make_api(**settings)``: an :class:`Api` on this test's database (calls share it, like restarts)."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    opened: list[Any] = []

    def factory(**overrides: Any) -> Api:
        settings = _settings(database_url, overrides)
        app = create_app(settings)
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        opened.append(client)
        return Api(client=client, app=app, settings=settings, database_url=database_url)

    try:
        yield factory
    finally:
        for client in reversed(opened):
            client.__exit__(None, None, None)
            engine = getattr(client.app.state, "engine", None)
            if engine is not None:
                engine.dispose()


@pytest.fixture
def api(make_api: Callable[..., Api]) -> Api:
    """An :class:`Api` with the default settings."""
    return make_api()


@pytest.fixture
def two(api: Api) -> tuple[Organizer, Organizer]:
    """Two organizers, A and B, each with an all-scopes token."""
    return api.organizer("Organizer A"), api.organizer("Organizer B")


@pytest.fixture
def synth() -> Callable[..., Dataset]:
    """:func:`synthetic`, for tests that do not start an app."""
    return synthetic
