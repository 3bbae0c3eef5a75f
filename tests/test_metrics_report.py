"""The quality report: hand-computed figures, invariances, the planted truth, JSON safety, the CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datasets.synthetic import generate
from matching.cli import main as cli
from matching.errors import InvalidInput
from matching.metrics import QualityReport, format_report, quality_from_event, quality_from_pairs, quality_report
from matching.model import Event
from matching.pipeline import match_round
from matching.solvers import random_matching

TINY = np.array([[0.9, 0.2], [0.8, 0.1]])


def test_tiny_report_is_hand_computed():
    report = quality_from_pairs(TINY, None, [(0, 1), (1, 0)], None, None)
    assert (report.pairs, report.total, report.mean_score, report.min_score, report.max_score) == (2, 1.0, 0.5, 0.2, 0.8)
    assert report.percentiles["p50"] == pytest.approx(0.5)
    assert report.blocking_pairs == 1 and report.blocking_share == 0.5  # (0,0) of the 2 unmatched allowed pairs
    left, right = report.left, report.right
    assert (left.coverage, left.partners_gini, left.max_partners, left.meets_minimum) == (1.0, 0.0, 1, 1.0)
    assert left.rank["mean"] == 1.5 and left.rank["top1_share"] == 0.5  # left 0 got its 2nd choice, left 1 its 1st
    assert right.rank["mean"] == 1.5  # right 0 got left 1 (its 2nd), right 1 got left 0 (its 1st)
    assert left.envy == {"envious_participants": 1, "envious_share": 0.5, "envy_pairs": 1, "envy_pair_share": 0.5}
    assert left.partner_score["min"] == 0.2 and right.partner_score["max"] == 0.8
    assert left.meetings_histogram == (0, 2) and left.over_capacity is None  # no capacities given
    assert report.truth is None


def test_a_match_result_is_accepted_as_the_pairs():
    from matching.solvers import solve_assignment

    result = solve_assignment(TINY)
    report = quality_from_pairs(TINY, None, result, None, None)
    assert report.pairs == 2 and report.total == pytest.approx(result.objective)


def test_unmatched_participants_and_capacities():
    scores = np.array([[0.5, 0.4, 0.3], [0.2, 0.1, 0.6]])
    report = quality_from_pairs(scores, None, [(0, 0), (0, 1)], None, None, left_capacity=[2, 1], right_capacity=1,
                                left_min=[1, 1])
    assert report.left.coverage == 0.5 and report.left.meets_minimum == 0.5 and report.left.over_capacity == 0
    assert report.right.coverage == pytest.approx(2 / 3)
    assert report.left.partners_gini == pytest.approx(0.5)  # counts (2, 0)
    assert report.left.meetings_histogram == (1, 0, 1)
    # left 1 is free and prefers right 2 (0.6), right 2 is free: blocking; (1,0),(1,1) block too (right full? no: they are
    # full and prefer left 0 → no)
    assert report.blocking_pairs == 1
    over = quality_from_pairs(scores, None, [(0, 0), (0, 1)], None, None, left_capacity=1)
    assert over.left.over_capacity == 1


def test_empty_matching_report():
    report = quality_from_pairs(TINY, None, [], None, None)
    assert report.pairs == 0 and report.total == 0.0 and report.min_score is None and report.left.coverage == 0.0
    assert report.left.rank["mean"] is None and report.left.partners_gini == 0.0
    data = report.to_dict()
    json.dumps(data, allow_nan=False)
    assert data["min_score"] is None and data["charts"]["score_histogram"]["counts"] == [0] * 10


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6), st.integers(0, 2**31 - 1))
def test_figures_do_not_depend_on_the_order_of_participants(n, m, seed):
    rng = np.random.default_rng(seed)
    scores = rng.random((n, m))
    forbidden = rng.random((n, m)) < 0.2
    left_cap, right_cap = rng.integers(1, 3, n), rng.integers(1, 3, m)
    pairs = random_matching(scores, seed=seed, forbidden=forbidden, left_capacity=left_cap, right_capacity=right_cap).pairs
    p, q = rng.permutation(n), rng.permutation(m)
    inv_p, inv_q = np.argsort(p), np.argsort(q)
    moved = np.stack([inv_p[pairs[:, 0]], inv_q[pairs[:, 1]]], axis=1) if len(pairs) else pairs
    a = quality_from_pairs(scores, forbidden, pairs, None, None, left_capacity=left_cap, right_capacity=right_cap).flat()
    b = quality_from_pairs(scores[p][:, q], forbidden[p][:, q], moved, None, None,
                           left_capacity=left_cap[p], right_capacity=right_cap[q]).flat()
    assert a.keys() == b.keys()
    for key in a:
        assert (a[key] is None) == (b[key] is None), key
        if isinstance(a[key], str):
            assert b[key] == a[key], key
        elif a[key] is not None:
            assert b[key] == pytest.approx(a[key], rel=1e-9, abs=1e-12), key


# ---------------------------------------------------------------- synthetic programme with the planted truth

@pytest.fixture(scope="module")
def overseas():
    data = generate("overseas", seed=4, n_left=12, n_right=20)
    event = Event(programme=data.programme, participants=data.participants)
    return data, event, match_round(event, objective="max-total")


def test_truth_figures_match_brute_force(overseas):
    data, _, match = overseas
    problem, truth = match.problem, data.truth
    report = quality_report(match, truth=truth, k=3)
    li = truth.left_index([p.id for p in problem.left])
    rj = truth.right_index([p.id for p in problem.right])
    pairs = match.result.pairs
    good_matched = truth.is_good(li[pairs[:, 0]], rj[pairs[:, 1]])
    n, m = problem.scores.shape
    good = np.array([[truth.is_good([li[i]], [rj[j]])[0] and not problem.forbidden[i, j] for j in range(m)] for i in range(n)])
    t = report.truth
    assert t.matched_good == int(good_matched.sum()) and t.good_pairs == int(good.sum())
    assert t.precision == pytest.approx(good_matched.mean()) and t.recall == pytest.approx(good_matched.sum() / good.sum())
    # precision@k / recall@k by loops over each left participant's 3 best allowed partners
    p_at, r_at = [], []
    for i in range(n):
        allowed = [j for j in range(m) if not problem.forbidden[i, j]]
        top = sorted(allowed, key=lambda j: (-problem.scores[i, j], j))[:3]
        hits = sum(good[i, j] for j in top)
        p_at.append(hits / len(top))
        if good[i].any():
            r_at.append(hits / min(3, good[i].sum()))
    assert t.precision_at_k == pytest.approx(np.mean(p_at)) and t.recall_at_k == pytest.approx(np.mean(r_at))
    outcomes = truth.simulate_outcomes((li[pairs[:, 0]], rj[pairs[:, 1]]), round=0)
    both = outcomes.p_left * outcomes.p_right
    assert t.expected_mutual_yes_rate == pytest.approx(both.mean())
    deal = 1 / (1 + np.exp(-(truth.params["outcome"]["b0"] + truth.params["outcome"]["b1"] * outcomes.compatibility)))
    assert t.expected_deal_rate == pytest.approx((both * deal).mean())
    assert t.simulated_mutual_yes_rate == pytest.approx((outcomes.left_yes & outcomes.right_yes).mean())
    assert 0 <= t.expected_deal_rate <= t.expected_mutual_yes_rate <= 1
    assert t.mean_compatibility == pytest.approx(outcomes.compatibility.mean())


def test_ndcg_is_one_when_the_scores_are_the_planted_compatibility(overseas):
    data, _, match = overseas
    problem, truth = match.problem, data.truth
    compat = truth.compatibility(truth.left_index([p.id for p in problem.left]), truth.right_index([p.id for p in problem.right]))
    report = quality_from_pairs(compat, problem.forbidden, match.result.pairs, problem.left, problem.right, truth=truth)
    assert report.truth.ndcg_at_k == pytest.approx(1.0)
    noisy = quality_report(match, truth=truth)
    assert 0.0 <= noisy.truth.ndcg_at_k < 1.0


def test_truth_locates_participants_by_id_not_position(overseas):
    data, _, match = overseas
    problem = match.problem
    n, m = problem.scores.shape
    p, q = np.arange(n)[::-1], np.roll(np.arange(m), 3)
    inv_p, inv_q = np.argsort(p), np.argsort(q)
    pairs = match.result.pairs
    moved = np.stack([inv_p[pairs[:, 0]], inv_q[pairs[:, 1]]], axis=1)
    a = quality_report(match, truth=data.truth).to_dict()["truth"]
    b = quality_from_pairs(problem.scores[p][:, q], problem.forbidden[p][:, q], moved, [problem.left[i] for i in p],
                           [problem.right[j] for j in q], truth=data.truth).to_dict()["truth"]
    assert b == pytest.approx(a)


def test_group_coverage_by_brute_force(overseas):
    _, _, match = overseas
    report = quality_report(match)
    problem, pairs = match.problem, match.result.pairs
    matched_right = set(pairs[:, 1].tolist())
    for row in report.right.groups["role"]:
        members = [j for j, p in enumerate(problem.right) if p.role == row["group"]]
        assert row["participants"] == len(members)
        assert row["coverage"] == pytest.approx(sum(j in matched_right for j in members) / len(members))
    ratio = report.right.group_disparity["role"]
    coverages = [r["coverage"] for r in report.right.groups["role"]]
    assert ratio["ratio"] == pytest.approx(min(coverages) / max(coverages))
    assert sum(row["participants"] for row in report.left.groups["size_class"]) == len(problem.left)


def _walk(value, path="$"):
    if isinstance(value, dict):
        for k, v in value.items():
            assert isinstance(k, str), path
            _walk(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _walk(v, f"{path}[{i}]")
    else:
        assert value is None or type(value) in (bool, int, float, str), (path, type(value))
        assert not (isinstance(value, float) and not math.isfinite(value)), path


def test_to_dict_is_json_safe_and_carries_the_charts(overseas):
    data, _, match = overseas
    report = quality_report(match, truth=data.truth)
    assert isinstance(report, QualityReport)
    out = report.to_dict()
    _walk(out)
    json.dumps(out, allow_nan=False)
    charts = out["charts"]
    assert sum(charts["score_histogram"]["counts"]) == report.pairs
    assert len(charts["score_histogram"]["edges"]) == len(charts["score_histogram"]["counts"]) + 1
    assert sum(charts["meetings_per_participant"]["left"]) == report.n_left
    assert {row["attribute"] for row in charts["coverage_by_group"]} == {"region", "size_class", "role"}
    assert out["objective"] == "max-total" and out["truth"]["k"] == 5


@pytest.mark.parametrize("fmt", ["text", "md", "json"])
def test_format_report(overseas, fmt):
    data, _, match = overseas
    text = format_report(quality_report(match, truth=data.truth), fmt)
    if fmt == "json":
        assert json.loads(text)["pairs"] == len(match.result.pairs)
    else:
        assert "blocking pairs" in text and "NDCG@5" in text
        assert ("| figure | value |" in text) == (fmt == "md")


def test_quality_from_event_recomputes_from_id_pairs(overseas):
    data, event, match = overseas
    problem = match.problem
    ids = [(problem.left[i].id, problem.right[j].id) for i, j in match.result.pairs.tolist()]
    again = quality_from_event(event, ids[::-1], truth=data.truth, objective="max-total", solver=match.result.solver)
    assert again.to_dict() == quality_report(match, truth=data.truth).to_dict()
    with pytest.raises(InvalidInput, match="right_id: is not a right-side participant of round 0") as caught:
        quality_from_event(event, [ids[0], (ids[1][0], "ghost")])
    assert caught.value.errors[0].row == 2


# ---------------------------------------------------------------- errors

@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(scores=np.zeros(3)), "expected a matrix"),
        (dict(scores=np.array([[np.nan, 1.0], [0.0, 0.0]])), "expected finite scores"),
        (dict(forbidden=np.zeros((3, 2), bool)), "expected a bool mask of shape"),
        (dict(pairs=[(0, 5)]), "index out of range"),
        (dict(pairs=[(0, 1), (0, 1)]), "appears more than once"),
        (dict(pairs="xy"), "expected \\(left, right\\) index pairs"),
        (dict(k=0), "expected a positive integer"),
        (dict(groups="region"), "not one string"),
        (dict(left_capacity=[1, 2, 3]), "expected a non-negative integer or 2"),
        (dict(right_min=-1), "expected a non-negative integer or 2"),
        (dict(left=[object()]), "expected 2, the score matrix's left size"),
    ],
)
def test_invalid_inputs_are_refused(kwargs, message):
    args = dict(scores=TINY, forbidden=None, pairs=[(0, 1)], left=None, right=None)
    args.update(kwargs)
    with pytest.raises(InvalidInput, match=message):
        quality_from_pairs(args.pop("scores"), args.pop("forbidden"), args.pop("pairs"), args.pop("left"), args.pop("right"), **args)


def test_unknown_group_attribute_and_unknown_truth_ids(overseas):
    data, _, match = overseas
    problem = match.problem
    with pytest.raises(InvalidInput, match="participants have no attribute 'colour'"):
        quality_report(match, groups=("colour",))
    other = generate("overseas", seed=5, n_left=12, n_right=20).truth
    renamed = [p.model_copy(update={"id": p.id + "-x"}) for p in problem.left]
    with pytest.raises(InvalidInput, match="is not a left-side participant"):
        quality_from_pairs(problem.scores, problem.forbidden, match.result.pairs, renamed, problem.right, truth=other)
    with pytest.raises(InvalidInput, match="must follow the ground truth's left side"):
        quality_from_pairs(problem.scores[:5], None, [], None, None, truth=data.truth)
    with pytest.raises(InvalidInput, match="unknown format"):
        format_report(quality_report(match), "html")


# ---------------------------------------------------------------- CLI

def _assert_close(a, b, path="$"):
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for key in a:
            _assert_close(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_close(x, y, f"{path}[{i}]")
    elif isinstance(a, float):
        assert b == pytest.approx(a, rel=1e-9, abs=1e-12), path
    else:
        assert a == b, path


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    root = tmp_path_factory.mktemp("quality")
    gen, res = root / "gen", root / "res"
    assert cli(["generate", "overseas", "--seed", "2", "--left", "10", "--right", "16", "--out", str(gen)]) == 0
    assert cli(["match", str(gen / "participants.json"), "--rules", str(gen / "programme.toml"), "--out", str(res),
                "--objective", "stable"]) == 0
    return gen, res


def test_cli_recomputes_the_report_of_a_match_directory(written, capsys):
    gen, res = written
    capsys.readouterr()
    base = ["--participants", str(gen / "participants.json"), "--rules", str(gen / "programme.toml"), "--truth", str(gen)]
    assert cli(["quality", str(res), *base, "--format", "json"]) == 0
    from_dir = json.loads(capsys.readouterr().out)
    assert from_dir["objective"] == "stable" and from_dir["blocking_pairs"] == 0 and from_dir["truth"] is not None
    assert cli(["quality", str(res / "pairs.csv"), *base, "--format", "json"]) == 0
    from_csv = json.loads(capsys.readouterr().out)
    assert from_csv["pairs"] == from_dir["pairs"] and from_csv["total"] == pytest.approx(from_dir["total"])
    # the same numbers as the library's report of the same match
    from datasets.synthetic import load_programme_dir

    data = load_programme_dir(gen)
    match = match_round(Event(programme=data.programme, participants=data.participants), objective="stable")
    library = quality_report(match, truth=data.truth).to_dict()
    _assert_close(from_dir, library)
    assert cli(["quality", str(res), *base, "--format", "md", "--k", "2", "--groups", "role"]) == 0
    text = capsys.readouterr().out
    assert "NDCG@2" in text and "role coverage ratio" in text and "region coverage" not in text


def test_cli_errors(written, tmp_path, capsys):
    gen, res = written
    base = ["--participants", str(gen / "participants.json"), "--rules", str(gen / "programme.toml")]
    assert cli(["quality", str(tmp_path / "missing"), *base]) == 1
    assert "no such file or directory" in capsys.readouterr().err
    assert cli(["quality", str(tmp_path), *base]) == 1
    assert "has no pairs.json or pairs.csv" in capsys.readouterr().err
    bad = tmp_path / "pairs.json"
    bad.write_text(json.dumps([{"left_id": "nobody", "right_id": "none"}]), encoding="utf-8")
    assert cli(["quality", str(bad), *base]) == 1
    assert "is not a left-side participant" in capsys.readouterr().err
    bad.write_text(json.dumps([{"left": 1}]), encoding="utf-8")
    assert cli(["quality", str(bad), *base]) == 1
    assert "expected left_id and right_id" in capsys.readouterr().err
    bad.write_text("{not json", encoding="utf-8")
    assert cli(["quality", str(bad), *base]) == 1
    assert "cannot be read" in capsys.readouterr().err
    other = tmp_path / "pairs.txt"
    other.write_text("x", encoding="utf-8")
    assert cli(["quality", str(other), *base]) == 1
    assert "expected a .json or .csv pairs file" in capsys.readouterr().err
    assert cli(["quality", str(res), *base, "--truth", str(tmp_path)]) == 1
    assert "has no ground_truth.npz" in capsys.readouterr().err
