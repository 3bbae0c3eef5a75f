"""Learning the scorer's component weights from outcomes, and saving a fitted scorer.

Two kinds of signal teach the engine (the other, each participant's own
propensities, is :mod:`._propensity`):

* :func:`fit_weights` fits the component weights from past meetings'
  outcomes (one side's yes, a mutual yes, a deal) by a logistic regression
  over the scorer's pair features, with non-negative weights so the result
  can be set on a :class:`~matching.model.Round`, and reports the
  cross-validated ROC-AUC;
* :func:`fit_weights_to_truth` does the same against the planted good pairs
  of a synthetic training programme (train on one seed, evaluate on
  another with :func:`evaluate_ground_truth`).

Across the rounds of one programme, a :class:`~._propensity.PropensityModel`
is updated after every round (:func:`pair_inputs` gives what it sees of the
pairs) and :func:`expected_mutual_yes` gives the matrix the next round's
solver maximizes.  :func:`simulate_rounds` plays that loop on a synthetic
programme, with and without learning, and measures how well each signal
predicts the later rounds.

:func:`save_scorer` / :func:`load_scorer` keep a fitted scorer (with its
weights) on disk, with the fitted outcome model of a multi-round programme
(:func:`load_outcome_model`), refusing a file from another format or
package version.
"""

from __future__ import annotations

import os
import pickle
import platform
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import sklearn
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from ..errors import FieldError, InvalidInput
from ._outcomes import Outcomes
from ._propensity import PropensityModel

__all__ = [
    "NonNegativeLogisticRegression",
    "FittedWeights",
    "TARGETS",
    "fit_weights",
    "fit_weights_from_features",
    "fit_weights_to_truth",
    "evaluate_ground_truth",
    "sample_pairs",
    "PAIR_INPUTS",
    "RoundReport",
    "SimulationResult",
    "plan_capacitated",
    "pair_inputs",
    "expected_mutual_yes",
    "simulate_rounds",
    "save_scorer",
    "load_scorer",
    "load_outcome_model",
    "SCORER_FORMAT",
    "SCORER_FORMAT_VERSION",
]

#: The outcome a weight fit can predict.
TARGETS: tuple[str, ...] = ("mutual", "left_yes", "right_yes", "deal")


