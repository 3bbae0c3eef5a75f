"""What the cheaper read paths give is what the plain ones gave (benchmarks/service_cpu.py measures the cost).

* JSON columns are parsed by :func:`api.db.json_loads` (Rust), checked
  against :func:`json.loads` on floats to the last bit and on the texts it
  refuses.
"""

from __future__ import annotations

import json
import math
import random
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from api.db import json_loads, make_engine, make_sessionmaker, migrate
from api.models import EventRow, Organizer

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES, st.booleans())
def test_json_loads_gives_what_json_loads_gives(value, ascii_only: bool):
    text = json.dumps(value, ensure_ascii=ascii_only)
    assert json_loads(text) == json.loads(text)
    assert json_loads(text.encode()) == json.loads(text)


def test_json_loads_reads_every_float_to_the_last_bit():
    rng = random.Random(0)
    floats = [struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0] for _ in range(20_000)]
    floats = [f for f in floats if math.isfinite(f)] + [round(rng.random(), 6) for _ in range(5_000)]
    floats += [0.1, -0.0, 5e-324, 1.7976931348623157e308, 2.0**53 + 1]
    text = json.dumps(floats)
    assert [repr(f) for f in json_loads(text)] == [repr(f) for f in json.loads(text)]


@pytest.mark.parametrize("text", ['"\\ud800"', '["\\udfff x"]', '{"a": 1, "a": 2}', "NaN", "[Infinity, -Infinity]", "1e400",
                                  "123456789012345678901234567890"])
def test_json_loads_takes_what_json_loads_takes(text: str):
    expected, got = json.loads(text), json_loads(text)
    assert repr(got) == repr(expected)


def test_json_loads_refuses_what_json_loads_refuses():
    with pytest.raises(ValueError, match="Extra data"):
        json_loads('{"a": 1} x')


def test_a_json_column_reads_back_what_was_written(database_url: str):
    engine = make_engine(database_url)
    migrate(engine)
    programme = {"rounds": [{"weights": {"text": 0.1, "tags": 1 / 3}, "note": "地域 😀", "big": 2**70}],
                 "odd": "\ud800"}
    with make_sessionmaker(engine)() as session:
        session.add(Organizer(id="org_x", name="x"))
        session.flush()
        session.add(EventRow(id="ev_x", organizer_id="org_x", name="x", programme=programme))
        session.commit()
    with make_sessionmaker(engine)() as session:
        assert session.scalar(select(EventRow.programme).where(EventRow.id == "ev_x")) == programme
    engine.dispose()


# --------------------------------------------------------------------------- agendas from the kept timetables


def _agenda_from(timetable: dict, result_id: str, who: str) -> dict:
    """A participant's agenda computed here from the organizer's timetable (the second method)."""
    mine = [m for m in timetable["meetings"] if who in (m["left"], m["right"])]
    meetings = sorted(({"slot": m["slot"], "start": m["start"], "end": m["end"], "table": m["table"],
                        "partner_id": m["right"] if m["left"] == who else m["left"],
                        "partner_organization": m["right_organization"] if m["left"] == who else m["left_organization"],
                        "score": m["score"], "locked": m["locked"], "interpreter": m.get("interpreter")} for m in mine),
                      key=lambda m: (m["start"] or "", m["slot"]))
    last = mine[-1] if mine else None
    return {"result_id": result_id, "participant": who,
            "side": None if last is None else ("left" if last["left"] == who else "right"),
            "organization": None if last is None else last["left_organization" if last["left"] == who else "right_organization"],
            "meetings": meetings, "changes": [c for c in timetable.get("changes", []) if c["participant"] == who]}


