"""The figures of a quality report (:mod:`matching.metrics`), as frozen dataclasses that turn into JSON."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, Mapping

import numpy as np

__all__ = ["QualityReport", "SideQuality", "TruthQuality"]


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
