"""Problems (RFC 9457), owner isolation, limits and idempotency of the service."""

from __future__ import annotations

import json

import pytest

from api.testing import auth, close_client, make_client, small_csv, wait_job

API = "/api/v1"
PROBLEM = "https://sme-matching.dev/problems/"


def slug(response) -> str:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    body = response.json()
    assert body["status"] == response.status_code
    assert "Traceback" not in response.text
    return body["type"].removeprefix(PROBLEM)


@pytest.fixture
def two(database_url):
    """A service with two organizers A and B (all scopes), each with an event of 4 SMEs and 2 startups."""
    client, _ = make_client(database_url, seed_demo=False, raise_server_exceptions=False, max_body_bytes=20_000,
                            max_participants_per_event=10, max_matrix_cells=12, max_page_size=5, max_concurrent_jobs=1,
                            job_stage_delay=0.1)
    from api import service

    tokens = []
    with client.app.state.sessions() as session:
        for name in ("A", "B"):
            tokens.append(service.create_organizer(session, name, scopes=("read", "write", "run", "admin"))[1])
        session.commit()
    events = []
    for token in tokens:
        event = client.post(f"{API}/events", json={"name": "e"}, headers=auth(token)).json()
        r = client.post(f"{API}/events/{event['id']}/participants/import", content=small_csv(),
                        headers={**auth(token), "Content-Type": "text/csv"})
        assert r.status_code == 200, r.text
        events.append(event["id"])
    yield client, tokens, events
    close_client(client)


def test_missing_bad_and_underscoped_tokens(two):
    client, (a, _), (event, _) = two
    assert client.get(f"{API}/events").status_code == 401 and slug(client.get(f"{API}/events")) == "unauthorized"
    assert slug(client.get(f"{API}/events", headers=auth("mt_nope"))) == "unauthorized"
    reader = client.post(f"{API}/tokens", json={"scopes": ["read"]}, headers=auth(a)).json()
    assert client.get(f"{API}/events/{event}", headers=auth(reader["token"])).status_code == 200
    r = client.post(f"{API}/events", json={"name": "x"}, headers=auth(reader["token"]))
    assert r.status_code == 403 and slug(r) == "forbidden"
    assert client.delete(f"{API}/tokens/{reader['id']}", headers=auth(a)).status_code == 204
    assert slug(client.get(f"{API}/events", headers=auth(reader["token"]))) == "unauthorized"


ROUTES = [
    ("GET", "/events/{e}", None),
    ("PATCH", "/events/{e}", {"name": "mine now"}),
    ("DELETE", "/events/{e}", None),
    ("GET", "/events/{e}/rules", None),
    ("PUT", "/events/{e}/rules", {"id": "x", "name": "x", "rounds": [{"name": "r", "left_roles": ["sme"], "right_roles": ["startup"]}]}),
    ("GET", "/events/{e}/participants", None),
    ("GET", "/events/{e}/participants/S1", None),
    ("PATCH", "/events/{e}/participants/S1", {"organization": "mine"}),
    ("DELETE", "/events/{e}/participants/S1", None),
    ("POST", "/events/{e}/participants/S1/link", None),
    ("POST", "/events/{e}/locks", {"left": "S1", "right": "T1", "kind": "pin"}),
    ("GET", "/events/{e}/locks", None),
    ("POST", "/events/{e}/feedback", {"left": "S1", "right": "T1", "left_yes": True}),
    ("GET", "/events/{e}/feedback", None),
    ("POST", "/events/{e}/jobs", {"kind": "match"}),
    ("GET", "/events/{e}/jobs", None),
    ("GET", "/events/{e}/results", None),
]


def test_another_organizers_event_is_answered_like_a_missing_one(two):
    client, (a, b), (event_a, _) = two
    strip = lambda r: {k: v for k, v in r.json().items() if k != "instance"}  # noqa: E731
    for method, path, body in ROUTES:
        foreign = client.request(method, API + path.format(e=event_a), json=body, headers=auth(b))
        missing = client.request(method, API + path.format(e="ev_000000000000"), json=body, headers=auth(b))
        assert foreign.status_code == missing.status_code == 404, (method, path, foreign.text)
        assert slug(foreign) == "not-found"
        assert json.dumps(strip(foreign)).replace(event_a, "X") == json.dumps(strip(missing)).replace("ev_000000000000", "X")
    r = client.post(f"{API}/events/{event_a}/participants/import", content=small_csv(), headers={**auth(b), "Content-Type": "text/csv"})
    assert r.status_code == 404
    event = client.get(f"{API}/events/{event_a}", headers=auth(a)).json()
    assert event["name"] == "e" and event["participants"] == 6


