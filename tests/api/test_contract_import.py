"""Participant import: every accepted upload form gives the same participants, all or nothing.

The contract accepts the raw file as ``text/csv``, ``application/json`` or
the Excel media type, or a multipart form with a ``file`` field (format from
its file name).  The same participants imported each way must read back
identically; ``mode=append`` adds, ``mode=replace`` swaps.
"""

from __future__ import annotations

__all__: list[str] = []

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(preset: str, seed: int, n_left: int, n_right: int) -> bytes:
    from datasets.synthetic import generate
    from matching.io import participants_to_bytes

    return participants_to_bytes(generate(preset, seed=seed, n_left=n_left, n_right=n_right).participants, format="xlsx")


def test_every_upload_form_reads_back_the_same(api, two) -> None:  # noqa: ANN001
    a, _ = two
    data = api.synthetic("overseas", 2, 6, 4)
    xlsx = _xlsx("overseas", 2, 6, 4)
    seen = {}
    for name, kwargs in {
        "csv": {"content": data.csv, "headers": {"Content-Type": "text/csv"}},
        "json": {"content": data.json, "headers": {"Content-Type": "application/json"}},
        "xlsx": {"content": xlsx, "headers": {"Content-Type": XLSX}},
        "multipart-csv": {"files": {"file": ("people.csv", data.csv, "text/csv")}},
        "multipart-xlsx": {"files": {"file": ("people.xlsx", xlsx, XLSX)}},
    }.items():
        event = api.create_event(a, data, name=name)
        r = api.post(f"/api/v1/events/{event['id']}/participants/import", a, **kwargs)
        body = api.ok(r)
        assert body["imported"] == body["total"] == len(data.ids), (name, body)
        people = api.all_items(a, f"/api/v1/events/{event['id']}/participants")
        assert [p["id"] for p in people] == list(data.ids), name
        seen[name] = [{k: v for k, v in p.items() if k != "has_link"} for p in people]
    first = seen.pop("csv")
    for name, people in seen.items():
        assert people == first, f"{name} reads back differently from csv"


def test_append_and_replace(api, two) -> None:  # noqa: ANN001
    a, _ = two
    base = api.synthetic("reskilling", 1, 6, 2)
    event = api.event_with_participants(a, base)
    eid = event["id"]
    extra = api.synthetic("reskilling", 3, 3, 1).csv.replace(b"sme-0", b"smx-0").replace(b"stu-0", b"stx-0")
    assert api.ok(api.import_file(a, eid, extra, mode="append")) == {"imported": 4, "total": 12, "mode": "append"}
    # Appending the same ids again is refused (unique ids), nothing written.
    r = api.import_file(a, eid, extra, mode="append")
    assert r.status_code == 422 and api.slug(r) == "import-rejected", r.text
    assert api.ok(api.get(f"/api/v1/events/{eid}", a))["participants"] == 12
    # Replace swaps the whole list.
    assert api.ok(api.import_file(a, eid, extra, mode="replace"))["total"] == 4
    ids = [p["id"] for p in api.all_items(a, f"/api/v1/events/{eid}/participants")]
    assert ids == ["smx-0001", "smx-0002", "smx-0003", "stx-0001"], ids
