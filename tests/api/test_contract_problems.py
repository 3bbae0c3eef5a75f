"""Errors are RFC 9457 problem documents with the right status and type, never a 500.

Malformed JSON, wrong content types, unknown fields, bad query values,
unknown routes and methods, missing or bad tokens, participant files with
bad rows (every row error listed, nothing written), rules that do not fit
the participants (nothing changed), and jobs that cannot succeed (failed
with a reason, not a crash).
"""

from __future__ import annotations

import csv
import io
import json

import pytest

__all__: list[str] = []


def test_malformed_json_is_a_422_problem(api, two) -> None:  # noqa: ANN001
    a, _ = two
    event = api.create_event(a)
    cases = [
        ("POST", "/api/v1/events", b'{"name": "x"'),
        ("POST", "/api/v1/events", b"\xff\xfe not utf-8"),
        ("POST", "/api/v1/events", b""),
        ("POST", "/api/v1/events", b"[1, 2]"),
        ("PATCH", f"/api/v1/events/{event['id']}", b"{'name': 'single quotes'}"),
        ("PUT", f"/api/v1/events/{event['id']}/rules", b'{"rounds": ['),
        ("POST", f"/api/v1/events/{event['id']}/jobs", b"null"),
        ("POST", f"/api/v1/events/{event['id']}/locks", b"NaN"),
    ]
    for method, url, body in cases:
        r = api.request(method, url, a, content=body, headers={"Content-Type": "application/json"})
        assert r.status_code in (400, 422), (method, url, body, r.status_code, r.text)
        assert api.slug(r) in ("invalid-input", "bad-request"), (method, url, r.text)


def test_unknown_fields_are_named(api, two) -> None:  # noqa: ANN001
    a, _ = two
    event = api.create_event(a)
    eid = event["id"]
    for method, url, body in [
        ("POST", "/api/v1/events", {"name": "x", "colour": "red"}),
        ("PATCH", f"/api/v1/events/{eid}", {"colour": "red"}),
        ("POST", f"/api/v1/events/{eid}/jobs", {"kind": "match", "round": 0, "colour": "red"}),
        ("POST", f"/api/v1/events/{eid}/locks", {"round": 0, "left": "a", "right": "b", "kind": "pin", "colour": "red"}),
        ("POST", f"/api/v1/events/{eid}/feedback", {"round": 0, "left": "a", "right": "b", "colour": "red"}),
        ("POST", "/api/v1/tokens", {"scopes": ["read"], "colour": "red"}),
    ]:
        r = api.request(method, url, a, json=body)
        assert r.status_code == 422, (method, url, r.status_code, r.text)
        assert api.slug(r) == "invalid-input"
        fields = [e["field"] for e in r.json()["errors"]]
        assert any("colour" in f for f in fields), (url, r.json())
    # Unknown fields of the programme are refused too (all or nothing: the rules do not change).
    rules = api.ok(api.get(f"/api/v1/events/{eid}/rules", a))
    r = api.put(f"/api/v1/events/{eid}/rules", a, json={**rules, "colour": "red"})
    assert r.status_code == 422 and api.slug(r) == "invalid-input", r.text
    assert api.ok(api.get(f"/api/v1/events/{eid}/rules", a)) == rules


