"""Match quality: how good a set of pairs is, for organizers and researchers.

One module, used by the ``matching quality`` command, the service's
``GET /api/v1/results/{id}/quality`` and the organizer page.  Every figure
is recomputed from the score matrix, the pairs and the two sides: nothing is
read from the solver.  Formulas and references: ``matching/METRICS.md``.

API (stable)
------------
``quality_report(match, *, truth=None, k=5, groups=("region", "size_class", "role"),
outcome_round=0) -> QualityReport``
    The report of a :class:`matching.pipeline.RoundMatch` (scores, hard
    rules, capacities and minimums of its problem).
``quality_from_pairs(scores, forbidden, pairs, left, right, *, truth=None, k=5, groups=...,
left_capacity=None, right_capacity=None, left_min=None, right_min=None, outcome_round=0,
objective=None, solver=None) -> QualityReport``
    The same from a score matrix, a pair list and the two participant
    tuples (the service recomputes a stored result's report this way).
``quality_from_event(event, id_pairs, *, round_index=0, weights=None, **options) -> QualityReport``
    The same from an event and (left id, right id) pairs (stored rows):
    rescored with :func:`matching.pipeline.prepare_round`, with the round's
    capacities and minimums.
``QualityReport.to_dict()``
    JSON-safe nested dicts and lists (no numpy types, ``None`` for an
    undefined figure, never NaN), including the page's small charts
    (``charts``: score histogram, coverage by group, meetings per
    participant).  ``QualityReport.flat()`` gives the scalar figures with
    dotted names (the benchmark's table columns).
``format_report(report, fmt="text" | "md" | "json") -> str``
    The report as a terminal text, a Markdown document or JSON.

Lower-level figures, each a plain function of arrays: :func:`gini`,
:func:`partner_ranks`, :func:`blocking_pair_mask`, :func:`envy_matrix`,
:func:`ndcg_at_k`, :func:`top_k_indices`.

This module builds the report; the figures live in
:mod:`matching._quality_figures`, the report's types in
:mod:`matching._quality_types` and the formatting in
:mod:`matching._quality_format` (all importable from here).

Metrics, in short (see ``matching/METRICS.md``)
-----------------------------------------------
* scores: total, mean, minimum (the bottleneck), maximum and percentiles of
  the matched pairs' scores; per side the same over each matched
  participant's mean partner score;
* coverage: share of a side with at least one partner, and with at least its
  own minimum; participants over their capacity;
* Gini coefficient of the number of partners per participant (Gini 1912,
  Dorfman 1979), in [0, 1), 0 when everyone has as many;
* blocking pairs under the preferences the scores induce (each side prefers
  higher scores, ties to the lower index; Gale & Shapley 1962), and envy
  (Foley 1967): ``i`` envies ``i'`` of its own side when the mean score ``i``
  would give to the partners of ``i'`` that it may meet exceeds the mean
  score of its own partners (an unmatched participant envies everyone
  holding a partner it may meet);
* rank of each partner in one's own score-ordered list of allowed
  partners (1 = best);
* per group (region, size class, role): coverage and mean partner score, and
  the disparity ratio min / max of group coverage (the "four-fifths rule");
* against a planted ground truth (synthetic data): precision and recall of
  the matched pairs against the truly good pairs, precision@k, recall@k and
  NDCG@k (Järvelin & Kekäläinen 2002) of every left participant's top-k by
  score, with gain max(0, compatibility); expected and simulated meeting
  success (both say yes, a deal) under the synthetic outcome model.

Examples
--------
>>> import numpy as np
>>> scores = np.array([[0.9, 0.2], [0.8, 0.1]])
>>> report = quality_from_pairs(scores, None, [(0, 1), (1, 0)], None, None)
>>> report.total, report.min_score
(1.0, 0.2)
>>> report.blocking_pairs  # 0 and 0 prefer each other to their partners
1
>>> report.left.coverage, report.left.partners_gini
(1.0, 0.0)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

from ._quality_figures import (blocking_pair_mask, envy_matrix, gini, ndcg_at_k, pair_matrix, partner_ranks,
                               top_k_indices)
from ._quality_format import FORMATS, format_report
from ._quality_types import QualityReport, SideQuality, TruthQuality
from .errors import FieldError, InvalidInput

if TYPE_CHECKING:  # pragma: no cover
    from datasets.synthetic import GroundTruth

    from .model import Event
    from .pipeline import RoundMatch

__all__ = [
    "DEFAULT_GROUPS",
    "PERCENTILES",
    "FORMATS",
    "SideQuality",
    "TruthQuality",
    "QualityReport",
    "quality_report",
    "quality_from_pairs",
    "quality_from_event",
    "format_report",
    "gini",
    "partner_ranks",
    "blocking_pair_mask",
    "envy_matrix",
    "top_k_indices",
    "ndcg_at_k",
]

#: Participant attributes the group-fairness figures split on by default.
DEFAULT_GROUPS: tuple[str, ...] = ("region", "size_class", "role")
#: Percentiles reported for pair scores and participants' mean partner scores.
PERCENTILES: tuple[int, ...] = (10, 25, 50, 75, 90)
#: Bins of the page's score histogram.
HISTOGRAM_BINS = 10
#: Above this many pairs (n_left × n_right) the ground-truth section is skipped: it needs the full compatibility matrix.
TRUTH_MAX_CELLS = 1 << 25


# --------------------------------------------------------------------------- building the report

def _stats(values: np.ndarray) -> dict[str, float | None]:
    if values.size == 0:
        return {"min": None, "mean": None, "max": None, **{f"p{q}": None for q in PERCENTILES}}
    qs = np.percentile(values, PERCENTILES)
    return {"min": float(values.min()), "mean": float(values.mean()), "max": float(values.max()),
            **{f"p{q}": float(v) for q, v in zip(PERCENTILES, qs)}}


def _share(part: float, whole: float) -> float | None:
    return float(part) / float(whole) if whole else None


def _bound(name: str, value: Any, size: int, default: np.ndarray | None) -> np.ndarray | None:
    if value is None:
        return default
    arr = np.asarray(value)
    if arr.ndim == 0:
        arr = np.full(size, arr.item())
    if arr.shape != (size,) or not np.issubdtype(arr.dtype, np.number) or (arr < 0).any():
        raise InvalidInput([FieldError(name, f"{arr.dtype} array of shape {arr.shape}", f"expected a non-negative integer or {size} of them")])
    return arr.astype(np.int64)


def _check_pairs(pairs: Any, n: int, m: int) -> np.ndarray:
    pairs = getattr(pairs, "pairs", pairs)  # a MatchResult
    try:
        arr = np.asarray(pairs, dtype=np.int64).reshape(-1, 2) if len(pairs) else np.zeros((0, 2), np.int64)
    except (TypeError, ValueError):
        raise InvalidInput([FieldError("pairs", type(pairs).__name__, "expected (left, right) index pairs")]) from None
    bad = (arr[:, 0] < 0) | (arr[:, 0] >= n) | (arr[:, 1] < 0) | (arr[:, 1] >= m)
    if bad.any():
        raise InvalidInput([FieldError("pairs", arr[bad][0].tolist(), f"index out of range: expected 0 <= left < {n} and 0 <= right < {m}")])
    keys = arr[:, 0] * max(m, 1) + arr[:, 1]
    unique, counts = np.unique(keys, return_counts=True)
    if (counts > 1).any():
        dup = int(unique[counts > 1][0])
        raise InvalidInput([FieldError("pairs", [dup // max(m, 1), dup % max(m, 1)], "appears more than once")])
    return arr[np.lexsort((arr[:, 1], arr[:, 0]))] if len(arr) else arr


def _group_value(participant: Any, attribute: str) -> str:
    value = getattr(participant, attribute)
    if value is None or value == () or value == "":
        return "unknown"
    if isinstance(value, (tuple, list)):
        return "+".join(str(v) for v in value)
    return str(value)


def _groups(members: Sequence[Any] | None, attributes: Sequence[str], degree: np.ndarray, mean_partner: np.ndarray):
    groups: dict[str, list[dict[str, Any]]] = {}
    disparity: dict[str, dict[str, float | None]] = {}
    if members is None:
        return groups, disparity
    for attribute in attributes:
        labels = np.array([_group_value(p, attribute) for p in members], dtype=object)
        rows = []
        for label in sorted(set(labels.tolist()), key=lambda g: (-int((labels == g).sum()), g)):
            inside = labels == label
            matched = inside & (degree > 0)
            rows.append({
                "group": label,
                "participants": int(inside.sum()),
                "matched": int(matched.sum()),
                "coverage": _share(matched.sum(), inside.sum()),
                "mean_partner_score": float(mean_partner[matched].mean()) if matched.any() else None,
            })
        groups[attribute] = rows
        cover = [r["coverage"] for r in rows if r["coverage"] is not None]
        low, high = (min(cover), max(cover)) if cover else (None, None)
        disparity[attribute] = {"min_coverage": low, "max_coverage": high, "ratio": (low / high) if high else None}
    return groups, disparity


def _side(side: str, members, attributes, scores, forbidden, matched, rank, capacity, minimum, k) -> SideQuality:
    if side == "right":
        scores, forbidden, matched, rank = scores.T, forbidden.T, matched.T, rank.T
    n = scores.shape[0]
    degree = matched.sum(axis=1)
    partner_sum = np.where(matched, scores, 0.0).sum(axis=1)
    mean_partner = np.divide(partner_sum, degree, out=np.full(n, np.nan), where=degree > 0)
    ranks = rank[matched]
    envy = envy_matrix(scores, np.argwhere(matched), forbidden=forbidden)
    envious = envy.any(axis=1)
    groups, disparity = _groups(members, attributes, degree, mean_partner)
    low = minimum if minimum is not None else np.zeros(n, np.int64)
    return SideQuality(
        side=side,
        participants=n,
        matched=int((degree > 0).sum()),
        coverage=_share((degree > 0).sum(), n),
        meets_minimum=_share((degree >= np.maximum(low, 0)).sum(), n),
        over_capacity=None if capacity is None else int((degree > capacity).sum()),
        max_partners=int(degree.max(initial=0)),
        mean_partners=float(degree.mean()) if n else None,
        partners_gini=gini(degree),
        partner_score=_stats(mean_partner[degree > 0]),
        rank={
            "mean": float(ranks.mean()) if ranks.size else None,
            "median": float(np.median(ranks)) if ranks.size else None,
            "p90": float(np.percentile(ranks, 90)) if ranks.size else None,
            "max": int(ranks.max()) if ranks.size else None,
            "top1_share": _share((ranks == 1).sum(), ranks.size),
            "topk_share": _share((ranks <= k).sum(), ranks.size),
        },
        envy={
            "envious_participants": int(envious.sum()),
            "envious_share": _share(envious.sum(), n),
            "envy_pairs": int(envy.sum()),
            "envy_pair_share": _share(envy.sum(), n * (n - 1)),
        },
        groups=groups,
        group_disparity=disparity,
        meetings_histogram=tuple(int(c) for c in np.bincount(degree, minlength=1)),
    )


def _truth_positions(truth: Any, members: Sequence[Any] | None, n: int, side: str) -> np.ndarray:
    if members is None:
        size = truth.n_left if side == "left" else truth.n_right
        if n != size:
            raise InvalidInput([FieldError(f"{side}", n, f"without participants the score matrix must follow the ground truth's {side} side ({size} participants)")])
        return np.arange(n)
    ids = [p.id for p in members]
    return truth.left_index(ids) if side == "left" else truth.right_index(ids)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _truth(truth: Any, left, right, scores, forbidden, pairs, k: int, outcome_round: int) -> TruthQuality | None:
    n, m = scores.shape
    if n * m > TRUTH_MAX_CELLS:
        return None
    li = _truth_positions(truth, left, n, "left")
    rj = _truth_positions(truth, right, m, "right")
    compat = truth.compatibility(li, rj)
    good = (compat >= truth.threshold) & ~forbidden
    matched = pair_matrix(pairs, (n, m))
    hits = good & matched
    degree, good_per_left = matched.sum(axis=1), good.sum(axis=1)
    with_partner, with_good = degree > 0, good_per_left > 0
    tops = top_k_indices(scores, k, forbidden)
    gains = np.maximum(compat, 0.0)
    p_at_k, r_at_k, ndcg = [], [], []
    for i, top in enumerate(tops):
        if len(top):
            found = int(good[i, top].sum())
            p_at_k.append(found / len(top))
            if with_good[i]:
                r_at_k.append(found / min(k, int(good_per_left[i])))
        value = ndcg_at_k(gains[i, top], gains[i, ~forbidden[i]], k)
        if value is not None:
            ndcg.append(value)
    expected_yes = expected_deal = sim_yes = sim_deal = None
    if len(pairs):
        outcomes = truth.simulate_outcomes((li[pairs[:, 0]], rj[pairs[:, 1]]), round=outcome_round)
        both = outcomes.p_left * outcomes.p_right
        params = truth.params["outcome"]
        expected_yes = float(both.mean())
        expected_deal = float((both * _sigmoid(params["b0"] + params["b1"] * outcomes.compatibility)).mean())
        sim_yes = float((outcomes.left_yes & outcomes.right_yes).mean())
        sim_deal = float(outcomes.deal.mean())
    return TruthQuality(
        good_pairs=int(good.sum()),
        matched_good=int(hits.sum()),
        precision=_share(hits.sum(), len(pairs)),
        recall=_share(hits.sum(), good.sum()),
        precision_macro=float((hits.sum(axis=1)[with_partner] / degree[with_partner]).mean()) if with_partner.any() else None,
        recall_macro=float((hits.sum(axis=1)[with_good] / good_per_left[with_good]).mean()) if with_good.any() else None,
        hit_rate=_share((hits.sum(axis=1) > 0).sum(), with_partner.sum()),
        mean_compatibility=float(compat[matched].mean()) if len(pairs) else None,
        k=k,
        precision_at_k=float(np.mean(p_at_k)) if p_at_k else None,
        recall_at_k=float(np.mean(r_at_k)) if r_at_k else None,
        ndcg_at_k=float(np.mean(ndcg)) if ndcg else None,
        expected_mutual_yes_rate=expected_yes,
        expected_deal_rate=expected_deal,
        simulated_mutual_yes_rate=sim_yes,
        simulated_deal_rate=sim_deal,
        outcome_round=outcome_round,
    )


def _charts(scores: np.ndarray, forbidden: np.ndarray, pair_scores: np.ndarray, left: SideQuality, right: SideQuality) -> dict[str, Any]:
    allowed = scores[~forbidden]
    if allowed.size:
        low, high = float(allowed.min()), float(allowed.max())
        if high <= low:
            high = low + 1.0
        counts, edges = np.histogram(pair_scores, bins=HISTOGRAM_BINS, range=(low, high))
    else:
        counts, edges = np.zeros(0, np.int64), np.zeros(0)
    coverage = [
        {"side": s.side, "attribute": attribute, "group": row["group"], "coverage": row["coverage"], "participants": row["participants"]}
        for s in (left, right) for attribute, rows in s.groups.items() for row in rows
    ]
    return {
        "score_histogram": {"edges": [float(e) for e in edges], "counts": [int(c) for c in counts]},
        "coverage_by_group": coverage,
        "meetings_per_participant": {"left": list(left.meetings_histogram), "right": list(right.meetings_histogram)},
    }


def _check_k(k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise InvalidInput([FieldError("k", k, "expected a positive integer")])
    return int(k)


def _check_groups(groups: Sequence[str], members: Sequence[Any]) -> tuple[str, ...]:
    if isinstance(groups, str):
        raise InvalidInput([FieldError("groups", groups, "expected a sequence of attribute names, not one string")])
    groups = tuple(groups)
    sample = next(iter(members), None)
    for name in groups:
        if sample is not None and not hasattr(sample, name):
            raise InvalidInput([FieldError("groups", name, f"participants have no attribute {name!r}; expected e.g. {list(DEFAULT_GROUPS)}")])
    return groups


def quality_from_pairs(
    scores: Any,
    forbidden: Any,
    pairs: Any,
    left: Sequence[Any] | None,
    right: Sequence[Any] | None,
    *,
    truth: "GroundTruth | None" = None,
    k: int = 5,
    groups: Sequence[str] = DEFAULT_GROUPS,
    left_capacity: Any = None,
    right_capacity: Any = None,
    left_min: Any = None,
    right_min: Any = None,
    outcome_round: int = 0,
    objective: str | None = None,
    solver: str | None = None,
) -> QualityReport:
    """The quality report of pairs on a score matrix.

    Parameters
    ----------
    scores : array_like of shape (n_left, n_right)
        Finite scores; higher is better for both sides.
    forbidden : None or bool array_like of the same shape
        Pairs a hard rule forbids (never in anyone's list).
    pairs : (k, 2) array_like of int, or MatchResult
        Matched (left, right) positions, each pair at most once.
    left, right : sequences of Participant, or None
        The two sides in score-matrix order: their attributes give the
        groups and their ids locate them in ``truth``; None skips groups
        (and then ``truth`` must follow the matrix order).
    truth : datasets.synthetic.GroundTruth, optional
        The planted ground truth: adds :class:`TruthQuality`.
    k : int, default 5
        Cut-off of the top-k figures (rank ≤ k, precision@k, NDCG@k).
    groups : sequence of str
        Participant attributes to split coverage on.
    left_capacity, right_capacity : int or array of int, optional
        Capacities.  Without them a matched participant counts as full and
        an unmatched one has one free place (blocking pairs), and
        ``over_capacity`` is None.
    left_min, right_min : int or array of int, optional
        Minimum numbers of partners (default 0).
    outcome_round : int, default 0
        Round of the simulated meeting outcomes.
    objective, solver : str, optional
        Recorded in the report.

    Returns
    -------
    QualityReport

    Raises
    ------
    InvalidInput
        Scores not a finite 2-D matrix, a mask of another shape, a pair out
        of range or repeated, a bound of the wrong length, side sizes that
        do not match the matrix, an unknown group attribute, ``k`` < 1, or
        participants unknown to ``truth``.
    """
    matrix = np.asarray(scores, dtype=float)
    if matrix.ndim != 2:
        raise InvalidInput([FieldError("scores", f"array of shape {matrix.shape}", "expected a matrix (2-D array)")])
    if not np.isfinite(matrix).all():
        raise InvalidInput([FieldError("scores", "non-finite value", "expected finite scores (mark impossible pairs in forbidden)")])
    n, m = matrix.shape
    mask = np.zeros((n, m), bool) if forbidden is None else np.asarray(forbidden, dtype=bool)
    if mask.shape != (n, m):
        raise InvalidInput([FieldError("forbidden", f"array of shape {mask.shape}", f"expected a bool mask of shape {(n, m)}")])
    for name, members, size in (("left", left, n), ("right", right, m)):
        if members is not None and len(members) != size:
            raise InvalidInput([FieldError(name, f"{len(members)} participants", f"expected {size}, the score matrix's {name} size")])
    k = _check_k(k)
    groups = _check_groups(groups, [*(left or ()), *(right or ())])
    pair_arr = _check_pairs(pairs, n, m)
    left_cap = _bound("left_capacity", left_capacity, n, None)
    right_cap = _bound("right_capacity", right_capacity, m, None)
    lmin = _bound("left_min", left_min, n, None)
    rmin = _bound("right_min", right_min, m, None)
    matched = pair_matrix(pair_arr, (n, m))
    left_deg, right_deg = matched.sum(axis=1), matched.sum(axis=0)
    left_rank, right_rank = partner_ranks(matrix, mask)
    blocking = blocking_pair_mask(
        matrix, pair_arr, forbidden=mask,
        left_capacity=np.maximum(left_cap, left_deg) if left_cap is not None else np.maximum(left_deg, 1),
        right_capacity=np.maximum(right_cap, right_deg) if right_cap is not None else np.maximum(right_deg, 1),
    )
    pair_scores = matrix[pair_arr[:, 0], pair_arr[:, 1]] if len(pair_arr) else np.zeros(0)
    stats = _stats(pair_scores)
    left_q = _side("left", left, groups, matrix, mask, matched, left_rank, left_cap, lmin, k)
    right_q = _side("right", right, groups, matrix, mask, matched, right_rank, right_cap, rmin, k)
    truth_q = _truth(truth, left, right, matrix, mask, pair_arr, k, outcome_round) if truth is not None else None
    return QualityReport(
        n_left=n,
        n_right=m,
        pairs=len(pair_arr),
        total=float(pair_scores.sum()),
        mean_score=stats["mean"],
        min_score=stats["min"],
        max_score=stats["max"],
        percentiles={f"p{q}": stats[f"p{q}"] for q in PERCENTILES},
        forbidden_pairs=int(mask[matched].sum()),
        blocking_pairs=int(blocking.sum()),
        blocking_share=_share(blocking.sum(), (~mask & ~matched).sum()),
        left=left_q,
        right=right_q,
        truth=truth_q,
        k=k,
        groups=groups,
        objective=objective,
        solver=solver,
        charts=_charts(matrix, mask, pair_scores, left_q, right_q),
    )


def quality_report(
    match: "RoundMatch",
    *,
    truth: "GroundTruth | None" = None,
    k: int = 5,
    groups: Sequence[str] = DEFAULT_GROUPS,
    outcome_round: int = 0,
) -> QualityReport:
    """The quality report of a verified round result.

    Scores, hard rules, capacities and minimums come from ``match.problem``;
    see :func:`quality_from_pairs` for the parameters.

    Examples
    --------
    >>> from datasets.synthetic import generate
    >>> from matching.model import Event
    >>> from matching.pipeline import match_round
    >>> data = generate("overseas", seed=0, n_left=6, n_right=8)
    >>> match = match_round(Event(programme=data.programme, participants=data.participants), objective="stable")
    >>> report = quality_report(match, truth=data.truth)
    >>> report.blocking_pairs, report.to_dict()["truth"]["k"]
    (0, 5)
    """
    problem = match.problem
    if problem.scores is None:
        raise ValueError(
            f"the quality report reads the score matrix, which a round solved on the factors "
            f"({len(problem.left):,} x {len(problem.right):,}) does not have; match with path='dense' where it fits"
        )
    return quality_from_pairs(
        problem.scores, problem.forbidden, match.result.pairs, problem.left, problem.right,
        truth=truth, k=k, groups=groups,
        left_capacity=problem.left_capacity, right_capacity=problem.right_capacity,
        left_min=problem.left_min, right_min=problem.right_min,
        outcome_round=outcome_round, objective=match.objective, solver=match.result.solver,
    )


def quality_from_event(
    event: "Event",
    id_pairs: Sequence[tuple[str, str]],
    *,
    round_index: int = 0,
    weights: Mapping[str, float] | None = None,
    truth: "GroundTruth | None" = None,
    k: int = 5,
    groups: Sequence[str] = DEFAULT_GROUPS,
    outcome_round: int = 0,
    objective: str | None = None,
    solver: str | None = None,
) -> QualityReport:
    """The quality report of (left id, right id) pairs of an event's round (e.g. a stored result's rows).

    The round is rescored (:func:`matching.pipeline.prepare_round`, with
    ``weights`` when the result was made with other weights); capacities and
    minimums are the round's.

    Raises
    ------
    InvalidInput
        An id that is not a participant of the round's side (one error per
        pair, ``row`` its 1-based position), or what
        :func:`quality_from_pairs` refuses.
    """
    from .pipeline import prepare_round

    problem = prepare_round(event, round_index, weights=weights, path="dense")  # reads the matrix
    left_pos = {p.id: i for i, p in enumerate(problem.left)}
    right_pos = {p.id: j for j, p in enumerate(problem.right)}
    errors = []
    for number, (left_id, right_id) in enumerate(id_pairs, start=1):
        if left_id not in left_pos:
            errors.append(FieldError("left_id", left_id, f"is not a left-side participant of round {round_index}", row=number))
        if right_id not in right_pos:
            errors.append(FieldError("right_id", right_id, f"is not a right-side participant of round {round_index}", row=number))
    if errors:
        raise InvalidInput(errors, f"{len(errors)} pair id(s) are not participants of the round")
    index = np.array([(left_pos[a], right_pos[b]) for a, b in id_pairs], dtype=np.int64).reshape(-1, 2)
    return quality_from_pairs(
        problem.scores, problem.forbidden, index, problem.left, problem.right,
        truth=truth, k=k, groups=groups,
        left_capacity=problem.left_capacity, right_capacity=problem.right_capacity,
        left_min=problem.left_min, right_min=problem.right_min,
        outcome_round=outcome_round, objective=objective, solver=solver,
    )