def test_portal_agendas_are_those_of_the_newest_plan_whether_its_timetable_is_kept_or_not(api) -> None:  # noqa: ANN001
    from api._timetables import TIMETABLES

    a = api.organizer("A")
    world = api.owned_world(a)
    eid, plan_id = world["ids"]["event_id"], world["plan_result_id"]
    timetable = api.ok(api.get(f"/api/v1/results/{plan_id}/timetable", a))
    links = {who: api.ok(api.post(f"/api/v1/events/{eid}/participants/{who}/link", a), 201)["token"]
             for who in world["dataset"].ids}
    with_meetings = {who for m in timetable["meetings"] for who in (m["left"], m["right"])}
    assert with_meetings and set(links) - with_meetings, "the fair should leave someone without a meeting"

    def check(plan: dict, result_id: str) -> None:
        for who, link in links.items():
            portal = api.get(f"/api/v1/p/{link}/agenda")
            if who not in with_meetings:
                assert portal.status_code == 404, (who, portal.text)
                continue
            expected = _agenda_from(plan, result_id, who)
            assert api.ok(portal) == expected
            assert api.ok(api.get(f"/api/v1/results/{result_id}/agendas/{who}", a)) == expected
            ics = api.get(f"/api/v1/p/{link}/agenda.ics")
            assert ics.content == api.get(f"/api/v1/results/{result_id}/agendas/{who}.ics", a).content
            assert ics.text.count("BEGIN:VEVENT") == len(expected["meetings"])

    TIMETABLES.clear()
    check(timetable, plan_id)       # each timetable read from the database once, then kept
    check(timetable, plan_id)       # all from the kept ones
    assert api.ok(api.get(f"/api/v1/results/{plan_id}/timetable", a)) == timetable, "a kept timetable was changed"

    gone = timetable["meetings"][0]["right"]
    replan = api.run_job(a, eid, {"kind": "replan", "result_id": plan_id, "no_show": [gone], "now_slot": timetable["slots"][1]["id"]})
    assert replan["state"] == "succeeded", replan
    after = api.ok(api.get(f"/api/v1/results/{replan['result_id']}/timetable", a))
    with_meetings = {who for m in after["meetings"] for who in (m["left"], m["right"])}
    check(after, replan["result_id"])   # the newest plan, not the kept older one


# --------------------------------------------------------------------------- the pairs page in one query


def test_every_pairs_page_is_the_stored_rows_sorted_and_sliced(api) -> None:  # noqa: ANN001
    from api.models import PairRow

    a = api.organizer("A")
    data = api.synthetic("reskilling", 1, 12, 3)
    event = api.event_with_participants(a, data)
    result_id = api.match(a, event["id"])["result_id"]
    with api.app.state.sessions() as session:   # the second method: the rows as stored, sorted and sliced here
        stored = [(row.position, row.score, row.left_id, row.right_id, row.data)
                  for row in session.scalars(select(PairRow).where(PairRow.result_id == result_id))]
    assert len(stored) >= 5
    sorts = {"position": lambda r: r[0], "score": lambda r: (r[1], r[0]), "-score": lambda r: (-r[1], r[0]),
             "left": lambda r: (r[2], r[3]), "right": lambda r: (r[3], r[2])}
    someone = stored[0][2]
    for sort, key in sorts.items():
        for lang in ("ja", "en") if sort == "-score" else ("ja",):
            for participant in (None, someone, "nobody"):
                rows = sorted((r for r in stored if participant is None or participant in (r[2], r[3])), key=key)
                expected = [{**r[4], "reasons": r[4][f"reasons_{lang}"]} for r in rows]
                for limit in (3, 500):
                    for offset in range(0, len(rows) + 2, limit):
                        query = f"sort={sort}&lang={lang}&limit={limit}&offset={offset}"
                        query += f"&participant={participant}" if participant else ""
                        page = api.ok(api.get(f"/api/v1/results/{result_id}/pairs?{query}", a))
                        assert page == {"items": expected[offset:offset + limit], "total": len(rows), "limit": limit,
                                        "offset": offset}, query
    # the portal's recommendations come from the same rows: the participant's pairs, best score first
    event_id = event["id"]
    for who in {r[2] for r in stored} | {r[3] for r in stored} | {data.left_ids[-1]}:
        link = api.ok(api.post(f"/api/v1/events/{event_id}/participants/{who}/link", a), 201)["token"]
        mine = [(r[4], r[2] == who) for r in stored if who in (r[2], r[3])]
        expected = [{"partner_id": d["right_id"] if left else d["left_id"],
                     "partner_organization": d["right_organization"] if left else d["left_organization"],
                     "score": d["score"], "rank": d["rank_for_left"] if left else d["rank_for_right"], "reasons": d["reasons_en"]}
                    for d, left in mine]
        got = api.ok(api.get(f"/api/v1/p/{link}/recommendations?lang=en"))
        if not mine:   # nobody to meet in the match: the scored partners instead
            assert got["source"] == "scores" and got["result_id"] is None, got
            continue
        assert got["source"] == "match" and got["result_id"] == result_id
        assert sorted(got["items"], key=json.dumps) == sorted(expected, key=json.dumps)
        assert [i["score"] for i in got["items"]] == sorted((i["score"] for i in got["items"]), reverse=True)
