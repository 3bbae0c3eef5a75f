"""The participant portal after the participant list changed.

A participant's recommendations (and agenda) must only name partners who are
participants of the event now: a partner deleted since the last match, or a
list replaced by a new import, must not be recommended (the result is stale;
the portal may fall back to scores or say so, but never send someone to meet
a company that is no longer in the event).
"""

from __future__ import annotations

__all__: list[str] = []


def _current_ids(api, who, event_id: str) -> set[str]:  # noqa: ANN001
    return {p["id"] for p in api.all_items(who, f"/api/v1/events/{event_id}/participants")}


def test_recommendations_never_name_a_deleted_partner(api, two) -> None:  # noqa: ANN001
    a, _ = two
    data = api.synthetic("reskilling", 1, 12, 3)
    event = api.event_with_participants(a, data)
    eid = event["id"]
    job = api.match(a, eid)
    pairs = api.all_items(a, f"/api/v1/results/{job['result_id']}/pairs")
    sme, startup = pairs[0]["left_id"], pairs[0]["right_id"]
    link = api.ok(api.post(f"/api/v1/events/{eid}/participants/{sme}/link", a), 201)["token"]
    before = api.ok(api.get(f"/api/v1/p/{link}/recommendations?lang=en"))
    assert startup in [item["partner_id"] for item in before["items"]], before
    # The organizer removes the startup the SME was matched with.
    assert api.delete(f"/api/v1/events/{eid}/participants/{startup}", a).status_code == 204
    current = _current_ids(api, a, eid)
    assert startup not in current
    after = api.ok(api.get(f"/api/v1/p/{link}/recommendations?lang=en"))
    named = [item["partner_id"] for item in after["items"]]
    assert startup not in named, f"the portal still recommends {startup}, deleted from the event: {after}"
    assert set(named) <= current, (named, sorted(current))


def test_recommendations_after_a_replacing_import(api, two) -> None:  # noqa: ANN001
    a, _ = two
    first = api.synthetic("reskilling", 1, 12, 3)
    event = api.event_with_participants(a, first)
    eid = event["id"]
    api.match(a, eid)
    # A new list with other startups (ids of the first list's startups are gone).
    second = api.synthetic("reskilling", 2, 12, 3)
    renamed = second.csv.replace(b"stu-0", b"stn-0")
    assert api.ok(api.import_file(a, eid, renamed))["total"] == 15
    current = _current_ids(api, a, eid)
    sme = second.left_ids[0]
    link = api.ok(api.post(f"/api/v1/events/{eid}/participants/{sme}/link", a), 201)["token"]
    recs = api.ok(api.get(f"/api/v1/p/{link}/recommendations?lang=en"))
    named = [item["partner_id"] for item in recs["items"]]
    assert set(named) <= current, f"recommendations name startups of the replaced list: {named}"
