"""Events, participants (every upload form), tokens and organizers, and the edges of results and the portal."""

from __future__ import annotations

import json

import pytest

from api.testing import auth, close_client, make_client, new_organizer, run_job, small_csv
from matching.io import participants_to_bytes, read_participants_bytes

API = "/api/v1"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def svc(database_url):
    client, token = make_client(database_url, seed_demo=False)
    from api import service

    with client.app.state.sessions() as session:
        _, token = service.create_organizer(session, "R", scopes=("read", "write", "run", "admin"))
        session.commit()
    event = client.post(f"{API}/events", json={"name": "e"}, headers=auth(token)).json()
    yield client, token, event["id"]
    close_client(client)


def _ids(client, token, event):
    return [p["id"] for p in client.get(f"{API}/events/{event}/participants?limit=100", headers=auth(token)).json()["items"]]


@pytest.mark.parametrize("form", ["csv", "json", "xlsx", "multipart"])
def test_every_upload_form_imports_the_same_participants(svc, form):
    client, token, event = svc
    people = read_participants_bytes(small_csv(3, 2), format="csv")
    url = f"{API}/events/{event}/participants/import"
    if form == "multipart":
        r = client.post(url, files={"file": ("list.xlsx", participants_to_bytes(people, format="xlsx"), XLSX)}, headers=auth(token))
    else:
        ctype = {"csv": "text/csv", "json": "application/json", "xlsx": XLSX}[form]
        r = client.post(url, content=participants_to_bytes(people, format=form), headers={**auth(token), "Content-Type": ctype})
    assert r.status_code == 200, r.text
    assert _ids(client, token, event) == ["S1", "S2", "S3", "T1", "T2"]
    one = client.get(f"{API}/events/{event}/participants/S1", headers=auth(token)).json()
    assert one["organization"] == "SME 1" and one["has_link"] is False


def test_replace_and_append_modes(svc):
    client, token, event = svc
    post = lambda body, mode: client.post(f"{API}/events/{event}/participants/import?mode={mode}", content=body,  # noqa: E731
                                          headers={**auth(token), "Content-Type": "text/csv"})
    assert post(small_csv(2, 1), "replace").json() == {"imported": 3, "total": 3, "mode": "replace"}
    assert post(small_csv(1, 0).replace(b"S1", b"S9"), "append").json() == {"imported": 1, "total": 4, "mode": "append"}
    duplicate = post(small_csv(1, 0), "append")
    assert duplicate.status_code == 422 and duplicate.json()["type"].endswith("/import-rejected")
    assert any("S1" in json.dumps(e) for e in duplicate.json()["errors"])
    assert post(small_csv(1, 1), "replace").json()["total"] == 2
    assert _ids(client, token, event) == ["S1", "T1"]


def test_patch_and_delete_participants_keep_the_event_consistent(svc):
    client, token, event = svc
    client.post(f"{API}/events/{event}/participants/import", content=small_csv(2, 2), headers={**auth(token), "Content-Type": "text/csv"})
    r = client.patch(f"{API}/events/{event}/participants/S1", json={"wishes": ["T2"], "employees": 12}, headers=auth(token))
    assert r.status_code == 200 and r.json()["wishes"] == ["T2"] and r.json()["employees"] == 12
    r = client.patch(f"{API}/events/{event}/participants/S1", json={"employees": -3}, headers=auth(token))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "employees"
    r = client.patch(f"{API}/events/{event}/participants/S1", json={"id": "S7"}, headers=auth(token))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "id"
    assert client.post(f"{API}/events/{event}/locks", json={"left": "S2", "right": "T2", "kind": "pin"}, headers=auth(token)).status_code == 201
    assert client.delete(f"{API}/events/{event}/participants/T2", headers=auth(token)).status_code == 204
    assert client.get(f"{API}/events/{event}/participants/S1", headers=auth(token)).json()["wishes"] == []
    assert client.get(f"{API}/events/{event}/locks", headers=auth(token)).json()["total"] == 0
    assert client.get(f"{API}/events/{event}/participants/T2", headers=auth(token)).status_code == 404


def test_locks_name_participants_of_the_round(svc):
    client, token, event = svc
    client.post(f"{API}/events/{event}/participants/import", content=small_csv(2, 2), headers={**auth(token), "Content-Type": "text/csv"})
    r = client.post(f"{API}/events/{event}/locks", json={"left": "T1", "right": "S1", "kind": "pin"}, headers=auth(token))
    assert r.status_code == 422 and {e["field"] for e in r.json()["errors"]} == {"left", "right"}
    r = client.post(f"{API}/events/{event}/locks", json={"left": "S1", "right": "T1", "kind": "keep"}, headers=auth(token))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "kind"
    first = client.post(f"{API}/events/{event}/locks", json={"left": "S1", "right": "T1", "kind": "pin"}, headers=auth(token)).json()
    second = client.post(f"{API}/events/{event}/locks", json={"left": "S1", "right": "T1", "kind": "forbid"}, headers=auth(token)).json()
    assert [lk["id"] for lk in client.get(f"{API}/events/{event}/locks", headers=auth(token)).json()["items"]] == [second["id"]]
    assert client.delete(f"{API}/events/{event}/locks/{first['id']}", headers=auth(token)).status_code == 404
    assert client.delete(f"{API}/events/{event}/locks/{second['id']}", headers=auth(token)).status_code == 204


