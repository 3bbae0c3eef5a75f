"""Browser security headers on every route, and the limit on failed tokens and links per client address."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from api.security import DATA_CSP, DOCS_CSP, PAGE_CSP

ALWAYS = {"x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "no-referrer"}


def _routes(app: Any) -> list[tuple[str, str]]:
    """(method, path template) of every GET route of the app, mounts (static files) left out."""
    try:
        from fastapi.routing import iter_route_contexts

        routes = list(iter_route_contexts(app.routes))
    except ImportError:
        routes = list(app.routes)
    return sorted({("GET", r.path) for r in routes if "GET" in (getattr(r, "methods", None) or ())})


def _fill(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: ids[m.group(1)], path)


def _assert_always(response) -> None:  # noqa: ANN001
    for name, value in ALWAYS.items():
        assert response.headers.get(name) == value, (str(response.request.url), name, dict(response.headers))


def test_every_get_route_sends_the_security_headers(api):  # noqa: ANN001
    a = api.organizer("A")
    world = api.owned_world(a)
    ids = dict(world["ids"], participant_id=world["left"])
    timetable = re.compile(r"/results/\{result_id\}/(timetable|agendas)")
    pages = data = 0
    for _, template in _routes(api.app):
        values = dict(ids, result_id=world["plan_result_id"]) if timetable.search(template) else ids
        response = api.get(_fill(template, values), a)
        assert response.status_code == 200, (template, response.status_code, response.text[:300])
        _assert_always(response)
        csp = response.headers["content-security-policy"]
        if response.headers["content-type"].startswith("text/html"):
            assert csp == (DOCS_CSP if template in ("/docs", "/redoc", "/docs/oauth2-redirect") else PAGE_CSP), template
            pages += 1
        else:
            assert csp == DATA_CSP, template
            data += 1
        if template.startswith("/api/"):
            assert response.headers["cache-control"] == "no-store", template
    assert pages >= 6 and data >= 20, (pages, data)  # the six pages and the JSON/CSV/ics API


def test_the_page_policy_is_strict():
    directives = dict(part.strip().split(" ", 1) for part in PAGE_CSP.split(";"))
    assert directives["default-src"] == "'self'" and directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert "unsafe" not in PAGE_CSP and "http" not in PAGE_CSP


def test_pages_have_no_inline_script_style_or_handler(api):  # noqa: ANN001
    """What the policy forbids is not in the templates: no inline code would silently stop working."""
    for path in ("/", "/signin", "/events/ev_x", "/events/ev_x/matching", "/events/ev_x/fair", "/p/pt_x"):
        html = api.get(path).text
        scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S)
        assert scripts
        for attrs, body in scripts:
            assert 'type="module" src="/static/' in attrs or ('type="application/json"' in attrs and body.strip()), attrs
        assert not re.search(r"\son[a-z]+\s*=", html), path
        assert "style=" not in html and "<style" not in html and "javascript:" not in html, path


def test_problems_statics_and_size_limit_answers_carry_the_headers(make_api):  # noqa: ANN001
    api = make_api(max_body_bytes=100)
    for response in (api.get("/api/v1/events"), api.get("/api/v1/nothing"), api.get("/static/js/common.js"),
                     api.post("/api/v1/events", "mt_x", content=b"x" * 1000, headers={"Content-Type": "application/json"})):
        _assert_always(response)
    assert api.get("/api/v1/events").headers["cache-control"] == "no-store"
    assert "no-store" not in api.get("/static/js/common.js").headers.get("cache-control", "")


# --------------------------------------------------------------------------- failed attempts


def _client(api, address: str):  # noqa: ANN001, ANN202
    from fastapi.testclient import TestClient

    return TestClient(api.app, client=(address, 40000), raise_server_exceptions=False)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_failed_tokens_are_limited_per_address(make_api):  # noqa: ANN001
    api = make_api(auth_failure_limit=5, auth_failure_window_seconds=600)
    a = api.organizer("A")
    attacker, other = _client(api, "203.0.113.7"), _client(api, "198.51.100.2")
    for k in range(5):
        wrong = attacker.get("/api/v1/me", headers=_bearer(f"mt_guess{k}"))
        assert wrong.status_code == 401 and api.slug(wrong) == "unauthorized"
    refused = attacker.get("/api/v1/me", headers=_bearer("mt_guess5"))
    assert refused.status_code == 429 and api.slug(refused) == "too-many-failures"
    retry = int(refused.headers["retry-after"])
    assert 1 <= retry <= 600 and refused.json()["retry_after"] == retry
    assert refused.json()["limit"] == {"name": "auth_failure_limit", "value": 5}
    # the attacker learns nothing, not even from a good token; another address is not affected
    assert attacker.get("/api/v1/me", headers=_bearer(a.token)).status_code == 429
    assert other.get("/api/v1/me", headers=_bearer(a.token)).status_code == 200
    # a request without any token is not a guess
    assert other.get("/api/v1/me").status_code == 401
    for _ in range(5):
        other.get("/api/v1/me")
    assert other.get("/api/v1/me", headers=_bearer(a.token)).status_code == 200


def test_the_window_passes(make_api):  # noqa: ANN001
    from api.models import AuthFailureRow

    api = make_api(auth_failure_limit=2, auth_failure_window_seconds=60)
    a = api.organizer("A")
    attacker = _client(api, "203.0.113.8")
    for k in range(2):
        assert attacker.get("/api/v1/me", headers=_bearer(f"mt_x{k}")).status_code == 401
    assert attacker.get("/api/v1/me", headers=_bearer(a.token)).status_code == 429
    with api.app.state.sessions() as session:  # a minute later
        for row in session.query(AuthFailureRow).all():
            row.at -= timedelta(seconds=61)
        session.commit()
    assert attacker.get("/api/v1/me", headers=_bearer(a.token)).status_code == 200
    assert attacker.get("/api/v1/me", headers=_bearer("mt_again")).status_code == 401
    with api.app.state.sessions() as session:  # old rows were deleted with the new failure
        assert session.query(AuthFailureRow).count() == 1


def test_failed_links_are_limited_per_address(make_api):  # noqa: ANN001
    api = make_api(auth_failure_limit=3)
    a = api.organizer("A")
    data = api.synthetic("reskilling", 1, 6, 3)
    event = api.event_with_participants(a, data)
    link = api.ok(api.post(f"/api/v1/events/{event['id']}/participants/{data.left_ids[0]}/link", a), 201)["token"]
    attacker, phone = _client(api, "203.0.113.9"), _client(api, "192.0.2.44")
    for k in range(3):
        missing = attacker.get(f"/api/v1/p/pt_guess{k}")
        assert missing.status_code == 404 and api.slug(missing) == "not-found"
    refused = attacker.put(f"/api/v1/p/{link}/wishes", json={"wishes": [], "vetoes": []})
    assert refused.status_code == 429 and api.slug(refused) == "too-many-failures" and "retry-after" in refused.headers
    assert attacker.get(f"/api/v1/p/{link}").status_code == 429
    assert phone.get(f"/api/v1/p/{link}").json()["participant"]["id"] == data.left_ids[0]
    saved = phone.put(f"/api/v1/p/{link}/wishes", json={"wishes": [data.right_ids[0]], "vetoes": []})
    assert saved.status_code == 200 and saved.json()["wishes"] == [data.right_ids[0]]


def test_the_limit_holds_across_processes_on_one_database(make_api):  # noqa: ANN001
    """Two service instances on the same database (as several API processes are) share the count."""
    first, second = make_api(auth_failure_limit=4), make_api(auth_failure_limit=4)
    a = first.organizer("A")
    one, two = _client(first, "203.0.113.10"), _client(second, "203.0.113.10")
    for k in range(4):
        assert (one if k % 2 else two).get("/api/v1/me", headers=_bearer(f"mt_y{k}")).status_code == 401
    assert one.get("/api/v1/me", headers=_bearer(a.token)).status_code == 429
    assert two.get("/api/v1/me", headers=_bearer(a.token)).status_code == 429


@pytest.mark.parametrize("kind", ["password", ""])
def test_record_failure_names_its_kinds(kind):
    from types import SimpleNamespace

    from api.ratelimit import record_failure

    with pytest.raises(ValueError, match="unknown failure kind"):
        record_failure(SimpleNamespace(app=None, client=None), None, kind)  # type: ignore[arg-type]
