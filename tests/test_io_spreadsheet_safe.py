"""Spreadsheet-safe CSV exports (OWASP "CSV injection"): every writer, hostile names, read back.

Each export is checked twice: with :mod:`csv` (no cell starts with a formula
trigger unless it is a plain number) and by converting it to ``.xlsx`` the way
a spreadsheet reads typed cells (:func:`as_spreadsheet`), then opening that
workbook with openpyxl: no cell may be a formula.
"""

from __future__ import annotations

import ast
import csv
import io
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching.io import (
    FORMULA_TRIGGERS,
    csv_dict_rows,
    csv_text,
    neutralize_cell,
    participants_to_bytes,
    read_participants_bytes,
    restore_cell,
)
from matching.model import CapacityRange, Event, Participant, Programme, Round

ROOT = Path(__file__).resolve().parents[1]

#: Organisation names an attacker would register (each a formula in a spreadsheet when written as is).
HOSTILE = (
    '=HYPERLINK("http://evil.example","click")',
    "+1+2",
    "-1+2",
    "@SUM(1,2)",
    "-2+3+cmd|' /C calc'!A0",
    "'=already quoted",
    "=1+2;x",
)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def as_spreadsheet(text: str, path: Path) -> Path:
    """Write CSV ``text`` to an .xlsx the way Excel interprets typed cells, and return its path.

    A plain number becomes a number; a cell starting with ``=`` a formula;
    one starting with ``+``, ``-`` or ``@`` (not a number) the formula Excel
    makes of it (``=+...``); anything else stays text (a leading apostrophe
    is Excel's "this is text" mark and stays in the value here, as LibreOffice
    shows it).  openpyxl stores a string starting with ``=`` as a formula.
    """
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in csv.reader(io.StringIO(text, newline="")):
        cells: list[object] = []
        for cell in row:
            if _NUMBER.fullmatch(cell):
                cells.append(float(cell))
            elif cell[:1] in ("+", "-", "@"):
                cells.append("=" + cell)
            elif cell[:1] in ("\t", "\r") and cell.lstrip()[:1] in ("=", "+", "-", "@"):
                cells.append("=" + cell.lstrip())
            else:
                cells.append(cell)
        sheet.append(cells)
    book.save(path)
    return path


def formula_cells(text: str, tmp_path: Path) -> list[str]:
    """The cells of ``text`` a spreadsheet would run as formulas (openpyxl after the CSV → xlsx conversion)."""
    from openpyxl import load_workbook

    target = tmp_path / f"converted-{abs(hash(text))}.xlsx"
    book = load_workbook(as_spreadsheet(text, target))
    return [str(cell.value) for row in book.active.iter_rows() for cell in row if cell.data_type == "f"]


def assert_spreadsheet_safe(text: str, tmp_path: Path) -> list[list[str]]:
    """Both checks; returns the rows as :mod:`csv` reads them."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    unsafe = [cell for row in rows for cell in row if cell[:1] in FORMULA_TRIGGERS and not _NUMBER.fullmatch(cell)]
    assert unsafe == []
    assert formula_cells(text, tmp_path) == []
    return rows


# --------------------------------------------------------------------------- the rule


@pytest.mark.parametrize("text", HOSTILE + ("\t=1+2", "\r=1+2", "-", "+", "=", "@", "''=twice"))
def test_formula_like_text_gets_an_apostrophe_and_comes_back(text):
    cell = neutralize_cell(text)
    assert cell == "'" + text
    assert restore_cell(cell) == text


@pytest.mark.parametrize("value", [-0.25, 3, np.float64(-1.5), np.int64(-7), "-0.25", "+3", "-1e-05", ".5", "山田製作所", "a=b", "'quoted", ""])
def test_numbers_and_plain_text_are_written_as_they_are(value):
    assert neutralize_cell(value) is value
    if isinstance(value, str):
        assert restore_cell(value) == value


def test_none_is_an_empty_cell():
    assert neutralize_cell(None) == ""


@given(st.text(alphabet=st.sampled_from(list("=+-@\t\r'0123456789.eE a,\"\n山")), max_size=12))
def test_restore_undoes_neutralize_for_every_text(text):
    cell = neutralize_cell(text)
    assert restore_cell(cell) == text
    assert not (cell[:1] in FORMULA_TRIGGERS and not _NUMBER.fullmatch(cell))


def test_the_check_catches_an_unescaped_writer(tmp_path):
    """The control: the same rows written by a plain csv.writer are formulas in the spreadsheet."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerows([["organization"], *[[name] for name in HOSTILE]])
    assert len(formula_cells(buffer.getvalue(), tmp_path)) == len(HOSTILE) - 1  # all but the quoted one
    assert formula_cells(csv_text(["organization"], [[name] for name in HOSTILE]), tmp_path) == []


