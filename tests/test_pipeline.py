"""The organizer's batch path: `matching match` and `matching demo`."""

from __future__ import annotations

import csv
import gc
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from datasets.synthetic import generate, write_programme
from matching.cli import main
from matching.errors import Infeasible, InvalidInput
from matching.io import load_event
from matching.model import CapacityRange, Event, Participant, Programme, Round
from matching.pipeline import EXACT_OBJECTIVES, OBJECTIVES, match_round, prepare_round


@pytest.fixture(scope="module")
def reskilling_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reskilling")
    write_programme(generate("reskilling", seed=3, n_left=40, n_right=5), out)
    return out


@pytest.fixture(scope="module")
def reskilling_event(reskilling_dir: Path) -> Event:
    return load_event(reskilling_dir / "participants.csv", reskilling_dir / "programme.toml")


def _round(**overrides) -> Round:
    settings = dict(name="r", left_roles=("sme",), right_roles=("startup",), left_capacity=CapacityRange(min=0, max=1), right_capacity=CapacityRange(min=0, max=2))
    settings.update(overrides)
    return Round(**settings)


def _event(rnd: Round, participants: list[Participant]) -> Event:
    return Event.build(Programme(id="p", name="P", rounds=(rnd,)), participants)


def _people() -> list[Participant]:
    return [
        Participant(id="s1", role="sme", organization="A", seeks=("saas",), languages=("ja",)),
        Participant(id="s2", role="sme", organization="B", seeks=("erp",), languages=("ja",), vetoes=("t1",)),
        Participant(id="s3", role="sme", organization="C", seeks=("ai",), languages=("ja",)),
        Participant(id="t1", role="startup", organization="T1", offers=("saas", "erp"), languages=("ja",)),
        Participant(id="t2", role="startup", organization="T2", offers=("ai",), languages=("en",)),
    ]