class NonNegativeLogisticRegression(ClassifierMixin, BaseEstimator):
    """L2-regularised logistic regression whose coefficients may be kept ≥ 0.

    A scorer's weights must be non-negative (a component that *lowers* the
    score when two profiles match better is not a weight an organizer can
    set), so this is logistic regression with bound constraints, solved by
    L-BFGS-B on standardized features; the intercept is free.

    Parameters
    ----------
    C : float, default=1.0
        Inverse regularisation strength, as in scikit-learn's
        ``LogisticRegression``.
    nonnegative : bool, default=True
        Keep every coefficient ≥ 0.
    max_iter : int, default=1000

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Coefficients of the raw (unstandardized) features.
    intercept_ : float
    classes_ : ndarray of shape (2,)
    n_features_in_ : int

    Examples
    --------
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> model = NonNegativeLogisticRegression().fit(X, [0, 0, 1, 1])
    >>> bool(model.coef_[0] > 0)
    True
    """

    def __init__(self, C: float = 1.0, nonnegative: bool = True, max_iter: int = 1000):
        self.C = C
        self.nonnegative = nonnegative
        self.max_iter = max_iter

    def fit(self, X: np.ndarray, y: np.ndarray) -> "NonNegativeLogisticRegression":
        X = np.asarray(X, dtype=float)
        y = np.asarray(y)
        if X.ndim != 2 or len(X) != len(y):
            raise InvalidInput([FieldError("X", f"array of shape {X.shape}", f"expected a 2-D array with {len(y)} rows (one per label)")])
        if not np.isfinite(X).all():
            raise InvalidInput([FieldError("X", "non-finite value", "expected finite features")])
        if not (isinstance(self.C, (int, float)) and self.C > 0):
            raise InvalidInput([FieldError("C", self.C, "expected a positive number")])
        self.classes_, target = np.unique(y, return_inverse=True)
        if len(self.classes_) != 2:
            raise InvalidInput([FieldError("y", self.classes_.tolist(), "expected exactly two classes (yes and no)")])
        mean = X.mean(axis=0)
        scale = X.std(axis=0)
        scale = np.where(scale > 0, scale, 1.0)
        Z = (X - mean) / scale
        t = target.astype(float)
        p = X.shape[1]

        def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
            z = theta[0] + Z @ theta[1:]
            loss = self.C * (np.logaddexp(0.0, z).sum() - t @ z) + 0.5 * theta[1:] @ theta[1:]
            r = self.C * (expit(z) - t)
            return loss, np.concatenate([[r.sum()], Z.T @ r + theta[1:]])

        bounds = [(None, None)] + [(0.0, None) if self.nonnegative else (None, None)] * p
        with threadpool_limits(limits=1, user_api="blas"):  # tiny BLAS calls: threads only add contention
            result = minimize(objective, np.zeros(p + 1), jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": self.max_iter})
        standardized = result.x[1:]
        self.coef_ = standardized / scale
        self.intercept_ = float(result.x[0] - standardized @ (mean / scale))
        self.n_features_in_ = p
        self.converged_ = bool(result.success)
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        check_is_fitted(self, "coef_")
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self.n_features_in_:
            raise InvalidInput([FieldError("X", f"array of shape {X.shape}", f"expected {self.n_features_in_} columns, as when fitted")])
        return self.intercept_ + X @ self.coef_

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        p = expit(self.decision_function(X))
        return np.column_stack([1 - p, p])

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.classes_[(self.decision_function(X) > 0).astype(int)]


@dataclass(frozen=True)
class FittedWeights:
    """Component weights learned from outcomes or planted good pairs.

    Attributes
    ----------
    weights : Mapping[str, float]
        Non-negative weight per component name, scaled to sum to 1 (the
        form a :class:`~matching.model.Round` takes); all zeros when no
        component helps.
    coef : Mapping[str, float]
        The raw logistic coefficients (the weights before scaling).
    intercept : float
    target : str
        What was predicted: ``mutual``, ``left_yes``, ``right_yes``,
        ``deal`` or ``good_pair``.
    cv_auc : tuple of float
        ROC-AUC of each cross-validation fold (out-of-fold predictions).
    baseline_auc : float
        ROC-AUC of the weights the scorer had before, on the same pairs.
    n_samples, n_positive : int
    """

    weights: Mapping[str, float]
    coef: Mapping[str, float]
    intercept: float
    target: str
    cv_auc: tuple[float, ...]
    baseline_auc: float
    n_samples: int
    n_positive: int

    @property
    def cv_auc_mean(self) -> float:
        """Mean cross-validated ROC-AUC (NaN without cross-validation)."""
        return float(np.mean(self.cv_auc)) if self.cv_auc else float("nan")

    def as_dict(self) -> dict[str, Any]:
        return {
            "weights": dict(self.weights), "coef": dict(self.coef), "intercept": self.intercept, "target": self.target,
            "cv_auc": list(self.cv_auc), "cv_auc_mean": self.cv_auc_mean, "baseline_auc": self.baseline_auc,
            "n_samples": self.n_samples, "n_positive": self.n_positive,
        }


def _roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    if labels.all() or not labels.any():
        return float("nan")
    return float(roc_auc_score(labels, scores))


def fit_weights_from_features(
    features: np.ndarray,
    labels: np.ndarray,
    names: Sequence[str],
    *,
    target: str,
    baseline_weights: np.ndarray | None = None,
    cv: int = 5,
    C: float = 1.0,
    nonnegative: bool = True,
    random_state: int = 0,
) -> FittedWeights:
    """Fit non-negative component weights to 0/1 labels of pairs.

    Parameters
    ----------
    features : ndarray of shape (k, n_components)
        The pairs' component values.
    labels : ndarray of shape (k,), bool
    names : sequence of str
        Component names, one per column.
    target : str
        What the labels are (recorded in the result).
    baseline_weights : ndarray of shape (n_components,), optional
        Weights to compare with (default: uniform).
    cv : int, default=5
        Stratified folds (shuffled, seeded); 0 or 1 skips cross-validation.
    C, nonnegative
        See :class:`NonNegativeLogisticRegression`.
    random_state : int, default=0

    Returns
    -------
    FittedWeights

    Raises
    ------
    InvalidInput
        If shapes disagree, or a class has fewer members than folds.
    """
    features = np.asarray(features, dtype=float)
    labels = np.asarray(labels).astype(bool)
    names = list(names)
    if features.ndim != 2 or features.shape != (len(labels), len(names)):
        raise InvalidInput([FieldError("features", f"array of shape {features.shape}", f"expected shape ({len(labels)}, {len(names)}): one row per pair, one column per component")])
    if not isinstance(cv, int) or cv < 0:
        raise InvalidInput([FieldError("cv", cv, "expected a non-negative number of folds")])
    n_positive = int(labels.sum())
    smallest = min(n_positive, len(labels) - n_positive)
    if smallest < max(cv, 1):
        raise InvalidInput([FieldError(
            "outcomes", f"{n_positive} positive and {len(labels) - n_positive} negative",
            f"expected at least {max(cv, 1)} of each for {target!r} ({cv}-fold cross-validation)",
        )])
    model = NonNegativeLogisticRegression(C=C, nonnegative=nonnegative)
    fold_auc: tuple[float, ...] = ()
    if cv >= 2:
        folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=random_state)
        fold_auc = tuple(float(s) for s in cross_val_score(model, features, labels, cv=folds, scoring="roc_auc"))
    model.fit(features, labels)
    base = np.ones(len(names)) if baseline_weights is None else np.asarray(baseline_weights, dtype=float)
    coef = model.coef_
    total = coef.sum()
    scaled = coef / total if total > 0 else np.zeros_like(coef)
    return FittedWeights(
        weights=MappingProxyType(dict(zip(names, scaled.tolist()))),
        coef=MappingProxyType(dict(zip(names, coef.tolist()))),
        intercept=model.intercept_,
        target=target,
        cv_auc=fold_auc,
        baseline_auc=_roc_auc(labels, features @ base),
        n_samples=len(labels),
        n_positive=n_positive,
    )


