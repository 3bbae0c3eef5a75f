"""Limits of the service: each one, set small, answers the right status and a problem naming it.

Body size → 413; participants per event, matrix cells per job, page size →
422; concurrent jobs per organizer → 429.  Always ``limit-exceeded`` with
``limit: {name, value}``, never a 500, and nothing is written.
"""

from __future__ import annotations

import pytest

__all__: list[str] = []


def assert_limit(api, response, status: int, name: str, value: int) -> dict:  # noqa: ANN001
    assert response.status_code == status, (response.status_code, response.text[:500])
    assert api.slug(response) == "limit-exceeded"
    body = response.json()
    assert body["limit"] == {"name": name, "value": value}, body
    assert name in body["detail"] or str(value) in body["detail"], body
    return body


def participants_total(api, who, event_id: str) -> int:  # noqa: ANN001
    return api.ok(api.get(f"/api/v1/events/{event_id}/participants?limit=1", who))["total"]


def test_body_size_declared_and_streamed(make_api) -> None:  # noqa: ANN001
    api = make_api(max_body_bytes=4_000)
    a = api.organizer("A")
    data = api.synthetic("reskilling", 1, 12, 3)
    assert len(data.csv) > 4_000, len(data.csv)
    event = api.create_event(a, data)
    # Content-Length over the limit: refused before reading.
    r = api.import_file(a, event["id"], data.csv)
    assert_limit(api, r, 413, "max_body_bytes", 4_000)
    # No Content-Length (chunked): refused while it streams in.
    chunks = [data.csv[k:k + 1000] for k in range(0, len(data.csv), 1000)]
    r = api.post(f"/api/v1/events/{event['id']}/participants/import", a, content=iter(chunks),
                 headers={"Content-Type": "text/csv"})
    assert_limit(api, r, 413, "max_body_bytes", 4_000)
    assert participants_total(api, a, event["id"]) == 0
    # JSON bodies too.
    r = api.post("/api/v1/events", a, json={"name": "x" * 5_000})
    assert_limit(api, r, 413, "max_body_bytes", 4_000)
    # Just under the limit is fine.
    small = api.synthetic("reskilling", 1, 3, 1)
    assert len(small.csv) < 4_000
    assert api.ok(api.import_file(a, event["id"], small.csv))["total"] == 4


def test_participants_per_event(make_api) -> None:  # noqa: ANN001
    api = make_api(max_participants_per_event=10)
    a = api.organizer("A")
    data = api.synthetic("reskilling", 1, 12, 3)
    event = api.create_event(a, data)
    assert_limit(api, api.import_file(a, event["id"], data.csv), 422, "max_participants_per_event", 10)
    assert participants_total(api, a, event["id"]) == 0
    # Append mode counts what is already there.
    part = api.synthetic("reskilling", 2, 6, 2)
    assert api.ok(api.import_file(a, event["id"], part.csv))["total"] == 8
    other = api.synthetic("reskilling", 5, 3, 1)
    other_csv = other.csv.replace(b"sme-0", b"smx-0").replace(b"stu-0", b"stx-0")  # new ids
    assert_limit(api, api.import_file(a, event["id"], other_csv, mode="append"), 422, "max_participants_per_event", 10)
    assert participants_total(api, a, event["id"]) == 8


def test_matrix_cells_per_job(make_api) -> None:  # noqa: ANN001
    api = make_api(max_matrix_cells=50)
    a = api.organizer("A")
    data = api.synthetic("industry-fair", 1, 12, 6)  # 72 pairs to score
    event = api.event_with_participants(a, data)
    for body in ({"kind": "match", "round": 0}, {"kind": "plan", "round": 0}):
        assert_limit(api, api.submit(a, event["id"], body), 422, "max_matrix_cells", 50)
    assert api.ok(api.get(f"/api/v1/events/{event['id']}/jobs", a))["total"] == 0
    small = api.synthetic("industry-fair", 1, 8, 6)  # 48 pairs
    api.ok(api.import_file(a, event["id"], small.csv))
    assert api.match(a, event["id"])["state"] == "succeeded"