def test_foreign_jobs_and_results_are_not_found(two):
    client, (a, b), (event_a, _) = two
    job = client.post(f"{API}/events/{event_a}/jobs", json={"kind": "match"}, headers=auth(a)).json()
    done = wait_job(client, a, job["id"])
    assert done["state"] == "succeeded", done
    for path in (f"/jobs/{job['id']}", f"/results/{done['result_id']}", f"/results/{done['result_id']}/pairs",
                 f"/results/{done['result_id']}/quality"):
        r = client.get(API + path, headers=auth(b))
        assert r.status_code == 404 and slug(r) == "not-found", path
    assert client.post(f"{API}/jobs/{job['id']}/cancel", headers=auth(b)).status_code == 404


def test_import_rejected_lists_every_bad_row_and_imports_nothing(two):
    client, (a, _), (event, _) = two
    bad = b"id,role,organization,languages\nS9,sme,,ja\nS10,sme,Ok,xx\nS11,sme,Ok,ja\n"
    r = client.post(f"{API}/events/{event}/participants/import", content=bad, headers={**auth(a), "Content-Type": "text/csv"})
    assert r.status_code == 422 and slug(r) == "import-rejected"
    rows = {e["row"] for e in r.json()["errors"]}
    assert rows == {2, 3}
    assert client.get(f"{API}/events/{event}/participants", headers=auth(a)).json()["total"] == 6


def test_unsupported_content_type_is_415(two):
    client, (a, _), (event, _) = two
    r = client.post(f"{API}/events/{event}/participants/import", content=b"x", headers={**auth(a), "Content-Type": "image/png"})
    assert r.status_code == 415 and slug(r) == "unsupported-media-type"


def test_body_limit_from_content_length_and_while_streaming(two):
    client, (a, _), (event, _) = two
    big = b"id,role,organization\n" + b"S1,sme,x\n" * 3000
    r = client.post(f"{API}/events/{event}/participants/import", content=big, headers={**auth(a), "Content-Type": "text/csv"})
    assert r.status_code == 413 and slug(r) == "limit-exceeded" and r.json()["limit"] == {"name": "max_body_bytes", "value": 20_000}

    def chunks():
        for _ in range(30):
            yield b"x" * 1000

    r = client.post(f"{API}/events/{event}/participants/import", content=chunks(), headers={**auth(a), "Content-Type": "text/csv"})
    assert r.status_code == 413 and r.json()["limit"]["name"] == "max_body_bytes"


def test_participants_matrix_and_page_limits(two):
    client, (a, _), (event, _) = two
    r = client.post(f"{API}/events/{event}/participants/import?mode=append", content=small_csv(3, 2).replace(b"S", b"X").replace(b"T", b"Y"),
                    headers={**auth(a), "Content-Type": "text/csv"})
    assert r.status_code == 422 and r.json()["limit"] == {"name": "max_participants_per_event", "value": 10}
    r = client.post(f"{API}/events/{event}/participants/import?mode=replace", content=small_csv(7, 2),
                    headers={**auth(a), "Content-Type": "text/csv"})
    assert r.status_code == 200
    r = client.post(f"{API}/events/{event}/jobs", json={"kind": "match"}, headers=auth(a))
    assert r.status_code == 422 and r.json()["limit"] == {"name": "max_matrix_cells", "value": 12}
    r = client.get(f"{API}/events/{event}/participants?limit=6", headers=auth(a))
    assert r.status_code == 422 and r.json()["limit"] == {"name": "max_page_size", "value": 5}
    page = client.get(f"{API}/events/{event}/participants?limit=5&offset=5", headers=auth(a)).json()
    assert page["total"] == 9 and [p["id"] for p in page["items"]] == ["S6", "S7", "T1", "T2"]


