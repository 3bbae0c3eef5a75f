"""`matching score`: top-k partners of a participant with reasons."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from matching.cli import main
from matching.features import Scorer
from matching.io import dump_programme, write_participants
from matching.model import Participant, Programme, Round


def _people() -> list[Participant]:
    smes = [
        Participant(id="sme-1", role="sme", organization="町工場A", seeks=("product-design",), description_ja="金属加工の試作",
                    region="tokyo-ota", budget_max=1_000_000, vetoes=("des-3",)),
        Participant(id="sme-2", role="sme", organization="食品B", seeks=("package-design",), description_ja="食品加工と包装",
                    region="tokyo-koto"),
        Participant(id="sme-3", role="sme", organization="C Trading", languages=("en",), seeks=("branding",)),
    ]
    designers = [
        Participant(id="des-1", role="designer", organization="Studio 1", offers=("product-design",),
                    description_ja="金属加工品のプロダクトデザイン", price_min=800_000),
        Participant(id="des-2", role="designer", organization="Studio 2", offers=("package-design",), description_ja="食品の包装デザイン"),
        Participant(id="des-3", role="designer", organization="Studio 3", offers=("product-design", "branding"), languages=("en", "ja")),
    ]
    return smes + designers


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("score")
    people = root / "people.csv"
    rules = root / "programme.toml"
    write_participants(_people(), people)
    programme = Programme(id="design", name="Design matching", rounds=(Round(name="round 1", left_roles=("sme",), right_roles=("designer",)),))
    dump_programme(programme, rules)
    return str(people), str(rules)


def test_text_output_lists_top_k_with_reasons(files, capsys):
    people, rules = files
    assert main(["score", people, "--rules", rules, "--id", "sme-1", "--k", "2", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "Top 2 partners of sme-1 (町工場A)" in out and "1 impossible" in out
    listed = [line.split()[1] for line in out.splitlines() if line.strip()[:2] in ("1.", "2.")]
    assert listed == ["des-1", "des-2"]  # des-3 is vetoed by sme-1
    assert "Studio 1 offers product design, which 町工場A is looking for" in out


def test_json_output_matches_the_scorer(files, capsys):
    people, rules = files
    assert main(["score", people, "--rules", rules, "--id", "des-2", "--k", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["side"] == "right" and out["participant"] == "des-2" and out["candidates"] == 2
    ids = [p["id"] for p in out["partners"]]
    assert ids[0] == "sme-2" and "sme-3" not in ids  # sme-3 speaks only English, des-2 only Japanese
    parts = _people()
    scorer = Scorer().fit(parts[:3], parts[3:])
    assert out["partners"][0]["score"] == pytest.approx(scorer.score_matrix()[1, 1])
    assert any("パッケージデザイン" in r for r in out["partners"][0]["explanation"]["reasons"])


def test_out_writes_everyones_candidates(files, tmp_path, capsys):
    people, rules = files
    target = tmp_path / "candidates.csv"
    assert main(["score", people, "--rules", rules, "--out", str(target), "--k", "1", "--progress"]) == 0
    captured = capsys.readouterr()
    assert "wrote" in captured.out and "scoring pairs" in captured.err
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    parts = _people()
    scorer = Scorer().fit(parts[:3], parts[3:])
    top = scorer.top_k(1).tocoo()
    assert {(r["left_id"], r["right_id"]) for r in rows} == {
        (scorer.left_ids_[i], scorer.right_ids_[j]) for i, j in zip(top.row, top.col)
    }
    assert all(np.isfinite(float(r["score"])) for r in rows)


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--id", "nobody"], "--id: names no participant of round 0"),
        (["--id", "sme-1", "--k", "0"], "--k: expected a whole number >= 1"),
        (["--id", "sme-1", "--round", "3"], r"--round: expected 0 to 0"),
    ],
)
def test_errors_exit_1_with_the_reason(files, capsys, extra, message):
    people, rules = files
    assert main(["score", people, "--rules", rules, *extra]) == 1
    assert message in capsys.readouterr().err


def test_help_and_required_arguments(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["score", "--help"])
    assert exc.value.code == 0 and "--id PARTICIPANT_ID" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["score", "people.csv", "--rules", "p.toml"])
    assert exc.value.code == 2 and "one of the arguments --id --out is required" in capsys.readouterr().err
