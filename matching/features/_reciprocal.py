"""A reciprocal outcome model: who will say yes to whom, learned from earlier rounds.

After a round of meetings every participant has said yes or no to each
partner, and has been told yes or no by each.  :class:`ReciprocalModel`
learns from those answers, separately for the two directions (the left
side deciding about the right, and the right deciding about the left), and
combines them: P(mutual yes) = P(left says yes) × P(right says yes).

For a meeting of left ``i`` and right ``j`` with pair features ``x`` (the
organizer's profile score and, optionally, its components: see
:func:`~matching.features.profile_features`)::

    logit P(i says yes to j) = a_L + x·b_L + eager_L[i] + appeal_L[j] + taste_L[i]·trait_L[j]
    logit P(j says yes to i) = a_R + x·b_R + eager_R[j] + appeal_R[i] + taste_R[j]·trait_R[i]

``eager`` is how readily a participant says yes (its negative: the
selectivity), ``appeal`` how much the other side wants the participant
(attractiveness); ``taste``·``trait`` is a low-rank logistic matrix
factorization of who likes whom beyond the profile (``rank`` latent
factors).  The participant effects and factors have zero-mean Gaussian
priors, so a participant with little history is shrunk towards the
average and a newcomer *is* the average: with no history the model's
prediction is the profile part ``a + x·b`` alone, a calibrated function of
the profile score.  The weights ``b`` of the features after the first (the
score's components) have a ridge prior of their own, so that with few
meetings the profile part falls back to a calibrated function of the score.
The priors' strengths are chosen per direction by
K-fold cross-validation of the log-loss over the meetings given to
:meth:`ReciprocalModel.fit` (and only those: the model never sees the round
it is asked to predict), and the model is fitted by maximum a posteriori
(L-BFGS).

:func:`next_round_scores` turns the model into the matrix the next round's
solver maximizes (expected mutual yeses, or a mix with the profile score),
with every pair that met before forbidden.

References
----------
.. [1] Johnson, C. C. (2014). Logistic matrix factorization for implicit
   feedback data. *NIPS Workshop on Distributed Machine Learning and Matrix
   Computations*.
.. [2] Pizzato, L., Rej, T., Chung, T., Koprinska, I. and Kay, J. (2010).
   RECON: a reciprocal recommender for online dating. *RecSys '10*, 207-214.
.. [3] Gelman, A. and Hill, J. (2007). *Data Analysis Using Regression and
   Multilevel/Hierarchical Models*, ch. 12-14 (partial pooling).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.base import BaseEstimator
from sklearn.model_selection import KFold
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from ..errors import FieldError, InvalidInput
from ._outcomes import Outcomes
from ._propensity import _lookup

__all__ = ["ReciprocalModel", "DirectionModel", "LearnedPart", "next_round_scores"]

_RIDGE = 1e-2  # on the first pair feature's weight (the profile score): keeps it finite when the answers are separable


@dataclass(frozen=True)
class DirectionModel:
    """One direction's fitted decision model (see the module docstring).

    Attributes
    ----------
    intercept : float
    coef : ndarray of shape (n_features,)
        Weights of the standardized pair features.
    eager : ndarray of shape (n_decider,)
        Readiness to say yes of each participant of the deciding side.
    appeal : ndarray of shape (n_other,)
        Appeal of each participant of the other side to the deciding side.
    taste : ndarray of shape (n_decider, rank)
        Latent taste of each decider.
    trait : ndarray of shape (n_other, rank)
        Latent traits of each participant of the other side.
    prior_strength, factor_strength : float
        The priors' precisions chosen by cross-validation (``inf``: no factors).
    feature_strength : float
        The ridge on the weights of the pair features after the first
        (chosen by cross-validation; unused with one feature).
    """

    intercept: float
    coef: np.ndarray
    eager: np.ndarray
    appeal: np.ndarray
    taste: np.ndarray
    trait: np.ndarray
    prior_strength: float
    factor_strength: float
    feature_strength: float = _RIDGE

    def parts(self, decider: np.ndarray, other: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The logit's profile part ``a + x·b``, propensity part and taste part, per pair."""
        profile = self.intercept + x @ self.coef
        propensity = _lookup(self.eager, decider) + _lookup(self.appeal, other)
        taste = np.zeros(decider.shape)
        if self.taste.shape[1]:
            known = (decider < len(self.taste)) & (other < len(self.trait))
            taste[known] = np.einsum("...k,...k->...", self.taste[decider[known]], self.trait[other[known]])
        return profile, propensity, taste


