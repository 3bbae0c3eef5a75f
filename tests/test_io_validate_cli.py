"""`matching validate`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matching.cli import main
from matching.io import dump_programme
from matching.model import Programme, Round, Slot

GOOD = """\
id,role,organization,languages,region,availability,wishes,vetoes
S001,sme,山田製作所,ja;en,tokyo-ota,d1-0900,B001,
S002,sme,鈴木工業,ja,tokyo-chuo,,,B001
B001,buyer,Bangkok Trading,th;en,th-bangkok,d1-0900,,
"""


def big_csv(rows: int, *, bad_line: int) -> str:
    lines = ["id,role,organization,employees"]
    for line in range(2, rows + 2):
        lines.append(f"S{line:04d},sme,企業{line},{'12.5' if line == bad_line else line}")
    return "\n".join(lines) + "\n"


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "good.csv"
    path.write_text(GOOD, encoding="utf-8")
    return path


def test_bad_file_exits_1_naming_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "fair.csv"
    path.write_text(big_csv(1000, bad_line=537), encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"{path}: line 537, participant 'S0537': employees: is not an integer (expected whole digits such as 12) (got '12.5')",
        f"{path}: 1 error(s) in 1 row(s); the file would be refused, nothing imported",
    ]


def test_errors_are_printed_one_per_line_sorted_by_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("id,role,organization,wishes,colour\nS1,sme,A,S9,red\nS1,SME,B,,\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    rows = [int(line.split("line ")[1].split(",")[0].split(":")[0]) for line in lines[:-1]]
    assert rows == sorted(rows) == [1, 2, 3, 3]
    assert "colour: unknown column" in lines[0]
    assert lines[-1].endswith("4 error(s) in 3 row(s); the file would be refused, nothing imported")


def test_good_file_exits_0_with_a_summary(good: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(good)]) == 0
    out = capsys.readouterr().out
    assert f"{good}: OK, 3 participant(s) would be imported" in out
    assert "roles:      sme 2, buyer 1" in out
    assert "languages:  ja 2, en 2, th 1" in out
    assert "areas:      tokyo-23 2, asean 1" in out
    assert "with availability 2, wishes 1, vetoes 1, conflicts 0, contacts 0" in out
    assert "\x1b[" not in out  # plain text, no terminal colour codes


def test_json_output(good: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(good), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["ok"] is True and summary["participants"] == 3
    assert summary["roles"] == {"sme": 2, "buyer": 1}
    bad = tmp_path / "bad.json"
    bad.write_text('[{"id": "S1", "role": "sme", "organization": "A", "employees": "many"}]', encoding="utf-8")
    assert main(["validate", str(bad), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and report["error_count"] == 1
    assert report["errors"][0] | {"message": None} == {
        "row": 1,
        "participant": "S1",
        "field": "employees",
        "value": "many",
        "message": None,
    }


def test_format_option_overrides_the_extension(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "export.txt"
    path.write_text(GOOD, encoding="utf-8")
    assert main(["validate", str(path), "--format", "csv"]) == 0
    assert main(["validate", str(path)]) == 0  # .txt is read as CSV
    odd = tmp_path / "export.dat"
    odd.write_text(GOOD, encoding="utf-8")
    assert main(["validate", str(odd)]) == 1
    assert "unknown participant file file extension 'dat'" in capsys.readouterr().out


def test_rules_cross_references(good: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    slot = Slot(id="d1-0900", start="2024-10-01T09:00:00+09:00", end="2024-10-01T09:20:00+09:00")
    programme = Programme(
        id="fair",
        name="Fair",
        rounds=(Round(name="r", left_roles=("sme",), right_roles=("buyer",), slots=(slot,), never=(("S002", "S001"),)),),
    )
    rules = dump_programme(programme, tmp_path / "fair.toml")
    assert main(["validate", str(good), "--rules", str(rules)]) == 1
    out = capsys.readouterr().out
    assert "rounds[0].never: right id 'S001' has role 'sme', not one of ['buyer']" in out
    fixed = dump_programme(
        programme.model_copy(update={"rounds": (programme.rounds[0].model_copy(update={"never": ()}),)}),
        tmp_path / "fixed.toml",
    )
    assert main(["validate", str(good), "--rules", str(fixed)]) == 0
    assert "programme:  fair (Fair), 1 round(s), 1 slot(s): cross-references OK" in capsys.readouterr().out


def test_bad_rules_file_is_reported(good: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "fair.toml"
    rules.write_text('id = "fair"\nname = "Fair"\n[[rounds]]\nname = "r"\nleft_roles = []\nright_roles = ["buyer"]\n')
    assert main(["validate", str(good), "--rules", str(rules)]) == 1
    out = capsys.readouterr().out
    assert f"{rules}: rounds[0].left_roles: Tuple should have at least 1 item" in out
    assert out.splitlines()[-1].endswith("1 error(s); fix these before importing")


def test_help_describes_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["validate", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "--rules PROGRAMME" in out and "all or nothing" in out


def test_json_file_errors_count_entries(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "people.json"
    path.write_text('[{"id": "S1", "role": "sme", "organization": "A"}, {"id": "S2", "role": "sme"}]', encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{path}: entry 2, participant 'S2': organization: is required but missing or empty (got None)"
    assert lines[1] == f"{path}: 1 error(s) in 1 row(s); the file would be refused, nothing imported"