def fit_weights(
    scorer: Any,
    outcomes: Outcomes,
    *,
    target: str = "mutual",
    cv: int = 5,
    C: float = 1.0,
    nonnegative: bool = True,
    random_state: int = 0,
) -> FittedWeights:
    """Fit the scorer's component weights from past meetings' outcomes.

    Parameters
    ----------
    scorer : Scorer
        A fitted scorer over the round the meetings came from; its
        ``pair_features`` give the components of each meeting's pair.
    outcomes : Outcomes
        The meetings and their answers.
    target : {"mutual", "left_yes", "right_yes", "deal"}, default="mutual"
        What to predict.
    cv : int, default=5
        Folds of the (stratified, shuffled, seeded) cross-validation whose
        ROC-AUC is reported.
    C : float, default=1.0
        Inverse L2 strength.
    nonnegative : bool, default=True
        Keep weights ≥ 0 (required to set them on a Round).
    random_state : int, default=0

    Returns
    -------
    FittedWeights
        ``weights`` can be set on the scorer or a Round.

    Raises
    ------
    InvalidInput
        For an unknown target, or too few positive or negative outcomes.
    """
    if target not in TARGETS:
        raise InvalidInput([FieldError("target", target, f"expected one of {list(TARGETS)}")])
    labels = outcomes.target(target)
    features = np.asarray(scorer.pair_features(outcomes.left_idx, outcomes.right_idx), dtype=float)
    return fit_weights_from_features(
        features, labels, scorer.component_names_, target=target, baseline_weights=_scorer_weights(scorer),
        cv=cv, C=C, nonnegative=nonnegative, random_state=random_state,
    )


