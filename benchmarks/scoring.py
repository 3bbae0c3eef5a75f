"""`python -m benchmarks.scoring [--quick]`: speed, memory and quality of the scorer.

Three parts, all written to ``out/bench/scoring.json``:

speed
    Time and peak memory (RSS, see :mod:`benchmarks._measure`) of fitting
    our :class:`~matching.features.Scorer` and scoring at 1,000, 10,000 and
    100,000 participants per side of the ``design`` preset, against a plain
    scikit-learn ``TfidfVectorizer`` + ``cosine_similarity`` over the same
    descriptions, measured in the same run; each measurement runs in a
    fresh subprocess (data generation untimed).  Up to 10,000 per side both
    compute the full matrix (ours in blocks); at 100,000 ours fits on both
    full sides (``dtype="float32"``) and computes the top-20 right partners
    of left participants in chunks of rows for :data:`TOP_K_BUDGET_S`
    seconds, the time for all rows being extrapolated from the share done
    (both figures are recorded); the baseline is not run: its dense output
    alone needs ``n² × 8`` bytes, which is recorded as "out of memory
    (needs X GB)" next to the machine's memory.  Figures are ratios ours /
    baseline (lower is better).
quality
    ROC-AUC, against the planted good pairs, of the default weights, of
    weights learned (:func:`matching.features.fit_weights_to_truth`) on a
    training programme of another seed (scaled up to at least 40,000 pairs
    for the small presets) and of the TF-IDF baseline, on every preset at
    its real size and the default noise level, over several test seeds.
    Beside each seed's AUC: its standard error (Hanley-McNeil: a preset of
    100 × 8 has only 800 pairs, 80 of them good, so a seed's AUC moves by
    about ±0.025), the AUC of the truth's own observable part on the same
    pairs (the ceiling of any profile scorer), the AUC pooled over the
    seeds' pairs, and the AUC on one programme of the training size (a test
    seed): the last two measure the learned scorer without the small-sample
    noise.  ``meets_target`` is the mean over seeds against 0.85,
    ``every_seed_meets_target`` the minimum.
large (``--large``, instead of the three parts above)
    At 20,000 and 100,000 per side: scikit-learn's text vectorizer against
    the compiled one, ``matching score --k 20`` and ``matching match`` end
    to end, each in a child process (wall and CPU seconds, peak memory, load
    average), written to ``out/bench/scoring-large.json``; see
    :mod:`benchmarks._scoring_large`.
multi-round
    Every preset run for several rounds (:func:`matching.features.simulate_rounds`,
    planned with ``matching.solvers.solve_capacitated``): mutual-yes rate
    with and without learning the participants' propensities, and the
    ROC-AUC of predicting later rounds' mutual yeses from the profile score
    alone, the propensities alone, and both.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

__all__ = ["main", "SIZES", "QUICK_SIZES", "PRESET_FOR_SPEED"]

SIZES: tuple[int, ...] = (1_000, 10_000, 100_000)
QUICK_SIZES: tuple[int, ...] = (1_000,)
#: Above this many per side ours computes top-k only and the baseline is not run.
FULL_MATRIX_MAX = 10_000
PRESET_FOR_SPEED = "design"
TOP_K = 20
#: At 100,000 per side, top-k runs in chunks of rows until this budget is spent; the rest is extrapolated.
TOP_K_BUDGET_S = 60.0
TOP_K_CHUNK = 250
TRAIN_SEED = 101
TEST_SEEDS: tuple[int, ...] = tuple(range(202, 212))
QUICK_TEST_SEEDS: tuple[int, ...] = (202, 203)
SIMULATION_SEED = 303
MIN_TRAIN_PAIRS = 40_000
TARGET_AUC = 0.85
WORKER_TIMEOUT_S = 1500
OUT = Path("out/bench/scoring.json")
LARGE_OUT = Path("out/bench/scoring-large.json")


# ---------------------------------------------------------------- helpers

def _documents(participants: Sequence[Any]) -> list[str]:
    return [f"{p.description_ja}\n{p.description_en}" for p in participants]


def _machine_memory_bytes() -> int:
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _gb(n_bytes: float) -> float:
    return round(n_bytes / 1e9, 3)


def _summary(values: Sequence[float]) -> dict[str, Any]:
    return {"mean": float(np.mean(values)), "min": float(np.min(values)), "max": float(np.max(values)),
            "per_seed": [round(float(v), 4) for v in values]}


# ---------------------------------------------------------------- speed (subprocess worker)

def _worker(kind: str, n: int, preset: str, seed: int, result_path: str) -> int:
    from benchmarks._measure import measure
    from datasets.synthetic import generate
    from matching.features._scorer import Scorer

    start = time.perf_counter()
    programme = generate(preset, seed=seed, n_left=n, n_right=n)
    left, right = programme.left, programme.right
    generation_s = time.perf_counter() - start
    parts: dict[str, float] = {}

    if kind == "ours":
        def run() -> dict[str, Any]:
            t0 = time.perf_counter()
            dtype = "float64" if n <= FULL_MATRIX_MAX else "float32"  # float32 is the documented large-scale setting
            scorer = Scorer.from_round(programme.programme.rounds[0], dtype=dtype).fit(left, right)
            t1 = time.perf_counter()
            if n <= FULL_MATRIX_MAX:
                out = scorer.score_matrix()
                scorer.impossible_mask()  # what a solver needs besides the scores
                shape = {"mode": "full matrix (blocks) + impossible mask", "cells": int(out.size), "rows_scored": n}
            else:
                rows_done = _partial_top_k(scorer, n, TOP_K, budget_s=TOP_K_BUDGET_S)
                shape = {"mode": f"top-{TOP_K} right partners of each left participant (blocks of {TOP_K_CHUNK} rows)",
                         "rows_scored": rows_done}
            parts.update(fit_s=t1 - t0, score_s=time.perf_counter() - t1)
            return shape
    elif kind == "baseline":
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.metrics.pairwise import cosine_similarity

        left_docs, right_docs = _documents(left), _documents(right)

        def run() -> dict[str, Any]:
            t0 = time.perf_counter()
            vectorizer = TfidfVectorizer().fit(left_docs + right_docs)
            lx, rx = vectorizer.transform(left_docs), vectorizer.transform(right_docs)
            t1 = time.perf_counter()
            out = cosine_similarity(lx, rx)
            parts.update(fit_s=t1 - t0, score_s=time.perf_counter() - t1)
            return {"mode": "full matrix (dense)", "cells": int(out.size)}
    else:
        raise SystemExit(f"unknown worker kind {kind!r}")
    m = measure(run)
    record = {
        "seconds": m.seconds, "peak_bytes": m.peak_bytes, "total_peak_bytes": m.total_peak_bytes,
        "baseline_rss_bytes": m.baseline_bytes, "peak_reset": m.peak_reset, "generation_s": generation_s,
        **parts, **m.value,
    }
    Path(result_path).write_text(json.dumps(record))
    return 0


def _partial_top_k(scorer: Any, n_left: int, k: int, *, budget_s: float) -> int:
    """Top-k right partners of left participants, chunk by chunk, until ``budget_s`` is spent; returns rows done."""
    start, done = time.perf_counter(), 0
    while done < n_left and time.perf_counter() - start < budget_s:
        rows = np.arange(done, min(n_left, done + TOP_K_CHUNK))
        block = scorer.score_matrix(left_idx=rows)
        block[scorer.impossible_mask(left_idx=rows)] = -np.inf
        best = np.argpartition(block, block.shape[1] - k, axis=1)[:, -k:]
        np.take_along_axis(block, best, axis=1)
        done = int(rows[-1]) + 1
    return done


def _run_worker(kind: str, n: int, seed: int, timeout: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "result.json"
        cmd = [sys.executable, "-m", "benchmarks.scoring", "--worker", kind, "--n", str(n),
               "--preset", PRESET_FOR_SPEED, "--seed", str(seed), "--result", str(result)]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"status": f"timed out after {timeout:.0f} s"}
        if done.returncode != 0 or not result.exists():
            return {"status": f"failed (exit {done.returncode})", "stderr_tail": done.stderr[-2000:]}
        return {"status": "ok", **json.loads(result.read_text())}


def speed(sizes: Sequence[int], *, timeout: float) -> dict[str, Any]:
    memory = _machine_memory_bytes()
    rows = []
    for n in sizes:
        print(f"speed: {n:,} per side ...", flush=True)
        ours = _run_worker("ours", n, 0, timeout)
        needs = n * n * 8  # the dense float64 output alone
        if n <= FULL_MATRIX_MAX:
            baseline = _run_worker("baseline", n, 0, timeout)
        else:
            baseline = {"status": f"out of memory (needs {_gb(needs)} GB for the dense {n:,} x {n:,} float64 matrix alone; "
                                  f"this machine has {_gb(memory)} GB): not run"}
        if ours.get("status") == "ok" and ours.get("rows_scored", n) < n:
            share = ours["rows_scored"] / n
            ours["extrapolated_seconds"] = ours["fit_s"] + ours["score_s"] / share
            ours["note"] = (f"scored {ours['rows_scored']:,} of {n:,} left rows within {TOP_K_BUDGET_S:.0f} s; "
                            "extrapolated_seconds = fit + score time / share of rows")
        row: dict[str, Any] = {"n_left": n, "n_right": n, "ours": ours, "baseline": baseline,
                               "baseline_output_bytes": needs}
        if ours.get("status") == "ok" and baseline.get("status") == "ok":
            row["time_ratio"] = ours["seconds"] / baseline["seconds"]
            row["memory_ratio"] = ours["peak_bytes"] / max(1, baseline["peak_bytes"])
        else:
            row["time_ratio"] = row["memory_ratio"] = None
        rows.append(row)
        _print_speed(row)
    return {"preset": PRESET_FOR_SPEED, "top_k": TOP_K, "full_matrix_max": FULL_MATRIX_MAX,
            "machine_memory_bytes": memory, "rows": rows,
            "baseline": "sklearn TfidfVectorizer (defaults) on description_ja + description_en, then sklearn cosine_similarity"}


def _print_speed(row: dict[str, Any]) -> None:
    def cell(r: dict[str, Any]) -> str:
        if r.get("status") != "ok":
            return r.get("status", "?")
        return f"{r['seconds']:.2f} s, peak {_gb(r['peak_bytes'])} GB ({r['mode']})"
    ratio = "" if row["time_ratio"] is None else f"  time x{row['time_ratio']:.2f}, memory x{row['memory_ratio']:.2f}"
    print(f"  ours: {cell(row['ours'])}\n  baseline: {cell(row['baseline'])}{ratio}", flush=True)


# ---------------------------------------------------------------- quality

def _scorer(programme: Any) -> Any:
    from matching.features._scorer import Scorer

    return Scorer.from_round(programme.programme.rounds[0]).fit(programme.left, programme.right)


def _tfidf_auc(programme: Any, sample: int, seed: int) -> float:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import roc_auc_score

    from matching.features._learn import sample_pairs

    left_docs, right_docs = _documents(programme.left), _documents(programme.right)
    vectorizer = TfidfVectorizer().fit(left_docs + right_docs)
    lx, rx = vectorizer.transform(left_docs), vectorizer.transform(right_docs)
    left_idx, right_idx = sample_pairs(programme.n_left, programme.n_right, max_pairs=sample, seed=seed)
    cosine = np.asarray(lx[left_idx].multiply(rx[right_idx]).sum(axis=1)).ravel()  # rows are L2-normalised
    return float(roc_auc_score(programme.truth.is_good(left_idx, right_idx), cosine))


def _auc_standard_error(auc: float, n_positive: int, n_negative: int) -> float:
    """Standard error of an ROC-AUC from its positives and negatives (Hanley and McNeil, 1982)."""
    if n_positive == 0 or n_negative == 0 or not np.isfinite(auc):
        return float("nan")
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    var = (auc * (1 - auc) + (n_positive - 1) * (q1 - auc * auc) + (n_negative - 1) * (q2 - auc * auc)) / (n_positive * n_negative)
    return float(math.sqrt(max(var, 0.0)))


def quality(test_seeds: Sequence[int], *, sample: int = 200_000) -> dict[str, Any]:
    from sklearn.metrics import roc_auc_score

    from datasets.synthetic import DEFAULT_NOISE, PRESETS, generate, get_preset
    from matching.features._learn import evaluate_ground_truth, fit_weights_to_truth, sample_pairs

    rows = []
    for name in PRESETS:
        t0 = time.perf_counter()
        spec = get_preset(name)
        factor = max(1, math.ceil(math.sqrt(MIN_TRAIN_PAIRS / (spec.n_left * spec.n_right))))
        train = generate(name, seed=TRAIN_SEED, n_left=spec.n_left * factor, n_right=spec.n_right * factor)
        fitted = fit_weights_to_truth(_scorer(train), train.truth, max_pairs=sample, random_state=0)
        default, learned, tfidf, oracle, standard_error = [], [], [], [], []
        pooled_scores, pooled_labels = [], []
        for seed in test_seeds:
            test = generate(name, seed=seed)
            scorer = _scorer(test)
            default.append(evaluate_ground_truth(scorer, test.truth, sample=sample, seed=seed))
            learned.append(evaluate_ground_truth(scorer, test.truth, weights=fitted, sample=sample, seed=seed))
            tfidf.append(_tfidf_auc(test, sample, seed))
            # the same pairs: the ceiling of any profile scorer (the truth's observable part) and the
            # sampling error of an AUC on so few pairs (Hanley & McNeil 1982)
            left_idx, right_idx = sample_pairs(test.n_left, test.n_right, max_pairs=sample, seed=seed)
            labels = np.asarray(test.truth.is_good(left_idx, right_idx), dtype=bool)
            oracle.append(float(roc_auc_score(labels, test.truth.observable_pairs(left_idx, right_idx))))
            standard_error.append(_auc_standard_error(learned[-1], int(labels.sum()), int((~labels).sum())))
            pooled_scores.append(scorer.with_weights(fitted.weights).score_pairs(left_idx, right_idx))
            pooled_labels.append(labels)
        # one large programme of the preset (the training size, a test seed): the AUC without small-sample noise
        large = generate(name, seed=test_seeds[0], n_left=train.n_left, n_right=train.n_right)
        learned_large = evaluate_ground_truth(_scorer(large), large.truth, weights=fitted, sample=sample, seed=test_seeds[0])
        row = {
            "preset": name, "n_left": spec.n_left, "n_right": spec.n_right, "noise": DEFAULT_NOISE,
            "train": {"seed": TRAIN_SEED, "n_left": train.n_left, "n_right": train.n_right, **fitted.as_dict()},
            "test_seeds": list(test_seeds),
            "auc_default_weights": _summary(default),
            "auc_learned_weights": _summary(learned),
            "auc_tfidf_baseline": _summary(tfidf),
            "auc_oracle_observable": _summary(oracle),
            "auc_learned_standard_error": _summary(standard_error),
            "auc_learned_pooled": float(roc_auc_score(np.concatenate(pooled_labels), np.concatenate(pooled_scores))),
            "auc_learned_large": {"n_left": large.n_left, "n_right": large.n_right, "seed": test_seeds[0],
                                  "auc": learned_large},
            "meets_target": bool(np.mean(learned) >= TARGET_AUC),
            "every_seed_meets_target": bool(np.min(learned) >= TARGET_AUC),
            "seconds": time.perf_counter() - t0,
        }
        rows.append(row)
        print(f"quality: {name:16s} AUC default {np.mean(default):.3f}  learned {np.mean(learned):.3f} "
              f"(min {np.min(learned):.3f}, ±{np.mean(standard_error):.3f} per seed, pooled "
              f"{row['auc_learned_pooled']:.3f}, {large.n_left}×{large.n_right}: {learned_large:.3f})  "
              f"oracle {np.mean(oracle):.3f}  tf-idf {np.mean(tfidf):.3f}  "
              f"{'>=' if row['meets_target'] else '<'} {TARGET_AUC}", flush=True)
    return {"target_auc": TARGET_AUC, "train_seed": TRAIN_SEED, "min_train_pairs": MIN_TRAIN_PAIRS,
            "pairs": f"every pair up to {sample:,}, else {sample:,} uniform random pairs", "rows": rows}


# ---------------------------------------------------------------- multi-round

def multi_round(rounds: int) -> dict[str, Any]:
    from datasets.synthetic import PRESETS, generate
    from matching.features._learn import simulate_rounds

    rows = []
    for name in PRESETS:
        t0 = time.perf_counter()
        programme = generate(name, seed=SIMULATION_SEED)
        rnd = programme.programme.rounds[0]
        scorer = _scorer(programme)
        arms = {}
        for learning in (False, True):
            arms["with_learning" if learning else "without_learning"] = simulate_rounds(
                scorer, programme.truth, rounds=rounds, learning=learning,
                left_capacity=rnd.left_capacity.max, right_capacity=rnd.right_capacity.max,
            ).as_dict()
        without, learned = arms["without_learning"], arms["with_learning"]
        rows.append({"preset": name, "n_left": programme.n_left, "n_right": programme.n_right,
                     "left_capacity": rnd.left_capacity.max, "right_capacity": rnd.right_capacity.max,
                     **arms, "seconds": time.perf_counter() - t0})
        auc = without["prediction_auc"]
        print(f"multi-round: {name:16s} rounds 2..{rounds} mutual-yes rate {without['later_mutual_yes_rate']:.3f} -> "
              f"{learned['later_mutual_yes_rate']:.3f} (true expected {without['later_true_expected_rate']:.3f} -> "
              f"{learned['later_true_expected_rate']:.3f}); AUC of later rounds: profile {auc['profile']:.3f}, "
              f"propensity {auc['propensity']:.3f}, both {auc['both']:.3f}", flush=True)
    return {"rounds": rounds, "seed": SIMULATION_SEED, "solver": "matching.solvers.solve_capacitated (optimal, no greedy fallback)",
            "capacities": "each round: the preset round's maximum capacities, minimums 0; a pair meets at most once",
            "prediction_auc_arm": "without_learning (pairs planned from profile scores; models fitted on earlier rounds only)",
            "rows": rows}


# ---------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scoring", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1,000 per side only, 2 test seeds, 3 rounds")
    parser.add_argument("--large", action="store_true",
                        help=f"the large path from files instead (writes {LARGE_OUT} unless --out is given)")
    parser.add_argument("--sizes", type=int, nargs="+", help="per-side sizes of --large (default 20000 100000)")
    parser.add_argument("--repeats", type=int, default=1, help="text vectorizer runs per engine with --large (best kept)")
    parser.add_argument("--match-sizes", type=int, nargs="+", help="sizes at which --large runs matching match (default: all)")
    parser.add_argument("--out", type=Path, default=None, help=f"where to write the JSON (default {OUT})")
    parser.add_argument("--skip", choices=("speed", "quality", "multi-round"), action="append", default=[],
                        help="leave a part out (repeatable)")
    parser.add_argument("--worker", choices=("ours", "baseline"), help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--preset", default=PRESET_FOR_SPEED, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--text-worker", choices=("sklearn", "compiled"), help=argparse.SUPPRESS)
    parser.add_argument("--participants", help=argparse.SUPPRESS)
    parser.add_argument("--rules", help=argparse.SUPPRESS)
    parser.add_argument("--components", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--no-text", action="store_true",
                        help="with --large: leave out scikit-learn's text vectorizer against the compiled one")
    parser.add_argument("--stage-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.stage_worker:
        from benchmarks._scoring_large import stage_worker

        return stage_worker(args.participants, args.rules, 20, str(args.out), args.result)
    if args.worker:
        return _worker(args.worker, args.n, args.preset, args.seed, args.result)
    if args.text_worker:
        from benchmarks._scoring_large import text_worker

        return text_worker(args.text_worker, args.participants, args.rules, args.components or None, args.result)
    if args.large:
        return _main_large(args)
    args.out = args.out or OUT

    from benchmarks._measure import machine_info

    start = time.perf_counter()
    report: dict[str, Any] = {"benchmark": "scoring", "quick": args.quick, "machine": machine_info()}
    if "speed" not in args.skip:
        report["speed"] = speed(QUICK_SIZES if args.quick else SIZES, timeout=WORKER_TIMEOUT_S)
    if "quality" not in args.skip:
        report["quality"] = quality(QUICK_TEST_SEEDS if args.quick else TEST_SEEDS)
    if "multi-round" not in args.skip:
        report["multi_round"] = multi_round(3 if args.quick else 4)
    report["wall_seconds"] = time.perf_counter() - start
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=float))
    print(f"wrote {args.out} ({report['wall_seconds']:.0f} s)")
    failing = [r["preset"] for r in report.get("quality", {}).get("rows", []) if not r["meets_target"]]
    if failing:
        print(f"learned-weight ROC-AUC below {TARGET_AUC} on: {', '.join(failing)}")
    return 0


def _main_large(args: argparse.Namespace) -> int:
    from benchmarks._measure import machine_info
    from benchmarks._scoring_large import LARGE_SIZES, large

    start = time.perf_counter()
    report: dict[str, Any] = {"benchmark": "scoring-large", "machine": machine_info()}
    report["large"] = large(tuple(args.sizes or LARGE_SIZES), repeats=args.repeats, match_sizes=args.match_sizes,
                            text=not args.no_text)
    report["wall_seconds"] = time.perf_counter() - start
    out = args.out or LARGE_OUT
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=float))
    print(f"wrote {out} ({report['wall_seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
