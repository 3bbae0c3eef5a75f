"""``Idempotency-Key`` on participant imports and job submissions.

A replay (same organizer, key, route and body) answers the first response
again and creates nothing; the same key with another body is a 422
``idempotency-mismatch`` that creates nothing either; keys belong to one
organizer (another organizer's identical key is a new request of its own).
"""

from __future__ import annotations

import threading

__all__: list[str] = []


def jobs_of(api, who, event_id: str) -> list[dict]:  # noqa: ANN001
    return api.all_items(who, f"/api/v1/events/{event_id}/jobs")


def test_import_replay_creates_nothing(api, two) -> None:  # noqa: ANN001
    a, _ = two
    base = api.synthetic("reskilling", 1, 6, 2)
    extra = api.synthetic("reskilling", 4, 4, 1)
    extra_csv = extra.csv.replace(b"sme-0", b"smx-0").replace(b"stu-0", b"stx-0")  # new ids
    event = api.event_with_participants(a, base)
    eid = event["id"]
    first = api.import_file(a, eid, extra_csv, mode="append", key="import-1")
    assert first.status_code == 200, first.text
    assert first.json()["total"] == 13
    replay = api.import_file(a, eid, extra_csv, mode="append", key="import-1")
    assert replay.status_code == first.status_code
    assert replay.json() == first.json()
    assert replay.content == first.content
    # Appending again without the key would add duplicates (refused); with the key nothing happens.
    assert api.ok(api.get(f"/api/v1/events/{eid}/participants?limit=1", a))["total"] == 13
    # Same key, different body (or different mode): refused, nothing written.
    for body, mode in ((base.csv, "append"), (extra_csv, "replace")):
        r = api.import_file(a, eid, body, mode=mode, key="import-1")
        assert r.status_code == 422, r.text
        assert api.slug(r) == "idempotency-mismatch"
    assert api.ok(api.get(f"/api/v1/events/{eid}/participants?limit=1", a))["total"] == 13


def test_job_replay_returns_the_same_job(api, two) -> None:  # noqa: ANN001
    a, _ = two
    data = api.synthetic("reskilling", 1, 12, 3)
    event = api.event_with_participants(a, data)
    eid = event["id"]
    body = {"kind": "match", "round": 0, "objective": "max-total"}
    first = api.submit(a, eid, body, key="job-1")
    assert first.status_code == 202, first.text
    job = first.json()
    done = api.wait(a, job["id"])
    assert done["state"] == "succeeded", done
    # Replayed after the job finished: the original 202 and Location, still nothing new.
    replay = api.submit(a, eid, body, key="job-1")
    assert replay.status_code == 202
    assert replay.json()["id"] == job["id"]
    assert replay.json() == job
    assert replay.headers["location"] == first.headers["location"] == f"/api/v1/jobs/{job['id']}"
    assert [j["id"] for j in jobs_of(api, a, eid)] == [job["id"]]
    assert api.ok(api.get(f"/api/v1/events/{eid}/results", a))["total"] == 1
    # Same key, different job: 422, nothing queued.
    r = api.submit(a, eid, {"kind": "match", "round": 0, "objective": "greedy"}, key="job-1")
    assert r.status_code == 422 and api.slug(r) == "idempotency-mismatch", r.text
    # Same key on another route (an import) is a mismatch too.
    r = api.import_file(a, eid, data.csv, key="job-1")
    assert r.status_code == 422 and api.slug(r) == "idempotency-mismatch", r.text
    assert len(jobs_of(api, a, eid)) == 1
    # A new key is a new job.
    assert api.submit(a, eid, body, key="job-2").json()["id"] != job["id"]
    assert len(jobs_of(api, a, eid)) == 2


def test_keys_belong_to_one_organizer(api, two) -> None:  # noqa: ANN001
    a, b = two
    data = api.synthetic("reskilling", 1, 12, 3)
    ea, eb = api.event_with_participants(a, data), api.event_with_participants(b, data)
    ja = api.ok(api.submit(a, ea["id"], {"kind": "match", "round": 0}, key="shared-key"), 202)
    # B's identical key on B's event: B's own new job, never A's response.
    rb = api.submit(b, eb["id"], {"kind": "match", "round": 0}, key="shared-key")
    jb = api.ok(rb, 202)
    assert jb["id"] != ja["id"] and jb["event_id"] == eb["id"]
    assert ea["id"] not in rb.text
    # B's key on A's event path: 404 as for any of A's ids, not A's stored response.
    r = api.submit(b, ea["id"], {"kind": "match", "round": 0}, key="shared-key-2")
    assert r.status_code == 404 and api.slug(r) == "not-found", r.text
    r = api.submit(b, ea["id"], {"kind": "match", "round": 0}, key="shared-key")
    assert r.status_code in (404, 422), r.text
    assert ja["id"] not in r.text
    for who, event in ((a, ea), (b, eb)):
        assert len(jobs_of(api, who, event["id"])) == 1
        api.wait(who, jobs_of(api, who, event["id"])[0]["id"])


def test_refused_request_can_be_retried_with_its_key(api, two) -> None:  # noqa: ANN001
    a, _ = two
    data = api.synthetic("reskilling", 1, 12, 3)
    event = api.create_event(a, data)
    eid = event["id"]
    bad = data.csv.replace(b"sme-0002,sme,", b"sme-0002,,", 1)
    r = api.import_file(a, eid, bad, key="retry-1")
    assert r.status_code == 422 and api.slug(r) == "import-rejected", r.text
    assert api.ok(api.get(f"/api/v1/events/{eid}/participants?limit=1", a))["total"] == 0
    # The corrected file with the same key is a first success (only successes are stored) ...
    ok = api.import_file(a, eid, data.csv, key="retry-1")
    assert ok.status_code == 200, ok.text
    # ... and from then on the key replays it.
    again = api.import_file(a, eid, data.csv, key="retry-1")
    assert again.content == ok.content
    assert api.ok(api.get(f"/api/v1/events/{eid}/participants?limit=1", a))["total"] == 15


def test_key_length_is_checked(api, two) -> None:  # noqa: ANN001
    a, _ = two
    data = api.synthetic("reskilling", 1, 12, 3)
    event = api.event_with_participants(a, data)
    r = api.submit(a, event["id"], {"kind": "match", "round": 0}, key="k" * 5000)
    assert r.status_code == 422 and api.slug(r) == "invalid-input", r.text
    assert len(jobs_of(api, a, event["id"])) == 0


def test_simultaneous_replays_create_one_job(api, two) -> None:  # noqa: ANN001
    a, _ = two
    data = api.synthetic("reskilling", 1, 12, 3)
    event = api.event_with_participants(a, data)
    answers: list = []
    barrier = threading.Barrier(4)

    def send() -> None:
        barrier.wait()
        answers.append(api.submit(a, event["id"], {"kind": "match", "round": 0}, key="race-1"))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(answers) == 4
    assert all(r.status_code == 202 for r in answers), [(r.status_code, r.text[:200]) for r in answers]
    assert len({r.json()["id"] for r in answers}) == 1, [r.json()["id"] for r in answers]
    jobs = jobs_of(api, a, event["id"])
    assert len(jobs) == 1, jobs
    api.wait(a, jobs[0]["id"])
