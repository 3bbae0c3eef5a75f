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

import json
import math
from dataclasses import dataclass, field, fields, is_dataclass
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

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
#: Output formats of :func:`format_report`.
FORMATS: tuple[str, ...] = ("text", "md", "json")
#: Bins of the page's score histogram.
HISTOGRAM_BINS = 10
#: Above this many pairs (n_left × n_right) the ground-truth section is skipped: it needs the full compatibility matrix.
TRUTH_MAX_CELLS = 1 << 25
_TIE = 1e-12
_ENVY_BLOCK_CELLS = 1 << 22


# --------------------------------------------------------------------------- report types

@dataclass(frozen=True)
class SideQuality:
    """The figures of one side of a matching.

    Attributes
    ----------
    side : {"left", "right"}
    participants, matched : int
        Participants of the side, and those with at least one partner.
    coverage : float or None
        ``matched / participants`` (None for an empty side).
    meets_minimum : float or None
        Share of the side with at least its own minimum number of partners.
    over_capacity : int or None
        Participants with more partners than their capacity (None when no
        capacities were given).
    max_partners : int
    mean_partners : float or None
    partners_gini : float or None
        Gini coefficient of the number of partners, over the whole side.
    partner_score : mapping
        ``min``, ``mean``, ``max`` and ``p10`` … ``p90`` of each matched
        participant's mean partner score.
    rank : mapping
        Rank of the partner in one's own list (1 = best), over the pairs:
        ``mean``, ``median``, ``p90``, ``max``, ``top1_share`` (share of
        pairs where the partner is one's first choice) and ``topk_share``.
    envy : mapping
        ``envious_participants``, ``envious_share``, ``envy_pairs`` (ordered
        pairs of the side) and ``envy_pair_share`` (over n·(n−1)).
    groups : mapping
        Attribute → list of ``{group, participants, matched, coverage,
        mean_partner_score}``, largest group first.
    group_disparity : mapping
        Attribute → ``{min_coverage, max_coverage, ratio}`` over its groups.
    meetings_histogram : tuple of int
        Participants with 0, 1, 2, … partners.
    """

    side: str
    participants: int
    matched: int
    coverage: float | None
    meets_minimum: float | None
    over_capacity: int | None
    max_partners: int
    mean_partners: float | None
    partners_gini: float | None
    partner_score: Mapping[str, float | None]
    rank: Mapping[str, float | None]
    envy: Mapping[str, float | int | None]
    groups: Mapping[str, list[dict[str, Any]]]
    group_disparity: Mapping[str, dict[str, float | None]]
    meetings_histogram: tuple[int, ...]


@dataclass(frozen=True)
class TruthQuality:
    """The figures against a planted ground truth (synthetic data only).

    Attributes
    ----------
    good_pairs : int
        Truly good pairs among the allowed pairs of the event.
    matched_good : int
        Matched pairs that are truly good.
    precision, recall : float or None
        ``matched_good / pairs`` and ``matched_good / good_pairs`` (micro).
    precision_macro, recall_macro : float or None
        Means over left participants (those with partners, resp. with a
        good pair) of the same per-participant ratios.
    hit_rate : float or None
        Share of matched left participants with at least one good partner.
    mean_compatibility : float or None
        Mean planted compatibility of the matched pairs (standardised:
        0 is an average pair).
    k : int
    precision_at_k, recall_at_k, ndcg_at_k : float or None
        Of every left participant's top-k allowed partners by score (no
        solver), against its good pairs; NDCG with gain max(0, compatibility).
    expected_mutual_yes_rate, expected_deal_rate : float or None
        Mean over the matched pairs of the simulator's P(left yes) ·
        P(right yes), and of that times P(deal | mutual yes): exact
        expectations, no sampling.
    simulated_mutual_yes_rate, simulated_deal_rate : float or None
        The same from one simulated draw (round ``outcome_round``).
    outcome_round : int
    """

    good_pairs: int
    matched_good: int
    precision: float | None
    recall: float | None
    precision_macro: float | None
    recall_macro: float | None
    hit_rate: float | None
    mean_compatibility: float | None
    k: int
    precision_at_k: float | None
    recall_at_k: float | None
    ndcg_at_k: float | None
    expected_mutual_yes_rate: float | None
    expected_deal_rate: float | None
    simulated_mutual_yes_rate: float | None
    simulated_deal_rate: float | None
    outcome_round: int