def test_match_cli_writes_verified_pairs_within_capacities(reskilling_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "match"
    status = main(["match", str(reskilling_dir / "participants.csv"), "--rules", str(reskilling_dir / "programme.toml"), "--out", str(out)])
    assert status == 0
    assert gc.get_freeze_count() == 0  # the participants it froze while loading are the collector's again
    printed = capsys.readouterr().out
    assert "checks: feasible ok, objective ok, duals ok" in printed
    with open(out / "pairs.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert len(rows) == summary["pairs"] > 0
    assert abs(sum(float(r["score"]) for r in rows) - summary["total_score"]) < 1e-3
    event = load_event(reskilling_dir / "participants.csv", reskilling_dir / "programme.toml")
    by_id = event.by_id()
    rnd = event.programme.rounds[0]
    for side, key in (("left", "left_id"), ("right", "right_id")):
        default = getattr(rnd, f"{side}_capacity").max
        for pid, count in Counter(r[key] for r in rows).items():
            cap = by_id[pid].capacity_max if by_id[pid].capacity_max is not None else default
            assert count <= cap, (pid, count, cap)
    assert all(r["reasons_en"] and r["reasons_ja"] for r in rows)
    pairs = json.loads((out / "pairs.json").read_text(encoding="utf-8"))
    contributions = pairs[0]["contributions"]
    assert abs(sum(c["contribution"] for c in contributions) - pairs[0]["score"]) < 1e-5


def test_every_objective_is_verified_and_exact_beats_the_baselines(reskilling_event: Event) -> None:
    results = {name: match_round(reskilling_event, objective=name, seed=1) for name in OBJECTIVES}
    for name, match in results.items():
        assert all(check.ok for check in match.checks), name
    best = results["max-total"].result.objective
    for name in ("greedy", "random", "stable", "fair"):
        assert results[name].result.objective <= best + 1e-9, name
    scores = results["max-total"].problem.scores

    def worst(match) -> float:
        pairs = match.result.pairs
        return float(scores[pairs[:, 0], pairs[:, 1]].min())

    assert len(results["fair"].result.pairs) == len(results["max-total"].result.pairs)
    assert worst(results["fair"]) >= worst(results["max-total"]) - 1e-9


def test_hard_rules_and_never_pairs_are_never_matched() -> None:
    rnd = _round(never=(("s1", "t1"),))
    match = match_round(_event(rnd, _people()))
    matched = {(match.problem.left[i].id, match.problem.right[j].id) for i, j in match.result.pairs.tolist()}
    assert ("s1", "t1") not in matched  # excluded by the organizer
    assert ("s2", "t1") not in matched  # vetoed by s2
    assert not {p for p in matched if p[1] == "t2"}  # no common language with t2


def test_must_pair_is_kept() -> None:
    rnd = _round(must=(("s3", "t1"),))
    match = match_round(_event(rnd, _people()))
    matched = {(match.problem.left[i].id, match.problem.right[j].id) for i, j in match.result.pairs.tolist()}
    assert ("s3", "t1") in matched


@pytest.mark.parametrize("objective", ["max-total", "fair", "stable", "greedy", "random"])
def test_must_pairs_are_kept_or_the_objective_is_refused(objective: str) -> None:
    event = _event(_round(must=(("s3", "t1"),)), _people())
    if objective in EXACT_OBJECTIVES:
        match = match_round(event, objective=objective)
        assert [match.problem.left[i].id for i, j in match.result.pairs.tolist() if match.problem.right[j].id == "t1"].count("s3") == 1
    else:
        with pytest.raises(InvalidInput, match=rf"objective.*1 must pair\(s\).*only max-total and fair keep"):
            match_round(event, objective=objective)


def test_a_must_pair_that_a_hard_rule_forbids_is_infeasible_with_the_reason() -> None:
    rnd = _round(must=(("s2", "t1"),))
    with pytest.raises(Infeasible, match=r"must pair \(s2, t1\) is impossible: s2 declined to meet t1"):
        prepare_round(_event(rnd, _people()))


def test_infeasible_minimums_name_participants_by_id() -> None:
    people = _people()
    people[0] = people[0].model_copy(update={"capacity_min": 1})
    people[2] = people[2].model_copy(update={"capacity_min": 1, "languages": ("en",)})
    # s3 now only speaks English, t2 only English: s1 and s3 need a partner, t1 can take 2.
    # Forbid s3 with everyone it could meet: t2 via a never pair, t1 has no common language.
    rnd = _round(never=(("s3", "t2"),))
    with pytest.raises(Infeasible, match=r"left participant s3 needs at least 1 partner but only 0 allowed partners exist") as raised:
        match_round(_event(rnd, people))
    assert raised.value.culprits == ("left participant s3",)


def test_unknown_objective_lists_the_known_ones(reskilling_event: Event) -> None:
    with pytest.raises(InvalidInput, match=r"unknown objective; expected one of \['fair', 'greedy', 'max-total', 'random', 'stable'\]"):
        match_round(reskilling_event, objective="best")


def test_unknown_round_is_an_error(reskilling_event: Event) -> None:
    with pytest.raises(InvalidInput, match=r"no such round; the programme has 1 round"):
        match_round(reskilling_event, 3)


def test_an_empty_side_names_the_roles() -> None:
    rnd = _round(right_roles=("designer",))
    with pytest.raises(InvalidInput, match=r"no participant of the event has one of these roles, so the right side is empty"):
        match_round(_event(rnd, _people()))


def test_match_cli_reports_bad_input_without_a_traceback(reskilling_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["match", str(reskilling_dir / "participants.csv"), "--rules", str(reskilling_dir / "programme.toml"), "--out", str(tmp_path), "--objective", "best"])
    assert status == 1
    assert "unknown objective" in capsys.readouterr().err
    assert not (tmp_path / "pairs.csv").exists()


def test_scores_do_not_depend_on_the_input_order(reskilling_event: Event) -> None:
    problem = prepare_round(reskilling_event)
    shuffled = list(reskilling_event.participants)
    np.random.default_rng(0).shuffle(shuffled)
    other = prepare_round(Event.build(reskilling_event.programme, shuffled))
    left = [p.id for p in other.left]
    right = [p.id for p in other.right]
    li = [left.index(p.id) for p in problem.left]
    rj = [right.index(p.id) for p in problem.right]
    np.testing.assert_array_equal(other.scores[np.ix_(li, rj)], problem.scores)


def test_demo_writes_its_report(tmp_path: Path) -> None:
    status = main(["demo", "--out", str(tmp_path), "--presets", "reskilling", "--no-fair", "--show", "1"])
    assert status == 0
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "## reskilling" in report and "Checks: feasible ok, objective ok, duals ok" in report
    assert (tmp_path / "reskilling" / "match" / "pairs.csv").exists()
    figures = json.loads((tmp_path / "demo.json").read_text(encoding="utf-8"))
    assert figures["presets"]["reskilling"]["summary"]["pairs"] > 0
