"""Each participant's own propensities, learned from the rounds already held.

In real matchmaking events who says yes is predicted far better by *who the
participants are* — how selective each one is, how much demand each one
attracts — than by how similar two profiles look.  :class:`PropensityModel`
learns both from the outcomes of earlier rounds of the same programme and
turns them, with the pair's profile score, into the probability of a mutual
yes, which the next round's solver maximizes.

The model is a pair of logistic regressions with per-participant random
effects, one for each side's decision.  For a meeting of left ``i`` and
right ``j`` with pair features ``x``::

    logit P(i says yes) = a_L + x·b_L + eager_L[i] + appeal_L[j]
    logit P(j says yes) = a_R + x·b_R + eager_R[j] + appeal_R[i]

``eager`` is a participant's readiness to say yes (its negative is the
selectivity), ``appeal`` the demand the participant attracts from the other
side.  The effects have a Gaussian prior N(0, 1/prior_strength) and are
fitted by maximum a posteriori (L-BFGS), so a participant seen in one
meeting is shrunk towards the average and one never seen *is* the average.
The two decisions are taken as independent given the effects, so
P(mutual yes) is the product.

References
----------
.. [1] Gelman, A. and Hill, J. (2007). *Data Analysis Using Regression and
   Multilevel/Hierarchical Models*, ch. 12-14 (partial pooling).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from ..errors import FieldError, InvalidInput
from ._outcomes import Outcomes

__all__ = ["PropensityModel", "SideModel"]


@dataclass(frozen=True)
class SideModel:
    """One side's fitted decision model (see the module docstring).

    Attributes
    ----------
    intercept : float
    coef : ndarray of shape (n_features,)
        Weights of the standardized pair features.
    eager : ndarray
        Readiness to say yes of each participant of the deciding side.
    appeal : ndarray
        Appeal of each participant of the other side to the deciding side.
    """

    intercept: float
    coef: np.ndarray
    eager: np.ndarray
    appeal: np.ndarray


def _lookup(effects: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Effects by index, 0 (the prior mean) for participants never seen."""
    out = np.zeros(index.shape, dtype=float)
    known = index < len(effects)
    out[known] = effects[index[known]]
    return out


