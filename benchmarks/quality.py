"""`python -m benchmarks.quality [--config FILE] [--quick]`: match quality of solvers and baselines.

Every method of the config runs on every (preset, seed) instance of
:mod:`datasets.synthetic`; each result is measured by
:func:`matching.metrics.quality_from_pairs` against the instance's planted
ground truth.  Writes to ``out/bench/`` (``--out``):

``quality.csv``
    One row per (preset, seed, method): every scalar figure of the report
    (dotted names, see ``matching/METRICS.md``).  No wall times: the same
    config on the same library versions gives the same bytes.
``quality.md``
    Means over seeds per (preset, method), the multi-round table and the
    checks below.  Deterministic too.
``quality_rounds.csv``
    Multi-round programmes: per (preset, seed, planner) the realized and
    true expected mutual-yes rate of each round and of the later rounds,
    and each predictor's ROC-AUC on the round's real answers.
``quality.json``
    Everything above plus the effective config, its SHA-256, the seeds,
    library versions (numpy, scipy, scikit-learn, networkx, numba,
    matplotlib, sme-matching), Python, platform, the machine and the wall
    times (``timings``: the only part that changes between runs).
``quality_times.csv``
    Wall time of each method on each instance.
``quality_total.png``, ``quality_min.png``, ``quality_success.png``, ``quality_rounds.png``
    Total score relative to the exact solver, worst pair score, expected
    mutual-yes rate per method, and expected mutual-yes rate per round of
    each multi-round planner.

Methods (:data:`METHODS`)
-------------------------
``random``, ``greedy``, ``stable``, ``fair``, ``exact``
    The pipeline's objectives (:data:`matching.pipeline.OBJECTIVES`:
    ``random``, ``greedy``, ``stable``, ``fair``, ``max-total``) on the
    round's scores, hard rules and capacities; ``fair`` and ``exact`` also
    honour minimums and must pairs.
``topk-recommend``
    No global solver: each left participant is recommended its ``c_i`` best
    allowed right participants by score, ``c_i`` its capacity.  The raw
    recommendations overload popular right participants (``topk.raw_*``
    columns: pairs, most recommendations to one right participant, right
    participants over capacity, recommendations beyond capacities).  The
    figures measure its capacity-respecting truncation: every right
    participant keeps the recommendations it scores highest, up to its
    capacity (one round of deferred acceptance, no re-proposal).

Checks (printed, in ``quality.md`` and ``quality.json``; exit status 1 when one fails)
--------------------------------------------------------------------------------------
* ``exact_total_ge_baselines``: on every instance the exact solver's total is
  at least every other method's (1e-9 relative tolerance);
* ``fair_min_ge_exact_min``: the fair solver's worst pair score is at least
  the exact solver's;
* ``stable_zero_blocking``: the stable matching has no blocking pair.

Multi-round programmes use :func:`matching.features.play_programme`: each
round planned by the optimal capacitated solver under the participants'
capacities, a pair meeting at most once, answers drawn by the ground truth.
Round 1 is planned from the profile scores, rounds 2.. by each planner of
:data:`ROUND_PLANNERS` (``profile``: no learning; ``propensity``;
``reciprocal``; ``oracle``: the truth's own probabilities, the ceiling).
Before round ``r`` every predictor (profile score, propensity model,
reciprocal model) is fitted on rounds ``1..r-1`` only and scores round
``r``'s meetings; its ROC-AUC on their real answers is reported per round.
The reciprocal model reads the profile score and the scorer's components
(``multi_round.features = "components"``, the default; ``"score"``: the
score alone); the arm planned from the profile also measures it on the
score alone (``reciprocal-score``) and a ``component-oracle`` ceiling.
:func:`round_targets` compares the reciprocal model with the issue's
targets (AUC gain ≥ 0.10; half the profile → oracle gap closed).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import platform
import sys
import time
import tomllib
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

__all__ = [
    "METHODS",
    "DEFAULT_CONFIG",
    "load_config",
    "run_instance",
    "topk_recommend",
    "multi_round",
    "round_targets",
    "ROUND_PLANNERS",
    "ROUND_PREDICTORS",
    "check_rows",
    "run_benchmark",
    "main",
]

DEFAULT_CONFIG = Path(__file__).with_name("quality.toml")
OUT = Path("out/bench")
PACKAGES = ("numpy", "scipy", "scikit-learn", "networkx", "numba", "matplotlib", "sme-matching")
RELATIVE_TOL = 1e-9
#: Summary columns that are counts (printed without decimals).
COUNT_KEYS = frozenset({"pairs", "blocking_pairs"})
#: Columns of the Markdown summary: (title, flat report key).
SUMMARY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("pairs", "pairs"),
    ("total", "total"),
    ("total / exact", "total_vs_exact"),
    ("min", "min_score"),
    ("mean", "mean_score"),
    ("cov. L", "left.coverage"),
    ("cov. R", "right.coverage"),
    ("Gini R", "right.partners_gini"),
    ("blocking", "blocking_pairs"),
    ("envious L", "left.envy.envious_share"),
    ("rank L", "left.rank.mean"),
    ("precision", "truth.precision"),
    ("E[mutual yes]", "truth.expected_mutual_yes_rate"),
    ("E[deal]", "truth.expected_deal_rate"),
)


# ---------------------------------------------------------------- methods

def topk_recommend(problem: Any) -> tuple[np.ndarray, dict[str, int]]:
    """Top-k recommendations without a global solver, truncated to the right side's capacities.

    Returns
    -------
    pairs : ndarray of shape (k, 2)
        The truncation: every right participant keeps the recommended left
        participants it scores highest (ties to the lower index), up to its capacity.
    raw : dict
        ``pairs``, ``max_right_load``, ``right_over_capacity`` and
        ``excess`` (recommendations beyond the capacities) of the raw lists.
    """
    from matching.metrics import top_k_indices

    scores, forbidden = problem.scores, problem.forbidden
    cap = int(problem.left_capacity.max(initial=0))
    tops = top_k_indices(scores, max(cap, 1), forbidden)
    rows = [(i, int(j)) for i, top in enumerate(tops) for j in top[: int(problem.left_capacity[i])]]
    raw = np.array(rows, dtype=np.int64).reshape(-1, 2)
    load = np.bincount(raw[:, 1], minlength=scores.shape[1]) if len(raw) else np.zeros(scores.shape[1], np.int64)
    over = load - problem.right_capacity
    kept = []
    for j in range(scores.shape[1]):
        proposers = raw[raw[:, 1] == j, 0]
        if len(proposers):
            order = np.lexsort((proposers, -scores[proposers, j]))
            kept += [(int(i), j) for i in proposers[order][: int(problem.right_capacity[j])]]
    pairs = np.array(sorted(kept), dtype=np.int64).reshape(-1, 2)
    info = {"pairs": int(len(raw)), "max_right_load": int(load.max(initial=0)),
            "right_over_capacity": int((over > 0).sum()), "excess": int(np.maximum(over, 0).sum())}
    return pairs, info


def _objective(name: str) -> Callable[[Any, int], tuple[np.ndarray, dict[str, Any]]]:
    def solve(problem: Any, seed: int) -> tuple[np.ndarray, dict[str, Any]]:
        from matching.pipeline import OBJECTIVES

        result = OBJECTIVES[name](problem, seed)
        return np.asarray(result.pairs), {"solver": result.solver}

    return solve


def _topk(problem: Any, seed: int) -> tuple[np.ndarray, dict[str, Any]]:
    pairs, raw = topk_recommend(problem)
    return pairs, {"solver": "top-k per left participant, truncated", **{f"topk.raw_{k}": v for k, v in raw.items()}}


#: Method name → ``solve(problem, seed) -> (pairs, info)``.  Unknown names raise.
METHODS: Mapping[str, Callable[[Any, int], tuple[np.ndarray, dict[str, Any]]]] = {
    "random": _objective("random"),
    "greedy": _objective("greedy"),
    "topk-recommend": _topk,
    "stable": _objective("stable"),
    "fair": _objective("fair"),
    "exact": _objective("max-total"),
}


# ---------------------------------------------------------------- config

def _config_error(where: str, message: str) -> ValueError:
    return ValueError(f"quality config: {where}: {message}")


def load_config(path: Path = DEFAULT_CONFIG, *, quick: bool = False) -> tuple[dict[str, Any], str]:
    """The effective config (``--quick`` applied) and the SHA-256 of the file's bytes.

    Raises
    ------
    ValueError
        Unknown preset or method, bad seeds or rounds; the message names the key.
    """
    from datasets.synthetic import PRESETS

    raw = Path(path).read_bytes()
    data = tomllib.loads(raw.decode("utf-8"))
    config = {"run": dict(data.get("run", {})), "presets": dict(data.get("presets", {})),
              "multi_round": dict(data.get("multi_round", {}))}
    if quick:
        overrides = data.get("quick", {})
        config["run"].update(overrides.get("run", {}))
        for section in ("presets", "multi_round"):
            if section in overrides:
                config[section] = dict(overrides[section])
    run = config["run"]
    run.setdefault("seeds", [0])
    run.setdefault("methods", list(METHODS))
    run.setdefault("k", 5)
    run.setdefault("outcome_round", 0)
    run.setdefault("noise", 0.25)
    for method in run["methods"]:
        if method not in METHODS:
            raise _config_error("run.methods", f"unknown method {method!r}; expected one of {list(METHODS)}")
    for key in ("seeds",):
        if not run[key] or not all(isinstance(s, int) and s >= 0 for s in run[key]):
            raise _config_error(f"run.{key}", f"expected a non-empty list of non-negative integers, got {run[key]!r}")
    for name, sizes in config["presets"].items():
        if name not in PRESETS:
            raise _config_error("presets", f"unknown preset {name!r}; expected one of {list(PRESETS)}")
        unknown = set(sizes) - {"n_left", "n_right"}
        if unknown:
            raise _config_error(f"presets.{name}", f"unknown keys {sorted(unknown)}; expected n_left, n_right")
    rounds = config["multi_round"]
    rounds.setdefault("presets", [])
    rounds.setdefault("seeds", run["seeds"])
    rounds.setdefault("rounds", 4)
    rounds.setdefault("features", "components")
    if rounds["features"] not in ROUND_FEATURES:
        raise _config_error("multi_round.features", f"expected one of {list(ROUND_FEATURES)}, got {rounds['features']!r}")
    for name in rounds["presets"]:
        if name not in PRESETS:
            raise _config_error("multi_round.presets", f"unknown preset {name!r}; expected one of {list(PRESETS)}")
    if not isinstance(rounds["rounds"], int) or rounds["rounds"] < 2:
        raise _config_error("multi_round.rounds", f"expected an integer >= 2, got {rounds['rounds']!r}")
    return config, hashlib.sha256(raw).hexdigest()


def versions() -> dict[str, str | None]:
    """Installed versions of the libraries the figures depend on."""
    out: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


# ---------------------------------------------------------------- running

def _instance(preset: str, seed: int, sizes: Mapping[str, int], noise: float):
    from datasets.synthetic import generate
    from matching.model import Event
    from matching.pipeline import prepare_round

    data = generate(preset, seed=seed, noise=noise, **sizes)
    problem = prepare_round(Event(programme=data.programme, participants=data.participants))
    return data, problem


def run_instance(preset: str, seed: int, sizes: Mapping[str, int], run: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every method of ``run`` on one instance: (figure rows, timing rows)."""
    from matching.metrics import quality_from_pairs

    data, problem = _instance(preset, seed, sizes, run["noise"])
    rows, times = [], []
    for method in run["methods"]:
        start = time.perf_counter()
        pairs, info = METHODS[method](problem, seed)
        seconds = time.perf_counter() - start
        report = quality_from_pairs(
            problem.scores, problem.forbidden, pairs, problem.left, problem.right,
            truth=data.truth, k=run["k"], left_capacity=problem.left_capacity, right_capacity=problem.right_capacity,
            left_min=problem.left_min, right_min=problem.right_min, outcome_round=run["outcome_round"],
            objective=method, solver=info["solver"],
        )
        flat = report.flat()
        flat.pop("objective")
        rows.append({"preset": preset, "seed": seed, "method": method, **flat,
                     **{key: info.get(key) for key in ("topk.raw_pairs", "topk.raw_max_right_load",
                                                       "topk.raw_right_over_capacity", "topk.raw_excess")}})
        times.append({"preset": preset, "seed": seed, "method": method, "n_left": problem.scores.shape[0],
                      "n_right": problem.scores.shape[1], "seconds": round(seconds, 4)})
    exact = next((r["total"] for r in rows if r["method"] == "exact"), None)
    for row in rows:
        row["total_vs_exact"] = row["total"] / exact if exact else None
    return rows, times