def _scorer_weights(scorer: Any) -> np.ndarray:
    """The scorer's current weights as an array in component order."""
    weights = scorer.weights_
    return np.array([float(weights[name]) for name in scorer.component_names_])


def _with_weights(scorer: Any, weights: Mapping[str, float] | FittedWeights | None) -> Any:
    if weights is None:
        return scorer
    if isinstance(weights, FittedWeights):
        weights = weights.weights
    if not any(float(w) > 0 for w in weights.values()):
        raise InvalidInput([FieldError("weights", dict(weights), "expected at least one positive weight (no component predicted the target)")])
    return scorer.with_weights(weights)


def sample_pairs(n_left: int, n_right: int, *, max_pairs: int = 200_000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Every (left, right) pair when there are at most ``max_pairs``, else that many uniform random pairs.

    Returns
    -------
    (left_idx, right_idx) : tuple of ndarray of int64
    """
    if n_left < 1 or n_right < 1:
        raise InvalidInput([FieldError("n_left/n_right", (n_left, n_right), "expected at least one participant per side")])
    if max_pairs < 1:
        raise InvalidInput([FieldError("max_pairs", max_pairs, "expected a positive number of pairs")])
    if n_left * n_right <= max_pairs:
        left_idx, right_idx = np.divmod(np.arange(n_left * n_right, dtype=np.int64), n_right)
        return left_idx, right_idx
    rng = np.random.default_rng(seed)
    return rng.integers(0, n_left, max_pairs, dtype=np.int64), rng.integers(0, n_right, max_pairs, dtype=np.int64)


def fit_weights_to_truth(
    scorer: Any,
    truth: Any,
    *,
    max_pairs: int = 200_000,
    cv: int = 5,
    C: float = 1.0,
    random_state: int = 0,
) -> FittedWeights:
    """Fit the component weights to the planted good pairs of a synthetic training programme.

    Train on one programme (seed A) and measure on another (seed B) with
    :func:`evaluate_ground_truth`: the weights must generalise, not
    memorise pairs.

    Parameters
    ----------
    scorer : Scorer
        Fitted on the training programme's two sides.
    truth : datasets.synthetic.GroundTruth
        Its ground truth (``n_left``, ``n_right``, ``is_good(left_idx, right_idx)``).
    max_pairs : int, default=200_000
        Every pair up to this many, else a uniform sample of this size.
    cv, C, random_state
        As in :func:`fit_weights_from_features`.

    Returns
    -------
    FittedWeights
        With ``target="good_pair"``.
    """
    left_idx, right_idx = sample_pairs(truth.n_left, truth.n_right, max_pairs=max_pairs, seed=random_state)
    features = np.asarray(scorer.pair_features(left_idx, right_idx), dtype=float)
    labels = np.asarray(truth.is_good(left_idx, right_idx), dtype=bool)
    return fit_weights_from_features(
        features, labels, scorer.component_names_, target="good_pair", baseline_weights=_scorer_weights(scorer),
        cv=cv, C=C, random_state=random_state,
    )


def evaluate_ground_truth(
    scorer: Any,
    truth: Any,
    *,
    weights: Mapping[str, float] | FittedWeights | None = None,
    sample: int = 200_000,
    seed: int = 0,
) -> float:
    """ROC-AUC of the scorer's scores for telling the planted good pairs from the rest.

    Parameters
    ----------
    scorer : Scorer
        Fitted on the evaluated programme's two sides.
    truth : datasets.synthetic.GroundTruth
    weights : mapping or FittedWeights, optional
        Score with these weights instead of the scorer's own.
    sample : int, default=200_000
        Every pair up to this many, else a uniform sample of this size
        (the AUC is then an unbiased estimate).
    seed : int, default=0

    Returns
    -------
    float
        The ROC-AUC (NaN when the pairs are all good or all not).
    """
    scorer = _with_weights(scorer, weights)
    left_idx, right_idx = sample_pairs(truth.n_left, truth.n_right, max_pairs=sample, seed=seed)
    labels = np.asarray(truth.is_good(left_idx, right_idx), dtype=bool)
    return _roc_auc(labels, scorer.score_pairs(left_idx, right_idx))


# -- learning across the rounds of a programme -----------------------------

#: What feeds the propensity model besides who the participants are.
PAIR_INPUTS: tuple[str, ...] = ("score", "components")


@dataclass(frozen=True)
class RoundReport:
    """What happened in one simulated round.

    Attributes
    ----------
    round : int
    planned_from : str
        ``"profile"`` (scores) or ``"expected-mutual-yes"`` (learned).
    meetings, mutual_yes, deals : int
    expected_mutual_yes : float
        The planner's own expectation (NaN when planned from profile scores).
    true_expected_mutual_yes : float
        The sum over the meetings of the simulator's true P(left yes) ×
        P(right yes): the mutual yeses to expect, without the luck of the
        draw (NaN when the simulator does not say).
    """

    round: int
    planned_from: str
    meetings: int
    mutual_yes: int
    deals: int
    expected_mutual_yes: float
    true_expected_mutual_yes: float = float("nan")

    @property
    def mutual_yes_rate(self) -> float:
        return self.mutual_yes / self.meetings if self.meetings else float("nan")


@dataclass(frozen=True)
class SimulationResult:
    """A multi-round simulation: per-round figures and how well later rounds were predicted.

    Attributes
    ----------
    learning : bool
        Whether rounds after the first were planned from learned expected
        mutual yeses.
    rounds : tuple of RoundReport
    outcomes : Outcomes
        Every simulated meeting.
    prediction_auc : Mapping[str, float]
        ROC-AUC of predicting the mutual yeses of rounds 2.. (pooled) from
        ``"profile"`` (the score alone), ``"propensity"`` (participants'
        propensities alone) and ``"both"``, each model fitted on the
        earlier rounds only.
    solver : str
    """

    learning: bool
    rounds: tuple[RoundReport, ...]
    outcomes: Outcomes
    prediction_auc: Mapping[str, float]
    solver: str

    @property
    def mutual_yes(self) -> int:
        return sum(r.mutual_yes for r in self.rounds)

    @property
    def meetings(self) -> int:
        return sum(r.meetings for r in self.rounds)

    @property
    def mutual_yes_rate(self) -> float:
        """Mutual yeses per meeting over all rounds."""
        return self.mutual_yes / self.meetings if self.meetings else float("nan")

    @property
    def later_mutual_yes_rate(self) -> float:
        """Mutual yeses per meeting over rounds 2.. (where learning can act)."""
        later = self.rounds[1:]
        meetings = sum(r.meetings for r in later)
        return sum(r.mutual_yes for r in later) / meetings if meetings else float("nan")

    @property
    def later_true_expected_rate(self) -> float:
        """True expected mutual yeses per meeting over rounds 2.. (see :class:`RoundReport`)."""
        later = self.rounds[1:]
        meetings = sum(r.meetings for r in later)
        return sum(r.true_expected_mutual_yes for r in later) / meetings if meetings else float("nan")

    def as_dict(self) -> dict[str, Any]:
        return {
            "learning": self.learning,
            "solver": self.solver,
            "meetings": self.meetings,
            "mutual_yes": self.mutual_yes,
            "mutual_yes_rate": self.mutual_yes_rate,
            "later_mutual_yes_rate": self.later_mutual_yes_rate,
            "later_true_expected_rate": self.later_true_expected_rate,
            "prediction_auc": dict(self.prediction_auc),
            "rounds": [
                {"round": r.round, "planned_from": r.planned_from, "meetings": r.meetings, "mutual_yes": r.mutual_yes,
                 "mutual_yes_rate": r.mutual_yes_rate, "deals": r.deals, "expected_mutual_yes": r.expected_mutual_yes,
                 "true_expected_mutual_yes": r.true_expected_mutual_yes}
                for r in self.rounds
            ],
        }


def pair_inputs(scorer: Any, left_idx: np.ndarray, right_idx: np.ndarray, *, pair_input: str = "score") -> np.ndarray:
    """What a :class:`PropensityModel` sees of the pairs ``(left_idx[k], right_idx[k])``.

    ``"score"``: the profile score, shape (k,); ``"components"``: the
    scorer's raw component values, shape (k, n_components).  Pass the
    result to :meth:`PropensityModel.update` with the round's outcomes.
    """
    if pair_input not in PAIR_INPUTS:
        raise InvalidInput([FieldError("pair_input", pair_input, f"expected one of {list(PAIR_INPUTS)}")])
    if pair_input == "score":
        return np.asarray(scorer.score_pairs(left_idx, right_idx), dtype=float)
    return np.asarray(scorer.pair_features(left_idx, right_idx), dtype=float)


def _pair_block(scorer: Any, scores: np.ndarray, pair_input: str) -> np.ndarray:
    if pair_input == "score":
        return scores
    left_idx, right_idx = np.divmod(np.arange(scores.size, dtype=np.int64), scores.shape[1])
    return np.asarray(scorer.pair_features(left_idx, right_idx)).reshape(scores.shape + (-1,))


def expected_mutual_yes(model: Any, scorer: Any, *, pair_input: str = "score", log: bool = False) -> np.ndarray:
    """The next round's matrix: P(mutual yes) of every pair of the scorer's round.

    Parameters
    ----------
    model : PropensityModel
        Updated with the earlier rounds' outcomes and :func:`pair_inputs`
        of the same ``pair_input``.
    scorer : Scorer
    pair_input : {"score", "components"}, default="score"
    log : bool, default=False
        Log-probabilities instead.

    Returns
    -------
    ndarray of shape (n_left, n_right)
        Hand it to a solver (``maximize=True``) with
        ``forbidden=scorer.impossible_mask()``: the optimum maximizes the
        expected number of mutual yeses.
    """
    if pair_input not in PAIR_INPUTS:
        raise InvalidInput([FieldError("pair_input", pair_input, f"expected one of {list(PAIR_INPUTS)}")])
    block = _pair_block(scorer, np.asarray(scorer.score_matrix(), dtype=float), pair_input)
    return model.expected_mutual_yes_matrix(block, log=log)


def plan_capacitated(scores: np.ndarray, forbidden: np.ndarray, *, left_capacity: Any, right_capacity: Any) -> np.ndarray:
    """The round's plan: an optimal capacitated matching (``matching.solvers``), as (k, 2) pairs."""
    from ..solvers._capacitated import solve_capacitated

    return solve_capacitated(scores, left_capacity=left_capacity, right_capacity=right_capacity, forbidden=forbidden).pairs


def simulate_rounds(
    scorer: Any,
    truth: Any,
    *,
    rounds: int = 4,
    left_capacity: Any = 1,
    right_capacity: Any = 1,
    learning: bool = True,
    pair_input: str = "score",
    prior_strength: float = 1.0,
    planner: Callable[..., np.ndarray] = plan_capacitated,
) -> SimulationResult:
    """Run a programme round after round, learning propensities from each round's outcomes.

    Round 1 is planned from the profile scores.  After each round the
    outcomes are simulated by ``truth`` and two :class:`PropensityModel`
    are updated: one with the pair input (``both``) and one without
    (``propensity``).  With ``learning`` the next round is planned to
    maximize the expected number of mutual yeses (the ``both`` model's
    :meth:`~PropensityModel.expected_mutual_yes_matrix`); without, from the
    profile scores again.  A pair meets at most once; impossible pairs never.

    Parameters
    ----------
    scorer : Scorer
        Fitted on the programme's two sides.
    truth : datasets.synthetic.GroundTruth
        Simulates each meeting's yes/no (``simulate_outcomes``).
    rounds : int, default=4
    left_capacity, right_capacity : int or array of int
        Meetings per participant per round (no minimums: a round plans what
        it can).
    learning : bool, default=True
    pair_input : {"score", "components"}, default="score"
        What the propensity model sees of a pair: its profile score, or the
        scorer's components (which lets it re-learn the weights too).
    prior_strength : float, default=1.0
        See :class:`PropensityModel`.
    planner : callable, default=plan_capacitated
        ``planner(scores, forbidden, left_capacity=, right_capacity=) ->
        (k, 2) pairs`` maximizing the total.

    Returns
    -------
    SimulationResult
    """
    if pair_input not in PAIR_INPUTS:
        raise InvalidInput([FieldError("pair_input", pair_input, f"expected one of {list(PAIR_INPUTS)}")])
    if not isinstance(rounds, int) or rounds < 1:
        raise InvalidInput([FieldError("rounds", rounds, "expected a positive number of rounds")])
    scores = np.asarray(scorer.score_matrix(), dtype=float)
    block = _pair_block(scorer, scores, pair_input)
    blocked = np.asarray(scorer.impossible_mask(), dtype=bool).copy()
    both = PropensityModel(prior_strength=prior_strength)
    alone = PropensityModel(prior_strength=prior_strength, use_features=False)
    reports: list[RoundReport] = []
    parts: list[Outcomes] = []
    predicted: dict[str, list[np.ndarray]] = {"profile": [], "propensity": [], "both": []}
    observed: list[np.ndarray] = []
    for r in range(rounds):
        learned = learning and r > 0
        plan = both.expected_mutual_yes_matrix(block) if learned else scores
        pairs = np.asarray(planner(plan, blocked, left_capacity=left_capacity, right_capacity=right_capacity), dtype=np.int64).reshape(-1, 2)
        if len(pairs) == 0:
            break
        li, rj = pairs[:, 0], pairs[:, 1]
        simulated = truth.simulate_outcomes((li, rj), round=r)
        outcomes = Outcomes.from_simulation(simulated)
        true_expected = float(np.sum(simulated.p_left * simulated.p_right))
        features = block[li, rj]
        if r > 0:
            predicted["profile"].append(scores[li, rj])
            predicted["propensity"].append(alone.predict_mutual_yes(li, rj))
            predicted["both"].append(both.predict_mutual_yes(li, rj, features))
            observed.append(outcomes.mutual)
        both.update(outcomes, features)
        alone.update(outcomes)
        blocked[li, rj] = True
        parts.append(outcomes)
        reports.append(RoundReport(
            round=r, planned_from="expected-mutual-yes" if learned else "profile", meetings=len(outcomes),
            mutual_yes=int(outcomes.mutual.sum()), deals=int(outcomes.deal.sum()),
            expected_mutual_yes=float(plan[li, rj].sum()) if learned else float("nan"),
            true_expected_mutual_yes=true_expected,
        ))
    labels = np.concatenate(observed) if observed else np.zeros(0, bool)
    auc = {name: (_roc_auc(labels, np.concatenate(values)) if values else float("nan")) for name, values in predicted.items()}
    return SimulationResult(
        learning=learning, rounds=tuple(reports), outcomes=Outcomes.concat(parts),
        prediction_auc=MappingProxyType(auc), solver=getattr(planner, "__name__", "planner"),
    )


# -- saving and loading ----------------------------------------------------

#: Identifies a file written by :func:`save_scorer`.
SCORER_FORMAT = "sme-matching/fitted-scorer"
#: Bumped whenever the saved layout changes; older files are refused.
#: Version 2 adds the fitted outcome model (or None) after the scorer.
SCORER_FORMAT_VERSION = 2


def _versions() -> dict[str, str]:
    from .. import __version__

    return {"sme-matching": __version__, "scikit-learn": sklearn.__version__, "numpy": np.__version__}


def save_scorer(scorer: Any, path: str | os.PathLike[str], *, outcome_model: Any = None) -> None:
    """Save a fitted scorer (with its weights), and optionally its fitted outcome model, to ``path``.

    The file is a pickle holding a header (the format name, the format
    version and the versions of this package, scikit-learn and numpy), the
    scorer and the outcome model (or None).  :func:`load_scorer` and
    :func:`load_outcome_model` refuse it under any other versions.
    Only load files you trust: unpickling runs code.

    Parameters
    ----------
    scorer : Scorer
        A fitted scorer.
    path : path-like
    outcome_model : ReciprocalModel or PropensityModel, optional
        Fitted on the programme's earlier rounds (what the next round is
        planned on).

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the scorer or the outcome model was not fitted.
    """
    check_is_fitted(scorer)
    if outcome_model is not None:
        check_is_fitted(outcome_model)
    header = {
        "format": SCORER_FORMAT,
        "format_version": SCORER_FORMAT_VERSION,
        "versions": _versions(),
        "python": platform.python_version(),
        "class": f"{type(scorer).__module__}.{type(scorer).__qualname__}",
        "outcome_model": None if outcome_model is None else f"{type(outcome_model).__module__}.{type(outcome_model).__qualname__}",
    }
    with open(path, "wb") as handle:  # the header first, so it is checked before the scorer is unpickled
        pickle.dump(header, handle, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(scorer, handle, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(outcome_model, handle, protocol=pickle.HIGHEST_PROTOCOL)


def _open_saved(path: str | os.PathLike[str], *, with_model: bool) -> tuple[Any, Any]:
    """The scorer (and the outcome model when ``with_model``) of a file written by :func:`save_scorer`."""
    where = os.fspath(path)
    with open(path, "rb") as handle:
        if handle.read(1) != b"\x80":
            raise InvalidInput([FieldError("(file)", where, f"is not a saved scorer (expected a {SCORER_FORMAT} file written by save_scorer)")])
        handle.seek(0)
        try:
            header = pickle.load(handle)
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
            raise InvalidInput([FieldError("(file)", where, f"cannot be read as a saved scorer: {exc}")]) from None
        if not isinstance(header, dict) or header.get("format") != SCORER_FORMAT:
            raise InvalidInput([FieldError("format", where, f"is not a saved scorer (expected format {SCORER_FORMAT!r})")])
        if header.get("format_version") != SCORER_FORMAT_VERSION:
            raise InvalidInput([FieldError(
                "format_version", header.get("format_version"),
                f"{where} has scorer format version {header.get('format_version')}, this version reads {SCORER_FORMAT_VERSION}; refit and save the scorer again",
            )])
        saved, current = header.get("versions", {}), _versions()
        for package, version in current.items():
            if saved.get(package) != version:
                raise InvalidInput([FieldError(
                    "versions", saved,
                    f"{where} was saved with {package} {saved.get(package)}, this is {package} {version}; refit and save the scorer again",
                )])
        try:
            scorer = pickle.load(handle)
            model = pickle.load(handle) if with_model else None
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
            raise InvalidInput([FieldError("(file)", where, f"the saved scorer cannot be read: {exc}")]) from None
    return scorer, model


def load_scorer(path: str | os.PathLike[str]) -> Any:
    """Load a scorer saved by :func:`save_scorer`.

    Parameters
    ----------
    path : path-like

    Returns
    -------
    Scorer
        The fitted scorer, scoring exactly as when it was saved.

    Raises
    ------
    InvalidInput
        If the file is not a saved scorer, or was written by another format
        version or another version of sme-matching, scikit-learn or numpy
        (the message names both versions: refit and save again).
    """
    return _open_saved(path, with_model=False)[0]


def load_outcome_model(path: str | os.PathLike[str]) -> Any:
    """Load the outcome model saved with a scorer by :func:`save_scorer` (None if none was).

    Parameters
    ----------
    path : path-like

    Returns
    -------
    ReciprocalModel, PropensityModel or None
        Predicting exactly as when it was saved.

    Raises
    ------
    InvalidInput
        As :func:`load_scorer`.
    """
    return _open_saved(path, with_model=True)[1]
