"""Excel (.xlsx) import/export."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from matching.errors import ImportRejected
from matching.io import (
    COLUMNS,
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
            contacts=(Contact(name="山田 太郎", email="taro@yamada.co.jp"), Contact(name="鈴木", phone="03-1234-5678")),
            description_ja="=精密金属加工\n試作から量産まで",
            region="tokyo-ota",
            languages=("ja", "en"),
            employees=42,
            serves_stages=(1, 2),
            wishes=("B001",),
        ),
        Participant(id="B001", role="buyer", organization="Bangkok Trading", region="th-bangkok", budget_max=3_000_000),
    ]


def workbook_bytes(rows: list[list[object]], *, sheet: str = "Sheet1", first: str | None = None) -> bytes:
    workbook = Workbook()
    if first is not None:
        workbook.active.title = first
        workbook.active.append(["nothing", "here"])
        target = workbook.create_sheet(sheet)
    else:
        target = workbook.active
        target.title = sheet
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            if value is not None:
                target.cell(row=number, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_round_trip_with_japanese_text(tmp_path: Path) -> None:
    path = write_participants(people(), tmp_path / "people.xlsx")
    assert read_participants(path) == people()
    sheet = load_workbook(path).active
    assert sheet.title == "participants"
    assert [c.value for c in sheet[1]] == list(COLUMNS)
    employees = sheet.cell(row=2, column=COLUMNS.index("employees") + 1)
    assert employees.value == 42 and employees.data_type == "n"
    description = sheet.cell(row=2, column=COLUMNS.index("description_ja") + 1)
    assert description.data_type == "s"  # text starting with '=' stays text, never a formula


def test_output_is_byte_deterministic() -> None:
    first = participants_to_bytes(people(), format="xlsx")
    time.sleep(2.1)  # zip timestamps have a 2-second resolution
    assert participants_to_bytes(people(), format="xlsx") == first


def test_rows_are_sheet_row_numbers_and_blank_rows_are_skipped() -> None:
    data = workbook_bytes(
        [
            ["id", "role", "organization", "employees"],
            ["S1", "sme", "山田", 12],
            [None, None, None, None],
            ["S2", "sme", "鈴木", 12.5],
            [],
            ["S3", "SME", "佐藤", 3.0],
        ]
    )
    errors = read_errors(data)
    assert [(e.row, e.participant, e.field, e.value) for e in errors] == [
        (4, "S2", "employees", "12.5"),
        (6, "S3", "role", "SME"),
    ]


def test_integral_floats_and_numeric_ids_are_read() -> None:
    data = workbook_bytes([["id", "role", "organization", "employees", "serves_stages"], [1001, "sme", "山田", 12.0, 3]])
    [p] = read_participants_bytes(data, format="xlsx")
    assert (p.id, p.employees, p.serves_stages) == ("1001", 12, (3,))


def test_the_participants_sheet_is_preferred_over_the_first() -> None:
    data = workbook_bytes([["id", "role", "organization"], ["S1", "sme", "山田"]], sheet="Participants", first="README")
    assert [p.id for p in read_participants_bytes(data, format="xlsx")] == ["S1"]


def test_unknown_column_and_missing_required_columns() -> None:
    [error] = read_errors(workbook_bytes([["id", "role", "organization", "fax"], ["S1", "sme", "A", "03"]]))
    assert (error.row, error.field) == (1, "fax")
    [error] = read_errors(workbook_bytes([["id", "organization"], ["S1", "A"]]))
    assert "missing required column(s) 'role'" in error.message


def test_header_below_a_blank_row_keeps_sheet_numbering() -> None:
    data = workbook_bytes([[None], ["id", "role", "organization", "languages"], ["S1", "sme", "A", "jp"]])
    [error] = read_errors(data)
    assert (error.row, error.field) == (3, "languages")


def test_not_a_workbook() -> None:
    with pytest.raises(ImportRejected, match=r"not a readable .xlsx workbook"):
        read_participants_bytes(b"id,role,organization\n", format="xlsx", source="people.xlsx")


def test_an_empty_sheet() -> None:
    with pytest.raises(ImportRejected, match=r"the sheet is empty"):
        read_participants_bytes(workbook_bytes([]), format="xlsx")


def read_errors(data: bytes) -> tuple:
    with pytest.raises(ImportRejected) as info:
        read_participants_bytes(data, format="xlsx", source="people.xlsx")
    return info.value.errors