def _fit_direction(
    y: np.ndarray,
    x: np.ndarray,
    decider: np.ndarray,
    other: np.ndarray,
    n_decider: int,
    n_other: int,
    *,
    rank: int,
    prior_strength: float,
    factor_strength: float,
    feature_strength: float,
    max_iter: int,
    seed: int,
) -> DirectionModel:
    """MAP fit of one direction: logistic loss plus Gaussian priors.

    The first pair feature's weight gets the tiny ridge ``_RIDGE``, the
    others ``feature_strength``: a strong ridge falls back to the first
    feature (the profile score) alone.
    """
    p = x.shape[1]
    ridge = np.full(p, float(feature_strength))
    ridge[:1] = _RIDGE
    k = rank if np.isfinite(factor_strength) else 0
    sizes = [1, p, n_decider, n_other, n_decider * k, n_other * k]
    cuts = np.cumsum(sizes)[:-1]
    lam, mu = float(prior_strength), float(factor_strength) if k else 0.0

    def unpack(theta: np.ndarray) -> list[np.ndarray]:
        a, b, eager, appeal, taste, trait = np.split(theta, cuts)
        return [a, b, eager, appeal, taste.reshape(n_decider, k), trait.reshape(n_other, k)]

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        a, b, eager, appeal, taste, trait = unpack(theta)
        tu, tv = taste[decider], trait[other]
        z = a[0] + x @ b + eager[decider] + appeal[other] + (tu * tv).sum(axis=1)
        loss = np.logaddexp(0.0, z).sum() - y @ z
        loss += 0.5 * lam * (eager @ eager + appeal @ appeal) + 0.5 * (ridge * b) @ b
        r = expit(z) - y
        grads = [np.array([r.sum()]), x.T @ r + ridge * b,
                 np.bincount(decider, r, n_decider) + lam * eager, np.bincount(other, r, n_other) + lam * appeal]
        if k:
            loss += 0.5 * mu * ((taste * taste).sum() + (trait * trait).sum())
            g_taste = np.zeros((n_decider, k))
            g_trait = np.zeros((n_other, k))
            np.add.at(g_taste, decider, r[:, None] * tv)
            np.add.at(g_trait, other, r[:, None] * tu)
            grads += [(g_taste + mu * taste).ravel(), (g_trait + mu * trait).ravel()]
        else:
            grads += [np.zeros(0), np.zeros(0)]
        return float(loss), np.concatenate(grads)

    theta0 = np.zeros(int(cuts[-1]) + sizes[-1])
    if k:  # break the factors' symmetry: a small seeded start (zero is a saddle point)
        theta0[cuts[3]:] = np.random.default_rng(seed).normal(0.0, 0.1, len(theta0) - cuts[3])
    with threadpool_limits(limits=1, user_api="blas"):  # small BLAS calls: threads only add contention
        result = minimize(objective, theta0, jac=True, method="L-BFGS-B", options={"maxiter": max_iter})
    a, b, eager, appeal, taste, trait = unpack(result.x)
    if not k:
        taste, trait = np.zeros((n_decider, 0)), np.zeros((n_other, 0))
    return DirectionModel(float(a[0]), b.copy(), eager.copy(), appeal.copy(), taste.copy(), trait.copy(),
                          lam, float(factor_strength) if k else float("inf"), float(feature_strength) if p > 1 else _RIDGE)


def _log_loss(y: np.ndarray, z: np.ndarray) -> float:
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def _grid_key(point: tuple[float, float, float], with_features: bool) -> str:
    """``"prior/factor"`` (one pair feature) or ``"prior/factor/feature"``: a key of ``cv_results_``."""
    return "/".join(f"{v:g}" for v in (point if with_features else point[:2]))


