"""The large path of `matching match`: forced at small sizes, it gives the dense path's pairs and files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from datasets.synthetic import generate, write_programme
from matching import pipeline
from matching.cli import main
from matching.errors import Infeasible, InvalidInput
from matching.model import Event, Programme
from matching.pipeline import match_round, match_rows, summary, unmatched_rows

# figures that name the path or time it, not the result
_PATH_FIGURES = {"solver", "wall_time_s", "path", "checks", "certificate"}


def _event(preset: str, seed: int, n_left: int, n_right: int, **round_changes) -> Event:
    data = generate(preset, seed=seed, n_left=n_left, n_right=n_right)
    rnd = data.programme.rounds[0].model_copy(update=round_changes)
    programme = Programme(id=data.programme.id, name=data.programme.name, rounds=(rnd,))
    return Event.build(programme, list(data.participants))


@pytest.fixture(scope="module", params=["succession", "overseas", "reskilling-pins"])
def event(request) -> Event:
    if request.param == "succession":  # one-to-one, conflicts and vetoes
        return _event("succession", 11, 60, 50)
    if request.param == "overseas":  # languages (impossible classes), interpreters, wishes, capacities
        return _event("overseas", 12, 25, 60)
    # capacities with minimums, must and never pairs
    base = _event("reskilling", 13, 40, 6)
    left, right = base.sides(0)
    return _event("reskilling", 13, 40, 6, must=((left[0].id, right[1].id), (left[5].id, right[1].id)),
                  never=((left[1].id, right[0].id),))


def test_the_factor_path_gives_the_dense_paths_pairs_ranks_and_reasons(event: Event) -> None:
    dense = match_round(event, path="dense")
    factors = match_round(event, path="factors")
    assert dense.problem.path == "dense" and factors.problem.path == "factors"
    assert factors.problem.scores is None
    assert factors.result.objective == pytest.approx(dense.result.objective, rel=1e-9)
    assert np.array_equal(factors.result.pairs, dense.result.pairs)
    assert [c.check for c in factors.checks] == ["feasible", "objective", "duals (priced)"]
    assert all(c.ok for c in factors.checks)
    assert match_rows(factors) == match_rows(dense)
    assert unmatched_rows(factors) == unmatched_rows(dense)
    figures_dense, figures_factors = summary(dense), summary(factors)
    assert {k: v for k, v in figures_factors.items() if k not in _PATH_FIGURES} == \
        {k: v for k, v in figures_dense.items() if k not in _PATH_FIGURES}
    assert figures_factors["certificate"]["pairs_checked"] == figures_dense["certificate"]["pairs_checked"]
    # the potentials, mapped back to participant indices, bound every allowed unmatched pair of the dense
    # matrix (a matched pair of a capacitated round may exceed them: its own bound's dual takes the rest)
    cert = factors.result.certificate
    slack = cert.left_potential[:, None] + cert.right_potential[None, :] - dense.problem.scores
    unmatched = ~dense.problem.forbidden
    unmatched[factors.result.pairs[:, 0], factors.result.pairs[:, 1]] = False
    assert slack[unmatched].min() >= -1e-7


def test_auto_takes_the_factor_path_from_the_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    event = _event("succession", 11, 30, 30)
    assert match_round(event).problem.path == "dense"
    monkeypatch.setattr(pipeline, "FACTOR_PATH_MIN_PAIRS", 900)
    assert match_round(event).problem.path == "factors"
    with pytest.raises(InvalidInput, match="only max-total runs"):
        match_round(event, objective="stable")
    assert match_round(event, objective="stable", path="dense").problem.path == "dense"


def test_unknown_path_and_impossible_must_pair_raise() -> None:
    event = _event("succession", 11, 20, 20)
    with pytest.raises(InvalidInput, match="unknown path"):
        match_round(event, path="sparse")
    left, right = event.sides(0)
    vetoed = next(p for p in left if p.vetoes or p.conflicts)
    other = (vetoed.vetoes or vetoed.conflicts)[0]
    pinned = _event("succession", 11, 20, 20, must=((vetoed.id, other),))
    with pytest.raises(Infeasible, match=f"must pair \\({vetoed.id}, {other}\\) is impossible"):
        match_round(pinned, path="factors")


def test_match_cli_on_the_factor_path_writes_every_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_programme(generate("succession", seed=11, n_left=40, n_right=40), tmp_path / "in")
    out = tmp_path / "out"
    status = main(["match", str(tmp_path / "in" / "participants.csv"), "--rules", str(tmp_path / "in" / "programme.toml"),
                   "--out", str(out), "--path", "factors", "--no-progress"])
    assert status == 0
    assert "checks: feasible ok, objective ok, duals (priced) ok" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == ["certificate.json", "pairs.csv", "pairs.json", "summary.json", "unmatched.csv"]
    with open(out / "pairs.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    certificate = json.loads((out / "certificate.json").read_text(encoding="utf-8"))
    assert certificate["status"] == "optimal" and len(certificate["left_potential"]) == 40
    for row in rows:  # matched pairs are tight: score == left potential + right potential
        total = certificate["left_potential"][row["left_id"]] + certificate["right_potential"][row["right_id"]]
        assert float(row["score"]) == pytest.approx(total, abs=1e-5)
        assert row["reasons_en"] and int(row["rank_for_left"]) >= 1
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["path"] == "factors"


def test_allowed_partners_and_impossible_pairs_match_the_dense_mask(event: Event) -> None:
    from matching._factor_round import allowed_partners, impossible_pairs

    scorer = match_round(event, path="factors").problem.scorer
    mask = scorer.impossible_mask()
    allowed_left, allowed_right = allowed_partners(scorer)
    assert np.array_equal(allowed_left, (~mask).sum(axis=1))
    assert np.array_equal(allowed_right, (~mask).sum(axis=0))
    every = np.argwhere(np.ones(mask.shape, dtype=bool))
    assert np.array_equal(impossible_pairs(scorer, every), mask.ravel())


def test_explain_pairs_gives_explain_for_each_pair_and_language(event: Event) -> None:
    from matching.features import explain, explain_pairs

    scorer = match_round(event, path="factors").problem.scorer
    rng = np.random.default_rng(0)
    left, right = rng.integers(0, scorer.n_left_, 40), rng.integers(0, scorer.n_right_, 40)
    together = explain_pairs(scorer, left, right)
    for k, (i, j) in enumerate(zip(left, right)):
        for lang in ("ja", "en"):
            assert together[lang][k] == explain(scorer, int(i), int(j), lang=lang)
    with pytest.raises(ValueError, match="lang must be one of"):
        explain_pairs(scorer, left, right, langs=("fr",))


def test_the_quality_report_asks_for_the_dense_path() -> None:
    from matching.metrics import quality_report

    match = match_round(_event("succession", 11, 20, 20), path="factors")
    with pytest.raises(ValueError, match="match with path='dense'"):
        quality_report(match)