def test_events_update_list_and_delete(svc):
    client, token, event = svc
    programme = client.get(f"{API}/events/{event}/rules", headers=auth(token)).json()
    assert len(programme["rounds"][0]["slots"]) == 14 and programme["rounds"][0]["tables"] == 8
    programme["rounds"][0]["objective"] = "fair"
    r = client.patch(f"{API}/events/{event}", json={"name": "renamed", "programme": programme}, headers=auth(token))
    assert r.status_code == 200 and r.json()["name"] == "renamed" and r.json()["programme"]["rounds"][0]["objective"] == "fair"
    programme["rounds"][0]["left_capacity"] = {"min": 3, "max": 1}
    r = client.put(f"{API}/events/{event}/rules", json=programme, headers=auth(token))
    assert r.status_code == 422 and "left_capacity" in r.json()["errors"][0]["field"]
    assert [e["name"] for e in client.get(f"{API}/events", headers=auth(token)).json()["items"]] == ["renamed"]
    assert client.delete(f"{API}/events/{event}", headers=auth(token)).status_code == 204
    assert client.get(f"{API}/events/{event}", headers=auth(token)).status_code == 404
    assert client.get(f"{API}/events", headers=auth(token)).json()["total"] == 0


def test_tokens_and_organizers(svc):
    client, token, _ = svc
    assert client.get(f"{API}/me", headers=auth(token)).json()["scopes"] == ["read", "write", "run", "admin"]
    other_id, other = new_organizer(client, token, "Osaka")
    assert client.get(f"{API}/me", headers=auth(other)).json() == {"id": other_id, "name": "Osaka", "scopes": ["read", "write", "run"]}
    r = client.post(f"{API}/organizers", json={"name": "x"}, headers=auth(other))
    assert r.status_code == 403
    r = client.post(f"{API}/tokens", json={"scopes": ["admin"]}, headers=auth(other))
    assert r.status_code == 403 and "admin" in r.json()["detail"]
    created = client.post(f"{API}/tokens", json={"scopes": ["read", "run"], "label": "ci"}, headers=auth(other)).json()
    listed = client.get(f"{API}/tokens", headers=auth(other)).json()["items"]
    assert {t["id"] for t in listed} >= {created["id"]} and all("token" not in t and "hash" not in json.dumps(t) for t in listed)
    assert client.delete(f"{API}/tokens/{created['id']}", headers=auth(token)).status_code == 404  # not the caller's


def test_results_edges_and_portal_tokens(svc):
    client, token, event = svc
    client.post(f"{API}/events/{event}/participants/import", content=small_csv(4, 2), headers={**auth(token), "Content-Type": "text/csv"})
    assert client.get(f"{API}/p/pt_unknown").status_code == 404
    assert client.get(f"{API}/p/not-a-token/agenda").status_code == 404
    link = client.post(f"{API}/events/{event}/participants/S1/link", headers=auth(token)).json()
    before = client.get(f"{API}/p/{link['token']}/recommendations?lang=en").json()
    assert before["source"] == "scores" and {r["partner_id"] for r in before["items"]} == {"T1", "T2"}
    assert client.get(f"{API}/p/{link['token']}/agenda").status_code == 404
    job = run_job(client, token, event, {"kind": "match"})
    result = job["result_id"]
    r = client.get(f"{API}/results/{result}/timetable", headers=auth(token))
    assert r.status_code == 409 and r.json()["type"].endswith("/conflict")
    only = client.get(f"{API}/results/{result}/pairs?participant=T1", headers=auth(token)).json()["items"]
    assert only and all(p["right_id"] == "T1" for p in only)
    assert client.get(f"{API}/results/{result}/pairs?lang=fr", headers=auth(token)).status_code == 422
    r = client.post(f"{API}/events/{event}/jobs", json={"kind": "replan", "result_id": result}, headers=auth(token))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "result_id"
    r = client.post(f"{API}/events/{event}/jobs", json={"kind": "replan"}, headers=auth(token))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "result_id"
    plan = run_job(client, token, event, {"kind": "plan", "result_id": result})
    assert plan["state"] == "succeeded", plan
    r = client.post(f"{API}/events/{event}/jobs", json={"kind": "plan", "result_id": plan["result_id"]}, headers=auth(token))
    assert r.status_code == 422
    bad = run_job(client, token, event, {"kind": "replan", "result_id": plan["result_id"], "no_show": ["nobody"]})
    assert bad["state"] == "failed" and bad["error"]["errors"][0]["field"] == "no_show"
    unmatched = client.get(f"{API}/results/{result}/unmatched", headers=auth(token)).json()
    summary = client.get(f"{API}/results/{result}", headers=auth(token)).json()
    assert sum(u["side"] == "left" for u in unmatched["items"]) + summary["left"]["matched"] == 4
    assert sum(u["side"] == "right" for u in unmatched["items"]) + summary["right"]["matched"] == 2
