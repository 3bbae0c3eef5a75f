"""Agendas, grid, unplaced meetings, the Event adapter and `matching plan`."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from matching.errors import InvalidInput
from matching.model import CapacityRange, Event, Participant, Programme, Round, Slot
from matching.timetable import (
    FairProblem,
    TimeSlot,
    agenda_rows,
    check_timetable,
    fair_problem_from_event,
    grid_html,
    plan_timetable,
    write_agendas,
    write_grid,
    write_plan,
)

JST = timezone(timedelta(hours=9))


def _timed_problem() -> FairProblem:
    start = datetime(2026, 11, 18, 10, 0, tzinfo=JST)
    slots = tuple(TimeSlot(f"s{k + 1}", start + timedelta(minutes=20 * k), start + timedelta(minutes=20 * (k + 1))) for k in range(3))
    return FairProblem(
        2, 3, [0, 0, 1, 1, 1], [0, 1, 0, 1, 2], [0.9, 0.5, 0.7, 0.4, 0.8], slots=slots, tables=2,
        left_ids=["exh-1", "exh-2"], right_ids=["b-1", "b-2", "b-3"],
        left_names=["Tama Metal <Works>", "Ota & Sons"], right_names=["Buyer One", "Buyer Two", "Buyer Three"],
    )


def test_agendas_in_csv_json_and_ics_parse_back(tmp_path: Path) -> None:
    from icalendar import Calendar

    problem = _timed_problem()
    timetable = plan_timetable(problem)
    assert check_timetable(problem, timetable) == []
    written = write_agendas(timetable, tmp_path)
    rows = list(csv.DictReader((tmp_path / "agendas.csv").open(encoding="utf-8")))
    assert len(rows) == 2 * timetable.n_meetings == len(agenda_rows(timetable))
    doc = json.loads((tmp_path / "agendas.json").read_text(encoding="utf-8"))
    assert set(doc) == {"exh-1", "exh-2", "b-1", "b-2", "b-3"}
    for m in timetable.meetings:
        me = problem.label("left", m.left)
        partner = problem.label("right", m.right)
        assert any(x["partner_id"] == partner and x["table"] == m.table for x in doc[me]["meetings"])
    assert len(written["ics"]) == sum(1 for v in doc.values() if v["meetings"])
    for path in written["ics"]:
        cal = Calendar.from_ical(path.read_bytes())
        events = list(cal.walk("VEVENT"))
        pid = path.stem
        assert len(events) == len(doc[pid]["meetings"])
        for event, meeting in zip(sorted(events, key=lambda e: e.decoded("dtstart")), doc[pid]["meetings"]):
            assert event.decoded("dtstart") == datetime.fromisoformat(meeting["start"])
            assert str(event.get("location")) == f"Table {meeting['table']}"
            assert meeting["partner_organization"] in str(event.get("summary"))
    # Deterministic bytes.
    again = write_agendas(timetable, tmp_path / "again")
    assert [p.read_bytes() for p in again["ics"]] == [p.read_bytes() for p in written["ics"]]


def test_ics_needs_slot_times_and_formats_are_checked(tmp_path: Path) -> None:
    problem = FairProblem(1, 1, [0], [0], [1.0], slots=1)
    timetable = plan_timetable(problem)
    with pytest.raises(InvalidInput, match="start and end time"):
        write_agendas(timetable, tmp_path, formats=("ics",))
    with pytest.raises(InvalidInput, match="unknown agenda format"):
        write_agendas(timetable, tmp_path, formats=("pdf",))
    with pytest.raises(InvalidInput, match="unknown grid format"):
        write_grid(timetable, tmp_path, formats=("svg",))
    summary = write_plan(timetable, tmp_path / "plan")
    assert not (tmp_path / "plan" / "ics").exists() and summary["meetings"] == 1


def test_grid_is_escaped_and_the_png_is_written(tmp_path: Path) -> None:
    problem = _timed_problem()
    timetable = plan_timetable(problem)
    page = grid_html(timetable)
    assert "Tama Metal &lt;Works&gt;" in page and "<Works>" not in page
    assert page.count("&harr;") == timetable.n_meetings
    written = write_grid(timetable, tmp_path)
    assert written["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_unplaced_meetings_come_with_reasons(tmp_path: Path) -> None:
    problem = FairProblem(1, 3, [0, 0, 0], [0, 1, 2], [3.0, 2.0, 1.0], slots=2, left_max=1,
                          right_available=[[1, 1], [1, 1], [0, 0]])
    timetable = plan_timetable(problem)
    reasons = {u.right: u.reason for u in timetable.unplaced}
    assert reasons[2] == "no common available slot"
    assert reasons[1].startswith("fully booked")
    write_plan(timetable, tmp_path)
    rows = list(csv.DictReader((tmp_path / "unplaced.csv").open(encoding="utf-8")))
    assert [r["right_id"] for r in rows] == ["R1", "R2"]
    assert json.loads((tmp_path / "summary.json").read_text())["unplaced"] == 2


# ------------------------------------------------------------------ adapter
def _event(tables: int = 2) -> Event:
    start = datetime(2026, 11, 18, 10, 0, tzinfo=JST)
    slots = tuple(Slot(id=f"s{k + 1}", start=start + timedelta(minutes=20 * k), end=start + timedelta(minutes=20 * (k + 1)))
                  for k in range(3))
    rnd = Round(name="fair", left_roles=("sme",), right_roles=("buyer",), left_capacity=CapacityRange(min=0, max=3),
                right_capacity=CapacityRange(min=0, max=2), slots=slots, tables=tables, interpreter_languages=("en",))
    programme = Programme(id="fair-2026", name="Fair", kind="fair", rounds=(rnd,))
    people = [
        Participant(id="exh-1", role="sme", organization="Tama Metal", availability=("s1", "s2"), wishes=("b-2",)),
        Participant(id="exh-2", role="sme", organization="Ota Works", capacity_max=1),
        Participant(id="b-1", role="buyer", organization="Buyer One"),
        Participant(id="b-2", role="buyer", organization="Buyer Two", languages=("en",), availability=("s2", "s3")),
        Participant(id="b-3", role="buyer", organization="Buyer Three"),
    ]
    return Event(programme=programme, participants=tuple(people))


def test_event_adapter_carries_availability_capacities_and_languages() -> None:
    event = _event()
    scores = np.array([[0.5, 0.9, 0.2], [0.6, 0.3, 0.0]])
    forbidden = np.zeros_like(scores, dtype=bool)
    forbidden[1, 0] = True
    problem = fair_problem_from_event(event, scores, forbidden)
    assert problem.left_ids == ("exh-1", "exh-2") and problem.right_names[1] == "Buyer Two"
    assert problem.left_available.tolist()[0] == [True, True, False]
    assert problem.right_available.tolist()[1] == [False, True, True]
    assert problem.left_max.tolist() == [3, 1] and problem.right_max.tolist() == [2, 2, 2]
    pairs = set(zip(problem.left.tolist(), problem.right.tolist()))
    assert (1, 0) not in pairs and (1, 2) not in pairs  # forbidden, zero score
    assert problem.interpreter[problem.candidate_index(0, 1)] == "en"
    assert problem.requested.sum() == 1 and problem.requested[problem.candidate_index(0, 1)]
    timetable = plan_timetable(problem)
    assert check_timetable(problem, timetable) == []
    with pytest.raises(InvalidInput, match="expected shape"):
        fair_problem_from_event(event, scores[:, :2])
    with pytest.raises(InvalidInput, match="names no left/right participant"):
        fair_problem_from_event(event, scores, locked=[("exh-1", "nobody", "s1", None)])
    with pytest.raises(InvalidInput, match="not a slot of this round"):
        fair_problem_from_event(event, scores, locked=[("exh-1", "b-1", "s9", None)])


def test_matching_plan_cli_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from matching.cli import main
    from matching.io import dump_programme, write_participants

    event = _event()
    participants = write_participants(event.participants, tmp_path / "people.csv") or tmp_path / "people.csv"
    rules = dump_programme(event.programme, tmp_path / "rules.toml")
    scores = tmp_path / "scores.csv"
    scores.write_text("left_id,right_id,score\nexh-1,b-1,0.5\nexh-1,b-2,0.9\nexh-2,b-3,0.4\nexh-2,b-1,0.7\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["plan", str(tmp_path / "people.csv"), "--rules", str(rules), "--out", str(out), "--scores", str(scores)]) == 0
    assert "checks: ok" in capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text())
    assert summary["checks"]["ok"] and summary["meetings"] == 3
    for name in ("agendas.csv", "agendas.json", "grid.html", "grid.png", "unplaced.csv"):
        assert (out / name).exists()
    assert (out / "ics" / "exh-1.ics").exists()
    bad = tmp_path / "bad.csv"
    bad.write_text("left_id,right_id,score\nexh-1,zzz,0.5\n", encoding="utf-8")
    assert main(["plan", str(participants), "--rules", str(rules), "--out", str(out), "--scores", str(bad)]) == 1
    assert "names no left/right participant" in capsys.readouterr().err
    assert main(["plan", str(participants), "--rules", str(rules), "--out", str(out), "--scores", str(scores), "--round", "3"]) == 1
    assert main(["plan", str(participants), "--rules", str(rules), "--out", str(out / "scored")]) == 0


def test_matching_plan_replans_on_the_day(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from matching.cli import main
    from matching.io import dump_programme, write_participants

    event = _event(tables=3)
    write_participants(event.participants, tmp_path / "people.csv")
    rules = dump_programme(event.programme, tmp_path / "rules.toml")
    scores = tmp_path / "scores.csv"
    scores.write_text("left_id,right_id,score\nexh-1,b-1,0.5\nexh-1,b-2,0.9\nexh-2,b-3,0.4\nexh-2,b-1,0.7\n", encoding="utf-8")
    standby = tmp_path / "standby.csv"
    standby.write_text("left_id,right_id,score\nexh-2,b-2,0.95\n", encoding="utf-8")
    common = [str(tmp_path / "people.csv"), "--rules", str(rules), "--scores", str(scores)]
    assert main(["plan", *common, "--out", str(tmp_path / "day0")]) == 0
    before = json.loads((tmp_path / "day0" / "agendas.json").read_text())
    assert main(["plan", *common, "--out", str(tmp_path / "day1"), "--replan", str(tmp_path / "day0" / "agendas.csv"),
                 "--no-show", "b-1", "--now", "s1", "--standby", str(standby)]) == 0
    changes = json.loads((tmp_path / "day1" / "changes.json").read_text())
    after = json.loads((tmp_path / "day1" / "agendas.json").read_text())
    assert after["b-1"]["meetings"] == [] and changes["b-1"]["cancelled"]
    # exh-2 (max 1 meeting) lost b-1; the standby pair with b-2 takes its place, in b-2's free slot s3.
    assert [(m["partner_id"], m["slot"]) for m in after["exh-2"]["meetings"]] == [("b-2", "s3")]
    assert changes["b-2"]["added"] == ["Ota Works: s3@T1"]
    kept = [m for m in before["exh-1"]["meetings"] if m["partner_id"] != "b-1"]
    assert all(m in after["exh-1"]["meetings"] for m in [{**k, "locked": True} for k in kept])
    capsys.readouterr()
    assert main(["plan", *common, "--out", str(tmp_path / "x"), "--no-show", "b-1"]) == 1
    assert "need --replan" in capsys.readouterr().err
    assert main(["plan", *common, "--out", str(tmp_path / "x"), "--replan", str(tmp_path / "day0" / "agendas.csv"),
                 "--now", "s9"]) == 1
    assert "is not a slot of the round" in capsys.readouterr().err


def test_adapter_rejects_rounds_without_slots_and_bad_options() -> None:
    event = _event()
    scores = np.ones((2, 3))
    with pytest.raises(InvalidInput, match="expected 'wishes' or 'all'"):
        fair_problem_from_event(event, scores, requested="some")
    with pytest.raises(InvalidInput, match="expected shape"):
        fair_problem_from_event(event, scores, np.zeros((3, 3), dtype=bool))
    bare = event.programme.rounds[0].model_copy(update={"slots": ()})
    programme = event.programme.model_copy(update={"rounds": (bare,)})
    no_slots = Event.model_construct(programme=programme, participants=event.participants)
    with pytest.raises(InvalidInput, match="needs the round's time slots"):
        fair_problem_from_event(no_slots, scores)
    every = fair_problem_from_event(event, scores, requested="all", past_pairs=[("exh-1", "b-1")])
    assert every.requested.all() and every.past_pairs.tolist() == [[0, 0]]


def test_read_timetable_round_trips_and_rejects_foreign_rows(tmp_path: Path) -> None:
    from matching.timetable import read_timetable

    problem = _timed_problem()
    timetable = plan_timetable(problem)
    write_agendas(timetable, tmp_path, formats=("csv",))
    again = read_timetable(problem, tmp_path / "agendas.csv")
    assert [(m.left, m.right, m.slot, m.table) for m in again.meetings] == [(m.left, m.right, m.slot, m.table) for m in timetable.meetings]
    assert again.objective == pytest.approx(timetable.objective) and check_timetable(problem, again) == []
    bad = tmp_path / "bad.csv"
    bad.write_text("participant_id,side,slot,table,partner_id\nexh-1,left,s1,T1,nobody\nexh-2,left,s1,T1,b-3\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="2 row") as info:
        read_timetable(problem.replace(left=[0, 1], right=[0, 1], score=[1.0, 1.0], interpreter=None, requested=None), bad)
    assert [e.row for e in info.value.errors] == [2, 3]


def test_candidates_from_wishes_and_from_a_matching() -> None:
    from matching.solvers import MatchResult
    from matching.timetable import candidates_from_matching, candidates_from_wishes

    left, right, score = candidates_from_wishes(2, 3, {0: [2, 1], 1: [0]}, {2: [0], 0: [0, 1]}, mutual_bonus=1.0)
    got = {(int(a), int(b)): float(s) for a, b, s in zip(left, right, score)}
    assert got == {(0, 2): 1.0 + 1.0 + 1.0, (0, 1): 0.5, (1, 0): 1.0 + 0.5 + 1.0, (0, 0): 1.0}
    with pytest.raises(InvalidInput, match="wished twice"):
        candidates_from_wishes(1, 2, {0: [1, 1]}, {})
    with pytest.raises(InvalidInput, match="expected a left index"):
        candidates_from_wishes(1, 2, {4: [1]}, {})
    with pytest.raises(InvalidInput, match="expected indices in 0 .. 0"):
        candidates_from_wishes(1, 2, {}, {0: [3]})
    scores = np.array([[0.2, 0.9], [0.7, 0.1]])
    result = MatchResult(pairs=[[0, 1], [1, 0]], objective=1.6, status="optimal", solver="x", wall_time=0.0, shape=(2, 2))
    left, right, score = candidates_from_matching(result, scores)
    assert left.tolist() == [0, 1] and right.tolist() == [1, 0] and score.tolist() == [0.9, 0.7]


def test_demo_plans_a_small_industry_fair_and_replans_a_no_show(tmp_path: Path) -> None:
    from matching.timetable import plan_event_demo

    lines: list[str] = []
    result = plan_event_demo(tmp_path, seed=3, n_left=12, n_right=40, say=lines.append)
    assert result["checks"] == [] and result["replan"]["checks"] == []
    assert result["plan"]["meetings"] > 0
    assert any(line.startswith("Timetable:") for line in lines)
    for name in ("agendas.csv", "agendas.json", "grid.html", "grid.png", "unplaced.csv", "summary.json"):
        assert (tmp_path / "plan" / name).exists()
    changes = json.loads((tmp_path / "replan" / "changes.json").read_text(encoding="utf-8"))
    assert result["replan"]["no_show"] in changes


def test_plan_cli_takes_named_tables_locks_and_pairs_met_before(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from datasets.synthetic import generate, write_programme
    from matching.cli import main

    write_programme(generate("industry-fair", seed=5, n_left=8, n_right=24), tmp_path / "fair")
    people, rules = tmp_path / "fair" / "participants.csv", tmp_path / "fair" / "programme.toml"
    base = ["plan", str(people), "--rules", str(rules)]
    assert main([*base, "--out", str(tmp_path / "first")]) == 0
    first = list(csv.DictReader((tmp_path / "first" / "agendas.csv").open(encoding="utf-8")))
    met = next(r for r in first if r["side"] == "left")
    (tmp_path / "met.csv").write_text(f"left_id,right_id\n{met['participant_id']},{met['partner_id']}\n", encoding="utf-8")
    exhibitors = sorted({r["participant_id"] for r in first if r["side"] == "left"})
    buyers = sorted({r["participant_id"] for r in first if r["side"] == "right"})
    lock = (exhibitors[0], next(b for b in buyers if b != met["partner_id"]), "s03")
    (tmp_path / "locked.csv").write_text(f"left_id,right_id,slot,table\n{lock[0]},{lock[1]},{lock[2]},booth-1\n", encoding="utf-8")
    (tmp_path / "tables.csv").write_text(
        f"name,kind,language,fixed_to\nbooth-1,booth,,{exhibitors[0]}\nT1,general,,\nT2,general,,\n", encoding="utf-8"
    )
    extra = ["--tables-file", str(tmp_path / "tables.csv"), "--locked", str(tmp_path / "locked.csv"), "--met-before", str(tmp_path / "met.csv")]
    assert main([*base, "--out", str(tmp_path / "second"), *extra]) == 0
    assert "checks: ok" in capsys.readouterr().out
    second = list(csv.DictReader((tmp_path / "second" / "agendas.csv").open(encoding="utf-8")))
    left_rows = [r for r in second if r["side"] == "left"]
    assert not [r for r in left_rows if (r["participant_id"], r["partner_id"]) == (met["participant_id"], met["partner_id"])]
    locked = [r for r in left_rows if (r["participant_id"], r["partner_id"], r["slot"]) == lock]
    assert len(locked) == 1 and locked[0]["table"] == "booth-1"
    assert {r["table"] for r in second} <= {"booth-1", "T1", "T2"}
    assert all(r["participant_id"] == exhibitors[0] for r in left_rows if r["table"] == "booth-1")
    (tmp_path / "bad_tables.csv").write_text("name,kind,fixed_to\nX,sofa,\nY,booth,nobody\n", encoding="utf-8")
    assert main([*base, "--out", str(tmp_path / "x"), "--tables-file", str(tmp_path / "bad_tables.csv")]) == 1
    err = capsys.readouterr().err
    assert "line 2" in err and "expected general, interpreter or booth" in err
    assert "line 3" in err and "names no left participant (exhibitor) of the round" in err
