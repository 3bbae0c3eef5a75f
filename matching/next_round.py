"""The next round of a multi-round programme, planned on what earlier rounds taught.

After each round the organizer collects every meeting's answers (did each
side want to continue).  :func:`match_next_round` fits a
:class:`~matching.features.ReciprocalModel` on the answers of the rounds
*before* the one being matched, and plans that round to maximize the
expected number of mutual yeses (or a mix with the profile score,
``learning_weight``) under the round's capacities and hard rules, never
proposing a pair that met before (pins excepted).  The model reads each
pair's profile score and the scorer's components (``features``), so that
it can re-weigh the components by what the answers showed.  :func:`next_round_rows`
gives the pairs as :func:`matching.pipeline.match_rows` does, each with a
``learned`` part: the chance of a mutual yes from the profile alone and
with the history, and the reasons in Japanese and English.

History rows name participants by id (``round``, ``left``, ``right``,
``left_yes``, ``right_yes``): rows of the round being matched or later are
ignored (no look-ahead); rows naming someone not in the round are ignored;
rows without both answers only mark the pair as met.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
from sklearn.base import clone

from .errors import FieldError, Infeasible, InvalidInput
from .features import PROFILE_FEATURES_MAX_CELLS, Outcomes, ReciprocalModel, explain_learned, next_round_scores, profile_features
from .pipeline import (
    EXACT_OBJECTIVES,
    OBJECTIVES,
    RoundMatch,
    VerificationFailed,
    _checks,
    _round,
    _with_ids,
    match_rows,
    prepare_round,
    summary,
)

__all__ = ["FEATURES", "NextRound", "match_next_round", "next_round_rows", "next_round_summary"]

#: What the model reads of a pair: the profile score and the scorer's components
#: (:func:`matching.features.profile_features`), or the profile score alone.
FEATURES: tuple[str, ...] = ("components", "score")


@dataclass(frozen=True)
class NextRound:
    """A verified next round planned on learned chances of a mutual yes.

    Attributes
    ----------
    match : RoundMatch
        Solved and verified on the planning matrix (``match.problem.scores``)
        and the forbidden mask with the pairs that met before.
    profile : RoundProblem
        The round scored from the profiles alone (for reasons and ranks).
    model : ReciprocalModel or None
        Fitted on the earlier rounds; None without usable history.
    learning_weight : float
    meetings_learned : int
        Earlier meetings with both answers the model learned from.
    met_before : int
        Pairs of this round that met before (excluded unless pinned).
    features : str
        What the model read of a pair (one of :data:`FEATURES`).
    pair_features : ndarray of shape (n_left, n_right[, n_features])
        Those features for every pair of the round.
    """

    match: RoundMatch
    profile: Any
    model: ReciprocalModel | None
    learning_weight: float
    meetings_learned: int
    met_before: int
    features: str
    pair_features: np.ndarray


def _history(rows: Sequence[Mapping[str, Any]], round_index: int, left_pos: Mapping[str, int],
             right_pos: Mapping[str, int]) -> tuple[Outcomes | None, np.ndarray]:
    met, answered = set(), []
    for row in rows:
        if int(row.get("round", 0)) >= round_index:
            continue  # the round being matched, or later: never learned from
        i, j = left_pos.get(row.get("left")), right_pos.get(row.get("right"))
        if i is None or j is None:
            continue
        met.add((i, j))
        if row.get("left_yes") is not None and row.get("right_yes") is not None:
            answered.append((int(row.get("round", 0)), i, j, bool(row["left_yes"]), bool(row["right_yes"])))
    pairs = np.array(sorted(met), dtype=np.int64).reshape(-1, 2)
    if not answered:
        return None, pairs
    table = np.array(answered, dtype=np.int64)
    return Outcomes(table[:, 1], table[:, 2], left_yes=table[:, 3].astype(bool), right_yes=table[:, 4].astype(bool),
                    round=table[:, 0]), pairs


def match_next_round(
    event: Any,
    round_index: int,
    history: Sequence[Mapping[str, Any]],
    *,
    learning_weight: float = 1.0,
    objective: str | None = None,
    weights: Mapping[str, float] | None = None,
    seed: int = 0,
    model: ReciprocalModel | None = None,
    features: str = "components",
) -> NextRound:
    """Plan round ``round_index`` on the chances of a mutual yes learned from earlier rounds.

    Parameters
    ----------
    event : matching.model.Event
    round_index : int
        The round to match; its rows in ``history`` and later ones are ignored.
    history : sequence of mapping
        Earlier meetings: ``round``, ``left``, ``right`` (ids), ``left_yes``,
        ``right_yes`` (bool or None).
    learning_weight : float in [0, 1], default=1.0
        1: maximize expected mutual yeses; 0: the profile score; between: a mix.
    objective : str, optional
        One of :data:`matching.pipeline.OBJECTIVES` (default: the round's).
    weights : mapping, optional
        Component weights of the profile score (default: the round's).
    seed : int
        Seeds the model's cross-validation and the ``random`` baseline.
    model : ReciprocalModel, optional
        Its parameters (default ``ReciprocalModel(random_state=seed)``).
    features : {"components", "score"}, default="components"
        What the model reads of a pair: the profile score and the scorer's
        components, so that it can re-weigh them by what earlier rounds'
        answers showed (a cross-validated ridge keeps it near the score when
        the history is short), or the score alone.  A round whose block
        would exceed :data:`matching.features.PROFILE_FEATURES_MAX_CELLS`
        values falls back to the score alone (``NextRound.features`` says
        which was used).

    Returns
    -------
    NextRound

    Raises
    ------
    InvalidInput
        Unknown round, objective or ``features``, a bad ``learning_weight``.
    Infeasible
        The round's bounds cannot hold once the pairs that met are excluded.
    matching.pipeline.VerificationFailed
        The result failed an independent check.
    """
    if features not in FEATURES:
        raise InvalidInput([FieldError("features", features, f"expected one of {list(FEATURES)}")])
    name = objective if objective is not None else _round(event, round_index).objective
    if name not in OBJECTIVES:
        raise InvalidInput([FieldError("objective", name, f"unknown objective; expected one of {sorted(OBJECTIVES)}")])
    problem = prepare_round(event, round_index, weights=weights, path="dense")  # plans on the matrix
    if len(problem.required) and name not in EXACT_OBJECTIVES:
        raise InvalidInput([FieldError("objective", name, f"the round has {len(problem.required)} must pair(s) (pins), which only "
                                       f"{' and '.join(EXACT_OBJECTIVES)} keep; choose one of those or remove the pins")])
    left_pos = {p.id: i for i, p in enumerate(problem.left)}
    right_pos = {p.id: j for j, p in enumerate(problem.right)}
    outcomes, met = _history(history, round_index, left_pos, right_pos)
    if len(problem.required) and len(met):  # a pin is the organizer's word: it may repeat a pair
        pinned = {tuple(p) for p in problem.required.tolist()}
        met = np.array([p for p in met.tolist() if tuple(p) not in pinned], dtype=np.int64).reshape(-1, 2)
    n_features = 1 + len(problem.scorer.component_names_)
    if features == "components" and problem.scores.size * n_features > PROFILE_FEATURES_MAX_CELLS:
        features = "score"  # too large a block: the profile score alone
    block = profile_features(problem.scorer, problem.scores) if features == "components" else problem.scores
    fitted = None
    if outcomes is not None:
        fitted = clone(model if model is not None else ReciprocalModel(random_state=seed)).fit(
            outcomes, block[outcomes.left_idx, outcomes.right_idx], n_left=len(problem.left), n_right=len(problem.right))
    plan, blocked = next_round_scores(fitted, block, problem.scores, problem.forbidden, met,
                                      learning_weight=learning_weight if fitted is not None else 0.0)
    planned = dataclasses.replace(problem, scores=plan, forbidden=blocked)
    try:
        result = OBJECTIVES[name](planned, seed)
    except Infeasible as exc:
        raise _with_ids(exc, planned) from exc
    checks = _checks(planned, name, result)
    failed = [c for c in checks if not c.ok]
    if failed:
        raise VerificationFailed(f"{name} result failed verification, not published: " + "; ".join(p for c in failed for p in c.problems))
    return NextRound(match=RoundMatch(problem=planned, objective=name, result=result, checks=checks), profile=problem,
                     model=fitted, learning_weight=float(learning_weight),
                     meetings_learned=0 if outcomes is None else len(outcomes), met_before=int(len(met)),
                     features=features, pair_features=block)


def next_round_rows(planned: NextRound) -> list[dict[str, Any]]:
    """One dict per pair, as :func:`matching.pipeline.match_rows` (profile score, ranks, reasons), plus ``learned``.

    ``learned`` holds ``profile_probability``, ``probability`` and
    ``learned`` (their difference), each side's chance of a yes and learned
    effects, and ``reasons_ja`` / ``reasons_en``; it is None when the model
    had no history to learn from.
    """
    match = planned.match
    rows = match_rows(RoundMatch(problem=planned.profile, objective=match.objective, result=match.result, checks=match.checks))
    model, problem = planned.model, planned.profile
    for row, (i, j) in zip(rows, match.result.pairs.tolist()):
        row["planning_score"] = round(float(match.problem.scores[i, j]), 6)
        if model is None:
            row["learned"] = None
            continue
        part = model.learned_part(i, j, planned.pair_features[i, j])
        row["learned"] = {
            **{key: (round(value, 6) if isinstance(value, float) else value) for key, value in part.as_dict().items()},
            "reasons_ja": explain_learned(part, problem.left[i].id, problem.right[j].id, lang="ja"),
            "reasons_en": explain_learned(part, problem.left[i].id, problem.right[j].id, lang="en"),
        }
    return rows


def next_round_summary(planned: NextRound) -> dict[str, Any]:
    """:func:`matching.pipeline.summary` of the plan, with the profile totals and a ``learning`` section."""
    match, problem = planned.match, planned.profile
    report = summary(match)
    pairs = match.result.pairs
    profile_scores = problem.scores[pairs[:, 0], pairs[:, 1]] if len(pairs) else np.zeros(0)
    report["total_score"] = round(float(profile_scores.sum()), 6)
    report["mean_score"] = round(float(profile_scores.mean()), 6) if len(pairs) else None
    report["min_score"] = round(float(profile_scores.min()), 6) if len(pairs) else None
    learning: dict[str, Any] = {
        "used": planned.model is not None,
        "model": "reciprocal",
        "learning_weight": planned.learning_weight,
        "meetings": planned.meetings_learned,
        "features": planned.features,
        "met_before_excluded": planned.met_before,
        "planning_total": round(float(match.result.objective), 6),
    }
    if planned.model is not None:
        # the matched pairs' chances only, not the whole block's
        features = planned.pair_features[pairs[:, 0], pairs[:, 1]]
        expected = planned.model.predict_mutual_yes(pairs[:, 0], pairs[:, 1], features)
        profile_only = planned.model.predict_profile_only(features)
        learning["expected_mutual_yes"] = round(float(expected.sum()), 6)
        learning["expected_mutual_yes_profile_only"] = round(float(profile_only.sum()), 6)
        learning["prior_strength"] = {"left": planned.model.left_model_.prior_strength, "right": planned.model.right_model_.prior_strength}
        learning["factor_strength"] = {side: (None if not np.isfinite(m.factor_strength) else m.factor_strength)
                                       for side, m in (("left", planned.model.left_model_), ("right", planned.model.right_model_))}
        if planned.features == "components":
            learning["feature_strength"] = {"left": planned.model.left_model_.feature_strength,
                                            "right": planned.model.right_model_.feature_strength}
    else:
        learning["reason"] = "no earlier meeting of this round's participants with both answers: planned from the profile scores"
    report["learning"] = learning
    return report