#: Planners of the multi-round arms, in table order: the library's (:data:`matching.features.PLANNERS`)
#: and three diagnostic ceilings that read the planted truth (:func:`_diagnostics`).
ROUND_PLANNERS: tuple[str, ...] = ("profile", "propensity", "reciprocal", "known-propensities", "observable-oracle",
                                   "learnable-oracle", "oracle")
#: Predictors whose AUC is measured: the library's (:data:`matching.features.PREDICTORS`), the reciprocal
#: model fitted on the profile score alone (``reciprocal-score``, when the ``reciprocal`` arm reads the
#: scorer's components) and the diagnostic ceilings (``component-oracle``: AUC only, no arm).
ROUND_PREDICTORS: tuple[str, ...] = ("profile", "propensity", "reciprocal", "reciprocal-score", "known-propensities",
                                     "component-oracle", "observable-oracle", "learnable-oracle")
#: What the reciprocal model reads of a pair (``multi_round.features``): the profile score and the
#: scorer's components (:func:`matching.features.profile_features`), or the score alone.
ROUND_FEATURES: tuple[str, ...] = ("components", "score")
#: The issue's targets: later-round AUC gain of the reciprocal model over the profile score,
#: and the share of the profile → oracle gap in realized mutual-yes rate its plans close.
TARGET_AUC_GAIN = 0.10
TARGET_GAP_CLOSED = 0.5