def _strengths(value: Any, name: str, *, allow_inf: bool) -> tuple[float, ...]:
    values = (value,) if np.ndim(value) == 0 else tuple(value)
    ok = len(values) > 0 and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 and (np.isfinite(v) or (allow_inf and v == np.inf))
        for v in values
    )
    if not ok:
        expected = "a positive number (inf: no latent factors)" if allow_inf else "a positive finite number"
        raise InvalidInput([FieldError(name, value, f"expected {expected}, or a non-empty list of them to cross-validate")])
    return tuple(float(v) for v in values)


@dataclass(frozen=True)
class LearnedPart:
    """What the model adds to the profile for one pair (for explanations).

    Attributes
    ----------
    profile_probability : float
        P(mutual yes) from the profile part alone (what a newcomer pair gets).
    probability : float
        P(mutual yes) with everything learned.
    left_yes, right_yes : float
        P(left says yes), P(right says yes) with everything learned.
    left_eager, right_eager : float
        Each side's learned readiness to say yes (logit scale, 0 = average).
    left_appeal, right_appeal : float
        How much the other side wants each of them (logit scale).
    taste : float
        The latent-taste part, both directions summed (logit scale).
    left_history, right_history : int
        Earlier meetings the model saw of each participant.
    """

    profile_probability: float
    probability: float
    left_yes: float
    right_yes: float
    left_eager: float
    right_eager: float
    left_appeal: float
    right_appeal: float
    taste: float
    left_history: int
    right_history: int

    @property
    def learned(self) -> float:
        """The learned part: probability minus profile probability."""
        return self.probability - self.profile_probability

    def as_dict(self) -> dict[str, float | int]:
        return {
            "profile_probability": self.profile_probability, "probability": self.probability, "learned": self.learned,
            "left_yes": self.left_yes, "right_yes": self.right_yes, "left_eager": self.left_eager,
            "right_eager": self.right_eager, "left_appeal": self.left_appeal, "right_appeal": self.right_appeal,
            "taste": self.taste, "left_history": self.left_history, "right_history": self.right_history,
        }