@dataclass(frozen=True)
class QualityReport:
    """Quality figures of one matching; :meth:`to_dict` for JSON.

    Attributes
    ----------
    n_left, n_right, pairs : int
    total, mean_score, min_score, max_score : float or None
        Of the matched pairs' scores (``total`` is 0.0 without pairs).
    percentiles : mapping
        ``p10`` … ``p90`` of the matched pairs' scores.
    forbidden_pairs : int
        Matched pairs a hard rule forbids (0 for a verified result).
    blocking_pairs : int
        Pairs that both prefer each other to a partner (or have a free
        place), under the score-induced preferences.
    blocking_share : float or None
        ``blocking_pairs`` over the allowed unmatched pairs.
    left, right : SideQuality
    truth : TruthQuality or None
    k : int
    groups : tuple of str
    objective, solver : str or None
        What produced the pairs, when known.
    charts : mapping
        Data of the page's small charts: ``score_histogram`` (``edges``,
        ``counts``, over the range of the event's allowed scores),
        ``coverage_by_group`` (rows of side, attribute, group, coverage) and
        ``meetings_per_participant`` (``left``, ``right``: counts of 0, 1, …
        partners).
    """

    n_left: int
    n_right: int
    pairs: int
    total: float
    mean_score: float | None
    min_score: float | None
    max_score: float | None
    percentiles: Mapping[str, float | None]
    forbidden_pairs: int
    blocking_pairs: int
    blocking_share: float | None
    left: SideQuality
    right: SideQuality
    truth: TruthQuality | None
    k: int
    groups: tuple[str, ...]
    objective: str | None = None
    solver: str | None = None
    charts: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe nested dicts and lists: Python numbers, ``None`` for NaN or undefined."""
        return _json_safe(self)

    def flat(self) -> dict[str, Any]:
        """The scalar figures with dotted names (``left.coverage``, ``truth.ndcg_at_k``…), charts and groups left out."""
        out: dict[str, Any] = {}

        def walk(prefix: str, value: Any) -> None:
            if isinstance(value, dict):
                for key, item in value.items():
                    walk(f"{prefix}.{key}" if prefix else str(key), item)
            elif not isinstance(value, list):
                out[prefix] = value

        data = self.to_dict()
        for name in ("charts", "groups"):
            data.pop(name)
        for side in ("left", "right"):
            for name in ("groups", "group_disparity", "meetings_histogram"):
                data[side].pop(name)
        walk("", data)
        return out


def _json_safe(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _json_safe(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(float(value)) else None
    return value


# --------------------------------------------------------------------------- primitive figures

def gini(counts: Any) -> float | None:
    """Gini coefficient of non-negative amounts (e.g. partners per participant).

    ``G = Σ_i Σ_j |x_i − x_j| / (2 n² μ)``, computed from the sorted values
    as ``2 Σ_i i·x_(i) / (n Σ x) − (n + 1) / n``.  0 when every amount is
    equal (all zero included), at most ``1 − 1/n``.

    Parameters
    ----------
    counts : array_like of shape (n,)

    Returns
    -------
    float or None
        None for an empty input.

    Raises
    ------
    InvalidInput
        A negative or non-finite amount.

    References
    ----------
    C. Gini, *Variabilità e mutabilità* (1912); R. Dorfman, "A formula for
    the Gini coefficient", *Rev. Econ. Stat.* 61 (1979) 146–149.

    Examples
    --------
    >>> gini([1, 1, 1]), round(gini([0, 0, 3]), 6)
    (0.0, 0.666667)
    """
    x = np.asarray(counts, dtype=float).ravel()
    if x.size == 0:
        return None
    if not np.isfinite(x).all() or (x < 0).any():
        raise InvalidInput([FieldError("counts", x[~np.isfinite(x) | (x < 0)][0].item(), "expected non-negative finite amounts")])
    total = x.sum()
    if total == 0:
        return 0.0
    x = np.sort(x)
    n = x.size
    value = float(2.0 * np.dot(np.arange(1, n + 1), x) / (n * total) - (n + 1) / n)
    return max(0.0, value)


def _masked(scores: np.ndarray, forbidden: np.ndarray) -> np.ndarray:
    return np.where(forbidden, -np.inf, scores)


def partner_ranks(scores: np.ndarray, forbidden: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Rank of every partner in each participant's own list (1 = best).

    Each side prefers higher scores, ties to the lower index; forbidden
    pairs come after every allowed one.

    Returns
    -------
    left_rank, right_rank : ndarray of shape (n_left, n_right), int32
        ``left_rank[i, j]``: where ``j`` stands in ``i``'s list;
        ``right_rank[i, j]``: where ``i`` stands in ``j``'s list.

    Examples
    --------
    >>> left, right = partner_ranks(np.array([[0.5, 0.9], [0.7, 0.1]]))
    >>> left.tolist(), right.tolist()
    ([[2, 1], [1, 2]], [[2, 1], [1, 2]])
    """
    scores = np.asarray(scores, dtype=float)
    forbidden = np.zeros(scores.shape, bool) if forbidden is None else np.asarray(forbidden, dtype=bool)
    masked = _masked(scores, forbidden)
    left = np.empty(scores.shape, dtype=np.int32)
    right = np.empty(scores.shape, dtype=np.int32)
    if scores.size:
        order = np.argsort(-masked, axis=1, kind="stable")
        np.put_along_axis(left, order, np.broadcast_to(np.arange(1, scores.shape[1] + 1, dtype=np.int32), scores.shape), axis=1)
        order = np.argsort(-masked, axis=0, kind="stable")
        np.put_along_axis(right, order, np.broadcast_to(np.arange(1, scores.shape[0] + 1, dtype=np.int32)[:, None], scores.shape), axis=0)
    return left, right


