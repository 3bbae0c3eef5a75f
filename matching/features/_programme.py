"""Playing a multi-round programme on a synthetic truth, planning each round with one predictor.

:func:`play_programme` runs rounds one after the other: each round is
planned (optimal capacitated matching, a pair never meeting twice), its
meetings' answers are drawn by the ground truth, and only then are they
added to the history.  Before planning round ``r`` every predictor of
:data:`PREDICTORS` is fitted on the answers of rounds ``0..r-1`` alone and
scores the pairs of round ``r``; the ROC-AUC of those scores against round
``r``'s real answers measures each predictor honestly (no look-ahead).

Predictors (:data:`PREDICTORS`)
-------------------------------
``profile``
    The organizer's profile score.
``propensity``
    :class:`~._propensity.PropensityModel`: each participant's selectivity
    and attractiveness, shrunk to the mean, with the profile score.
``reciprocal``
    :class:`~._reciprocal.ReciprocalModel`: profile, propensities and
    latent tastes, two directions, cross-validated priors.

Planners (:data:`PLANNERS`): the predictors (planning round ``r`` on their
prediction for every pair), plus ``oracle``, which plans on the truth's own
probabilities of round ``r`` (the ceiling no learner can pass).  More
predictors (diagnostics such as "the true propensities were known") can be
passed as ``extra_predictors`` and planned on by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Callable, Mapping

import numpy as np
from sklearn.metrics import roc_auc_score

from ..errors import FieldError, InvalidInput
from ._outcomes import Outcomes
from ._propensity import PropensityModel
from ._reciprocal import ReciprocalModel

__all__ = ["PREDICTORS", "PLANNERS", "ProgrammeRound", "ProgrammeRun", "play_programme"]

#: Predictors measured in every round after the first.
PREDICTORS: tuple[str, ...] = ("profile", "propensity", "reciprocal")
#: What a round can be planned from.
PLANNERS: tuple[str, ...] = (*PREDICTORS, "oracle")


def _auc(labels: np.ndarray, scores: np.ndarray) -> float:
    if len(labels) == 0 or labels.all() or not labels.any():
        return float("nan")
    return float(roc_auc_score(labels, scores))


@dataclass(frozen=True)
class ProgrammeRound:
    """One round of a played programme.

    Attributes
    ----------
    round : int
        0-based.
    planned_from : str
        The planner of this round (round 0: always ``profile``).
    pairs : ndarray of shape (k, 2)
        The meetings held.
    mutual_yes : int
        Meetings where both said yes (the draw).
    true_expected_mutual_yes : float
        Sum over the meetings of the truth's P(left yes) × P(right yes).
    predictions : Mapping[str, ndarray]
        Each predictor's score for the round's meetings, fitted on the
        earlier rounds only (empty for round 0).
    auc : Mapping[str, float]
        ROC-AUC of each prediction against the round's mutual yeses.
    """

    round: int
    planned_from: str
    pairs: np.ndarray
    mutual_yes: int
    true_expected_mutual_yes: float
    predictions: Mapping[str, np.ndarray]
    auc: Mapping[str, float]

    @property
    def meetings(self) -> int:
        return int(len(self.pairs))

    @property
    def mutual_yes_rate(self) -> float:
        return self.mutual_yes / self.meetings if self.meetings else float("nan")

    @property
    def expected_rate(self) -> float:
        return self.true_expected_mutual_yes / self.meetings if self.meetings else float("nan")


@dataclass(frozen=True)
class ProgrammeRun:
    """A programme played with one planner: its rounds and every answer."""

    planner: str
    rounds: tuple[ProgrammeRound, ...]
    outcomes: Outcomes

    def later(self, attribute: str) -> float:
        """``mutual_yes_rate`` or ``expected_rate`` over rounds 2.. pooled."""
        later = self.rounds[1:]
        meetings = sum(r.meetings for r in later)
        if not meetings:
            return float("nan")
        if attribute == "mutual_yes_rate":
            return sum(r.mutual_yes for r in later) / meetings
        if attribute == "expected_rate":
            return sum(r.true_expected_mutual_yes for r in later) / meetings
        raise InvalidInput([FieldError("attribute", attribute, "expected 'mutual_yes_rate' or 'expected_rate'")])

    def later_auc(self, predictor: str) -> float:
        """Mean over rounds 2.. of ``predictor``'s ROC-AUC on each round's answers.

        Per round, then averaged: pooling the rounds would let a predictor
        score for telling the rounds apart (later rounds have worse
        profile scores and fewer yeses) rather than the meetings.
        """
        values = [r.auc[predictor] for r in self.rounds[1:] if predictor in r.auc and np.isfinite(r.auc[predictor])]
        return float(np.mean(values)) if values else float("nan")


def _true_probabilities(truth: Any, n_left: int, n_right: int, round_index: int) -> np.ndarray:
    left_idx, right_idx = np.divmod(np.arange(n_left * n_right, dtype=np.int64), n_right)
    simulated = truth.simulate_outcomes((left_idx, right_idx), round=round_index)
    return (np.asarray(simulated.p_left) * np.asarray(simulated.p_right)).reshape(n_left, n_right)


def play_programme(
    scores: np.ndarray,
    forbidden: np.ndarray,
    truth: Any,
    *,
    planner: str = "reciprocal",
    rounds: int = 4,
    left_capacity: Any = 1,
    right_capacity: Any = 1,
    pair_features: np.ndarray | None = None,
    reciprocal: ReciprocalModel | None = None,
    prior_strength: float = 1.0,
    solve: Callable[..., np.ndarray] | None = None,
    extra_predictors: Mapping[str, Callable[[Outcomes, int], np.ndarray]] | None = None,
) -> ProgrammeRun:
    """Play ``rounds`` rounds, planning rounds 2.. with ``planner``.

    Parameters
    ----------
    scores : ndarray of shape (n_left, n_right)
        The profile scores.
    forbidden : ndarray of bool, same shape
        Pairs the hard rules forbid.
    truth : object
        ``simulate_outcomes((left_idx, right_idx), round=r)`` returning
        ``left_yes``, ``right_yes``, ``p_left``, ``p_right`` per pair (a
        :class:`datasets.synthetic.GroundTruth`).
    planner : str, default="reciprocal"
        One of :data:`PLANNERS`, or a name of ``extra_predictors``.
    rounds : int, default=4
    left_capacity, right_capacity : int or array of int
        Meetings per participant per round.
    pair_features : ndarray of shape (n_left, n_right[, n_features]), optional
        What the reciprocal model sees of a pair (default: the score); the
        first feature should be the profile score, the one its ridge keeps
        (e.g. :func:`~._pair_features.profile_features`: the score and the
        scorer's components).
    reciprocal : ReciprocalModel, optional
        Its parameters (default: ``ReciprocalModel()``); cloned per round.
    prior_strength : float, default=1.0
        Of the propensity model.
    solve : callable, optional
        ``solve(matrix, forbidden, left_capacity=, right_capacity=) -> (k, 2)``
        maximizing the total (default: the optimal capacitated solver).
    extra_predictors : mapping of str to callable, optional
        ``predict(history, r) -> (n_left, n_right)`` matrix, called before
        round ``r`` with the answers of rounds ``0..r-1``: measured like the
        predictors, and plannable by name.

    Returns
    -------
    ProgrammeRun
    """
    from sklearn.base import clone

    from ._learn import plan_capacitated

    extra = dict(extra_predictors or {})
    clash = set(extra) & set(PLANNERS)
    if clash:
        raise InvalidInput([FieldError("extra_predictors", sorted(clash), f"names already taken by {list(PLANNERS)}")])
    if planner not in PLANNERS and planner not in extra:
        raise InvalidInput([FieldError("planner", planner, f"expected one of {list(PLANNERS) + list(extra)}")])
    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 1:
        raise InvalidInput([FieldError("rounds", rounds, "expected a positive number of rounds")])
    scores = np.asarray(scores, dtype=float)
    if scores.ndim != 2:
        raise InvalidInput([FieldError("scores", f"array of shape {scores.shape}", "expected a (n_left, n_right) matrix")])
    n_left, n_right = scores.shape
    features = scores if pair_features is None else np.asarray(pair_features, dtype=float)
    if features.ndim not in (2, 3) or features.shape[:2] != scores.shape:
        raise InvalidInput([FieldError("pair_features", f"array of shape {features.shape}", f"expected {scores.shape}[+ (n_features,)], the scores' shape")])
    template = reciprocal if reciprocal is not None else ReciprocalModel()
    solve = solve or plan_capacitated
    blocked = np.array(forbidden, dtype=bool, copy=True)
    parts: list[Outcomes] = []
    played: list[ProgrammeRound] = []
    for r in range(rounds):
        matrices: dict[str, np.ndarray] = {"profile": scores}
        if r > 0:  # fitted on rounds 0..r-1 only: round r's answers are drawn below, after planning
            history = Outcomes.concat(parts)
            alone = PropensityModel(prior_strength=prior_strength).fit(history, scores[history.left_idx, history.right_idx],
                                                                       n_left=n_left, n_right=n_right)
            model = clone(template).fit(history, features[history.left_idx, history.right_idx], n_left=n_left, n_right=n_right)
            matrices["propensity"] = alone.expected_mutual_yes_matrix(scores)
            matrices["reciprocal"] = model.expected_mutual_yes_matrix(features)
            for name, predict in extra.items():
                matrices[name] = np.asarray(predict(history, r), dtype=float)
        source = planner if r > 0 else "profile"
        plan = _true_probabilities(truth, n_left, n_right, r) if source == "oracle" else matrices[source]
        pairs = np.asarray(solve(plan, blocked, left_capacity=left_capacity, right_capacity=right_capacity), dtype=np.int64).reshape(-1, 2)
        if len(pairs) == 0:
            break
        li, rj = pairs[:, 0], pairs[:, 1]
        simulated = truth.simulate_outcomes((li, rj), round=r)
        outcomes = Outcomes(li, rj, left_yes=np.asarray(simulated.left_yes, bool), right_yes=np.asarray(simulated.right_yes, bool), round=r)
        predictions = {name: matrix[li, rj] for name, matrix in matrices.items() if r > 0}
        auc = {name: _auc(outcomes.mutual, values) for name, values in predictions.items()}
        played.append(ProgrammeRound(
            round=r, planned_from=source, pairs=pairs, mutual_yes=int(outcomes.mutual.sum()),
            true_expected_mutual_yes=float(np.sum(np.asarray(simulated.p_left) * np.asarray(simulated.p_right))),
            predictions=MappingProxyType(predictions), auc=MappingProxyType(auc),
        ))
        parts.append(outcomes)
        blocked[li, rj] = True
    return ProgrammeRun(planner=planner, rounds=tuple(played), outcomes=Outcomes.concat(parts))