def _offset_logit(y: np.ndarray, x: np.ndarray, offset: np.ndarray) -> tuple[float, float]:
    """Intercept and slope of logit P(y) = a + b·x + offset (maximum likelihood)."""
    from scipy.optimize import minimize
    from scipy.special import expit

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = theta[0] + theta[1] * x + offset
        r = expit(z) - y
        return float(np.logaddexp(0.0, z).sum() - y @ z), np.array([r.sum(), r @ x])

    a, b = minimize(loss, np.zeros(2), jac=True, method="L-BFGS-B").x
    return float(a), float(b)


def _diagnostics(truth: Any, scores: np.ndarray, block: np.ndarray) -> dict[str, Callable[[Any, int], np.ndarray]]:
    """Ceilings that read the planted truth (never a learner's input), as ``predict(history, r)``.

    ``known-propensities``: every participant's true selectivity and
    attractiveness, with the profile score's intercept and slope fitted on
    the history (what a perfect propensity learner could reach).
    ``observable-oracle``: the truth's probabilities from what the profiles
    and the propensities hold: true propensities and the *observable*
    compatibility (the planted weights, not the scorer's estimate), without
    the hidden 4-d tastes, the pair noise ε and the meeting noise η (the
    best a learner reaches that cannot learn each participant's hidden
    tastes: with one to three meetings per participant it cannot).
    ``learnable-oracle``: the truth's probabilities without what no history
    can teach: the pair's own noise ε and the round's meeting noise η
    (true propensities, the observable compatibility and the hidden tastes).
    """
    from scipy.special import expit

    left, right = truth.left, truth.right
    sel_l, att_l = left.selectivity.astype(float), left.attractiveness.astype(float)
    sel_r, att_r = right.selectivity.astype(float), right.attractiveness.astype(float)

    def known_propensities(history: Any, r: int) -> np.ndarray:
        li, rj = history.left_idx, history.right_idx
        x = scores[li, rj]
        a_l, b_l = _offset_logit(history.left_yes.astype(float), x, sel_l[li] + att_r[rj])
        a_r, b_r = _offset_logit(history.right_yes.astype(float), x, sel_r[rj] + att_l[li])
        return expit(a_l + b_l * scores + sel_l[:, None] + att_r[None, :]) * expit(a_r + b_r * scores + sel_r[None, :] + att_l[:, None])

    n, m = scores.shape
    li, rj = np.divmod(np.arange(n * m, dtype=np.int64), m)
    rho, a = truth.noise, float(truth.params["outcome"]["a"])
    hidden = left.hidden.astype(float) @ right.hidden.astype(float).T / np.sqrt(left.hidden.shape[1]) / np.sqrt(2.0)
    observable = np.sqrt(1.0 - rho) * truth.observable_pairs(li, rj).reshape(n, m)

    def chance(compat: np.ndarray) -> np.ndarray:
        return expit(a * compat + sel_l[:, None] + att_r[None, :]) * expit(a * compat + sel_r[None, :] + att_l[:, None])

    design = np.column_stack([np.ones(n * m), block.reshape(n * m, -1)])
    weights = np.linalg.lstsq(design, observable.ravel(), rcond=None)[0]
    read = chance((design @ weights).reshape(n, m))
    learnable, seen = chance(observable + np.sqrt(rho) * hidden), chance(observable)
    return {"known-propensities": known_propensities, "component-oracle": lambda history, r: read,
            "observable-oracle": lambda history, r: seen, "learnable-oracle": lambda history, r: learnable}