def test_mapping_and_sequence_rows_numbers_stay_numbers(tmp_path):
    text = csv_text(["id", "organization", "score"], [{"id": "s1", "organization": "-1+2", "score": -0.5, "extra": "x"},
                                                      ["s2", "=A1", "-0.25"], {"id": "s3"}])
    rows = assert_spreadsheet_safe(text, tmp_path)
    assert rows == [["id", "organization", "score"], ["s1", "'-1+2", "-0.5"], ["s2", "'=A1", "-0.25"], ["s3", "", ""]]
    assert list(csv_dict_rows(io.StringIO(text, newline=""))) == [
        {"id": "s1", "organization": "-1+2", "score": "-0.5"}, {"id": "s2", "organization": "=A1", "score": "-0.25"},
        {"id": "s3", "organization": "", "score": ""}]


# --------------------------------------------------------------------------- every writer


def _hostile_people() -> list[Participant]:
    lefts = [Participant(id=f"s{k}", role="sme", organization=name, description_en=f"-{name}", seeks=("saas",), languages=("ja",))
             for k, name in enumerate(HOSTILE)]
    rights = [Participant(id="t0", role="startup", organization="@startup", offers=("saas",), languages=("ja",),
                          capacity_max=3),
              Participant(id="t1", role="startup", organization="-Lonely+1", offers=("ai",), languages=("en",))]
    return lefts + rights


def _event() -> Event:
    rnd = Round(name="r", left_roles=("sme",), right_roles=("startup",), left_capacity=CapacityRange(min=0, max=1),
                right_capacity=CapacityRange(min=0, max=3))
    return Event.build(Programme(id="p", name="P", rounds=(rnd,)), _hostile_people())


def test_participant_csv_is_safe_and_reads_back_the_same(tmp_path):
    people = _hostile_people()
    data = participants_to_bytes(people, format="csv")
    rows = assert_spreadsheet_safe(data.decode(), tmp_path)
    assert {row[2] for row in rows[1:]} >= {"'" + name for name in HOSTILE}
    assert read_participants_bytes(data, format="csv") == people


def test_match_outputs_pairs_and_unmatched_are_safe(tmp_path):
    from matching.pipeline import match_round, write_match

    match = match_round(_event(), 0, objective="max-total")
    paths = write_match(match, tmp_path / "match")
    pairs = assert_spreadsheet_safe(paths["pairs.csv"].read_text(encoding="utf-8"), tmp_path)
    unmatched = assert_spreadsheet_safe(paths["unmatched.csv"].read_text(encoding="utf-8"), tmp_path)
    assert len(pairs) == 1 + match.result.n_pairs == 4 and len(unmatched) > 1
    written = {row[1] for row in pairs[1:]} | {row[2] for row in unmatched[1:]}
    assert written & {"'" + name for name in HOSTILE}
    # read back (as `matching quality` does) the names are the registered ones
    with paths["pairs.csv"].open(encoding="utf-8", newline="") as handle:
        names = {row["left_organization"] for row in csv_dict_rows(handle)}
    assert names <= set(HOSTILE) and names


def _fair_problem():
    from datetime import datetime, timedelta, timezone

    from matching.timetable import FairProblem, TimeSlot

    start = datetime(2026, 11, 18, 10, 0, tzinfo=timezone(timedelta(hours=9)))
    slots = tuple(TimeSlot(f"s{k + 1}", start + timedelta(minutes=20 * k), start + timedelta(minutes=20 * (k + 1))) for k in range(2))
    return FairProblem(
        3, 2, [0, 0, 1, 1, 2], [0, 1, 0, 1, 0], [0.9, 0.5, 0.7, 0.4, 0.8], slots=slots, tables=1,
        left_ids=["exh-1", "exh-2", "exh-3"], right_ids=["b-1", "b-2"],
        left_names=list(HOSTILE[:3]), right_names=list(HOSTILE[3:5]),
    )


def test_timetable_agendas_and_unplaced_are_safe_and_replan_reads_them_back(tmp_path):
    from matching.timetable import plan_timetable, read_timetable, write_plan

    problem = _fair_problem()
    timetable = plan_timetable(problem)
    assert timetable.unplaced, "two slots at one table cannot hold five meetings"
    write_plan(timetable, tmp_path / "plan", grid_formats=())
    agendas = assert_spreadsheet_safe((tmp_path / "plan" / "agendas.csv").read_text(encoding="utf-8"), tmp_path)
    unplaced = assert_spreadsheet_safe((tmp_path / "plan" / "unplaced.csv").read_text(encoding="utf-8"), tmp_path)
    assert len(agendas) == 1 + 2 * timetable.n_meetings and len(unplaced) == 1 + len(timetable.unplaced)
    assert any(cell.startswith("'") for row in agendas[1:] + unplaced[1:] for cell in row)
    back = read_timetable(problem, tmp_path / "plan" / "agendas.csv")
    assert sorted((m.left, m.right, m.slot, m.table) for m in back.meetings) == \
        sorted((m.left, m.right, m.slot, m.table) for m in timetable.meetings)


