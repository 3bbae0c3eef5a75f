"""Organizer tokens: scopes, revocation, hashing; participant links; who sees contacts.

* A read-only token can read every organizer route and change nothing: every
  POST/PUT/PATCH/DELETE route of ``/api/v1`` (listed from the app) answers
  403 ``forbidden`` and the data stay as they were.
* Job routes need ``run``; creating organizers needs ``admin``; a token
  cannot hand out scopes it lacks.
* A revoked token gets 401 everywhere.
* Tokens and link tokens are stored hashed: the raw secret appears nowhere in
  the database (every table, every row; for SQLite also the raw file bytes).
* A participant link shows its own profile and partners, never another
  participant's contacts; organizers see contacts.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

__all__: list[str] = []

PORTAL = "/api/v1/p/"


def routes_of(app: Any) -> list[tuple[str, str]]:  # noqa: ANN401
    try:
        from fastapi.routing import iter_route_contexts

        routes = list(iter_route_contexts(app.routes))
    except ImportError:
        routes = list(app.routes)
    out = set()
    for route in routes:
        path = getattr(route, "path", "")
        if path.startswith("/api/v1"):
            for method in set(getattr(route, "methods", None) or ()) - {"HEAD", "OPTIONS"}:
                out.add((method, path))
    return sorted(out)


def fill(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], path)


def body_for(method: str, path: str, owned: dict[str, Any]) -> dict[str, Any]:
    left, right = owned["left"], owned["right"]
    if path.endswith("/participants/import"):
        return {"content": owned["csv"], "headers": {"Content-Type": "text/csv"}}
    table = {
        ("POST", "/api/v1/organizers"): {"name": "new"},
        ("POST", "/api/v1/tokens"): {"scopes": ["read"]},
        ("POST", "/api/v1/events"): {"name": "new"},
        ("PATCH", "/api/v1/events/{event_id}"): {"name": "renamed"},
        ("PUT", "/api/v1/events/{event_id}/rules"): owned["programme"],
        ("PATCH", "/api/v1/events/{event_id}/participants/{participant_id}"): {"organization": "renamed"},
        ("POST", "/api/v1/events/{event_id}/locks"): {"round": 0, "left": left, "right": right, "kind": "forbid"},
        ("POST", "/api/v1/events/{event_id}/feedback"): {"round": 0, "left": left, "right": right, "deal": True},
        ("POST", "/api/v1/events/{event_id}/jobs"): {"kind": "match", "round": 0},
    }
    if (method, path) in table:
        return {"json": table[(method, path)]}
    return {"json": {}} if method in ("POST", "PUT", "PATCH") else {}


def state_of(api, a, owned) -> dict[str, Any]:  # noqa: ANN001
    eid = owned["ids"]["event_id"]
    event = api.ok(api.get(f"/api/v1/events/{eid}", a))
    return {
        "events": api.all_items(a, "/api/v1/events"),
        "event": event,
        "participants": api.all_items(a, f"/api/v1/events/{eid}/participants"),
        "locks": api.ok(api.get(f"/api/v1/events/{eid}/locks", a)),
        "feedback": api.all_items(a, f"/api/v1/events/{eid}/feedback"),
        "jobs": api.all_items(a, f"/api/v1/events/{eid}/jobs"),
        "tokens": api.ok(api.get("/api/v1/tokens", a)),
    }


def test_read_only_token_reads_everything_and_writes_nothing(api, two) -> None:  # noqa: ANN001
    a, _ = two
    owned = api.owned_world(a)
    reader = owned["read_token"]
    assert api.ok(api.get("/api/v1/me", reader))["scopes"] == ["read"]
    before = state_of(api, a, owned)
    failures = []
    writes = 0
    for method, path in routes_of(api.app):
        if path.startswith(PORTAL):
            continue
        ids = dict(owned["ids"])
        if "timetable" in path or "agendas" in path:
            ids["result_id"] = owned["plan_result_id"]
        url = fill(path, ids)
        r = api.request(method, url, reader, **body_for(method, path, owned))
        if method == "GET":
            if r.status_code != 200:
                failures.append(f"GET {path}: read token -> {r.status_code}: {r.text[:200]}")
        else:
            writes += 1
            if r.status_code != 403 or api.slug(r) != "forbidden":
                failures.append(f"{method} {path}: read token -> {r.status_code} (expected 403): {r.text[:200]}")
    assert writes >= 15, writes
    assert not failures, "\n".join(failures)
    assert state_of(api, a, owned) == before


def test_run_and_admin_scopes(api, two) -> None:  # noqa: ANN001
    a, _ = two
    data = api.synthetic("reskilling", 1, 12, 3)
    event = api.event_with_participants(a, data)
    eid = event["id"]
    _, writer = api.token(a, ["read", "write"])
    r = api.submit(writer, eid, {"kind": "match", "round": 0})
    assert r.status_code == 403 and api.slug(r) == "forbidden", r.text
    assert "run" in r.json()["detail"]
    _, runner = api.token(a, ["read", "run"])
    job = api.ok(api.submit(runner, eid, {"kind": "match", "round": 0}), 202)
    r = api.post(f"/api/v1/jobs/{job['id']}/cancel", writer)
    assert r.status_code == 403, r.text
    api.wait(a, job["id"])
    # Only admin tokens create organizers.
    for token in (writer, runner):
        r = api.post("/api/v1/organizers", token, json={"name": "intruder"})
        assert r.status_code == 403 and api.slug(r) == "forbidden", r.text
    created = api.ok(api.post("/api/v1/organizers", a, json={"name": "Newcomer"}), 201)
    newcomer = created["token"]
    assert newcomer.startswith("mt_")
    me = api.ok(api.get("/api/v1/me", newcomer))
    assert me["name"] == "Newcomer" and me["id"] == created["organizer"]["id"] and "admin" not in me["scopes"]
    assert api.ok(api.get("/api/v1/events", newcomer))["total"] == 0
    assert api.get(f"/api/v1/events/{eid}", newcomer).status_code == 404
    # A token cannot grant scopes it lacks.
    r = api.post("/api/v1/tokens", writer, json={"scopes": ["read", "run"]})
    assert r.status_code == 403 and api.slug(r) == "forbidden", r.text
    r = api.post("/api/v1/tokens", newcomer, json={"scopes": ["admin"]})
    assert r.status_code == 403, r.text
    r = api.post("/api/v1/tokens", a, json={"scopes": ["root"]})
    assert r.status_code == 422, r.text


def test_revoked_token_is_refused_everywhere(api, two) -> None:  # noqa: ANN001
    a, b = two
    data = api.synthetic("reskilling", 1, 12, 3)
    event = api.event_with_participants(a, data)
    token_id, token = api.token(a, ["read", "write", "run"])
    assert api.get("/api/v1/me", token).status_code == 200
    listed = api.ok(api.get("/api/v1/tokens", a))["items"]
    assert token_id in [t["id"] for t in listed]
    assert all("token" not in t and "token_hash" not in t for t in listed), listed
    # B cannot revoke A's token; A can.
    assert api.delete(f"/api/v1/tokens/{token_id}", b).status_code == 404
    assert api.get("/api/v1/me", token).status_code == 200
    assert api.delete(f"/api/v1/tokens/{token_id}", a).status_code == 204
    for method, url in (("GET", "/api/v1/me"), ("GET", "/api/v1/events"), ("GET", f"/api/v1/events/{event['id']}"),
                        ("POST", f"/api/v1/events/{event['id']}/jobs"), ("DELETE", f"/api/v1/events/{event['id']}")):
        r = api.request(method, url, token, json={"kind": "match", "round": 0} if method == "POST" else None)
        assert r.status_code == 401 and api.slug(r) == "unauthorized", (method, url, r.status_code, r.text)
    assert token_id not in [t["id"] for t in api.ok(api.get("/api/v1/tokens", a))["items"]]
    assert api.delete(f"/api/v1/tokens/{token_id}", a).status_code == 404  # already revoked
    assert api.get(f"/api/v1/events/{event['id']}", a).status_code == 200


def _every_value(api) -> str:  # noqa: ANN001
    """Every row of every table, as text."""
    from sqlalchemy import MetaData, select

    engine = api.app.state.engine
    metadata = MetaData()
    metadata.reflect(engine)
    parts = []
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)):
                for value in row:
                    if isinstance(value, (bytes, bytearray, memoryview)):
                        value = bytes(value).decode("utf-8", "replace")
                    parts.append(str(value))
    return "\n".join(parts)


def test_tokens_are_stored_hashed(api, two) -> None:  # noqa: ANN001
    a, _ = two
    owned = api.owned_world(a)
    link = owned["link"]
    secrets_ = [a.token, owned["read_token"], link]
    _, extra = api.token(a, ["read"])
    secrets_.append(extra)
    created = api.ok(api.post("/api/v1/organizers", a, json={"name": "Other"}), 201)
    secrets_.append(created["token"])
    dump = _every_value(api)
    assert len(dump) > 1000
    for secret in secrets_:
        assert secret not in dump, f"a raw token is stored: {secret[:6]}..."
        assert secret.split("_", 1)[1] not in dump
        assert hashlib.sha256(secret.encode()).hexdigest() in dump, "expected the SHA-256 hex digest to be stored"
    if api.database_url.startswith("sqlite"):
        path = api.database_url.split(":///", 1)[1]
        import glob

        for name in glob.glob(path + "*"):  # the database, its WAL and shared-memory files
            with open(name, "rb") as handle:
                raw = handle.read()
            for secret in secrets_:
                assert secret.encode() not in raw, f"a raw token is in {name}"


def test_participant_link_sees_only_its_own_data(api, two) -> None:  # noqa: ANN001
    a, _ = two
    owned = api.owned_world(a)
    eid, me = owned["ids"]["event_id"], owned["left"]
    people = {p["id"]: p for p in api.all_items(a, f"/api/v1/events/{eid}/participants")}
    # Organizers see contacts.
    assert people[me]["contacts"], people[me]
    others_contacts = {c[k] for pid, p in people.items() if pid != me for c in p["contacts"] for k in ("email", "phone", "name") if c.get(k)}
    my_contacts = {c["email"] for c in people[me]["contacts"] if c.get("email")}
    assert others_contacts and my_contacts
    link = owned["link"]
    answers = [
        api.get(f"{PORTAL}{link}"),
        api.get(f"{PORTAL}{link}/recommendations?lang=en"),
        api.get(f"{PORTAL}{link}/recommendations?lang=ja"),
        api.get(f"{PORTAL}{link}/agenda"),
        api.get(f"{PORTAL}{link}/agenda.ics"),
    ]
    for r in answers:
        assert r.status_code == 200, (r.request.url, r.status_code, r.text[:300])
        leaked = [c for c in others_contacts if c in r.text]
        assert not leaked, (str(r.request.url), leaked[:3])
    profile = answers[0].json()
    assert me in answers[0].text
    assert any(e in answers[0].text for e in my_contacts), profile  # own contacts are shown to oneself
    # Recommendations name partners of the other side only, with reasons.
    recs = answers[1].json()
    partner_ids = [item["partner_id"] for item in recs["items"]]
    assert partner_ids, recs  # A's match result pairs every exhibitor with someone
    assert set(partner_ids) <= set(owned["dataset"].right_ids), (partner_ids, recs)
    assert all(item["reasons"] for item in recs["items"]), recs
    # The portal writes only the participant's own data.
    wish = owned["dataset"].right_ids[1]
    got = api.ok(api.put(f"{PORTAL}{link}/wishes", json={"wishes": [wish], "vetoes": []}))
    assert got["wishes"] == [wish]
    assert api.ok(api.get(f"/api/v1/events/{eid}/participants/{me}", a))["wishes"] == [wish]
    r = api.put(f"{PORTAL}{link}/wishes", json={"wishes": ["not-a-participant"], "vetoes": []})
    assert r.status_code == 422 and api.slug(r) == "invalid-input", r.text
    # Organizer tokens are not link tokens, and link tokens are not organizer tokens.
    assert api.get(f"{PORTAL}{a.token}").status_code == 404
    r = api.get("/api/v1/events", link)
    assert r.status_code == 401, r.text
