"""benchmarks.quality: the done-when checks hold on the quick config, and a second run gives the same bytes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from benchmarks import quality as bench


@pytest.fixture(scope="module")
def quick_runs(tmp_path_factory):
    config, digest = bench.load_config(bench.DEFAULT_CONFIG, quick=True)
    first, second = tmp_path_factory.mktemp("first"), tmp_path_factory.mktemp("second")
    reports = [bench.run_benchmark(config, digest, first, log=lambda _: None),
               bench.run_benchmark(config, digest, second, plots=False, log=lambda _: None)]
    return config, first, second, reports


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_second_run_gives_identical_numbers(quick_runs):
    _, first, second, reports = quick_runs
    for name in ("quality.csv", "quality.md", "quality_rounds.csv"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert reports[0]["rows"] == reports[1]["rows"] and reports[0]["multi_round"] == reports[1]["multi_round"]
    saved = json.loads((first / "quality.json").read_text(encoding="utf-8"))
    assert saved["rows"] == reports[0]["rows"]


def test_the_run_records_versions_seeds_config_and_files(quick_runs):
    config, first, _, _ = quick_runs
    saved = json.loads((first / "quality.json").read_text(encoding="utf-8"))
    assert saved["config"] == config and len(saved["config_sha256"]) == 64
    assert saved["seeds"]["instances"] == config["run"]["seeds"]
    assert {"numpy", "scipy", "scikit-learn", "networkx", "numba", "sme-matching"} <= saved["versions"].keys()
    assert saved["versions"]["numpy"] == np.__version__ and saved["python"]
    for name in ("quality_total.png", "quality_min.png", "quality_success.png", "quality_rounds.png"):
        assert (first / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    times = _rows(first / "quality_times.csv")
    assert len(times) == len(_rows(first / "quality.csv")) + len(_rows(first / "quality_rounds.csv")) // len(bench.ROUND_PLANNERS)
    assert "seconds" not in (first / "quality.csv").read_text(encoding="utf-8").splitlines()[0]


def test_done_when_properties_hold_on_every_instance(quick_runs):
    """Re-checked from the CSV, independently of benchmarks.quality.check_rows."""
    config, first, _, reports = quick_runs
    rows = _rows(first / "quality.csv")
    instances: dict[tuple[str, str], dict[str, dict[str, str]]] = {}
    for row in rows:
        instances.setdefault((row["preset"], row["seed"]), {})[row["method"]] = row
    assert len(instances) == len(config["presets"]) * len(config["run"]["seeds"])
    for key, by in instances.items():
        assert set(by) == set(bench.METHODS), key
        exact = float(by["exact"]["total"])
        for method, row in by.items():
            assert float(row["total"]) <= exact + 1e-9 * max(1.0, exact), (key, method)
            assert int(row["right.over_capacity"]) == 0 and int(row["left.over_capacity"]) == 0, (key, method)
        assert float(by["fair"]["min_score"]) >= float(by["exact"]["min_score"]) - 1e-12, key
        assert int(by["stable"]["blocking_pairs"]) == 0, key
    assert all(check["ok"] and check["instances"] == len(instances) for check in reports[0]["checks"].values())
    rounds = _rows(first / "quality_rounds.csv")
    assert {row["planner"] for row in rounds} == set(bench.ROUND_PLANNERS)
    for row in rounds:  # every predictor measured on rounds 2.. (the score-only reciprocal model in the profile arm)
        measured = [name for name in bench.ROUND_PREDICTORS if name != "reciprocal-score" or row["planner"] == "profile"]
        assert all(0.0 <= float(row[f"later_auc.{name}"]) <= 1.0 for name in measured), row
    targets = reports[0]["multi_round_targets"]
    assert set(targets) == set(config["multi_round"]["presets"])
    for preset, t in targets.items():  # recomputed from the CSV
        mine = [r for r in rounds if r["preset"] == preset]
        profile = np.mean([float(r["later_auc.profile"]) for r in mine if r["planner"] == "profile"])
        reciprocal = np.mean([float(r["later_auc.reciprocal"]) for r in mine if r["planner"] == "profile"])
        assert t["auc_gain"] == pytest.approx(reciprocal - profile)
        score_only = np.mean([float(r["later_auc.reciprocal-score"]) for r in mine if r["planner"] == "profile"])
        assert t["auc_gain.score_only"] == pytest.approx(score_only - profile)
        rate = {p: np.mean([float(r["later_mutual_yes_rate"]) for r in mine if r["planner"] == p]) for p in bench.ROUND_PLANNERS}
        assert t["gap_closed.realized"] == pytest.approx((rate["reciprocal"] - rate["profile"]) / (rate["oracle"] - rate["profile"]))


def test_check_rows_reports_each_violation():
    def row(method, total, low, blocking=0):
        return {"preset": "p", "seed": 0, "method": method, "total": total, "min_score": low, "blocking_pairs": blocking}

    fine = [row("exact", 10.0, 0.2), row("fair", 9.0, 0.3), row("stable", 9.5, 0.1)]
    assert all(c["ok"] for c in bench.check_rows(fine).values())
    bad = [row("exact", 10.0, 0.2), row("fair", 10.5, 0.1), row("stable", 9.5, 0.1, blocking=2)]
    checks = bench.check_rows(bad)
    assert checks["exact_total_ge_baselines"]["failures"] == ["p seed 0: fair total 10.5 > exact 10.0"]
    assert checks["fair_min_ge_exact_min"]["failures"] == ["p seed 0: fair min 0.1 < exact min 0.2"]
    assert checks["stable_zero_blocking"]["failures"] == ["p seed 0: 2 blocking pairs"]
    assert bench.check_rows([row("random", 1.0, 0.1)])["exact_total_ge_baselines"]["instances"] == 0


def test_topk_recommend_truncates_to_capacities():
    _, problem = bench._instance("open-innovation", 3, {}, 0.25)
    pairs, raw = bench.topk_recommend(problem)
    scores, forbidden = problem.scores, problem.forbidden
    wanted = set()
    for i in range(scores.shape[0]):
        allowed = [j for j in range(scores.shape[1]) if not forbidden[i, j]]
        wanted |= {(i, j) for j in sorted(allowed, key=lambda j: (-scores[i, j], j))[: problem.left_capacity[i]]}
    load = np.bincount([j for _, j in wanted], minlength=scores.shape[1])
    assert raw["pairs"] == len(wanted) and raw["max_right_load"] == load.max()
    assert raw["right_over_capacity"] == int((load > problem.right_capacity).sum())
    kept = {tuple(p) for p in pairs.tolist()}
    assert kept <= wanted
    for j in range(scores.shape[1]):
        proposers = sorted((i for i, jj in wanted if jj == j), key=lambda i: (-scores[i, j], i))
        assert {i for i, jj in kept if jj == j} == set(proposers[: problem.right_capacity[j]])


@pytest.mark.parametrize(
    "text, message",
    [
        ('[presets]\nnowhere = {}\n', "unknown preset 'nowhere'"),
        ('[run]\nmethods = ["magic"]\n[presets]\noverseas = {}\n', "unknown method 'magic'"),
        ('[run]\nseeds = []\n', "run.seeds: expected a non-empty list"),
        ('[presets]\noverseas = { n_up = 3 }\n', "unknown keys \\['n_up'\\]"),
        ('[multi_round]\npresets = ["x"]\n', "multi_round.presets: unknown preset 'x'"),
        ('[multi_round]\nrounds = 1\n', "expected an integer >= 2"),
        ('[multi_round]\nfeatures = "tags"\n', "multi_round.features: expected one of \\['components', 'score'\\]"),
    ],
)
def test_bad_configs_are_refused(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        bench.load_config(path)
    assert bench.main(["--config", str(path), "--out", str(tmp_path / "out")]) == 2


def test_quick_overrides_the_default_config():
    full, digest = bench.load_config(bench.DEFAULT_CONFIG)
    quick, quick_digest = bench.load_config(bench.DEFAULT_CONFIG, quick=True)
    assert digest == quick_digest  # the same file
    assert full["run"]["methods"] == quick["run"]["methods"] == list(bench.METHODS)
    assert len(quick["run"]["seeds"]) < len(full["run"]["seeds"])
    assert set(full["presets"]) == {"design", "reskilling", "industry-fair", "overseas", "succession", "open-innovation"}
