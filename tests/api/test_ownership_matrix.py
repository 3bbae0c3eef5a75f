"""Ownership matrix: every id-bearing route of ``/api/v1``, every method.

Organizer A owns an event with participants, a lock, feedback, a match job
and its result, a plan result, a second token and a participant link.
Organizer B then calls every route whose path has an id parameter with A's
ids.  Each answer must be a 404 problem that is indistinguishable from the
answer for ids that exist nowhere: the same status, content type and body
apart from ``instance``, once the ids themselves are replaced by their
parameter names (a "not found" message names the id asked for).  Afterwards
A's data must be exactly as before (B's DELETE, PATCH, cancel... did nothing).

The list of routes comes from the app itself, so a new route is covered
without editing this file; a route with an id parameter this file does not
know fails the test, naming the parameter.  The participant portal
(``/api/v1/p/{link_token}``) has no organizer: there, a revoked link token
must be answered exactly like a token that never existed.

The page routes of :mod:`api.web` (outside ``/api/v1``) are shells filled by
the JSON API: for them, the page for A's id must equal the page for a
missing id (ids replaced), and no page may show A's data.
"""

from __future__ import annotations

import re
import secrets
from typing import Any, Iterator

__all__: list[str] = []

#: Path parameters this matrix knows how to fill.
ORGANIZER_PARAMS = {"event_id", "participant_id", "job_id", "result_id", "lock_id", "token_id"}
PORTAL_PARAMS = {"link_token"}
#: Routes whose result_id must be a timetable (plan) result for A's own call to succeed.
TIMETABLE_ROUTE = re.compile(r"/results/\{result_id\}/(timetable|agendas)")


def api_routes(app: Any) -> Iterator[tuple[str, str, tuple[str, ...]]]:  # noqa: ANN401
    """(method, path template, path parameters) of every route under /api/v1, HEAD and OPTIONS left out."""
    try:  # FastAPI >= 0.16x includes routers lazily; this flattens them
        from fastapi.routing import iter_route_contexts

        routes = list(iter_route_contexts(app.routes))
    except ImportError:  # older FastAPI: app.routes is already flat
        routes = list(app.routes)
    seen = set()
    for route in routes:
        path = getattr(route, "path", "")
        if not path.startswith("/api/v1"):
            continue
        params = tuple(getattr(route, "param_convertors", {}) or re.findall(r"\{(\w+)", path))
        for method in sorted(set(getattr(route, "methods", None) or ()) - {"HEAD", "OPTIONS"}):
            if (method, path) not in seen:
                seen.add((method, path))
                yield method, path, params


def fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values[m.group(1)], path)


def normalised(body: dict[str, Any], values: dict[str, str]) -> str:
    """The body without ``instance``, each id replaced by its parameter name."""
    import json

    text = json.dumps({k: v for k, v in body.items() if k != "instance"}, sort_keys=True, ensure_ascii=False)
    for name, value in sorted(values.items(), key=lambda kv: -len(kv[1])):
        text = text.replace(value, "{" + name + "}")
    return text


def missing_like(value: str) -> str:
    """An id of the same shape that exists nowhere (same prefix, random tail)."""
    head, sep, tail = value.rpartition("_")
    if sep and head:
        return f"{head}_{secrets.token_hex(max(3, len(tail) // 2))[: max(len(tail), 6)]}"
    return "ZZ" + secrets.token_hex(4).upper()


