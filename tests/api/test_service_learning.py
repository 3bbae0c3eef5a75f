"""The next round with learning on: feedback of round 1 plans round 2 (issue 16)."""

from __future__ import annotations

import pytest

from api.testing import auth, close_client, demo_csv, make_client, run_job

API = "/api/v1"


@pytest.fixture
def two_rounds(database_url):
    """30 SMEs × 4 startups, a programme of two identical rounds, round 0 matched and answered."""
    client, _ = make_client(database_url, seed_demo=False)
    from api import service as svc

    with client.app.state.sessions() as session:
        _, token = svc.create_organizer(session, "Learning organizer", scopes=("read", "write", "run", "admin"))
        session.commit()
    event = client.post(f"{API}/events", json={"name": "Two rounds"}, headers=auth(token)).json()
    eid = event["id"]
    r = client.post(f"{API}/events/{eid}/participants/import", content=demo_csv(2, 30, 4),
                    headers={**auth(token), "Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    rules = client.get(f"{API}/events/{eid}/rules", headers=auth(token)).json()
    rules["rounds"] = [rules["rounds"][0], {**rules["rounds"][0], "name": "Round 2"}]
    assert client.put(f"{API}/events/{eid}/rules", json=rules, headers=auth(token)).status_code == 200
    first = run_job(client, token, eid, {"kind": "match", "round": 0})
    assert first["state"] == "succeeded", first
    pairs = client.get(f"{API}/results/{first['result_id']}/pairs?limit=100", headers=auth(token)).json()["items"]
    eager = {p["right_id"] for p in pairs[::3]}
    for k, pair in enumerate(pairs):  # a rule the answers follow: some startups say yes to everyone
        r = client.post(f"{API}/events/{eid}/feedback", headers=auth(token),
                        json={"round": 0, "left": pair["left_id"], "right": pair["right_id"],
                              "left_yes": k % 2 == 0, "right_yes": pair["right_id"] in eager})
        assert r.status_code == 201
    yield client, token, eid, pairs
    close_client(client)


def test_next_round_with_learning_never_repeats_and_explains_both_parts(two_rounds):
    """Round 2 planned on round 1's feedback; round 1 with learning has nothing to learn from; a bad weight is refused."""
    client, token, eid, first_pairs = two_rounds
    job = run_job(client, token, eid, {"kind": "match", "round": 1, "learning": True, "learning_weight": 0.8})
    assert job["state"] == "succeeded", job
    result = client.get(f"{API}/results/{job['result_id']}", headers=auth(token)).json()
    assert result["round"] == 1 and all(check["ok"] for check in result["checks"])
    learning = result["learning"]
    assert learning["used"] and learning["meetings"] == len(first_pairs) == learning["met_before_excluded"]
    assert learning["learning_weight"] == 0.8 and learning["expected_mutual_yes"] > 0
    en = client.get(f"{API}/results/{job['result_id']}/pairs?lang=en&limit=100", headers=auth(token)).json()["items"]
    ja = client.get(f"{API}/results/{job['result_id']}/pairs?lang=ja&limit=100", headers=auth(token)).json()["items"]
    met = {(p["left_id"], p["right_id"]) for p in first_pairs}
    assert en and not met & {(p["left_id"], p["right_id"]) for p in en}
    assert len({p["left_id"] for p in en}) == len(en)  # an SME still meets at most one startup
    for e, j in zip(en, ja):
        part = e["learned"]
        assert 0 <= part["profile_probability"] <= 1 and 0 <= part["probability"] <= 1
        assert part["learned"] == pytest.approx(part["probability"] - part["profile_probability"], abs=2e-6)
        assert part["reasons"] == part["reasons_en"] and part["reasons_en"][0].startswith("Chance that both say yes")
        assert j["learned"]["reasons"] == part["reasons_ja"] and part["reasons_ja"][0].startswith("双方が「続けたい」と答える確率")
        assert e["reasons"] == e["reasons_en"] and j["reasons"] == e["reasons_ja"]  # the profile part stays
        assert e["score"] >= 0 and "planning_score" in e

    # round 0 has no earlier round: learning on plans from the profile and says why
    job = run_job(client, token, eid, {"kind": "match", "round": 0, "learning": True})
    assert job["state"] == "succeeded", job
    learning = client.get(f"{API}/results/{job['result_id']}", headers=auth(token)).json()["learning"]
    assert learning["used"] is False and "profile" in learning["reason"]
    pairs = client.get(f"{API}/results/{job['result_id']}/pairs?limit=100", headers=auth(token)).json()["items"]
    assert pairs and all(p["learned"] is None for p in pairs)

    # a learning weight out of [0, 1] is a problem naming the field
    r = client.post(f"{API}/events/{eid}/jobs", json={"kind": "match", "round": 1, "learning": True, "learning_weight": 2},
                    headers=auth(token))
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert "learning_weight" in r.text
