"""CSV import/export: round trips, encodings, all-or-nothing, line numbers, columns."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching import vocabulary as vocab
from matching.errors import ImportRejected, InvalidInput
from matching.io import (
    COLUMNS,
    HEADER_ALIASES,
    columns,
    format_of,
    participants_to_bytes,
    read_participants,
    read_participants_bytes,
    write_participants,
)
from matching.model import Contact, Participant

HEADER = "id,role,organization"


def sample_participants() -> list[Participant]:
    """Participants using every field, with Japanese text, commas, quotes and newlines."""
    return [
        Participant(
            id="S001",
            role="sme",
            organization="株式会社山田製作所",
            contacts=(
                Contact(name="山田 太郎", email="taro@yamada.co.jp", phone="03-1234-5678"),
                Contact(name="鈴木 花子", email="", phone="+81 90 1234 5678"),
            ),
            description_ja='精密金属加工、"試作"から量産まで。\n第二工場あり',
            description_en="Precision metal work, prototypes to volume",
            offers=("saas",),
            seeks=("ai", "iot"),
            industry="E24",
            region="tokyo-ota",
            languages=("ja", "en"),
            employees=42,
            maturity_stage=2,
            budget_min=500_000,
            budget_max=1_000_000,
            capacity_min=1,
            capacity_max=3,
            availability=("d1-0900", "d1-0920"),
            wishes=("D001",),
            vetoes=("D002",),
        ),
        Participant(
            id="D001",
            role="designer",
            organization="デザイン事務所 ①㈱髙橋",
            serves_stages=(1, 2, 3),
            price_min=100,
            price_max=200,
            region="th-bangkok",
            languages=("th", "en"),
            conflicts=("D002",),
        ),
        Participant(id="D002", role="designer", organization="Studio, K"),
    ]


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


def rejected(data: bytes | str, *, format: str = "csv") -> ImportRejected:
    if isinstance(data, str):
        data = data.encode()
    with pytest.raises(ImportRejected) as info:
        read_participants_bytes(data, format=format, source="upload.csv")
    return info.value


# --- round trips ----------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_round_trip_with_japanese_text(tmp_path: Path, encoding: str) -> None:
    people = sample_participants()
    path = write_participants(people, tmp_path / "people.csv", encoding=encoding)
    data = path.read_bytes()
    assert data.startswith(codecs.BOM_UTF8) == (encoding == "utf-8-sig")
    assert read_participants(path) == people


def test_cp932_bytes_written_by_hand_are_read() -> None:
    text = "組織名,役割,id,言語,説明,担当者名,メール,電話\n㈱髙橋製作所,sme,S001,ja;en,プレス加工,髙橋 一郎,ichiro@takahashi.jp,03-1111-2222\n"
    [participant] = read_participants_bytes(text.encode("cp932"), format="csv")
    assert participant.organization == "㈱髙橋製作所"
    assert participant.description_ja == "プレス加工"
    assert participant.contacts == (Contact(name="髙橋 一郎", email="ichiro@takahashi.jp", phone="03-1111-2222"),)


def test_output_is_byte_deterministic_with_fixed_columns(tmp_path: Path) -> None:
    first = participants_to_bytes(sample_participants(), format="csv")
    second = participants_to_bytes(sample_participants(), format="csv")
    assert first == second
    lines = first.decode().split("\n")
    assert lines[0] == ",".join(COLUMNS)
    assert b"\r" not in first


def test_without_personal_data_no_contact_columns() -> None:
    data = participants_to_bytes(sample_participants(), format="csv", include_personal=False).decode()
    assert data.split("\n")[0] == ",".join(columns(include_personal=False))
    assert "taro@yamada.co.jp" not in data and "contact_name" not in data
    assert all(p.contacts == () for p in read_participants_bytes(data.encode(), format="csv"))


def test_writing_an_item_containing_the_separator_is_refused() -> None:
    odd = Participant(id="S1", role="sme", organization="x", contacts=({"name": "Sato; Ito"},))
    with pytest.raises(InvalidInput, match=r"contact_name item 'Sato; Ito' contains ';'"):
        participants_to_bytes([odd], format="csv")


def test_writing_text_the_encoding_cannot_hold_is_refused() -> None:
    odd = Participant(id="S1", role="sme", organization="山田 🍵")
    with pytest.raises(InvalidInput, match=r"cannot encode '🍵' \(line 2\) in cp932"):
        participants_to_bytes([odd], format="csv", encoding="cp932")


_TAGS = sorted(vocab.TAGS)
_ids = st.from_regex(r"[A-Z][0-9]{3}", fullmatch=True)
_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)


@st.composite
def participant_lists(draw: st.DrawFn) -> list[Participant]:
    ids = draw(st.lists(_ids, min_size=1, max_size=5, unique=True))
    people = []
    for pid in ids:
        others = [o for o in ids if o != pid]
        wishes = draw(st.lists(st.sampled_from(others), unique=True, max_size=2)) if others else []
        contacts = draw(
            st.lists(
                st.builds(
                    Contact,
                    name=st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters=";"), max_size=10),
                    email=st.sampled_from(["", "a@b.jp", "x.y@example.com"]),
                ),
                max_size=3,
            )
        )
        people.append(
            Participant(
                id=pid,
                role=draw(st.sampled_from(["sme", "buyer", "startup"])),
                organization=draw(st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20).filter(str.strip)),
                contacts=tuple(c for c in contacts if c.name or c.email),
                description_ja=draw(_text),
                offers=tuple(draw(st.lists(st.sampled_from(_TAGS), unique=True, max_size=3))),
                region=draw(st.none() | st.sampled_from(sorted(vocab.REGIONS))),
                languages=tuple(draw(st.lists(st.sampled_from(sorted(vocab.LANGUAGES)), min_size=1, max_size=3, unique=True))),
                employees=draw(st.none() | st.integers(0, 1_000_000)),
                serves_stages=tuple(draw(st.lists(st.integers(1, 4), unique=True, max_size=4))),
                capacity_max=draw(st.none() | st.integers(0, 10_000)),
                wishes=tuple(wishes),
            )
        )
    return people


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people=participant_lists(), fmt=st.sampled_from(["csv", "json"]))
def test_round_trip_of_random_participants(people: list[Participant], fmt: str) -> None:
    data = participants_to_bytes(people, format=fmt)
    assert read_participants_bytes(data, format=fmt) == people
    assert participants_to_bytes(read_participants_bytes(data, format=fmt), format=fmt) == data


# --- all or nothing ------------------------------------------------------------------------


def big_csv(rows: int, *, bad_line: int) -> str:
    lines = [HEADER + ",employees,languages"]
    for line in range(2, rows + 2):
        employees = "12.5" if line == bad_line else str(line)
        lines.append(f"S{line:04d},sme,企業{line},{employees},ja;en")
    return "\n".join(lines) + "\n"


def test_one_bad_row_in_a_thousand_refuses_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "fair.csv"
    path.write_text(big_csv(1000, bad_line=537), encoding="utf-8")
    result = None
    with pytest.raises(ImportRejected, match=r"nothing was imported: 1 error\(s\) in 1 row\(s\)") as info:
        result = read_participants(path)
    assert result is None
    [error] = info.value.errors
    assert (error.row, error.participant, error.field, error.value) == (537, "S0537", "employees", "12.5")
    assert "not an integer" in error.message
    assert info.value.source == str(path)
    assert len(read_participants_bytes(big_csv(1000, bad_line=-1).encode(), format="csv")) == 1000


def test_every_bad_row_is_reported_not_just_the_first() -> None:
    text = f"{HEADER},employees,region\nS1,sme,A,x,\nS2,SME,B,,\nS3,sme,C,,tokyo-chuoo\nS4,sme,D,,\n"
    errors = rejected(text).errors
    assert [(e.row, e.field) for e in errors] == [(2, "employees"), (3, "role"), (4, "region")]
    assert "did you mean 'tokyo-chuo'" in errors[2].message


def test_cross_row_errors_carry_line_numbers() -> None:
    text = f"{HEADER},wishes,vetoes\nS1,sme,A,B9,\nS1,sme,B,,\nB1,buyer,C,,S7\n"
    errors = rejected(text).errors
    found = {(e.row, e.field, e.value) for e in errors}
    assert found == {(2, "wishes", "B9"), (3, "id", "S1"), (4, "vetoes", "S7")}
    duplicate = next(e for e in errors if e.field == "id")
    assert duplicate.message == "duplicate id (first used on line 2)"


def test_a_reference_to_an_invalid_row_is_not_reported_twice() -> None:
    errors = rejected(f"{HEADER},wishes\nS1,sme,A,B1\nB1,BUYER,B,\n").errors
    assert [(e.row, e.field) for e in errors] == [(3, "role")]


# --- line numbers, blank rows, shapes ----------------------------------------------------------


def test_multiline_quoted_cell_numbers_the_record_by_its_first_line() -> None:
    text = f'{HEADER},description_ja,employees\nS1,sme,A,"一行目\n二行目\n三行目",1\nS2,sme,B,,oops\n'
    [error] = rejected(text).errors
    assert (error.row, error.participant, error.field) == (5, "S2", "employees")


def test_crlf_line_endings_and_multiline_cells() -> None:
    text = f'{HEADER},description_ja,employees\r\nS1,sme,A,"a\r\nb",1\r\nS2,sme,B,,oops\r\n'
    [error] = rejected(text).errors
    assert error.row == 4
    good = read_participants_bytes(text.replace("oops", "2").encode(), format="csv")
    assert good[0].description_ja == "a\r\nb"


def test_blank_rows_are_skipped_not_errors() -> None:
    text = f"\n{HEADER},employees\n\nS1,sme,A,1\n,,,\n\nS2,sme,B,x\n"
    [error] = rejected(text).errors
    assert error.row == 7
    assert len(read_participants_bytes(text.replace(",x", ",2").encode(), format="csv")) == 2


def test_cells_beyond_the_header_are_an_error() -> None:
    [error] = rejected(f"{HEADER}\nS1,sme,A,surplus\n").errors
    assert (error.row, error.field, error.value) == (2, "(row)", "surplus")
    assert "header has 3 columns" in error.message


def test_short_rows_leave_the_missing_cells_empty() -> None:
    [error] = rejected(f"{HEADER}\nS1,sme\n").errors
    assert (error.row, error.field) == (2, "organization")
    assert error.message == "is required but missing or empty"


def test_unclosed_quote_is_a_malformed_csv_error() -> None:
    [error] = rejected(f'{HEADER}\nS1,sme,"A\n').errors
    assert error.field == "(csv)" and error.row == 2
    assert "malformed CSV" in error.message


def test_a_malformed_row_after_invalid_rows_is_the_only_error() -> None:
    # the rows are validated as they are read: the invalid one before the malformed record must not
    # add its own error, as when the whole file was parsed before any row was validated
    [error] = rejected(f'{HEADER}\nS1,sme,\nS2,sme,B\nS3,sme,"C\n').errors
    assert (error.field, error.row) == ("(csv)", 4)
    assert "malformed CSV" in error.message


def test_empty_file() -> None:
    [error] = rejected("\n\n").errors
    assert "the file is empty" in error.message


# --- columns -------------------------------------------------------------------------------------


def test_unknown_column_is_an_error_naming_it() -> None:
    errors = rejected(f"{HEADER},organisaton_size,languages\nS1,sme,A,big,ja\n").errors
    assert [(e.row, e.field) for e in errors] == [(1, "organisaton_size")]
    assert "unknown column (#4)" in errors[0].message


def test_unknown_column_suggests_the_close_name() -> None:
    [error] = rejected(f"{HEADER},langauges\nS1,sme,A,ja\n").errors
    assert "did you mean 'languages'" in error.message


def test_missing_required_columns_is_one_clear_error() -> None:
    errors = rejected("id,languages\nS1,ja\nS2,en\n").errors
    assert len(errors) == 1
    assert errors[0].row == 1
    assert errors[0].message.startswith("missing required column(s) 'role', 'organization'")


def test_a_column_given_twice_is_an_error() -> None:
    [error] = rejected("id,role,organization,組織名\nS1,sme,A,B\n").errors
    assert error.field == "organization" and "column given twice" in error.message


def test_headers_are_case_insensitive_and_japanese_aliases_work() -> None:
    text = "ID,Role,組織名,業種,地域,言語,提供,求める,説明,担当者名,メール,電話\nS1,sme,山田,E24,tokyo-ota,ja,saas,ai,説明文,山田,a@b.jp,03-1234-5678\n"
    [p] = read_participants_bytes(text.encode(), format="csv")
    assert (p.organization, p.industry, p.region, p.offers, p.seeks, p.description_ja) == (
        "山田",
        "E24",
        "tokyo-ota",
        ("saas",),
        ("ai",),
        "説明文",
    )
    assert p.contacts[0].phone == "03-1234-5678"
    assert set(HEADER_ALIASES.values()) <= set(COLUMNS)


# --- cells ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "value"), [("12", 12), ("1,000,000", 1_000_000), (" 7 ", 7), ("１２", 12)])
def test_integer_cells(cell: str, value: int) -> None:
    [p] = read_participants_bytes(f'{HEADER},budget_max\nS1,sme,A,"{cell}"\n'.encode(), format="csv")
    assert p.budget_max == value


@pytest.mark.parametrize("cell", ["12.5", "12.0", "1e3", "twelve", "1,00"])
def test_non_integer_cells_are_errors_naming_field_and_value(cell: str) -> None:
    [error] = rejected(f'{HEADER},employees\nS1,sme,A,"{cell}"\n').errors
    assert (error.field, error.value) == ("employees", cell)
    assert error.message.startswith("is not an integer")


def test_bad_item_of_an_integer_list() -> None:
    [error] = rejected(f"{HEADER},serves_stages\nS1,sme,A,1;two\n").errors
    assert (error.field, error.value) == ("serves_stages", "two")


def test_empty_cells_mean_defaults() -> None:
    [p] = read_participants_bytes(f"{HEADER},languages,region,capacity_min,offers\nS1,sme,A,,,,\n".encode(), format="csv")
    assert (p.languages, p.region, p.capacity_min, p.offers) == (("ja",), None, 0, ())


def test_list_cells_tolerate_spaces_and_trailing_separators() -> None:
    [p] = read_participants_bytes(f"{HEADER},languages,offers\nS1,sme,A, ja ; en ;,saas;\n".encode(), format="csv")
    assert p.languages == ("ja", "en") and p.offers == ("saas",)


def test_extra_tags_are_accepted_when_given() -> None:
    text = f"{HEADER},offers\nS1,sme,A,local-sake\n".encode()
    with pytest.raises(ImportRejected, match="unknown tag 'local-sake'"):
        read_participants_bytes(text, format="csv")
    [p] = read_participants_bytes(text, format="csv", extra_tags=["local-sake"])
    assert p.offers == ("local-sake",)


# --- contacts ------------------------------------------------------------------------------------


def test_contacts_are_aligned_item_by_item() -> None:
    text = f"{HEADER},contact_name,contact_email,contact_phone\nS1,sme,A,山田;鈴木,y@a.jp;s@a.jp,;03-1234-5678\n"
    [p] = read_participants_bytes(text.encode(), format="csv")
    assert p.contacts == (
        Contact(name="山田", email="y@a.jp"),
        Contact(name="鈴木", email="s@a.jp", phone="03-1234-5678"),
    )


def test_an_empty_contact_column_means_none_given() -> None:
    [p] = read_participants_bytes(f"{HEADER},contact_name,contact_email\nS1,sme,A,山田;鈴木,\n".encode(), format="csv")
    assert [c.email for c in p.contacts] == ["", ""]


def test_misaligned_contact_columns_are_an_error_naming_the_columns() -> None:
    [error] = rejected(f"{HEADER},contact_name,contact_email\nS1,sme,A,山田;鈴木,y@a.jp\n").errors
    assert error.field == "contact_name/contact_email"
    assert "contact_name has 2, contact_email has 1" in error.message
    assert error.row == 2


def test_contact_validation_errors_name_the_contact() -> None:
    [error] = rejected(f"{HEADER},contact_name,contact_email\nS1,sme,A,山田;鈴木,y@a.jp;not-an-address\n").errors
    assert error.field == "contacts.1.email"
    assert error.value == "not-an-address"


# --- delimiters, formats ------------------------------------------------------------------------


def test_tab_separated_file_is_read() -> None:
    [p] = read_participants_bytes(b"id\trole\torganization\tlanguages\nS1\tsme\tA, Ltd\tja;en\n", format="csv")
    assert p.organization == "A, Ltd" and p.languages == ("ja", "en")


def test_semicolon_separated_file_is_read() -> None:
    [p] = read_participants_bytes("id;role;organization\nS1;sme;A, Ltd\n".encode(), format="csv")
    assert p.organization == "A, Ltd"


def test_utf16_excel_unicode_text_is_read() -> None:
    data = "id\trole\torganization\r\nS1\tsme\t山田\r\n".encode("utf-16")
    assert read_participants_bytes(data, format="csv")[0].organization == "山田"


@pytest.mark.parametrize(
    ("path", "fmt", "expected"),
    [("a.csv", None, "csv"), ("a.JSON", None, "json"), ("a.xlsx", None, "xlsx"), ("a.txt", "csv", "csv"), ("a", "Excel", "xlsx")],
)
def test_format_of(path: str, fmt: str | None, expected: str) -> None:
    assert format_of(path, fmt) == expected


@pytest.mark.parametrize(
    ("path", "fmt", "message"),
    [
        ("people.ods", None, r"unknown participant file file extension 'ods' of 'people.ods'; expected one of csv, json, xlsx"),
        ("people.xls", None, r"\.xls \(Excel 97-2003\) is not supported"),
        ("people.csv", "yaml", r"unknown participant file format 'yaml'"),
        ("people", None, r"file extension ''"),
    ],
)
def test_unknown_format_is_refused_naming_it(path: str, fmt: str | None, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        read_participants(path, format=fmt)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot read the file"):
        read_participants(tmp_path / "absent.csv")