def test_page_size_on_every_list(make_api) -> None:  # noqa: ANN001
    api = make_api(max_page_size=5)
    a = api.organizer("A")
    data = api.synthetic("reskilling", 1, 12, 3)
    event = api.event_with_participants(a, data)
    eid = event["id"]
    job = api.match(a, eid)
    lists = [
        "/api/v1/events",
        f"/api/v1/events/{eid}/participants",
        f"/api/v1/events/{eid}/feedback",
        f"/api/v1/events/{eid}/jobs",
        f"/api/v1/events/{eid}/results",
        f"/api/v1/results/{job['result_id']}/pairs",
    ]
    for url in lists:
        assert_limit(api, api.get(f"{url}?limit=6", a), 422, "max_page_size", 5)
        page = api.ok(api.get(f"{url}?limit=5", a))
        assert page["limit"] == 5 and len(page["items"]) <= 5, (url, page)
        default = api.ok(api.get(url, a))
        assert default["limit"] <= 5, (url, default["limit"])
    # Paging walks the whole list in pages of 5 (15 participants, 12 pairs).
    assert [p["id"] for p in api.all_items(a, f"/api/v1/events/{eid}/participants", page=5)] == list(data.ids)
    assert len(api.all_items(a, f"/api/v1/results/{job['result_id']}/pairs", page=5)) == 12
    for bad in ("limit=0", "limit=-1", "offset=-1", "limit=abc", "offset=1e9999"):
        r = api.get(f"/api/v1/events/{eid}/participants?{bad}", a)
        assert r.status_code == 422, (bad, r.status_code, r.text)
        assert api.slug(r) == "invalid-input", bad


def test_concurrent_jobs_per_organizer(make_api) -> None:  # noqa: ANN001
    api = make_api(max_concurrent_jobs=2, job_workers=0)  # no worker: jobs stay queued
    a, b = api.organizer("A"), api.organizer("B")
    data = api.synthetic("reskilling", 1, 12, 3)
    ea, eb = api.event_with_participants(a, data), api.event_with_participants(b, data)
    first = api.ok(api.submit(a, ea["id"], {"kind": "match", "round": 0}), 202)
    api.ok(api.submit(a, ea["id"], {"kind": "match", "round": 0, "objective": "greedy"}), 202)
    assert_limit(api, api.submit(a, ea["id"], {"kind": "match", "round": 0}), 429, "max_concurrent_jobs", 2)
    assert api.ok(api.get(f"/api/v1/events/{ea['id']}/jobs", a))["total"] == 2
    # The limit is per organizer: B is not held back by A's jobs.
    api.ok(api.submit(b, eb["id"], {"kind": "match", "round": 0}), 202)
    # A cancelled job frees its place.
    cancelled = api.ok(api.post(f"/api/v1/jobs/{first['id']}/cancel", a))
    assert cancelled["state"] == "cancelled", cancelled
    api.ok(api.submit(a, ea["id"], {"kind": "match", "round": 0}), 202)


@pytest.mark.parametrize("limit_name", ["max_participants_per_event", "max_matrix_cells"])
def test_limits_never_500_at_the_boundary(make_api, limit_name: str) -> None:  # noqa: ANN001
    """Exactly at the limit is allowed; one over is refused (no off-by-one, no crash)."""
    if limit_name == "max_participants_per_event":
        api = make_api(max_participants_per_event=15)
        a = api.organizer("A")
        api_data = api.synthetic("reskilling", 1, 12, 3)
        event = api.event_with_participants(a, api_data)
        assert participants_total(api, a, event["id"]) == 15
        data = api.synthetic("reskilling", 1, 13, 3)
        assert_limit(api, api.import_file(a, event["id"], data.csv), 422, limit_name, 15)
        assert participants_total(api, a, event["id"]) == 15
    else:
        api = make_api(max_matrix_cells=36)
        a = api.organizer("A")
        api_data = api.synthetic("reskilling", 1, 12, 3)
        event = api.event_with_participants(a, api_data)
        assert api.match(a, event["id"])["state"] == "succeeded"  # 12 × 3 = 36 cells: allowed
        data = api.synthetic("reskilling", 1, 13, 3)
        api.ok(api.import_file(a, event["id"], data.csv))
        assert_limit(api, api.submit(a, event["id"], {"kind": "match", "round": 0}), 422, limit_name, 36)
