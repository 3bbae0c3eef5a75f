"""JSON import/export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matching.errors import ImportRejected
from matching.io import (
    participants_to_bytes,
    read_participants,
    read_participants_bytes,
    write_participants,
)
from matching.model import Contact, Participant


def people() -> list[Participant]:
    return [
        Participant(
            id="S001",
            role="sme",
            organization="株式会社山田製作所",
            contacts=(Contact(name="山田 太郎", email="taro@yamada.co.jp"),),
            description_ja="精密金属加工\n試作から量産まで",
            region="tokyo-ota",
            languages=("ja", "en"),
            employees=42,
            wishes=("B001",),
        ),
        Participant(id="B001", role="buyer", organization="Bangkok Trading", region="th-bangkok", languages=("th", "en")),
    ]


def rejected(document: object) -> ImportRejected:
    with pytest.raises(ImportRejected) as info:
        read_participants_bytes(json.dumps(document, ensure_ascii=False).encode(), format="json")
    return info.value


def test_round_trip_with_japanese_text(tmp_path: Path) -> None:
    path = write_participants(people(), tmp_path / "people.json")
    text = path.read_text(encoding="utf-8")
    assert "株式会社山田製作所" in text  # ensure_ascii=False
    assert text.startswith('{\n  "participants": [\n')
    assert read_participants(path) == people()
    assert participants_to_bytes(read_participants(path), format="json") == path.read_bytes()


def test_a_plain_list_is_accepted() -> None:
    document = [p.model_dump(mode="json") for p in people()]
    assert read_participants_bytes(json.dumps(document).encode(), format="json") == people()


def test_without_personal_data_there_are_no_contacts() -> None:
    document = json.loads(participants_to_bytes(people(), format="json", include_personal=False))
    assert all("contacts" not in item for item in document["participants"])


def test_rows_are_positions_in_the_list_and_every_bad_one_is_reported() -> None:
    document = [
        {"id": "S1", "role": "sme", "organization": "A"},
        {"id": "S2", "role": "sme", "organization": "B", "employees": 12.5},
        {"id": "S3", "role": "sme", "organization": "C", "languages": ["jp"]},
    ]
    errors = rejected(document).errors
    assert [(e.row, e.participant, e.field) for e in errors] == [(2, "S2", "employees"), (3, "S3", "languages")]
    assert "fractional part" in errors[0].message


def test_unknown_key_is_an_error_naming_it() -> None:
    [error] = rejected([{"id": "S1", "role": "sme", "organization": "A", "langauges": ["en"]}]).errors
    assert (error.row, error.field) == (1, "langauges")
    assert "unknown key (did you mean 'languages'?)" in error.message


def test_an_entry_that_is_not_an_object() -> None:
    [error] = rejected([{"id": "S1", "role": "sme", "organization": "A"}, "S2"]).errors
    assert (error.row, error.field, error.value) == (2, "(record)", "S2")
    assert error.message == "expected a participant object, got str"


def test_cross_row_errors() -> None:
    document = [
        {"id": "S1", "role": "sme", "organization": "A", "conflicts": ["S9"]},
        {"id": "S1", "role": "sme", "organization": "B"},
    ]
    errors = rejected(document).errors
    assert {(e.row, e.field) for e in errors} == {(1, "conflicts"), (2, "id")}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"participants": [', r"not valid JSON: Expecting value at line 1 column 19"),
        (b'{"people": []}', r"an object with exactly one key, 'participants'"),
        (b'{"participants": [], "version": 2}', r"an object with exactly one key, 'participants'"),
        (b'"S1"', r"expected a list of participant objects"),
    ],
)
def test_malformed_documents(data: bytes, message: str) -> None:
    with pytest.raises(ImportRejected, match=message):
        read_participants_bytes(data, format="json", source="upload.json")


def test_empty_list_is_an_empty_import() -> None:
    assert read_participants_bytes(b"[]", format="json") == []