def test_wrong_content_types(api, two) -> None:  # noqa: ANN001
    a, _ = two
    data = api.synthetic("reskilling", 1, 12, 3)
    event = api.create_event(a, data)
    eid = event["id"]
    r = api.import_file(a, eid, data.csv, content_type="image/png")
    assert r.status_code == 415 and api.slug(r) == "unsupported-media-type", r.text
    r = api.post(f"/api/v1/events/{eid}/participants/import", a, content=data.csv, headers={"Content-Type": ""})
    assert 400 <= r.status_code < 500 and api.slug(r), r.text
    # A CSV sent as JSON, and JSON sent as CSV or Excel: row/format errors, never a crash.
    for body, content_type in [(data.csv, "application/json"), (data.json, "text/csv"),
                               (data.csv, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                               (b"PK\x03\x04 truncated zip", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")]:
        r = api.import_file(a, eid, body, content_type=content_type)
        assert r.status_code == 422, (content_type, r.status_code, r.text[:300])
        assert api.slug(r) in ("import-rejected", "invalid-input"), r.text[:300]
    # JSON endpoints given form data or text.
    r = api.post("/api/v1/events", a, content=b"name=x", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert 400 <= r.status_code < 500 and api.slug(r), r.text
    r = api.put(f"/api/v1/events/{eid}/rules", a, content=b"[rounds", headers={"Content-Type": "application/toml"})
    assert r.status_code == 422 and api.slug(r) == "invalid-input", r.text
    assert api.ok(api.get(f"/api/v1/events/{eid}/participants", a))["total"] == 0


def test_bad_rows_are_all_listed_and_nothing_is_written(api, two) -> None:  # noqa: ANN001
    a, _ = two
    data = api.synthetic("reskilling", 1, 12, 3)
    event = api.event_with_participants(a, data)
    eid = event["id"]
    before = api.all_items(a, f"/api/v1/events/{eid}/participants")
    rows = list(csv.reader(io.StringIO(data.csv.decode("utf-8"))))
    employees = rows[0].index("employees")
    rows[3][employees] = "12.5"  # line 4: not a whole number
    rows[5] = list(rows[1])  # line 6: a duplicate id
    rows.append(["new-1", "", "no role"] + [""] * (len(rows[0]) - 3))  # last line: no role
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    payload = out.getvalue().encode("utf-8")
    bad_lines = len(rows)
    for mode in ("replace", "append"):
        r = api.import_file(a, eid, payload, mode=mode)
        assert r.status_code == 422, (mode, r.text[:500])
        assert api.slug(r) == "import-rejected"
        errors = r.json()["errors"]
        assert {"field", "row", "participant", "message", "value"} <= set(errors[0]), errors[0]
        rows = {e["row"] for e in errors}
        assert {4, 6} <= rows, errors  # line numbers: the header is line 1
        assert any(e["field"] == "employees" and e["row"] == 4 for e in errors), errors
        assert any(e["row"] == bad_lines and e["participant"] == "new-1" for e in errors), errors
        assert api.all_items(a, f"/api/v1/events/{eid}/participants") == before
    # JSON file: rows are positions in the list.
    items = json.loads(data.json)
    items = items["participants"] if isinstance(items, dict) else items
    items[2] = {**items[2], "languages": ["xx-not-a-language", 3]}
    r = api.import_file(a, eid, json.dumps(items).encode(), content_type="application/json")
    assert r.status_code == 422 and api.slug(r) == "import-rejected", r.text[:500]
    assert any(e["row"] == 3 for e in r.json()["errors"]), r.json()
    assert api.all_items(a, f"/api/v1/events/{eid}/participants") == before


def test_rules_that_do_not_fit_change_nothing(api, two) -> None:  # noqa: ANN001
    a, _ = two
    data = api.synthetic("reskilling", 1, 12, 3)
    event = api.event_with_participants(a, data)
    eid = event["id"]
    rules = api.ok(api.get(f"/api/v1/events/{eid}/rules", a))
    broken = json.loads(json.dumps(rules))
    broken["rounds"][0]["must"] = [[data.left_ids[0], "nobody-here"]]
    r = api.put(f"/api/v1/events/{eid}/rules", a, json=broken)
    assert r.status_code == 422 and api.slug(r) == "invalid-input", r.text
    assert "nobody-here" in r.text
    assert api.ok(api.get(f"/api/v1/events/{eid}/rules", a)) == rules
    # A valid TOML edit is accepted and read back as JSON.
    toml = f'id = "{rules["id"]}"\nname = "renamed"\n[[rounds]]\nname = "r0"\nleft_roles = ["sme"]\nright_roles = ["startup"]\n'
    got = api.ok(api.put(f"/api/v1/events/{eid}/rules", a, content=toml.encode(), headers={"Content-Type": "application/toml"}))
    assert got["name"] == "renamed" and got["rounds"][0]["name"] == "r0", got
    assert api.ok(api.get(f"/api/v1/events/{eid}/rules", a))["name"] == "renamed"


def test_auth_problems(api, two) -> None:  # noqa: ANN001
    a, _ = two
    for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Bearer mt_nope"},
                    {"Authorization": f"Basic {a.token}"}, {"Authorization": a.token}):
        r = api.get("/api/v1/events", headers=headers)
        assert r.status_code == 401, (headers, r.status_code, r.text)
        assert api.slug(r) == "unauthorized"
        assert r.headers.get("www-authenticate", "").lower().startswith("bearer"), r.headers
        assert a.token not in r.text


def test_unknown_route_and_method(api, two) -> None:  # noqa: ANN001
    a, _ = two
    r = api.get("/api/v1/nothing-here", a)
    assert r.status_code == 404 and api.slug(r) == "not-found", r.text
    r = api.request("PUT", "/api/v1/events", a, json={})
    assert r.status_code == 405, r.text
    assert api.slug(r) == "method-not-allowed"


def test_bad_query_values(api, two) -> None:  # noqa: ANN001
    a, _ = two
    data = api.synthetic("reskilling", 1, 12, 3)
    event = api.event_with_participants(a, data)
    eid = event["id"]
    job = api.match(a, eid)
    rid = job["result_id"]
    for url in (f"/api/v1/results/{rid}/pairs?lang=fr", f"/api/v1/results/{rid}/pairs?sort=colour",
                f"/api/v1/events/{eid}/participants/import?mode=merge", f"/api/v1/events/{eid}/results?kind=nope"):
        method = "POST" if "import" in url else "GET"
        kwargs = {"content": data.csv, "headers": {"Content-Type": "text/csv"}} if method == "POST" else {}
        r = api.request(method, url, a, **kwargs)
        assert r.status_code == 422 and api.slug(r) == "invalid-input", (url, r.status_code, r.text)


@pytest.mark.parametrize("body, field", [
    ({"kind": "dance", "round": 0}, "kind"),
    ({"kind": "match", "round": 7}, "round"),
    ({"kind": "match", "round": 0, "objective": "happiest"}, "objective"),
    ({"kind": "plan", "round": 0, "result_id": "res_000000000000"}, None),
    ({"kind": "replan", "no_show": []}, "result_id"),
])
def test_bad_job_requests(api, two, body, field) -> None:  # noqa: ANN001
    a, _ = two
    data = api.synthetic("industry-fair", 1, 8, 4)
    event = api.event_with_participants(a, data)
    r = api.submit(a, event["id"], body)
    assert r.status_code in (404, 422), (body, r.status_code, r.text)
    assert api.slug(r) in ("invalid-input", "not-found"), r.text
    if field is not None:
        assert field in r.text, r.text
    assert api.ok(api.get(f"/api/v1/events/{event['id']}/jobs", a))["total"] == 0


def test_infeasible_rules_fail_the_job_with_a_reason(api, two) -> None:  # noqa: ANN001
    a, _ = two
    data = api.synthetic("reskilling", 1, 12, 3)
    event = api.event_with_participants(a, data)
    eid = event["id"]
    rules = api.ok(api.get(f"/api/v1/events/{eid}/rules", a))
    # SMEs take one partner each (their capacity); two required partners for one SME cannot hold.
    rules["rounds"][0]["must"] = [[data.left_ids[0], data.right_ids[0]], [data.left_ids[0], data.right_ids[1]]]
    api.ok(api.put(f"/api/v1/events/{eid}/rules", a, json=rules))
    job = api.run_job(a, eid, {"kind": "match", "round": 0})
    assert job["state"] == "failed", job
    assert job["message"], job
    assert job["error"]["type"].endswith("/infeasible"), job
    assert data.left_ids[0] in job["message"], job
    assert job["result_id"] is None
    assert api.ok(api.get(f"/api/v1/events/{eid}/results", a))["total"] == 0


def test_plan_without_slots_is_refused_up_front(api, two) -> None:  # noqa: ANN001
    a, _ = two
    data = api.synthetic("reskilling", 1, 12, 3)  # no time slots in this programme
    event = api.event_with_participants(a, data)
    r = api.submit(a, event["id"], {"kind": "plan", "round": 0})
    assert r.status_code == 422 and api.slug(r) == "invalid-input", r.text
    assert "slots" in r.text


def test_cancel_moves_jobs_forward_only(make_api) -> None:  # noqa: ANN001
    """Cancelling a queued job ends it; cancelling a finished job is a 409 conflict and changes nothing."""
    api = make_api(job_workers=0)  # nothing runs: the job stays queued until cancelled
    a = api.organizer("A")
    data = api.synthetic("reskilling", 1, 12, 3)
    event = api.event_with_participants(a, data)
    job = api.ok(api.submit(a, event["id"], {"kind": "match", "round": 0}), 202)
    api.record_state(job)
    assert job["state"] == "queued"
    cancelled = api.ok(api.post(f"/api/v1/jobs/{job['id']}/cancel", a))
    api.record_state(cancelled)
    assert cancelled["state"] == "cancelled" and cancelled["finished_at"], cancelled
    again = api.post(f"/api/v1/jobs/{job['id']}/cancel", a)
    assert again.status_code == 409 and api.slug(again) == "conflict", again.text
    after = api.ok(api.get(f"/api/v1/jobs/{job['id']}", a))
    api.record_state(after)
    assert after["state"] == "cancelled" and after["result_id"] is None, after
    assert api.ok(api.get(f"/api/v1/events/{event['id']}/results", a))["total"] == 0