class ReciprocalModel(BaseEstimator):
    """P(both say yes) from the profile, propensities and latent tastes of earlier rounds.

    Parameters
    ----------
    rank : int, default=2
        Latent taste factors per direction (0: propensities and profile only).
    prior_strength : float or sequence of float, default=(1.0, 1.5, 2.0)
        Precision of the Gaussian prior on each participant's eagerness and
        appeal (logit scale); larger shrinks harder towards the average
        participant.  A sequence is cross-validated per direction.  The
        default grid is narrow on purpose: with one to three meetings per
        participant a wider grid (0.5 to 4) let the noise of the folds pick
        extreme values and cost about 0.005 of AUC on the synthetic presets.
    factor_strength : float or sequence of float, default=(4.0, 16.0, inf)
        Precision of the prior on the latent factors; ``inf`` leaves them
        out.  A sequence is cross-validated per direction.
    feature_strength : float or sequence of float, default=(10.0, 100.0, 1000.0)
        Ridge (prior precision) on the weights of the standardized pair
        features after the first, e.g. the scorer's components next to the
        profile score (:func:`~matching.features.profile_features`).  Many
        components and few meetings overfit: the strongest value keeps the
        model close to the first feature (the score) alone.  A sequence is
        cross-validated per direction: first with each ``prior_strength``
        and no latent factors (cheap fits), then ``prior_strength`` and
        ``factor_strength`` as without it, given the ridge chosen.  Unused
        with a single pair feature.
    cv : int, default=3
        Folds (over meetings, shuffled with ``random_state``) of the
        cross-validation; used when a strength is a sequence and there are
        at least ``4 * cv`` meetings, else the first value of each is used.
    max_iter : int, default=300
        L-BFGS iterations per fit.
    random_state : int, default=0
        Seeds the folds and the factors' start.

    Attributes
    ----------
    left_model_, right_model_ : DirectionModel
        The left side deciding about the right, and the right about the left.
    n_left_, n_right_ : int
        Participants per side the effects cover.
    n_features_in_ : int
        Pair features per meeting.
    feature_mean_, feature_scale_ : ndarray
        Standardization of the pair features.
    left_history_, right_history_ : ndarray of int
        Meetings per participant the model learned from.
    cv_results_ : dict
        Per direction, the mean held-out log-loss of every
        ``"prior_strength/factor_strength"`` tried (with more than one pair
        feature: ``"prior_strength/factor_strength/feature_strength"``, the
        points of both stages).
    n_meetings_ : int

    Examples
    --------
    >>> o = Outcomes([0, 0, 1, 1], [0, 1, 0, 1], left_yes=[1, 1, 0, 0], right_yes=[1, 1, 1, 1])
    >>> model = ReciprocalModel(rank=0, prior_strength=1.0, factor_strength=np.inf).fit(o, [0.5, 0.2, 0.4, 0.1])
    >>> p = model.predict_mutual_yes([0, 1], [0, 0], [0.3, 0.3])
    >>> bool(p[0] > p[1])
    True
    """

    def __init__(
        self,
        rank: int = 2,
        prior_strength: float | Sequence[float] = (1.0, 1.5, 2.0),
        factor_strength: float | Sequence[float] = (4.0, 16.0, float("inf")),
        feature_strength: float | Sequence[float] = (10.0, 100.0, 1000.0),
        cv: int = 3,
        max_iter: int = 300,
        random_state: int = 0,
    ):
        self.rank = rank
        self.prior_strength = prior_strength
        self.factor_strength = factor_strength
        self.feature_strength = feature_strength
        self.cv = cv
        self.max_iter = max_iter
        self.random_state = random_state

    # -- fitting -----------------------------------------------------------
    def fit(
        self,
        outcomes: Outcomes,
        pair_features: np.ndarray | Sequence[float],
        *,
        n_left: int | None = None,
        n_right: int | None = None,
    ) -> "ReciprocalModel":
        """Learn from the meetings of earlier rounds.

        Parameters
        ----------
        outcomes : Outcomes
            The meetings held so far and both sides' answers.  Only these
            are used: to predict round ``r``, pass the rounds before ``r``.
        pair_features : array of shape (k,) or (k, n_features)
            Each meeting's profile score (and, optionally, more profile
            features such as the scorer's components), aligned with
            ``outcomes``.
        n_left, n_right : int, optional
            Sizes of the sides (default: the largest index seen + 1).

        Returns
        -------
        self

        Raises
        ------
        InvalidInput
            A parameter out of range, no meetings, or pair features of the
            wrong shape; the message names the field.
        """
        if not isinstance(self.rank, (int, np.integer)) or isinstance(self.rank, bool) or self.rank < 0:
            raise InvalidInput([FieldError("rank", self.rank, "expected a non-negative integer")])
        lams = _strengths(self.prior_strength, "prior_strength", allow_inf=False)
        mus = _strengths(self.factor_strength, "factor_strength", allow_inf=True)
        fss = _strengths(self.feature_strength, "feature_strength", allow_inf=False)
        if not isinstance(self.cv, int) or isinstance(self.cv, bool) or self.cv < 2:
            raise InvalidInput([FieldError("cv", self.cv, "expected an integer >= 2")])
        if not isinstance(self.max_iter, int) or self.max_iter < 1:
            raise InvalidInput([FieldError("max_iter", self.max_iter, "expected a positive integer")])
        if not isinstance(outcomes, Outcomes):
            raise InvalidInput([FieldError("outcomes", type(outcomes).__name__, "expected an Outcomes")])
        k = len(outcomes)
        if k == 0:
            raise InvalidInput([FieldError("outcomes", "0 meetings", "expected at least one meeting to learn from")])
        x = np.asarray(pair_features, dtype=float)
        if x.ndim == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[0] != k:
            raise InvalidInput([FieldError("pair_features", f"array of shape {x.shape}", f"expected shape ({k},) or ({k}, n_features): one row per meeting")])
        if not np.isfinite(x).all():
            raise InvalidInput([FieldError("pair_features", "non-finite value", "expected finite numbers")])
        for name, given, seen in (("n_left", n_left, int(outcomes.left_idx.max()) + 1), ("n_right", n_right, int(outcomes.right_idx.max()) + 1)):
            if given is not None and (not isinstance(given, (int, np.integer)) or given < seen):
                raise InvalidInput([FieldError(name, given, f"expected an integer >= {seen} (an index the outcomes name)")])
        self.n_left_ = int(n_left if n_left is not None else outcomes.left_idx.max() + 1)
        self.n_right_ = int(n_right if n_right is not None else outcomes.right_idx.max() + 1)
        self.n_features_in_ = x.shape[1]
        self.n_meetings_ = k
        self.feature_mean_ = x.mean(axis=0)
        scale = x.std(axis=0)
        self.feature_scale_ = np.where(scale > 1e-12, scale, 1.0)
        z = (x - self.feature_mean_) / self.feature_scale_
        li, rj = outcomes.left_idx, outcomes.right_idx
        self.left_history_ = np.bincount(li, minlength=self.n_left_)
        self.right_history_ = np.bincount(rj, minlength=self.n_right_)
        directions = {
            "left": (outcomes.left_yes.astype(float), li, rj, self.n_left_, self.n_right_),
            "right": (outcomes.right_yes.astype(float), rj, li, self.n_right_, self.n_left_),
        }
        self.cv_results_ = {}
        fitted = {}
        # the ridge on the features after the first matters only when there are some
        many = x.shape[1] > 1  # features after the score: their ridge is a third strength
        with_features = many and len(fss) > 1
        for side, (y, decider, other, n_dec, n_oth) in directions.items():
            grid = [(lam, mu, fss[0]) for lam in lams for mu in mus]
            self.cv_results_[side] = {}
            if (len(grid) > 1 or with_features) and k >= 4 * self.cv:
                tried: dict[tuple[float, float, float], float] = {}

                def best(points: list[tuple[float, float, float]]) -> tuple[float, float, float]:
                    new = [point for point in points if point not in tried]
                    tried.update(zip(new, self._cross_validate(y, z, decider, other, n_dec, n_oth, new)))
                    # the lowest held-out loss; a tie (within 1e-6) goes to the simpler model:
                    # no factors, then more shrinkage of the participants, then of the feature weights
                    return min(points, key=lambda c: (round(tried[c], 6), -c[1], -c[0], -c[2]))

                if with_features:  # the features' ridge first, without factors (whose fits are the costly ones)
                    chosen = best([(lam, np.inf, fs) for lam in lams for fs in fss])[2]
                    grid = [(lam, mu, chosen) for lam, mu, _ in grid]
                lam, mu, fs = best(grid)
                self.cv_results_[side] = {_grid_key(point, many): loss for point, loss in tried.items()}
            else:
                lam, mu, fs = grid[0]
            fitted[side] = _fit_direction(y, z, decider, other, n_dec, n_oth, rank=int(self.rank), prior_strength=lam,
                                          factor_strength=mu, feature_strength=fs, max_iter=self.max_iter, seed=self.random_state)
        self.left_model_, self.right_model_ = fitted["left"], fitted["right"]
        return self

    def _cross_validate(self, y, z, decider, other, n_dec, n_oth, grid) -> list[float]:
        folds = KFold(n_splits=self.cv, shuffle=True, random_state=self.random_state)
        losses = np.zeros(len(grid))
        for train, test in folds.split(z):
            for g, (lam, mu, fs) in enumerate(grid):
                model = _fit_direction(y[train], z[train], decider[train], other[train], n_dec, n_oth, rank=int(self.rank),
                                       prior_strength=lam, factor_strength=mu, feature_strength=fs, max_iter=self.max_iter,
                                       seed=self.random_state)
                logit = sum(model.parts(decider[test], other[test], z[test]))
                losses[g] += _log_loss(y[test], logit) * len(test)
        return (losses / len(y)).tolist()

    # -- prediction --------------------------------------------------------
    def _standardized(self, pair_features: Any, shape: tuple[int, ...]) -> np.ndarray:
        x = np.asarray(pair_features, dtype=float)
        if x.shape == shape:
            x = x[..., None]
        if x.shape != shape + (self.n_features_in_,):
            raise InvalidInput([FieldError("pair_features", f"array of shape {x.shape}", f"expected shape {shape + (self.n_features_in_,)} (one row per pair, as when fitted)")])
        return (x - self.feature_mean_) / self.feature_scale_

    def _pairs(self, left_idx: Any, right_idx: Any) -> tuple[np.ndarray, np.ndarray]:
        left, right = np.broadcast_arrays(np.asarray(left_idx, dtype=np.int64), np.asarray(right_idx, dtype=np.int64))
        if (left < 0).any() or (right < 0).any():
            raise InvalidInput([FieldError("left_idx/right_idx", "negative index", "expected non-negative participant indices")])
        return left, right

    def logit_parts(self, left_idx: Any, right_idx: Any, pair_features: Any) -> dict[str, np.ndarray]:
        """Each direction's logit split into its profile, propensity and taste parts.

        Returns
        -------
        dict
            ``left_profile``, ``left_propensity``, ``left_taste``,
            ``right_profile``, ``right_propensity``, ``right_taste``: arrays
            of the pairs' (broadcast) shape.  Indices beyond the fitted
            sizes are newcomers: their propensity and taste parts are 0.
        """
        check_is_fitted(self, "left_model_")
        left, right = self._pairs(left_idx, right_idx)
        x = self._standardized(pair_features, left.shape)
        out = {}
        for side, model, decider, other in (("left", self.left_model_, left, right), ("right", self.right_model_, right, left)):
            profile, propensity, taste = model.parts(decider, other, x)
            out.update({f"{side}_profile": profile, f"{side}_propensity": propensity, f"{side}_taste": taste})
        return out

    def predict_sides(self, left_idx: Any, right_idx: Any, pair_features: Any) -> tuple[np.ndarray, np.ndarray]:
        """P(left says yes), P(right says yes) of each pair (indices broadcast against each other)."""
        parts = self.logit_parts(left_idx, right_idx, pair_features)
        return (expit(parts["left_profile"] + parts["left_propensity"] + parts["left_taste"]),
                expit(parts["right_profile"] + parts["right_propensity"] + parts["right_taste"]))

    def predict_mutual_yes(self, left_idx: Any, right_idx: Any, pair_features: Any) -> np.ndarray:
        """P(both say yes) of each pair: the product of the two directions."""
        p_left, p_right = self.predict_sides(left_idx, right_idx, pair_features)
        return p_left * p_right

    def predict_profile_only(self, pair_features: Any) -> np.ndarray:
        """P(both say yes) from the profile part alone: what two newcomers get.

        ``pair_features``: shape ``S + (n_features,)``, or any shape ``S``
        of profile scores when the model has one feature.
        """
        check_is_fitted(self, "left_model_")
        x = np.asarray(pair_features, dtype=float)
        shape = x.shape if self.n_features_in_ == 1 else x.shape[:-1]
        z = self._standardized(x, shape)
        lm, rm = self.left_model_, self.right_model_
        return expit(lm.intercept + z @ lm.coef) * expit(rm.intercept + z @ rm.coef)

    def expected_mutual_yes_matrix(self, pair_features: Any, *, left_idx: Any = None, right_idx: Any = None) -> np.ndarray:
        """P(mutual yes) of every pair of a block: the matrix the next round's solver maximizes.

        Parameters
        ----------
        pair_features : array of shape (n_l, n_r) or (n_l, n_r, n_features)
            The block's profile scores (or features, as when fitted).
        left_idx, right_idx : array of int, optional
            The participants of the block's rows and columns (default
            ``0..n_l-1`` and ``0..n_r-1``).

        Returns
        -------
        ndarray of shape (n_l, n_r)
        """
        shape = np.shape(pair_features)
        if len(shape) not in (2, 3):
            raise InvalidInput([FieldError("pair_features", f"array of shape {shape}", "expected a (n_left, n_right[, n_features]) block")])
        rows = np.arange(shape[0]) if left_idx is None else np.asarray(left_idx, dtype=np.int64)
        cols = np.arange(shape[1]) if right_idx is None else np.asarray(right_idx, dtype=np.int64)
        if rows.shape != (shape[0],) or cols.shape != (shape[1],):
            raise InvalidInput([FieldError("left_idx/right_idx", (rows.shape, cols.shape), f"expected lengths {shape[:2]}, the block's shape")])
        return self.predict_mutual_yes(rows[:, None], cols[None, :], pair_features)

    def learned_part(self, left_idx: int, right_idx: int, pair_features: Any) -> LearnedPart:
        """What the history adds to the profile for one pair (see :class:`LearnedPart`)."""
        parts = self.logit_parts(np.array([left_idx]), np.array([right_idx]), np.asarray(pair_features, dtype=float).reshape(1, -1))
        p_left = float(expit(parts["left_profile"] + parts["left_propensity"] + parts["left_taste"])[0])
        p_right = float(expit(parts["right_profile"] + parts["right_propensity"] + parts["right_taste"])[0])
        profile = float((expit(parts["left_profile"]) * expit(parts["right_profile"]))[0])
        lm, rm = self.left_model_, self.right_model_
        return LearnedPart(
            profile_probability=profile, probability=p_left * p_right, left_yes=p_left, right_yes=p_right,
            left_eager=float(_lookup(lm.eager, np.array([left_idx]))[0]), right_eager=float(_lookup(rm.eager, np.array([right_idx]))[0]),
            left_appeal=float(_lookup(rm.appeal, np.array([left_idx]))[0]), right_appeal=float(_lookup(lm.appeal, np.array([right_idx]))[0]),
            taste=float((parts["left_taste"] + parts["right_taste"])[0]),
            left_history=int(self.left_history_[left_idx]) if left_idx < len(self.left_history_) else 0,
            right_history=int(self.right_history_[right_idx]) if right_idx < len(self.right_history_) else 0,
        )

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "left_model_")