def _pair_matrix(pairs: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    matched = np.zeros(shape, dtype=bool)
    if len(pairs):
        matched[pairs[:, 0], pairs[:, 1]] = True
    return matched


def blocking_pair_mask(
    scores: np.ndarray,
    pairs: Any,
    *,
    forbidden: np.ndarray | None = None,
    left_capacity: Any = 1,
    right_capacity: Any = 1,
) -> np.ndarray:
    """Blocking pairs of a matching under the preferences the scores induce.

    ``(i, j)`` blocks when it is allowed and unmatched, ``i`` has a free
    place (fewer partners than its capacity) or ranks ``j`` above its worst
    partner, and ``j`` has a free place or ranks ``i`` above its worst
    partner; ranks as in :func:`partner_ranks` (the same preferences as
    ``stable_matching(scores, scores.T)``).

    Parameters
    ----------
    scores : ndarray of shape (n_left, n_right)
    pairs : (k, 2) array of (left, right) positions
    forbidden : bool ndarray of the same shape, optional
    left_capacity, right_capacity : int or array of int

    Returns
    -------
    bool ndarray of shape (n_left, n_right)

    References
    ----------
    D. Gale and L. S. Shapley, "College admissions and the stability of
    marriage", *Amer. Math. Monthly* 69 (1962) 9–15.

    Examples
    --------
    >>> blocking_pair_mask(np.array([[0.9, 0.2], [0.8, 0.1]]), [(0, 1), (1, 0)]).nonzero()
    (array([0]), array([0]))
    """
    scores = np.asarray(scores, dtype=float)
    n, m = scores.shape
    forbidden = np.zeros((n, m), bool) if forbidden is None else np.asarray(forbidden, dtype=bool)
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    matched = _pair_matrix(pairs, (n, m))
    left_rank, right_rank = partner_ranks(scores, forbidden)
    left_deg, right_deg = matched.sum(axis=1), matched.sum(axis=0)
    left_cap = np.broadcast_to(np.asarray(left_capacity, dtype=np.int64), (n,))
    right_cap = np.broadcast_to(np.asarray(right_capacity, dtype=np.int64), (m,))
    left_worst = np.where(matched, left_rank, 0).max(axis=1, initial=0)
    right_worst = np.where(matched, right_rank, 0).max(axis=0, initial=0)
    left_wants = (left_deg < left_cap)[:, None] | (left_rank < left_worst[:, None])
    right_wants = (right_deg < right_cap)[None, :] | (right_rank < right_worst[None, :])
    return ~forbidden & ~matched & left_wants & right_wants


def envy_matrix(scores: np.ndarray, pairs: Any, *, forbidden: np.ndarray | None = None, side: str = "left") -> np.ndarray:
    """Who envies whom, within one side, under the scores.

    Participant ``a`` envies ``b`` (same side, ``a ≠ b``) when ``b`` has at
    least one partner that ``a`` may meet and the mean score ``a`` gives to
    those partners is above the mean score of ``a``'s own partners (an
    unmatched ``a`` envies every such ``b``).  One-to-one, this is "``a``
    prefers ``b``'s partner to its own".

    Parameters
    ----------
    scores : ndarray of shape (n_left, n_right)
    pairs : (k, 2) array of (left, right) positions
    forbidden : bool ndarray, optional
    side : {"left", "right"}

    Returns
    -------
    bool ndarray of shape (n, n), n the size of ``side``

    References
    ----------
    D. K. Foley, "Resource allocation and the public sector", *Yale Econ.
    Essays* 7 (1967) 45–98.

    Examples
    --------
    >>> envy_matrix(np.array([[0.9, 0.2], [0.8, 0.1]]), [(0, 1), (1, 0)]).astype(int).tolist()
    [[0, 1], [0, 0]]
    """
    if side not in ("left", "right"):
        raise InvalidInput([FieldError("side", side, "expected 'left' or 'right'")])
    scores = np.asarray(scores, dtype=float)
    forbidden = np.zeros(scores.shape, bool) if forbidden is None else np.asarray(forbidden, dtype=bool)
    matched = _pair_matrix(np.asarray(pairs, dtype=np.int64).reshape(-1, 2), scores.shape).astype(float)
    if side == "right":
        scores, forbidden, matched = scores.T, forbidden.T, matched.T
    value = np.where(forbidden, 0.0, scores)
    degree = matched.sum(axis=1)
    own = np.divide((value * matched).sum(axis=1), degree, out=np.full(len(degree), -np.inf), where=degree > 0)
    n = scores.shape[0]
    envy = np.zeros((n, n), dtype=bool)
    step = max(1, _ENVY_BLOCK_CELLS // max(n, 1))
    for start in range(0, n, step):  # row blocks keep the float temporaries at step × n
        rows = slice(start, min(n, start + step))
        sums = value[rows] @ matched.T  # sums[a, b]: what a would get from b's partners that a may meet
        counts = (~forbidden[rows]).astype(float) @ matched.T
        with np.errstate(invalid="ignore", divide="ignore"):
            theirs = np.where(counts > 0, sums / np.where(counts > 0, counts, 1.0), -np.inf)
        envy[rows] = (counts > 0) & (theirs > own[rows, None] + _TIE)
    np.fill_diagonal(envy, False)
    return envy


def top_k_indices(scores: np.ndarray, k: int, forbidden: np.ndarray | None = None) -> list[np.ndarray]:
    """Every row's ``k`` best allowed columns, best first (ties to the lower index)."""
    scores = np.asarray(scores, dtype=float)
    forbidden = np.zeros(scores.shape, bool) if forbidden is None else np.asarray(forbidden, dtype=bool)
    order = np.argsort(-_masked(scores, forbidden), axis=1, kind="stable")[:, :k]
    allowed = (~forbidden).sum(axis=1)
    return [order[i, : min(k, int(allowed[i]))] for i in range(scores.shape[0])]


def ndcg_at_k(ranked_gains: Any, all_gains: Any, k: int) -> float | None:
    """Normalised discounted cumulative gain of one ranked list.

    ``DCG@k = Σ_{r=1..k} g_r / log2(r + 1)``, divided by the DCG of the
    ``k`` largest gains of ``all_gains`` (the ideal ranking).

    Returns
    -------
    float or None
        In [0, 1]; None when the ideal DCG is 0 (nothing to find).

    References
    ----------
    K. Järvelin and J. Kekäläinen, "Cumulated gain-based evaluation of IR
    techniques", *ACM TOIS* 20 (2002) 422–446.

    Examples
    --------
    >>> ndcg_at_k([3.0, 2.0], [1.0, 2.0, 3.0], 2)
    1.0
    >>> round(ndcg_at_k([1.0, 2.0], [1.0, 2.0, 3.0], 2), 4)
    0.5307
    """
    ranked = np.asarray(ranked_gains, dtype=float)[:k]
    ideal = np.sort(np.asarray(all_gains, dtype=float))[::-1][:k]
    if (ranked < 0).any() or (ideal < 0).any():
        raise InvalidInput([FieldError("gains", float(min(ranked.min(initial=0), ideal.min(initial=0))), "expected non-negative gains")])
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    best = float(np.dot(ideal, discount[: len(ideal)]))
    if best <= 0:
        return None
    return min(1.0, float(np.dot(ranked, discount[: len(ranked)])) / best)


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
    matched = _pair_matrix(pairs, (n, m))
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
    matched = _pair_matrix(pair_arr, (n, m))
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


# --------------------------------------------------------------------------- formatting

def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e4 else f"{value:,.1f}"
    return str(value)


def _lines(report: QualityReport) -> list[tuple[str, list[tuple[str, Any]]]]:
    d = report.to_dict()
    sections: list[tuple[str, list[tuple[str, Any]]]] = [
        ("Scores", [("pairs", d["pairs"]), ("total", d["total"]), ("mean", d["mean_score"]), ("minimum", d["min_score"]),
                    ("maximum", d["max_score"]), *[(k, v) for k, v in d["percentiles"].items()]]),
        ("Stability", [("blocking pairs", d["blocking_pairs"]), ("blocking share", d["blocking_share"]),
                       ("forbidden pairs matched", d["forbidden_pairs"])]),
    ]
    for side in ("left", "right"):
        s = d[side]
        rows = [("participants", s["participants"]), ("coverage", s["coverage"]), ("meets minimum", s["meets_minimum"]),
                ("over capacity", s["over_capacity"]), ("max partners", s["max_partners"]), ("Gini of partners", s["partners_gini"]),
                ("mean partner score: min", s["partner_score"]["min"]), ("mean partner score: median", s["partner_score"]["p50"]),
                ("partner rank: mean", s["rank"]["mean"]), ("first choice share", s["rank"]["top1_share"]),
                (f"top-{d['k']} share", s["rank"]["topk_share"]), ("envious share", s["envy"]["envious_share"])]
        rows += [(f"{attr} coverage ratio (min/max)", v["ratio"]) for attr, v in s["group_disparity"].items()]
        sections.append((f"{side.capitalize()} side", rows))
    if d["truth"] is not None:
        t = d["truth"]
        sections.append(("Against the planted ground truth", [
            ("good pairs", t["good_pairs"]), ("matched good pairs", t["matched_good"]), ("precision", t["precision"]),
            ("recall", t["recall"]), ("hit rate", t["hit_rate"]), ("mean compatibility", t["mean_compatibility"]),
            (f"precision@{t['k']}", t["precision_at_k"]), (f"recall@{t['k']}", t["recall_at_k"]), (f"NDCG@{t['k']}", t["ndcg_at_k"]),
            ("expected mutual-yes rate", t["expected_mutual_yes_rate"]), ("expected deal rate", t["expected_deal_rate"]),
            ("simulated mutual-yes rate", t["simulated_mutual_yes_rate"]), ("simulated deal rate", t["simulated_deal_rate"]),
        ]))
    return sections


def format_report(report: QualityReport, fmt: str = "text") -> str:
    """The report as ``text`` (terminal), ``md`` (Markdown) or ``json``.

    Raises
    ------
    InvalidInput
        An unknown format.
    """
    if fmt not in FORMATS:
        raise InvalidInput([FieldError("format", fmt, f"unknown format; expected one of {list(FORMATS)}")])
    if fmt == "json":
        return json.dumps(report.to_dict(), ensure_ascii=False, indent=2)
    title = "Match quality" + (f" ({report.objective}, {report.solver})" if report.objective else "")
    title += f": {report.n_left} left × {report.n_right} right"
    out: list[str] = []
    if fmt == "md":
        out.append(f"# {title}\n")
        for name, rows in _lines(report):
            out += [f"## {name}\n", "| figure | value |", "|---|---|", *[f"| {label} | {_fmt(value)} |" for label, value in rows], ""]
    else:
        out.append(title)
        for name, rows in _lines(report):
            out.append(f"\n{name}")
            out += [f"  {label:<36} {_fmt(value)}" for label, value in rows]
    return "\n".join(out).rstrip() + "\n"