def multi_round(preset: str, seed: int, sizes: Mapping[str, int], rounds: int, noise: float,
                features: str = "components") -> list[dict[str, Any]]:
    """One row per planner: mutual-yes rates per round, and each predictor's AUC on each of its rounds 2..

    ``features``: what the reciprocal model reads of a pair (:data:`ROUND_FEATURES`).  With
    ``"components"`` the arm planned from the profile also measures ``reciprocal-score``, the
    same model on the score alone.
    """
    from sklearn.base import clone

    from matching.features import ReciprocalModel, play_programme, profile_features

    if features not in ROUND_FEATURES:
        raise ValueError(f"multi_round: features must be one of {list(ROUND_FEATURES)}, got {features!r}")
    data, problem = _instance(preset, seed, sizes, noise)
    block = profile_features(problem.scorer, problem.scores)
    diagnostics = _diagnostics(data.truth, problem.scores, block)
    template = ReciprocalModel(random_state=seed)
    n_left, n_right = problem.scores.shape

    def score_only(history: Any, r: int) -> np.ndarray:
        model = clone(template).fit(history, problem.scores[history.left_idx, history.right_idx], n_left=n_left, n_right=n_right)
        return model.expected_mutual_yes_matrix(problem.scores)

    out = []
    for planner in ROUND_PLANNERS:
        extra = dict(diagnostics)
        if planner == "profile" and features == "components":
            extra["reciprocal-score"] = score_only
        run = play_programme(problem.scores, problem.forbidden, data.truth, planner=planner, rounds=rounds,
                             left_capacity=problem.left_capacity, right_capacity=problem.right_capacity,
                             pair_features=block if features == "components" else None,
                             reciprocal=template, extra_predictors=extra)
        row: dict[str, Any] = {"preset": preset, "seed": seed, "n_left": data.n_left, "n_right": data.n_right,
                               "planner": planner, "features": features, "rounds": len(run.rounds),
                               "meetings": sum(r.meetings for r in run.rounds)}
        for r in run.rounds:
            row[f"round{r.round + 1}.mutual_yes_rate"] = r.mutual_yes_rate
            row[f"round{r.round + 1}.expected_rate"] = r.expected_rate
            for name in ROUND_PREDICTORS:
                if name in r.auc:
                    row[f"round{r.round + 1}.auc.{name}"] = r.auc[name]
        row["later_mutual_yes_rate"] = run.later("mutual_yes_rate")
        row["later_expected_rate"] = run.later("expected_rate")
        for name in ROUND_PREDICTORS:  # None where not measured (reciprocal-score outside the profile arm)
            value = run.later_auc(name)
            row[f"later_auc.{name}"] = value if np.isfinite(value) else None
        out.append(row)
    return out