def request_body(method: str, path: str, a: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments that make a request valid apart from ownership (so validation cannot answer first)."""
    left, right = a["left"], a["right"]
    if path.endswith("/participants/import"):
        return {"content": a["csv"], "headers": {"Content-Type": "text/csv"}}
    if path.endswith("/rules") and method == "PUT":
        return {"json": a["programme"]}
    if path.endswith("/locks") and method == "POST":
        return {"json": {"round": 0, "left": left, "right": right, "kind": "forbid"}}
    if path.endswith("/feedback") and "/p/" in path:
        return {"json": {"partner": right, "round": 0, "yes": True}}
    if path.endswith("/feedback") and method == "POST":
        return {"json": {"round": 0, "left": left, "right": right, "left_yes": False, "deal": False}}
    if path.endswith("/jobs") and method == "POST":
        return {"json": {"kind": "match", "round": 0}}
    if path.endswith("/wishes"):
        return {"json": {"wishes": [right], "vetoes": []}}
    if path.endswith("/participants/{participant_id}") and method == "PATCH":
        return {"json": {"organization": "taken over"}}
    if path.endswith("/events/{event_id}") and method == "PATCH":
        return {"json": {"name": "taken over"}}
    if method in ("POST", "PUT", "PATCH"):
        return {"json": {}}
    return {}


def snapshot(api, a, ids: dict[str, str], link: str) -> dict[str, Any]:  # noqa: ANN001
    """What A (and A's participant) can read: must not change while B tries everything."""
    eid = ids["event_id"]
    event = api.ok(api.get(f"/api/v1/events/{eid}", a))
    return {
        "event": {k: v for k, v in event.items() if k != "updated_at"},
        "rules": api.ok(api.get(f"/api/v1/events/{eid}/rules", a)),
        "participants": api.all_items(a, f"/api/v1/events/{eid}/participants"),
        "locks": api.ok(api.get(f"/api/v1/events/{eid}/locks", a))["items"],
        "feedback": api.all_items(a, f"/api/v1/events/{eid}/feedback"),
        "jobs": api.all_items(a, f"/api/v1/events/{eid}/jobs"),
        "results": api.all_items(a, f"/api/v1/events/{eid}/results"),
        "tokens": api.ok(api.get("/api/v1/tokens", a))["items"],
        "portal": api.ok(api.get(f"/api/v1/p/{link}")),
    }


def test_every_id_route_answers_another_organizer_like_a_missing_id(api, two) -> None:  # noqa: ANN001
    a, b = two
    owned = api.owned_world(a)
    before = snapshot(api, a, owned["ids"], owned["link"])
    routes = list(api_routes(api.app))
    id_routes = [r for r in routes if r[2]]
    assert len(id_routes) >= 30, f"the app lists only {len(id_routes)} id-bearing routes: {routes}"

    failures: list[str] = []
    exercised: set[tuple[str, str]] = set()
    for method, path, params in id_routes:
        unknown = set(params) - ORGANIZER_PARAMS - PORTAL_PARAMS
        if unknown:
            failures.append(f"{method} {path}: unknown id parameter(s) {sorted(unknown)}; teach this matrix to fill them")
            continue
        if set(params) & PORTAL_PARAMS:
            continue  # the portal has its own test below
        values = {p: owned["ids"][p] for p in params}
        if "result_id" in values and TIMETABLE_ROUTE.search(path):
            values["result_id"] = owned["plan_result_id"]
        missing = {p: missing_like(v) for p, v in values.items()}
        kwargs = request_body(method, path, owned)

        # A itself may use the route (or is refused for a reason that is not "not found").
        mine = api.request(method, fill(path, values), a, **kwargs) if method == "GET" else None
        if mine is not None and mine.status_code == 404:
            failures.append(f"{method} {path}: A gets 404 on its own resource: {mine.text[:300]}")

        theirs = api.request(method, fill(path, values), b, **kwargs)
        nowhere = api.request(method, fill(path, missing), b, **kwargs)
        exercised.add((method, path))
        if theirs.status_code != 404:
            failures.append(f"{method} {path}: B on A's ids -> {theirs.status_code} (expected 404): {theirs.text[:300]}")
            continue
        if nowhere.status_code != 404:
            failures.append(f"{method} {path}: B on missing ids -> {nowhere.status_code} (expected 404): {nowhere.text[:300]}")
            continue
        if api.slug(theirs) != "not-found" or api.slug(nowhere) != "not-found":
            failures.append(f"{method} {path}: 404 without the not-found problem type")
            continue
        if theirs.headers.get("content-type") != nowhere.headers.get("content-type"):
            failures.append(f"{method} {path}: content types differ: {theirs.headers.get('content-type')} vs {nowhere.headers.get('content-type')}")
        if normalised(theirs.json(), values) != normalised(nowhere.json(), missing):
            failures.append(f"{method} {path}: B on A's ids and on missing ids differ:\n  {theirs.json()}\n  {nowhere.json()}")
        assert theirs.json()["instance"] == fill(path, values).split("?")[0], theirs.json()

    organizer_routes = {(m, p) for m, p, params in id_routes if not set(params) & PORTAL_PARAMS}
    assert not failures, "\n".join(failures)
    assert exercised == organizer_routes, organizer_routes - exercised

    after = snapshot(api, a, owned["ids"], owned["link"])
    for key in before:
        assert after[key] == before[key], f"B changed A's {key}"
    # A's second token still works (B's DELETE /tokens/{id} did nothing).
    assert api.get("/api/v1/me", owned["read_token"]).status_code == 200


def test_portal_revoked_link_answers_like_an_unknown_one(api, two) -> None:  # noqa: ANN001
    a, _ = two
    owned = api.owned_world(a)
    eid, left = owned["ids"]["event_id"], owned["left"]
    old = owned["link"]
    new = api.ok(api.post(f"/api/v1/events/{eid}/participants/{left}/link", a), 201)["token"]
    assert new != old and new.startswith("pt_")
    unknown = "pt_" + secrets.token_urlsafe(24)
    portal_routes = [r for r in api_routes(api.app) if set(r[2]) & PORTAL_PARAMS]
    assert portal_routes, "no participant portal routes"
    failures = []
    for method, path, _ in portal_routes:
        kwargs = request_body(method, path, owned)
        fresh = api.request(method, fill(path, {"link_token": new}), None, **kwargs)
        if fresh.status_code >= 400 and fresh.status_code != 409:
            failures.append(f"{method} {path}: the current link gets {fresh.status_code}: {fresh.text[:300]}")
        revoked = api.request(method, fill(path, {"link_token": old}), None, **kwargs)
        never = api.request(method, fill(path, {"link_token": unknown}), None, **kwargs)
        for name, r in (("revoked", revoked), ("unknown", never)):
            if r.status_code != 404 or api.slug(r) != "not-found":
                failures.append(f"{method} {path}: {name} link -> {r.status_code}: {r.text[:300]}")
        if revoked.status_code == never.status_code == 404:
            if normalised(revoked.json(), {"link_token": old}) != normalised(never.json(), {"link_token": unknown}):
                failures.append(f"{method} {path}: revoked and unknown links differ: {revoked.json()} vs {never.json()}")
            if old in str(api.without_instance(revoked.json())):
                failures.append(f"{method} {path}: the 404 names the secret link token outside 'instance'")
    assert not failures, "\n".join(failures)


def page_routes(app: Any) -> list[tuple[str, tuple[str, ...]]]:  # noqa: ANN401
    """(path, parameters) of the GET routes outside /api/v1 that carry an id (the pages of api.web)."""
    try:
        from fastapi.routing import iter_route_contexts

        routes = list(iter_route_contexts(app.routes))
    except ImportError:
        routes = list(app.routes)
    out = []
    for route in routes:
        path = getattr(route, "path", "")
        params = tuple(getattr(route, "param_convertors", {}) or ())
        if path.startswith("/api/") or path.startswith("/static") or not params or "GET" not in (getattr(route, "methods", None) or ()):
            continue
        out.append((path, params))
    return out


def test_page_shells_do_not_depend_on_whose_id(api, two) -> None:  # noqa: ANN001
    """Pages are shells filled by the JSON API: the page for A's event equals the page for a missing id."""
    a, _ = two
    pages = page_routes(api.app)
    if not pages:
        return  # api.web absent: nothing to check
    owned = api.owned_world(a)
    secret = f"Secret event {secrets.token_hex(4)}"
    api.ok(api.patch(f"/api/v1/events/{owned['ids']['event_id']}", a, json={"name": secret}))
    revoked = owned["link"]
    api.ok(api.post(f"/api/v1/events/{owned['ids']['event_id']}/participants/{owned['left']}/link", a), 201)
    failures = []
    for path, params in pages:
        unknown = set(params) - ORGANIZER_PARAMS - PORTAL_PARAMS
        if unknown:
            failures.append(f"GET {path}: unknown id parameter(s) {sorted(unknown)}")
            continue
        values = {p: (revoked if p == "link_token" else owned["ids"][p]) for p in params}
        missing = {p: ("pt_" + secrets.token_urlsafe(24) if p == "link_token" else missing_like(v)) for p, v in values.items()}
        for who in (None, a):
            real = api.request("GET", fill(path, values), who)
            fake = api.request("GET", fill(path, missing), who)
            if real.status_code != fake.status_code:
                failures.append(f"GET {path}: {real.status_code} for A's id, {fake.status_code} for a missing one")
                continue
            text_real, text_fake = real.text, fake.text
            for name in params:
                text_real = text_real.replace(values[name], "{" + name + "}")
                text_fake = text_fake.replace(missing[name], "{" + name + "}")
            if text_real != text_fake:
                failures.append(f"GET {path}: the page differs for A's id and a missing id")
            if secret in real.text:
                failures.append(f"GET {path}: the page shows the event's name without the JSON API")
    assert not failures, "\n".join(failures)