def next_round_scores(
    model: ReciprocalModel | None,
    pair_features: np.ndarray,
    profile_scores: np.ndarray,
    forbidden: np.ndarray,
    met_before: Any = (),
    *,
    learning_weight: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """The next round's objective matrix and forbidden mask.

    Parameters
    ----------
    model : ReciprocalModel or None
        Fitted on the earlier rounds (None only with ``learning_weight=0``).
    pair_features : ndarray of shape (n_left, n_right[, n_features])
        Every pair's profile features, as the model was fitted with.
    profile_scores : ndarray of shape (n_left, n_right)
        The organizer's profile scores.
    forbidden : ndarray of bool, shape (n_left, n_right)
        Pairs the hard rules forbid.
    met_before : array of shape (k, 2) of int
        Pairs that met in an earlier round: never proposed again.
    learning_weight : float in [0, 1], default=1.0
        1 maximizes the expected number of mutual yeses; 0 the profile
        score; in between, ``w · P(mutual yes) + (1 − w) · score``.

    Returns
    -------
    (scores, forbidden) : tuple of ndarray
        Hand both to a solver (``maximize``) with the round's capacities.
    """
    if isinstance(learning_weight, bool) or not isinstance(learning_weight, (int, float)) or not 0.0 <= learning_weight <= 1.0:
        raise InvalidInput([FieldError("learning_weight", learning_weight, "expected a number between 0 and 1")])
    profile_scores = np.asarray(profile_scores, dtype=float)
    blocked = np.array(forbidden, dtype=bool, copy=True)
    if blocked.shape != profile_scores.shape:
        raise InvalidInput([FieldError("forbidden", f"array of shape {blocked.shape}", f"expected {profile_scores.shape}, the scores' shape")])
    met = np.asarray(met_before, dtype=np.int64).reshape(-1, 2)
    if len(met):
        if (met < 0).any() or (met[:, 0] >= blocked.shape[0]).any() or (met[:, 1] >= blocked.shape[1]).any():
            raise InvalidInput([FieldError("met_before", met.tolist()[:3], f"expected (left, right) indices within {blocked.shape}")])
        blocked[met[:, 0], met[:, 1]] = True
    if learning_weight == 0:
        return profile_scores.copy(), blocked
    if model is None:
        raise InvalidInput([FieldError("model", None, "a fitted ReciprocalModel is needed when learning_weight > 0")])
    mutual = model.expected_mutual_yes_matrix(pair_features)
    return learning_weight * mutual + (1.0 - learning_weight) * profile_scores, blocked