def test_score_candidates_keep_negative_scores_as_numbers(tmp_path):
    """A score column written as number literals stays numbers (the shape ``matching score --out`` writes)."""
    from matching.io import write_csv_rows

    path = tmp_path / "candidates.csv"
    write_csv_rows(path, ["left_id", "right_id", "score"], [["s1", "t1", f"{-0.125:.6f}"], ["s2", "t1", f"{0.5:.6f}"]])
    rows = assert_spreadsheet_safe(path.read_text(encoding="utf-8"), tmp_path)
    assert [row[2] for row in rows[1:]] == ["-0.125000", "0.500000"]


def test_score_cli_and_demo_recommendations_are_safe(tmp_path):
    """``matching score --out`` on a hostile file, and the demo's recommendations.csv (names and reasons)."""
    from matching.cli import main
    from matching.cli._demo import _write_recommendations
    from matching.io import dump_programme, write_participants
    from matching.pipeline import prepare_round

    event = _event()
    write_participants(event.participants, tmp_path / "people.csv")
    dump_programme(event.programme, tmp_path / "rules.toml")
    assert main(["score", str(tmp_path / "people.csv"), "--rules", str(tmp_path / "rules.toml"), "--out",
                 str(tmp_path / "candidates.csv"), "--k", "2", "--no-progress"]) == 0
    candidates = assert_spreadsheet_safe((tmp_path / "candidates.csv").read_text(encoding="utf-8"), tmp_path)
    assert len(candidates) > 1
    assert _write_recommendations(prepare_round(event, 0), tmp_path / "recommendations.csv", k=2) > 0
    recommendations = assert_spreadsheet_safe((tmp_path / "recommendations.csv").read_text(encoding="utf-8"), tmp_path)
    assert {row[2] for row in recommendations[1:]} & {"'" + name for name in HOSTILE}


def test_no_csv_writer_outside_the_one_path():
    """Every CSV the engine, the service and the benchmarks write goes through matching.io._sheet."""
    offenders = []
    for folder in ("matching", "api", "datasets", "benchmarks"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == ROOT / "matching" / "io" / "_sheet.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "csv" \
                        and node.attr in ("writer", "DictWriter"):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_service_pairs_and_timetable_csv_are_safe(tmp_path):
    """The API's downloads (``pairs.csv``, ``timetable.csv``) of an event whose participants have hostile names."""
    import time

    from fastapi.testclient import TestClient

    from api import service
    from api.app import create_app
    from api.settings import Settings
    from datasets.synthetic import generate

    data = generate("reskilling", seed=2, n_left=8, n_right=3)
    people = [p.model_copy(update={"organization": HOSTILE[k % len(HOSTILE)]}) if k % 2 == 0 else p
              for k, p in enumerate(data.participants)]
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", seed_demo=False, job_poll_seconds=0.05))
    with TestClient(app) as client, app.state.sessions() as session:
        _, token = service.create_organizer(session, "Exports")
        session.commit()
        client.headers["Authorization"] = f"Bearer {token}"

        def run(event_id: str, body: dict) -> str:
            job = client.post(f"/api/v1/events/{event_id}/jobs", json=body).json()
            deadline = time.monotonic() + 120
            while job["state"] in ("queued", "running"):
                assert time.monotonic() < deadline, job
                time.sleep(0.05)
                job = client.get(f"/api/v1/jobs/{job['id']}").json()
            assert job["state"] == "succeeded", job
            return job["result_id"]

        event = client.post("/api/v1/events", json={"name": "=cmd|' /C calc'!A0"}).json()["id"]
        imported = client.post(f"/api/v1/events/{event}/participants/import", content=participants_to_bytes(people, format="csv"),
                               headers={"Content-Type": "text/csv"})
        assert imported.status_code == 200, imported.text
        match = run(event, {"kind": "match"})
        plan = run(event, {"kind": "plan", "result_id": match})
        pairs = assert_spreadsheet_safe(client.get(f"/api/v1/results/{match}/pairs.csv").text, tmp_path)
        meetings = assert_spreadsheet_safe(client.get(f"/api/v1/results/{plan}/timetable.csv").text, tmp_path)
    hostile = {"'" + name for name in HOSTILE}
    assert len(pairs) > 1 and {cell for row in pairs[1:] for cell in row} & hostile
    assert len(meetings) > 1 and {cell for row in meetings[1:] for cell in row} & hostile
