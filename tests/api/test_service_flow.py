"""The organizer's whole path through the service, and the participant portal (issue #7)."""

from __future__ import annotations

import csv
import io

import pytest

from api.testing import auth, close_client, demo_csv, make_client, run_job

API = "/api/v1"


@pytest.fixture
def service(database_url):
    client, token = make_client(database_url, seed_demo=False)
    from api import service as svc

    with client.app.state.sessions() as session:
        _, token = svc.create_organizer(session, "Flow organizer", scopes=("read", "write", "run", "admin"))
        session.commit()
    yield client, token
    close_client(client)


def _matched(service, n_left: int, n_right: int):
    client, token = service
    event = client.post(f"{API}/events", json={"name": "Reskilling", "date": "2027-01-15"}, headers=auth(token)).json()
    r = client.post(f"{API}/events/{event['id']}/participants/import", content=demo_csv(1, n_left, n_right),
                    headers={**auth(token), "Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    assert r.json() == {"imported": n_left + n_right, "total": n_left + n_right, "mode": "replace"}
    job = run_job(client, token, event["id"], {"kind": "match", "round": 0})
    assert job["state"] == "succeeded", job
    return client, token, event, job


@pytest.fixture
def matched(service):
    """An event with 30 SMEs × 4 startups of the reskilling preset imported and matched."""
    return _matched(service, 30, 4)


@pytest.fixture
def matched_demo_size(service):
    """The issue's example: 100 SMEs × 8 startups imported and matched."""
    return _matched(service, 100, 8)


def test_match_result_has_every_pair_explained_in_both_languages(matched):
    client, token, event, job = matched
    result = client.get(f"{API}/results/{job['result_id']}", headers=auth(token)).json()
    assert result["kind"] == "match" and result["round"] == 0 and result["event_id"] == event["id"]
    assert all(check["ok"] for check in result["checks"])
    pairs = client.get(f"{API}/results/{job['result_id']}/pairs?lang=en&limit=500", headers=auth(token)).json()
    assert pairs["total"] == result["pairs"] == len(pairs["items"])
    # capacities of the default round: an SME meets at most one startup
    assert len({p["left_id"] for p in pairs["items"]}) == len(pairs["items"])
    assert all(p["reasons"] and p["reasons"] == p["reasons_en"] for p in pairs["items"])
    scores = [p["score"] for p in pairs["items"]]
    assert scores == sorted(scores, reverse=True)
    assert abs(sum(scores) - result["total_score"]) < 1e-4
    ja = client.get(f"{API}/results/{job['result_id']}/pairs?lang=ja&limit=1", headers=auth(token)).json()["items"][0]
    assert ja["reasons"] == ja["reasons_ja"]
    assert "contacts" not in ja and "contact_email" not in str(ja)


def test_pairs_csv_and_paging_agree(matched):
    client, token, _, job = matched
    text = client.get(f"{API}/results/{job['result_id']}/pairs.csv", headers=auth(token)).text
    rows = list(csv.DictReader(io.StringIO(text)))
    paged = []
    for offset in range(0, len(rows), 30):
        paged += client.get(f"{API}/results/{job['result_id']}/pairs?sort=position&limit=30&offset={offset}",
                            headers=auth(token)).json()["items"]
    assert [(r["left_id"], r["right_id"]) for r in rows] == [(p["left_id"], p["right_id"]) for p in paged]


def test_pin_and_forbid_are_kept_by_the_next_match(matched):
    client, token, event, job = matched
    pairs = client.get(f"{API}/results/{job['result_id']}/pairs?limit=500", headers=auth(token)).json()["items"]
    taken = {p["left_id"]: p["right_id"] for p in pairs}
    left = pairs[0]["left_id"]
    other = next(r for r in ("stu-0001", "stu-0002", "stu-0003") if r != taken[left])
    forbidden = pairs[1]
    for body in ({"round": 0, "left": left, "right": other, "kind": "pin"},
                 {"round": 0, "left": forbidden["left_id"], "right": forbidden["right_id"], "kind": "forbid"}):
        assert client.post(f"{API}/events/{event['id']}/locks", json=body, headers=auth(token)).status_code == 201
    again = run_job(client, token, event["id"], {"kind": "match"})
    assert again["state"] == "succeeded", again
    new = client.get(f"{API}/results/{again['result_id']}/pairs?limit=500", headers=auth(token)).json()["items"]
    found = {(p["left_id"], p["right_id"]): p for p in new}
    assert (left, other) in found and found[(left, other)]["locked"]
    assert (forbidden["left_id"], forbidden["right_id"]) not in found


def test_plan_agenda_ics_portal_and_replan(matched_demo_size):
    client, token, event, job = matched_demo_size
    plan = run_job(client, token, event["id"], {"kind": "plan", "round": 0, "result_id": job["result_id"]})
    assert plan["state"] == "succeeded", plan
    timetable = client.get(f"{API}/results/{plan['result_id']}/timetable", headers=auth(token)).json()
    assert timetable["summary"]["checks"]["ok"]
    matched_pairs = client.get(f"{API}/results/{job['result_id']}/pairs?limit=500", headers=auth(token)).json()["items"]
    placed = {(m["left"], m["right"]) for m in timetable["meetings"]}
    assert placed | {(u["left"], u["right"]) for u in timetable["unplaced"]} == {(p["left_id"], p["right_id"]) for p in matched_pairs}
    busy = [(m["left"], m["slot"]) for m in timetable["meetings"]] + [(m["right"], m["slot"]) for m in timetable["meetings"]]
    assert len(busy) == len(set(busy)), "nobody is double-booked"
    who = timetable["meetings"][0]["left"]
    ics = client.get(f"{API}/results/{plan['result_id']}/agendas/{who}.ics", headers=auth(token))
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert ics.text.count("BEGIN:VEVENT") == sum(1 for m in timetable["meetings"] if who in (m["left"], m["right"]))
    assert "DTSTART:20270115T" in ics.text  # 09:00 +09:00 is 00:00 UTC on the event's day

    link = client.post(f"{API}/events/{event['id']}/participants/{who}/link", headers=auth(token)).json()
    portal = f"{API}/p/{link['token']}"
    me = client.get(portal).json()
    assert me["participant"]["id"] == who
    recommendations = client.get(f"{portal}/recommendations?lang=en").json()
    assert recommendations["source"] == "match" and [r["partner_id"] for r in recommendations["items"]] == [
        p["right_id"] for p in matched_pairs if p["left_id"] == who]
    assert all("contacts" not in r for r in recommendations["items"])
    assert client.get(f"{portal}/agenda.ics").content == ics.content
    assert client.get(f"{portal}/agenda").json()["meetings"][0]["partner_id"] == timetable["meetings"][0]["right"]
    # re-issuing the link revokes the old one
    client.post(f"{API}/events/{event['id']}/participants/{who}/link", headers=auth(token))
    assert client.get(portal).status_code == 404

    gone = timetable["meetings"][0]["right"]
    replan = run_job(client, token, event["id"], {"kind": "replan", "result_id": plan["result_id"], "no_show": [gone],
                                                  "now_slot": "s02"})
    assert replan["state"] == "succeeded", replan
    after = client.get(f"{API}/results/{replan['result_id']}/timetable", headers=auth(token)).json()
    assert gone not in {m["right"] for m in after["meetings"] if m["slot_index"] >= 1}
    held = {(m["left"], m["right"], m["slot"]) for m in timetable["meetings"] if m["slot_index"] < 1}
    assert held <= {(m["left"], m["right"], m["slot"]) for m in after["meetings"]}
    assert any(c["kind"] == "cancelled" and c["right"] == gone for c in after["changes"])


def test_portal_wishes_and_feedback_feed_the_organizer_views(matched):
    client, token, event, job = matched
    pair = client.get(f"{API}/results/{job['result_id']}/pairs?limit=1", headers=auth(token)).json()["items"][0]
    link = client.post(f"{API}/events/{event['id']}/participants/{pair['right_id']}/link", headers=auth(token)).json()
    portal = f"{API}/p/{link['token']}"
    r = client.put(f"{portal}/wishes", json={"wishes": [pair["left_id"]], "vetoes": []})
    assert r.status_code == 200 and r.json()["wishes"] == [pair["left_id"]]
    stored = client.get(f"{API}/events/{event['id']}/participants/{pair['right_id']}", headers=auth(token)).json()
    assert stored["wishes"] == [pair["left_id"]]
    bad = client.put(f"{portal}/wishes", json={"wishes": ["nobody"], "vetoes": []})
    assert bad.status_code == 422 and "nobody" in bad.text
    assert client.post(f"{portal}/feedback", json={"partner": pair["left_id"], "yes": True, "deal": True}).status_code == 201
    client.post(f"{API}/events/{event['id']}/feedback", headers=auth(token),
                json={"round": 0, "left": pair["left_id"], "right": pair["right_id"], "left_yes": False})
    rows = client.get(f"{API}/events/{event['id']}/feedback", headers=auth(token)).json()["items"]
    assert rows == [{"round": 0, "left": pair["left_id"], "right": pair["right_id"], "left_yes": False,
                     "right_yes": True, "deal": True, "updated_at": rows[0]["updated_at"]}]
    quality = client.get(f"{API}/results/{job['result_id']}/quality", headers=auth(token)).json()
    assert quality["feedback"]["pairs_with_feedback"] == 1 and quality["feedback"]["mutual_yes_rate"] == 0.0


def test_rules_accept_toml_and_refuse_unknown_participants(service):
    client, token = service
    event = client.post(f"{API}/events", json={"name": "Rules"}, headers=auth(token)).json()
    toml = b'id = "x"\nname = "X"\n[[rounds]]\nname = "R"\nleft_roles = ["sme"]\nright_roles = ["startup"]\n'
    r = client.put(f"{API}/events/{event['id']}/rules", content=toml, headers={**auth(token), "Content-Type": "application/toml"})
    assert r.status_code == 200 and r.json()["rounds"][0]["name"] == "R"
    bad = toml + b'must = [["S1", "T1"]]\n'
    r = client.put(f"{API}/events/{event['id']}/rules", content=bad, headers={**auth(token), "Content-Type": "application/toml"})
    assert r.status_code == 422 and r.json()["type"].endswith("/invalid-input")
    assert any("S1" in str(e["value"]) or "S1" in e["message"] for e in r.json()["errors"])
    assert client.get(f"{API}/events/{event['id']}/rules", headers=auth(token)).json()["rounds"][0]["must"] == []


def test_feedback_sets_the_weights_of_the_next_match(matched):
    client, token, event, job = matched
    assert client.get(f"{API}/results/{job['result_id']}", headers=auth(token)).json()["feedback_learning"]["used"] is False
    pairs = client.get(f"{API}/results/{job['result_id']}/pairs?limit=30&sort=position", headers=auth(token)).json()["items"]
    for k, pair in enumerate(pairs):
        liked = pair["rank_for_left"] == 1  # a rule the answers follow, so both outcomes occur
        r = client.post(f"{API}/events/{event['id']}/feedback", headers=auth(token),
                        json={"round": 0, "left": pair["left_id"], "right": pair["right_id"], "left_yes": liked,
                              "right_yes": liked or k % 3 == 0, "deal": False})
        assert r.status_code == 201
    learned = run_job(client, token, event["id"], {"kind": "match"})
    summary = client.get(f"{API}/results/{learned['result_id']}", headers=auth(token)).json()
    report = summary["feedback_learning"]
    assert report["used"] and report["meetings"] == 30
    assert abs(sum(report["weights"].values()) - 1) < 1e-6
    fixed = run_job(client, token, event["id"], {"kind": "match", "learn_from_feedback": False})
    assert client.get(f"{API}/results/{fixed['result_id']}", headers=auth(token)).json()["feedback_learning"]["used"] is False
    quality = client.get(f"{API}/results/{learned['result_id']}/quality", headers=auth(token)).json()
    assert quality["source"] == "matching.metrics" and quality["pairs"] == summary["pairs"]
    assert quality["feedback"]["pairs_with_feedback"] == len({(p["left_id"], p["right_id"]) for p in pairs} & {
        (p["left_id"], p["right_id"]) for p in client.get(f"{API}/results/{learned['result_id']}/pairs?limit=500", headers=auth(token)).json()["items"]})
