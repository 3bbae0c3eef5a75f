"""Programme (rules) files in TOML and JSON, and events built from files."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from matching.errors import ImportRejected, InvalidInput
from matching.io import (
    dump_programme,
    load_event,
    load_programme,
    programme_from_mapping,
    write_participants,
)
from matching.model import CapacityRange, Participant, Programme, Round, Slot

JST = timezone(timedelta(hours=9))

FAIR_TOML = """\
id = "fair-2024-autumn"
name = "ビジネスマッチング商談会 2024秋"
kind = "fair"
extra_tags = ["local-sake"]

[[rounds]]
name = "商談"
left_roles = ["sme"]
right_roles = ["buyer"]
left_capacity = {min = 0, max = 6}
right_capacity = {min = 0, max = 8}
must = [["S001", "B001"]]
interpreter_languages = ["th"]
tables = 40

[rounds.weights]
semantic = 1.0
tags = 0.5

[[rounds.slots]]
id = "d1-0900"
start = 2024-10-01T09:00:00+09:00
end = 2024-10-01T09:20:00+09:00

[[rounds.slots]]
id = "d1-0920"
start = 2024-10-01T09:20:00+09:00
end = 2024-10-01T09:40:00+09:00
"""


def fair() -> Programme:
    start = datetime(2024, 10, 1, 9, 0, tzinfo=JST)
    return Programme(
        id="fair-2024-autumn",
        name="ビジネスマッチング商談会 2024秋",
        kind="fair",
        extra_tags=("local-sake",),
        rounds=(
            Round(
                name="商談",
                left_roles=("sme",),
                right_roles=("buyer",),
                left_capacity=CapacityRange(min=0, max=6),
                right_capacity=CapacityRange(min=0, max=8),
                weights={"semantic": 1.0, "tags": 0.5},
                must=(("S001", "B001"),),
                interpreter_languages=("th",),
                tables=40,
                slots=(
                    Slot(id="d1-0900", start=start, end=start + timedelta(minutes=20)),
                    Slot(id="d1-0920", start=start + timedelta(minutes=20), end=start + timedelta(minutes=40)),
                ),
            ),
        ),
    )


def test_load_the_documented_toml_layout(tmp_path: Path) -> None:
    path = tmp_path / "fair.toml"
    path.write_text(FAIR_TOML, encoding="utf-8")
    assert load_programme(path) == fair()


@pytest.mark.parametrize("suffix", ["toml", "json"])
def test_dump_and_load_round_trip_deterministically(tmp_path: Path, suffix: str) -> None:
    first = dump_programme(fair(), tmp_path / f"a.{suffix}")
    assert load_programme(first) == fair()
    second = dump_programme(load_programme(first), tmp_path / f"b.{suffix}")
    assert first.read_bytes() == second.read_bytes()
    assert "ビジネスマッチング" in first.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("replace", "by", "path", "message"),
    [
        ("left_capacity = {min = 0, max = 6}", "left_capacity = {min = 3, max = 2}", "rounds[0].left_capacity.max", r"must be >= min \(3\)"),
        ("tables = 40", "tables = 0", "rounds[0].tables", r"greater than or equal to 1"),
        ("semantic = 1.0", "semantic = -1.0", "rounds[0].weights.semantic", r"greater than or equal to 0"),
        ('must = [["S001", "B001"]]', 'must = [["S001"]]', "rounds[0].must[0][1]", r"Field required"),
        ('id = "d1-0920"', 'id = "d1-0920"\ncolour = "red"', "rounds[0].slots[1].colour", r"Extra inputs are not permitted"),
        ("end = 2024-10-01T09:20:00+09:00", "end = 2024-10-01T08:00:00+09:00", "rounds[0].slots[0].end", r"must be after start"),
        ('kind = "fair"', 'kind = "Fair"', "kind", r"should match pattern"),
    ],
)
def test_errors_name_the_key_path(tmp_path: Path, replace: str, by: str, path: str, message: str) -> None:
    assert replace in FAIR_TOML
    file = tmp_path / "fair.toml"
    file.write_text(FAIR_TOML.replace(replace, by, 1), encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"invalid value\(s\) in the programme") as info:
        load_programme(file)
    matching = [e for e in info.value.errors if e.field == path]
    assert matching, [str(e) for e in info.value.errors]
    assert any(re.search(message, e.message) for e in matching)


def test_toml_syntax_error(tmp_path: Path) -> None:
    file = tmp_path / "fair.toml"
    file.write_text('id = "x\n', encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"not valid TOML: .*line 1"):
        load_programme(file)


def test_json_syntax_error_and_wrong_document(tmp_path: Path) -> None:
    file = tmp_path / "fair.json"
    file.write_text("{", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"not valid JSON"):
        load_programme(file)
    with pytest.raises(InvalidInput, match=r"expected a table/object with id, name and rounds"):
        programme_from_mapping(["not", "a", "table"])


def test_programme_file_must_be_utf8(tmp_path: Path) -> None:
    file = tmp_path / "fair.toml"
    file.write_bytes('name = "商談会"\n'.encode("cp932"))
    with pytest.raises(InvalidInput, match=r"a programme file must be UTF-8"):
        load_programme(file)


@pytest.mark.parametrize("name", ["fair.yaml", "fair"])
def test_unknown_programme_extension(tmp_path: Path, name: str) -> None:
    with pytest.raises(InvalidInput, match=r"unknown programme file extension .*expected .toml or .json"):
        load_programme(tmp_path / name)


def test_missing_programme_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot read the file"):
        load_programme(tmp_path / "absent.toml")


def participants(**overrides: dict) -> list[Participant]:
    rows = {
        "S001": {"role": "sme", "organization": "山田製作所", "offers": ["local-sake"], "availability": ["d1-0900"]},
        "B001": {"role": "buyer", "organization": "Bangkok Trading", "availability": ["d1-0900", "d1-0920"]},
    }
    for pid, changes in overrides.items():
        rows[pid] = {**rows[pid], **changes}
    return [Participant.model_validate({"id": pid, **row}, context={"extra_tags": {"local-sake"}}) for pid, row in rows.items()]


def test_load_event(tmp_path: Path) -> None:
    programme = dump_programme(fair(), tmp_path / "fair.toml")
    people = write_participants(participants(), tmp_path / "people.csv")
    event = load_event(people, programme)
    assert event.programme == fair()
    assert [p.id for p in event.participants] == ["S001", "B001"]
    assert event.participants[0].offers == ("local-sake",)  # the programme's extra tag


def test_load_event_refuses_unknown_slots_and_bad_pairs_with_lines(tmp_path: Path) -> None:
    programme = tmp_path / "fair.toml"
    programme.write_text(FAIR_TOML.replace('must = [["S001", "B001"]]', 'must = [["B001", "S009"]]'), encoding="utf-8")
    people = write_participants(participants(B001={"availability": ["d2-1000"]}), tmp_path / "people.csv")
    with pytest.raises(ImportRejected) as info:
        load_event(people, programme)
    found = {(e.row, e.field, e.message) for e in info.value.errors}
    assert (3, "availability", "names no slot of this programme") in found
    assert (None, "rounds[0].must", "left id 'B001' has role 'buyer', not one of ['sme']") in found
    assert (None, "rounds[0].must", "right id 'S009' names no participant of this event") in found
    assert len(found) == 3


def test_a_pair_naming_an_invalid_row_is_reported_once(tmp_path: Path) -> None:
    programme = dump_programme(fair(), tmp_path / "fair.toml")
    people = tmp_path / "people.csv"
    people.write_text("id,role,organization,languages\nS001,sme,A,jp\nB001,buyer,B,\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as info:
        load_event(people, programme)
    assert [(e.row, e.field) for e in info.value.errors] == [(2, "languages")]