@pytest.fixture
def slow_jobs(database_url):
    """One organizer whose jobs pause 3 s at every stage, so a cancel always reaches a job before it ends."""
    client, _ = make_client(database_url, seed_demo=False, raise_server_exceptions=False, max_concurrent_jobs=1,
                            job_stage_delay=3.0)
    from api import service

    with client.app.state.sessions() as session:
        token = service.create_organizer(session, "A", scopes=("read", "write", "run"))[1]
        session.commit()
    event = client.post(f"{API}/events", json={"name": "e"}, headers=auth(token)).json()["id"]
    r = client.post(f"{API}/events/{event}/participants/import", content=small_csv(),
                    headers={**auth(token), "Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    yield client, token, event
    close_client(client)


def test_concurrent_jobs_limit_is_429_and_cancel_frees_it(slow_jobs):
    client, a, event = slow_jobs
    first = client.post(f"{API}/events/{event}/jobs", json={"kind": "match"}, headers=auth(a))
    assert first.status_code == 202
    second = client.post(f"{API}/events/{event}/jobs", json={"kind": "match"}, headers=auth(a))
    assert second.status_code == 429 and second.json()["limit"] == {"name": "max_concurrent_jobs", "value": 1}
    cancelled = client.post(f"{API}/jobs/{first.json()['id']}/cancel", headers=auth(a)).json()
    final = wait_job(client, a, cancelled["id"])
    assert final["state"] == "cancelled" and final["result_id"] is None
    assert client.get(f"{API}/events/{event}/results", headers=auth(a)).json()["total"] == 0
    r = client.post(f"{API}/jobs/{first.json()['id']}/cancel", headers=auth(a))
    assert r.status_code == 409 and slug(r) == "conflict"
    assert client.post(f"{API}/events/{event}/jobs", json={"kind": "match"}, headers=auth(a)).status_code == 202


def test_idempotent_import_and_job_submission(two):
    client, (a, _), (event, _) = two
    headers = {**auth(a), "Content-Type": "text/csv", "Idempotency-Key": "import-1"}
    first = client.post(f"{API}/events/{event}/participants/import?mode=append", content=small_csv(2, 0).replace(b"S", b"N"), headers=headers)
    again = client.post(f"{API}/events/{event}/participants/import?mode=append", content=small_csv(2, 0).replace(b"S", b"N"), headers=headers)
    assert first.status_code == again.status_code == 200 and first.content == again.content
    assert again.headers.get("idempotent-replayed") == "true"
    assert client.get(f"{API}/events/{event}", headers=auth(a)).json()["participants"] == 8
    other = client.post(f"{API}/events/{event}/participants/import?mode=append", content=small_csv(1, 0).replace(b"S", b"M"), headers=headers)
    assert other.status_code == 422 and slug(other) == "idempotency-mismatch"

    key = {**auth(a), "Idempotency-Key": "job-1"}
    job = client.post(f"{API}/events/{event}/jobs", json={"kind": "match"}, headers=key)
    replay = client.post(f"{API}/events/{event}/jobs", json={"kind": "match"}, headers=key)
    assert job.status_code == replay.status_code == 202 and job.json()["id"] == replay.json()["id"]
    assert replay.headers["location"] == f"/api/v1/jobs/{job.json()['id']}"
    assert client.get(f"{API}/events/{event}/jobs", headers=auth(a)).json()["total"] == 1
    mismatch = client.post(f"{API}/events/{event}/jobs", json={"kind": "match", "objective": "greedy"}, headers=key)
    assert slug(mismatch) == "idempotency-mismatch"


def test_invalid_bodies_and_unknown_routes_are_problems(two):
    client, (a, _), (event, _) = two
    r = client.post(f"{API}/events", json={"name": ""}, headers=auth(a))
    assert r.status_code == 422 and slug(r) == "invalid-input" and r.json()["errors"][0]["field"] == "name"
    r = client.post(f"{API}/events/{event}/jobs", json={"kind": "match", "objective": "best"}, headers=auth(a))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "objective"
    r = client.post(f"{API}/events/{event}/jobs", json={"kind": "plan", "round": 3}, headers=auth(a))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "round"
    r = client.post(f"{API}/events", content=b"{not json", headers={**auth(a), "Content-Type": "application/json"})
    assert r.status_code == 422 and slug(r) == "invalid-input"
    assert slug(client.get(f"{API}/nothing-here", headers=auth(a))) == "not-found"
    assert slug(client.put(f"{API}/me", headers=auth(a))) == "method-not-allowed"


def test_unexpected_errors_are_500_problems_without_traceback(two, monkeypatch):
    client, (a, _), (event, _) = two
    from api import service

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(service, "list_events", broken)
    r = client.get(f"{API}/events", headers=auth(a))
    assert r.status_code == 500 and slug(r) == "internal-error" and "secret" not in r.text


def test_infeasible_rules_fail_the_job_with_a_reason(two):
    client, (a, _), (event, _) = two
    programme = client.get(f"{API}/events/{event}/rules", headers=auth(a)).json()
    programme["rounds"][0]["left_capacity"] = {"min": 1, "max": 1}
    programme["rounds"][0]["right_capacity"] = {"min": 0, "max": 1}
    assert client.put(f"{API}/events/{event}/rules", json=programme, headers=auth(a)).status_code == 200
    job = client.post(f"{API}/events/{event}/jobs", json={"kind": "match"}, headers=auth(a)).json()
    done = wait_job(client, a, job["id"])
    assert done["state"] == "failed" and done["error"]["type"] == PROBLEM + "infeasible" and done["result_id"] is None


def test_deleting_an_event_while_its_job_runs_leaves_nothing_behind(two):
    import time

    from sqlalchemy import func, select

    from api.models import JobRow, ResultRow

    client, (a, _), (event, _) = two
    job = client.post(f"{API}/events/{event}/jobs", json={"kind": "match"}, headers=auth(a)).json()
    deadline = time.monotonic() + 30
    while client.get(f"{API}/jobs/{job['id']}", headers=auth(a)).json()["state"] == "queued":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert client.delete(f"{API}/events/{event}", headers=auth(a)).status_code == 204
    assert client.get(f"{API}/jobs/{job['id']}", headers=auth(a)).status_code == 404
    time.sleep(0.6)  # the worker reaches its next stages and finds the job gone
    with client.app.state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ResultRow)) == 0
        assert session.scalar(select(func.count()).select_from(JobRow).where(JobRow.id == job["id"])) == 0
    assert client.post(f"{API}/events/{two[2][1]}/jobs", json={"kind": "match"}, headers=auth(two[1][1])).status_code == 202