def _fit_side(
    y: np.ndarray,
    features: np.ndarray,
    decider: np.ndarray,
    other: np.ndarray,
    n_decider: int,
    n_other: int,
    prior_strength: float,
    start: np.ndarray | None,
    max_iter: int,
) -> tuple[SideModel, bool]:
    """MAP fit of logit P(yes) = a + x·b + eager[decider] + appeal[other]."""
    p = features.shape[1]
    size = 1 + p + n_decider + n_other
    ridge = 1e-3  # keeps the fixed effects finite when the data are separable

    def unpack(theta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
        return theta[0], theta[1 : 1 + p], theta[1 + p : 1 + p + n_decider], theta[1 + p + n_decider :]

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        a, b, eager, appeal = unpack(theta)
        z = a + features @ b + eager[decider] + appeal[other]
        loss = np.logaddexp(0.0, z).sum() - y @ z
        loss += 0.5 * prior_strength * (eager @ eager + appeal @ appeal) + 0.5 * ridge * (b @ b)
        r = expit(z) - y
        grad = np.empty(size)
        grad[0] = r.sum()
        grad[1 : 1 + p] = features.T @ r + ridge * b
        grad[1 + p : 1 + p + n_decider] = np.bincount(decider, r, n_decider) + prior_strength * eager
        grad[1 + p + n_decider :] = np.bincount(other, r, n_other) + prior_strength * appeal
        return loss, grad

    theta0 = np.zeros(size) if start is None or len(start) != size else start
    # L-BFGS-B calls BLAS on vectors of a few hundred entries: threads only add contention
    with threadpool_limits(limits=1, user_api="blas"):
        result = minimize(objective, theta0, jac=True, method="L-BFGS-B", options={"maxiter": max_iter})
    a, b, eager, appeal = unpack(result.x)
    return SideModel(float(a), b.copy(), eager.copy(), appeal.copy()), bool(result.success)


def _pack(side: SideModel | None, n_decider: int, n_other: int, p: int) -> np.ndarray | None:
    """A warm start grown to new sizes (new participants start at 0)."""
    if side is None or len(side.coef) != p:
        return None
    eager = np.zeros(n_decider)
    eager[: len(side.eager)] = side.eager[:n_decider]
    appeal = np.zeros(n_other)
    appeal[: len(side.appeal)] = side.appeal[:n_other]
    return np.concatenate([[side.intercept], side.coef, eager, appeal])


class PropensityModel(BaseEstimator):
    """Selectivity and attractiveness of every participant, from past rounds.

    Parameters
    ----------
    prior_strength : float, default=1.0
        Precision of the Gaussian prior on each participant's effects (on
        the logit scale): larger values shrink harder towards the average
        participant.  1.0 means "a participant is rarely more than e (2.7)
        times more or less willing than average".
    use_features : bool, default=True
        Whether pair features (profile scores) enter the model; ``False``
        gives a propensities-only model.
    max_iter : int, default=500
        Iterations of L-BFGS per side.

    Attributes
    ----------
    left_model_ : SideModel
        The left side's decision model.
    right_model_ : SideModel
        The right side's decision model.
    n_left_, n_right_ : int
        Participants per side the effects cover (those seen so far).
    n_features_in_ : int
        Number of pair features (0 without features).
    outcomes_ : Outcomes
        Every meeting the model has learned from.
    converged_ : bool

    Examples
    --------
    >>> o = Outcomes([0, 0, 1, 1], [0, 1, 0, 1], left_yes=[1, 1, 0, 0], right_yes=[1, 1, 1, 1])
    >>> model = PropensityModel().fit(o)
    >>> bool(model.left_selectivity_[1] > model.left_selectivity_[0])
    True
    """

    def __init__(self, prior_strength: float = 1.0, use_features: bool = True, max_iter: int = 500):
        self.prior_strength = prior_strength
        self.use_features = use_features
        self.max_iter = max_iter

    # -- fitting -----------------------------------------------------------
    def fit(
        self,
        outcomes: Outcomes,
        pair_features: np.ndarray | None = None,
        *,
        n_left: int | None = None,
        n_right: int | None = None,
    ) -> "PropensityModel":
        """Learn from ``outcomes`` (all rounds so far), replacing what was learned.

        Parameters
        ----------
        outcomes : Outcomes
            The meetings held and their yes/no answers.
        pair_features : ndarray of shape (k,) or (k, n_features), optional
            Features of each meeting's pair (its profile score, or the
            scorer's components), aligned with ``outcomes``.
        n_left, n_right : int, optional
            Sizes of the sides (default: the largest index seen + 1).

        Returns
        -------
        self
        """
        for name in ("left_model_", "right_model_", "n_left_", "n_right_"):
            self.__dict__.pop(name, None)  # a fresh fit: no warm start, no old sizes
        self._validate_params()
        features = self._features(outcomes, pair_features, fitting=True)
        self.outcomes_ = outcomes
        self.features_ = features
        self._refit(n_left, n_right)
        return self

    def update(self, outcomes: Outcomes, pair_features: np.ndarray | None = None) -> "PropensityModel":
        """Add the outcomes of one more round and refit, warm-started.

        Parameters
        ----------
        outcomes : Outcomes
            The new meetings (typically one round).
        pair_features : ndarray, optional
            Their pair features, as in :meth:`fit`; required if the model
            was fitted with features.

        Returns
        -------
        self
        """
        if not hasattr(self, "outcomes_"):
            return self.fit(outcomes, pair_features)
        features = self._features(outcomes, pair_features, fitting=False)
        self.outcomes_ = Outcomes.concat([self.outcomes_, outcomes])
        self.features_ = np.vstack([self.features_, features])
        self._refit(None, None)
        return self

    def _validate_params(self) -> None:
        if not (isinstance(self.prior_strength, (int, float)) and self.prior_strength > 0 and np.isfinite(self.prior_strength)):
            raise InvalidInput([FieldError("prior_strength", self.prior_strength, "expected a positive finite number")])
        if not (isinstance(self.max_iter, int) and self.max_iter >= 1):
            raise InvalidInput([FieldError("max_iter", self.max_iter, "expected a positive integer")])

    def _features(self, outcomes: Outcomes, pair_features: np.ndarray | None, *, fitting: bool) -> np.ndarray:
        if not isinstance(outcomes, Outcomes):
            raise InvalidInput([FieldError("outcomes", type(outcomes).__name__, "expected an Outcomes")])
        k = len(outcomes)
        if fitting and (not self.use_features or pair_features is None):
            self.n_features_in_ = 0
            return np.zeros((k, 0))
        if not fitting and self.n_features_in_ == 0:
            if pair_features is not None and self.use_features:
                raise InvalidInput([FieldError("pair_features", "given", "the model was fitted without pair features; leave them out")])
            return np.zeros((k, 0))
        if pair_features is None:
            raise InvalidInput([FieldError("pair_features", None, f"the model was fitted with {self.n_features_in_} pair feature(s); pass them for the new outcomes too")])
        features = np.asarray(pair_features, dtype=float)
        if features.ndim == 1:
            features = features[:, None]
        if features.ndim != 2 or features.shape[0] != k:
            raise InvalidInput([FieldError("pair_features", f"array of shape {features.shape}", f"expected shape ({k},) or ({k}, n_features), one row per meeting")])
        if not np.isfinite(features).all():
            raise InvalidInput([FieldError("pair_features", "non-finite value", "expected finite numbers")])
        if fitting:
            self.n_features_in_ = features.shape[1]
        elif features.shape[1] != self.n_features_in_:
            raise InvalidInput([FieldError("pair_features", f"{features.shape[1]} features", f"expected {self.n_features_in_}, as when fitted")])
        return features

    def _refit(self, n_left: int | None, n_right: int | None) -> None:
        o = self.outcomes_
        if len(o) == 0:
            raise InvalidInput([FieldError("outcomes", "0 meetings", "expected at least one meeting to learn from")])
        seen_left = int(o.left_idx.max()) + 1
        seen_right = int(o.right_idx.max()) + 1
        self.n_left_ = max(seen_left, n_left or 0, getattr(self, "n_left_", 0))
        self.n_right_ = max(seen_right, n_right or 0, getattr(self, "n_right_", 0))
        features = self.features_
        if features.shape[1]:
            self.feature_mean_ = features.mean(axis=0)
            scale = features.std(axis=0)
            self.feature_scale_ = np.where(scale > 0, scale, 1.0)
        else:
            self.feature_mean_ = np.zeros(0)
            self.feature_scale_ = np.ones(0)
        standardized = (features - self.feature_mean_) / self.feature_scale_
        p = standardized.shape[1]
        left, ok_left = _fit_side(
            o.left_yes.astype(float), standardized, o.left_idx, o.right_idx, self.n_left_, self.n_right_,
            float(self.prior_strength), _pack(getattr(self, "left_model_", None), self.n_left_, self.n_right_, p), self.max_iter,
        )
        right, ok_right = _fit_side(
            o.right_yes.astype(float), standardized, o.right_idx, o.left_idx, self.n_right_, self.n_left_,
            float(self.prior_strength), _pack(getattr(self, "right_model_", None), self.n_right_, self.n_left_, p), self.max_iter,
        )
        self.left_model_, self.right_model_ = left, right
        self.converged_ = ok_left and ok_right

    # -- what was learned --------------------------------------------------
    @property
    def left_selectivity_(self) -> np.ndarray:
        """How rarely each left participant says yes (logit scale, 0 = average)."""
        check_is_fitted(self, "left_model_")
        return -self.left_model_.eager

    @property
    def right_selectivity_(self) -> np.ndarray:
        """How rarely each right participant says yes (logit scale, 0 = average)."""
        check_is_fitted(self, "right_model_")
        return -self.right_model_.eager

    @property
    def left_attractiveness_(self) -> np.ndarray:
        """How much the right side wants each left participant (logit scale)."""
        check_is_fitted(self, "right_model_")
        return self.right_model_.appeal

    @property
    def right_attractiveness_(self) -> np.ndarray:
        """How much the left side wants each right participant (logit scale)."""
        check_is_fitted(self, "left_model_")
        return self.left_model_.appeal

    # -- prediction --------------------------------------------------------
    def _standardized(self, pair_features: np.ndarray | None, shape: tuple[int, ...]) -> np.ndarray:
        if self.n_features_in_ == 0:
            return np.zeros(shape + (0,))
        if pair_features is None:
            raise InvalidInput([FieldError("pair_features", None, f"the model uses {self.n_features_in_} pair feature(s); pass them")])
        features = np.asarray(pair_features, dtype=float)
        if features.shape == shape and self.n_features_in_ == 1:
            features = features[..., None]
        if features.shape != shape + (self.n_features_in_,):
            raise InvalidInput([FieldError("pair_features", f"array of shape {features.shape}", f"expected shape {shape + (self.n_features_in_,)}")])
        return (features - self.feature_mean_) / self.feature_scale_

    def predict_sides(
        self, left_idx: np.ndarray, right_idx: np.ndarray, pair_features: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """P(left says yes), P(right says yes) for each (left_idx[k], right_idx[k]) pair.

        Parameters
        ----------
        left_idx, right_idx : array of int, same shape
            The pairs (broadcast against each other, e.g. a column and a row
            for a block).
        pair_features : ndarray, optional
            Features of each pair, shape ``left_idx.shape`` (one feature) or
            ``left_idx.shape + (n_features,)``.

        Returns
        -------
        tuple of ndarray
        """
        check_is_fitted(self, "left_model_")
        left_idx, right_idx = np.broadcast_arrays(np.asarray(left_idx, dtype=np.int64), np.asarray(right_idx, dtype=np.int64))
        if (left_idx < 0).any() or (right_idx < 0).any():
            raise InvalidInput([FieldError("left_idx/right_idx", "negative index", "expected non-negative participant indices")])
        x = self._standardized(pair_features, left_idx.shape)
        lm, rm = self.left_model_, self.right_model_
        z_left = lm.intercept + x @ lm.coef + _lookup(lm.eager, left_idx) + _lookup(lm.appeal, right_idx)
        z_right = rm.intercept + x @ rm.coef + _lookup(rm.eager, right_idx) + _lookup(rm.appeal, left_idx)
        return expit(z_left), expit(z_right)

    def predict_mutual_yes(
        self, left_idx: np.ndarray, right_idx: np.ndarray, pair_features: np.ndarray | None = None
    ) -> np.ndarray:
        """P(both say yes) for each pair; see :meth:`predict_sides`."""
        p_left, p_right = self.predict_sides(left_idx, right_idx, pair_features)
        return p_left * p_right

    def expected_mutual_yes_matrix(
        self,
        pair_features: np.ndarray | None = None,
        *,
        left_idx: np.ndarray | None = None,
        right_idx: np.ndarray | None = None,
        log: bool = False,
    ) -> np.ndarray:
        """The matrix the next round's solver maximizes.

        Entry ``[a, b]`` is P(mutual yes) of left ``left_idx[a]`` and right
        ``right_idx[b]``, so the sum over a matching is its expected number
        of mutual yeses.

        Parameters
        ----------
        pair_features : ndarray of shape (n_l, n_r) or (n_l, n_r, n_features), optional
            The block's profile scores (or components); may be left out for
            a model without features, if ``left_idx`` and ``right_idx`` are
            given.
        left_idx, right_idx : array of int, optional
            Which participants the block's rows and columns are (default:
            ``0..n_l-1`` and ``0..n_r-1``).
        log : bool, default=False
            Return log-probabilities instead.

        Returns
        -------
        ndarray of shape (n_l, n_r)
        """
        check_is_fitted(self, "left_model_")
        if pair_features is not None:
            shape = np.shape(pair_features)
            if len(shape) not in (2, 3):
                raise InvalidInput([FieldError("pair_features", f"array of shape {shape}", "expected a (n_left, n_right[, n_features]) block")])
            n_l, n_r = shape[:2]
        elif left_idx is None or right_idx is None:
            raise InvalidInput([FieldError("left_idx", None, "without pair features, give left_idx and right_idx")])
        else:
            n_l, n_r = len(left_idx), len(right_idx)
        rows = np.arange(n_l) if left_idx is None else np.asarray(left_idx, dtype=np.int64)
        cols = np.arange(n_r) if right_idx is None else np.asarray(right_idx, dtype=np.int64)
        if len(rows) != n_l or len(cols) != n_r:
            raise InvalidInput([FieldError("left_idx/right_idx", (len(rows), len(cols)), f"expected lengths {(n_l, n_r)}, the block's shape")])
        p_left, p_right = self.predict_sides(rows[:, None], cols[None, :], pair_features)
        if log:
            return np.log(np.maximum(p_left, 1e-300)) + np.log(np.maximum(p_right, 1e-300))
        return p_left * p_right

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "left_model_")
