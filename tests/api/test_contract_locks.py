"""Manual edits (locks): a pinned pair is in the next match result, a forbidden pair is not — whatever the objective.

The contract: "A match job adds pins to the round's ``must`` and forbids to
``never``."  A job whose objective cannot honour a pin must say so (refused
with a problem, or failed with a reason), never succeed without the pair.
"""

from __future__ import annotations

import pytest

__all__: list[str] = []

OBJECTIVES = ("max-total", "fair", "stable", "greedy", "random")


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_pins_and_forbids_hold_for_every_objective(api, two, objective: str) -> None:  # noqa: ANN001
    a, b = two
    data = api.synthetic("industry-fair", 1, 8, 4)
    event = api.event_with_participants(a, data)
    eid = event["id"]
    pin = (data.left_ids[0], data.right_ids[1])
    forbid = (data.left_ids[2], data.right_ids[1])
    for (left, right), kind in ((pin, "pin"), (forbid, "forbid")):
        body = {"round": 0, "left": left, "right": right, "kind": kind}
        assert api.post(f"/api/v1/events/{eid}/locks", b, json=body).status_code == 404
        lock = api.ok(api.post(f"/api/v1/events/{eid}/locks", a, json=body), 201)
        assert (lock["left"], lock["right"], lock["kind"]) == (left, right, kind)
    response = api.submit(a, eid, {"kind": "match", "round": 0, "objective": objective})
    if response.status_code != 202:  # refusing up front is allowed, with a reason naming the pins
        assert response.status_code in (409, 422), response.text
        assert api.slug(response) in ("invalid-input", "conflict", "infeasible")
        assert "pin" in response.text.lower() or "must" in response.text.lower(), response.text
        return
    job = api.wait(a, response.json()["id"])
    if job["state"] == "failed":
        assert job["error"] and ("pin" in job["message"].lower() or "must" in job["message"].lower()), job
        return
    assert job["state"] == "succeeded", job
    pairs = {(p["left_id"], p["right_id"]): p for p in api.all_items(a, f"/api/v1/results/{job['result_id']}/pairs")}
    assert forbid not in pairs, f"{objective}: the forbidden pair {forbid} was matched"
    assert pin in pairs, f"{objective}: the pinned pair {pin} is missing from a succeeded result ({len(pairs)} pairs)"
    assert pairs[pin].get("locked") is True, pairs[pin]


def test_replacing_a_lock_and_deleting_it(api, two) -> None:  # noqa: ANN001
    a, b = two
    data = api.synthetic("reskilling", 1, 12, 3)
    event = api.event_with_participants(a, data)
    eid = event["id"]
    pair = {"round": 0, "left": data.left_ids[0], "right": data.right_ids[0]}
    first = api.ok(api.post(f"/api/v1/events/{eid}/locks", a, json={**pair, "kind": "forbid"}), 201)
    second = api.ok(api.post(f"/api/v1/events/{eid}/locks", a, json={**pair, "kind": "pin"}), 201)
    locks = api.ok(api.get(f"/api/v1/events/{eid}/locks", a))["items"]
    assert [(lk["left"], lk["right"], lk["kind"]) for lk in locks] == [(pair["left"], pair["right"], "pin")], locks
    assert api.delete(f"/api/v1/events/{eid}/locks/{second['id']}", b).status_code == 404
    assert api.delete(f"/api/v1/events/{eid}/locks/{second['id']}", a).status_code == 204
    assert api.delete(f"/api/v1/events/{eid}/locks/{second['id']}", a).status_code == 404
    assert api.delete(f"/api/v1/events/{eid}/locks/{first['id']}", a).status_code == 404  # replaced earlier
    assert api.ok(api.get(f"/api/v1/events/{eid}/locks", a))["items"] == []
    # A lock must name participants of the round's two sides.
    for bad in ({**pair, "left": "nobody"}, {**pair, "left": data.right_ids[0], "right": data.left_ids[0]}, {**pair, "round": 3}):
        r = api.post(f"/api/v1/events/{eid}/locks", a, json={**bad, "kind": "pin"})
        assert r.status_code == 422 and api.slug(r) == "invalid-input", (bad, r.text)
    assert api.ok(api.get(f"/api/v1/events/{eid}/locks", a))["items"] == []