def round_targets(round_rows: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per preset, means over seeds: the reciprocal model's AUC gain and the share of the oracle gap its plans close.

    AUC: the mean over rounds 2.. of each round's AUC, on the meetings of
    the programme planned from the profile scores (the same meetings for
    every predictor, each fitted on the earlier rounds).  Gap:
    ``(reciprocal − profile) / (oracle − profile)`` of the later rounds'
    realized mutual-yes rate (and of the true expected rate); also against
    the ``learnable-oracle`` ceiling instead of the oracle.
    """
    out: dict[str, dict[str, Any]] = {}
    for preset in dict.fromkeys(r["preset"] for r in round_rows):
        mine = [r for r in round_rows if r["preset"] == preset]

        def mean(planner: str, key: str) -> float | None:
            return _mean([r.get(key) for r in mine if r["planner"] == planner])

        auc = {name: mean("profile", f"later_auc.{name}") for name in ROUND_PREDICTORS}
        figures: dict[str, Any] = {"seeds": sorted({r["seed"] for r in mine}), **{f"auc.{k}": v for k, v in auc.items()}}
        gain = None if auc["reciprocal"] is None or auc["profile"] is None else auc["reciprocal"] - auc["profile"]
        figures["auc_gain"] = gain
        figures["auc_gain.score_only"] = None if auc["reciprocal-score"] is None or auc["profile"] is None else \
            auc["reciprocal-score"] - auc["profile"]
        for key, name in (("later_mutual_yes_rate", "realized"), ("later_expected_rate", "expected")):
            rates = {planner: mean(planner, key) for planner in ROUND_PLANNERS}
            figures.update({f"{name}.{planner}": v for planner, v in rates.items()})

            def closed(planner: str, ceiling: str) -> float | None:
                """The share of the profile → ``ceiling`` gap that ``planner``'s plans close."""
                if None in rates.values() or rates[ceiling] == rates["profile"]:
                    return None
                return (rates[planner] - rates["profile"]) / (rates[ceiling] - rates["profile"])

            figures[f"gap_closed.{name}"] = closed("reciprocal", "oracle")
            figures[f"gap_closed_observable_oracle.{name}"] = closed("observable-oracle", "oracle")
            figures[f"gap_closed_learnable.{name}"] = closed("reciprocal", "learnable-oracle")
        figures["auc_target_met"] = gain is not None and gain >= TARGET_AUC_GAIN
        figures["gap_target_met"] = figures["gap_closed.realized"] is not None and figures["gap_closed.realized"] >= TARGET_GAP_CLOSED
        out[preset] = figures
    return out


def check_rows(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The done-when checks over every instance: ``{name: {"ok": bool, "failures": [...]}}`` (skipped when a method is absent)."""
    instances: dict[tuple[str, int], dict[str, Mapping[str, Any]]] = {}
    for row in rows:
        instances.setdefault((row["preset"], row["seed"]), {})[row["method"]] = row
    checks: dict[str, dict[str, Any]] = {
        "exact_total_ge_baselines": {"ok": True, "failures": [], "instances": 0},
        "fair_min_ge_exact_min": {"ok": True, "failures": [], "instances": 0},
        "stable_zero_blocking": {"ok": True, "failures": [], "instances": 0},
    }
    for (preset, seed), by in sorted(instances.items()):
        where = f"{preset} seed {seed}"
        if "exact" in by:
            exact = by["exact"]["total"]
            checks["exact_total_ge_baselines"]["instances"] += 1
            for method, row in by.items():
                if row["total"] > exact + RELATIVE_TOL * max(1.0, abs(exact)):
                    checks["exact_total_ge_baselines"]["failures"].append(f"{where}: {method} total {row['total']!r} > exact {exact!r}")
        if "exact" in by and "fair" in by:
            checks["fair_min_ge_exact_min"]["instances"] += 1
            fair_min, exact_min = by["fair"]["min_score"], by["exact"]["min_score"]
            if exact_min is not None and (fair_min is None or fair_min < exact_min - RELATIVE_TOL):
                checks["fair_min_ge_exact_min"]["failures"].append(f"{where}: fair min {fair_min!r} < exact min {exact_min!r}")
        if "stable" in by:
            checks["stable_zero_blocking"]["instances"] += 1
            if by["stable"]["blocking_pairs"] != 0:
                checks["stable_zero_blocking"]["failures"].append(f"{where}: {by['stable']['blocking_pairs']} blocking pairs")
    for check in checks.values():
        check["ok"] = not check["failures"]
    return checks


# ---------------------------------------------------------------- writing

def _csv(rows: Sequence[Mapping[str, Any]]) -> str:
    from matching.io import csv_text

    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    return csv_text(columns, ({c: (None if row.get(c) is None else repr(row[c]) if isinstance(row.get(c), float) else row[c])
                               for c in columns} for row in rows))


def _mean(values: Sequence[Any]) -> float | None:
    clean = [float(v) for v in values if v is not None and not (isinstance(v, float) and np.isnan(v))]
    return float(np.mean(clean)) if clean else None


def _cell(value: Any, count: bool = False) -> str:
    if value is None:
        return "—"
    if count:
        return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 100 else f"{value:.1f}"
    return str(value)


def _markdown(config: Mapping[str, Any], digest: str, rows, round_rows, checks, libs) -> str:
    run = config["run"]
    lines = [
        "# Match quality benchmark",
        "",
        f"`python -m benchmarks.quality` — config SHA-256 `{digest[:16]}…`, seeds {run['seeds']}, k = {run['k']}, "
        f"noise {run['noise']}, outcome round {run['outcome_round']}.",
        "Versions: " + ", ".join(f"{name} {version}" for name, version in libs.items()) + ".",
        "",
        "Means over seeds. *total / exact*: the method's total over the exact solver's on the same instance. "
        "*min*: worst matched pair's score. *blocking*: blocking pairs under the score-induced preferences. "
        "*precision*: matched pairs that are truly good; *E[mutual yes]*, *E[deal]*: exact expectations under the "
        "synthetic outcome model. topk-recommend: figures of its capacity-respecting truncation.",
        "",
    ]
    presets = list(dict.fromkeys(r["preset"] for r in rows))
    for preset in presets:
        mine = [r for r in rows if r["preset"] == preset]
        first = mine[0]
        lines += [f"## {preset} ({first['n_left']} × {first['n_right']})", "",
                  f"Top-{run['k']} of the score matrix against the planted good pairs: precision@k "
                  f"{_cell(_mean([r['truth.precision_at_k'] for r in mine]))}, recall@k "
                  f"{_cell(_mean([r['truth.recall_at_k'] for r in mine]))}, NDCG@k {_cell(_mean([r['truth.ndcg_at_k'] for r in mine]))}.",
                  ""]
        topk = [r for r in mine if r["method"] == "topk-recommend"]
        if topk:
            lines += [f"Raw top-k recommendations: {_cell(_mean([r['topk.raw_pairs'] for r in topk]), True)} pairs, up to "
                      f"{_cell(_mean([r['topk.raw_max_right_load'] for r in topk]), True)} for one right participant, "
                      f"{_cell(_mean([r['topk.raw_right_over_capacity'] for r in topk]), True)} right participants over capacity.", ""]
        lines += ["| method | " + " | ".join(title for title, _ in SUMMARY_COLUMNS) + " |",
                  "|---|" + "---:|" * len(SUMMARY_COLUMNS)]
        for method in run["methods"]:
            group = [r for r in mine if r["method"] == method]
            lines.append(f"| {method} | " + " | ".join(_cell(_mean([r.get(key) for r in group]), key in COUNT_KEYS) for _, key in SUMMARY_COLUMNS) + " |")
        lines.append("")
    if round_rows:
        n_rounds = max(r["rounds"] for r in round_rows)
        lines += ["## Multi-round programmes", "",
                  f"Means over seeds {config['multi_round']['seeds']}. Round 1 is planned from the profile scores; rounds 2.. "
                  "from each planner: *profile* (no learning), *propensity* (selectivity and attractiveness, shrunk), "
                  f"*reciprocal* (profile, propensities and latent tastes, two directions, cross-validated priors; it reads "
                  f"{'the profile score and the scorer components' if config['multi_round']['features'] == 'components' else 'the profile score alone'}), "
                  "*oracle* (the truth's own probabilities of the round: the ceiling). Three diagnostic ceilings read the "
                  "planted truth: *known-propensities* (every participant's true selectivity and attractiveness, with the "
                  "profile score: what a perfect propensity learner reaches), *observable-oracle* (true propensities and the "
                  "planted observable compatibility, without the hidden per-participant tastes: the best a learner reaches "
                  "that cannot learn each participant's hidden tastes) and *learnable-oracle* (the truth without the "
                  "pair's own noise and the round's meeting noise, which no history can teach). Every model is fitted on the "
                  "answers of earlier rounds only. The AUC table adds *reciprocal-score* (the reciprocal model on the profile "
                  "score alone, when the planner reads the components) and *component-oracle* (true propensities and the best "
                  "linear reading of the planted observable compatibility from the score and the scorer's components, least "
                  "squares over every pair: what weighing the components perfectly could reach).", "",
                  "Realized mutual-yes rate per round (in brackets the true expected rate):", "",
                  "| preset | planner | " + " | ".join(f"round {r}" for r in range(1, n_rounds + 1)) + " | rounds 2.. |",
                  "|---|---|" + "---:|" * (n_rounds + 1)]
        for preset in dict.fromkeys(r["preset"] for r in round_rows):
            for planner in ROUND_PLANNERS:
                group = [r for r in round_rows if r["preset"] == preset and r["planner"] == planner]
                cells = [f"{_cell(_mean([g.get(f'round{k}.mutual_yes_rate') for g in group]))} "
                         f"({_cell(_mean([g.get(f'round{k}.expected_rate') for g in group]))})" for k in range(1, n_rounds + 1)]
                later = f"{_cell(_mean([g['later_mutual_yes_rate'] for g in group]))} ({_cell(_mean([g['later_expected_rate'] for g in group]))})"
                lines.append(f"| {preset} | {planner} | " + " | ".join(cells) + f" | {later} |")
        lines += ["", "ROC-AUC of each predictor on the real answers of each round 2.. (then their mean) of the programme "
                  "planned from the profile scores:", "",
                  "| preset | predictor | " + " | ".join(f"round {r}" for r in range(2, n_rounds + 1)) + " | rounds 2.. |",
                  "|---|---|" + "---:|" * n_rounds]
        for preset in dict.fromkeys(r["preset"] for r in round_rows):
            group = [r for r in round_rows if r["preset"] == preset and r["planner"] == "profile"]
            for name in ROUND_PREDICTORS:
                cells = [_cell(_mean([g.get(f"round{k}.auc.{name}") for g in group])) for k in range(2, n_rounds + 1)]
                lines.append(f"| {preset} | {name} | " + " | ".join(cells) + f" | {_cell(_mean([g.get(f'later_auc.{name}') for g in group]))} |")
        lines += ["", f"Targets: reciprocal AUC ≥ profile AUC + {TARGET_AUC_GAIN}; reciprocal plans close ≥ "
                  f"{TARGET_GAP_CLOSED:.0%} of the profile → oracle gap in realized mutual-yes rate (rounds 2.., means over seeds).", "",
                  "| preset | AUC gain | met | AUC gain on the score alone | gap closed (realized) | gap closed (expected) | met | "
                  "gap to learnable-oracle closed (realized) | (expected) | gap observable-oracle closes (realized) |",
                  "|---|---:|---|---:|---:|---:|---|---:|---:|---:|"]
        for preset, t in round_targets(round_rows).items():
            lines.append(f"| {preset} | {_cell(t['auc_gain'])} | {'yes' if t['auc_target_met'] else 'no'} | "
                         f"{_cell(t['auc_gain.score_only'])} | "
                         f"{_cell(t['gap_closed.realized'])} | {_cell(t['gap_closed.expected'])} | {'yes' if t['gap_target_met'] else 'no'} | "
                         f"{_cell(t['gap_closed_learnable.realized'])} | {_cell(t['gap_closed_learnable.expected'])} | "
                         f"{_cell(t['gap_closed_observable_oracle.realized'])} |")
        lines.append("")
    lines += ["## Checks", ""]
    for name, check in checks.items():
        verdict = "skipped (method absent)" if not check["instances"] else ("ok" if check["ok"] else "FAILED")
        lines.append(f"- `{name}` on {check['instances']} instance(s): {verdict}")
        lines += [f"  - {f}" for f in check["failures"]]
    return "\n".join(lines) + "\n"


def _plots(out: Path, rows, round_rows, methods: Sequence[str]) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    presets = list(dict.fromkeys(r["preset"] for r in rows))
    width = 0.8 / max(1, len(methods))
    for name, key, label in (("quality_total.png", "total_vs_exact", "total score / exact solver's"),
                             ("quality_min.png", "min_score", "worst matched pair's score"),
                             ("quality_success.png", "truth.expected_mutual_yes_rate", "expected mutual-yes rate")):
        fig, ax = plt.subplots(figsize=(10, 4.5))
        for m, method in enumerate(methods):
            values = [_mean([r.get(key) for r in rows if r["preset"] == p and r["method"] == method]) for p in presets]
            ax.bar(np.arange(len(presets)) + (m - (len(methods) - 1) / 2) * width,
                   [np.nan if v is None else v for v in values], width, label=method)
        ax.set_xticks(np.arange(len(presets)), presets)
        ax.set_ylabel(label)
        if key == "total_vs_exact":
            ax.set_ylim(0.4, 1.02)
        ax.legend(ncols=len(methods), fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.08), frameon=False)
        ax.set_title(f"{label}, mean over seeds")
        fig.tight_layout()
        fig.savefig(out / name, dpi=100, metadata={"Software": None})
        plt.close(fig)
        written.append(out / name)
    if round_rows:
        fig, ax = plt.subplots(figsize=(8, 4.5))
        n_rounds = max(r["rounds"] for r in round_rows)
        styles = {"profile": ":", "propensity": "--", "reciprocal": "-", "oracle": "-."}  # the ceilings stay in the tables
        for p, preset in enumerate(dict.fromkeys(r["preset"] for r in round_rows)):
            for planner, style in styles.items():
                group = [r for r in round_rows if r["preset"] == preset and r["planner"] == planner]
                values = [_mean([g.get(f"round{k}.expected_rate") for g in group]) for k in range(1, n_rounds + 1)]
                ax.plot(range(1, n_rounds + 1), [np.nan if v is None else v for v in values], style, color=f"C{p}",
                        marker="o", label=f"{preset} ({planner})")
        ax.set_xlabel("round")
        ax.set_ylabel("expected mutual-yes rate")
        ax.set_xticks(range(1, n_rounds + 1))
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(out / "quality_rounds.png", dpi=100, metadata={"Software": None})
        plt.close(fig)
        written.append(out / "quality_rounds.png")
    return written


def run_benchmark(config: Mapping[str, Any], digest: str, out: Path, *, config_path: str = "", plots: bool = True,
                  log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run the benchmark of an effective config and write every file under ``out``; returns quality.json's content."""
    from benchmarks._measure import machine_info

    run = config["run"]
    rows: list[dict[str, Any]] = []
    times: list[dict[str, Any]] = []
    started = time.perf_counter()
    for preset, sizes in config["presets"].items():
        for seed in run["seeds"]:
            t0 = time.perf_counter()
            instance_rows, instance_times = run_instance(preset, seed, sizes, run)
            rows += instance_rows
            times += instance_times
            by = {r["method"]: r for r in instance_rows}
            log(f"{preset:16s} seed {seed}: " + ", ".join(f"{m} {by[m]['total']:.2f}" for m in run["methods"])
                + f" ({time.perf_counter() - t0:.1f} s)")
    round_rows: list[dict[str, Any]] = []
    spec = config["multi_round"]
    for preset in spec["presets"]:
        for seed in spec["seeds"]:
            t0 = time.perf_counter()
            arms = multi_round(preset, seed, config["presets"].get(preset, {}), spec["rounds"], run["noise"], spec["features"])
            round_rows += arms
            times.append({"preset": preset, "seed": seed, "method": "multi-round", "n_left": arms[0]["n_left"],
                          "n_right": arms[0]["n_right"], "seconds": round(time.perf_counter() - t0, 4)})
            by = {r["planner"]: r for r in arms}
            log(f"multi-round {preset:16s} seed {seed}: rounds 2.. mutual-yes rate " +
                ", ".join(f"{p} {by[p]['later_mutual_yes_rate']:.3f}" for p in ROUND_PLANNERS) +
                "; AUC " + ", ".join(f"{p} {by['profile'][f'later_auc.{p}']:.3f}" for p in ROUND_PREDICTORS
                                     if by['profile'][f'later_auc.{p}'] is not None))
    checks = check_rows(rows)
    libs = versions()
    out.mkdir(parents=True, exist_ok=True)
    (out / "quality.csv").write_text(_csv(rows), encoding="utf-8")
    (out / "quality_rounds.csv").write_text(_csv(round_rows), encoding="utf-8")
    (out / "quality_times.csv").write_text(_csv(times), encoding="utf-8")
    (out / "quality.md").write_text(_markdown(config, digest, rows, round_rows, checks, libs), encoding="utf-8")
    figures = _plots(out, rows, round_rows, run["methods"]) if plots else []
    report = {
        "benchmark": "quality",
        "config_file": config_path,
        "config_text": Path(config_path).read_text(encoding="utf-8") if config_path and Path(config_path).is_file() else None,
        "config_sha256": digest,
        "config": config,
        "seeds": {"instances": run["seeds"], "multi_round": spec["seeds"], "random_baseline": "the instance seed"},
        "versions": libs,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": machine_info(),
        "checks": checks,
        "rows": rows,
        "multi_round": round_rows,
        "multi_round_targets": round_targets(round_rows),
        "timings": {"total_s": round(time.perf_counter() - started, 2), "runs": times},
        "files": sorted(p.name for p in [out / "quality.csv", out / "quality.md", out / "quality_rounds.csv",
                                          out / "quality_times.csv", *figures]),
    }
    (out / "quality.json").write_text(json.dumps(report, indent=2, allow_nan=False, default=_json_default) + "\n", encoding="utf-8")
    for name, check in checks.items():
        verdict = "skipped" if not check["instances"] else ("ok" if check["ok"] else "FAILED")
        log(f"check {name}: {verdict} on {check['instances']} instance(s)" + "".join(f"\n  {f}" for f in check["failures"]))
    log(f"wrote {out}/quality.csv, quality.md, quality.json, quality_rounds.csv, quality_times.csv"
        + (", " + ", ".join(p.name for p in figures) if figures else "") + f" in {time.perf_counter() - started:.1f} s")
    return report


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.quality", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help=f"TOML config (default {DEFAULT_CONFIG.name} next to this module)")
    parser.add_argument("--quick", action="store_true", help="apply the config's [quick] sections (small sizes, one seed)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"output directory (default {OUT})")
    parser.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    args = parser.parse_args(argv)
    try:
        config, digest = load_config(args.config, quick=args.quick)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    shown = args.config.resolve()
    shown = shown.relative_to(Path.cwd()) if shown.is_relative_to(Path.cwd()) else shown
    report = run_benchmark(config, digest, args.out, config_path=str(shown), plots=not args.no_plots)
    return 0 if all(c["ok"] for c in report["checks"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
