"""Component weights learned from pair outcomes (matching.features._learn)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from matching.errors import InvalidInput
from matching.features._learn import NonNegativeLogisticRegression, fit_weights_from_features

NAMES = ["text", "tags", "industry", "region"]


def _pairs(seed: int, k: int = 1500, informative: int = 1):
    """Four components in [0, 1]; only ``informative`` drives the outcome, the others are noisy decoys."""
    rng = np.random.default_rng(seed)
    features = rng.random((k, len(NAMES)))
    features[:, 3] = rng.random(k) ** 0.2  # a decoy with a large, useless spread
    labels = rng.random(k) < expit(-2.0 + 5.0 * features[:, informative])
    return features, labels


@pytest.mark.parametrize("seed", range(3))
def test_learned_weights_beat_uniform_when_one_component_is_informative(seed):
    features, labels = _pairs(seed)
    fitted = fit_weights_from_features(features, labels, NAMES, target="mutual", cv=5, random_state=seed)
    assert max(fitted.weights, key=fitted.weights.get) == "tags"
    assert fitted.weights["tags"] > 0.8
    assert sum(fitted.weights.values()) == pytest.approx(1.0)
    assert all(w >= 0 for w in fitted.weights.values())
    test_features, test_labels = _pairs(seed + 100)
    learned = roc_auc_score(test_labels, test_features @ np.array([fitted.weights[n] for n in NAMES]))
    uniform = roc_auc_score(test_labels, test_features.sum(axis=1))
    assert learned > uniform + 0.05
    assert fitted.cv_auc_mean > fitted.baseline_auc


def test_cross_validation_returns_one_score_per_fold():
    features, labels = _pairs(7)
    fitted = fit_weights_from_features(features, labels, NAMES, target="deal", cv=4)
    assert len(fitted.cv_auc) == 4
    assert all(0.5 < s <= 1.0 for s in fitted.cv_auc)
    again = fit_weights_from_features(features, labels, NAMES, target="deal", cv=4)
    assert again.cv_auc == fitted.cv_auc  # seeded folds
    assert fitted.n_samples == 1500 and fitted.n_positive == int(labels.sum())
    assert fit_weights_from_features(features, labels, NAMES, target="deal", cv=0).cv_auc == ()
    assert fitted.as_dict()["target"] == "deal"


def test_negative_evidence_gives_zero_weight_not_negative():
    rng = np.random.default_rng(8)
    features = rng.random((800, 2))
    labels = rng.random(800) < expit(2.0 - 4.0 * features[:, 0] + 3.0 * features[:, 1])
    fitted = fit_weights_from_features(features, labels, ["bad", "good"], target="mutual")
    assert fitted.coef["bad"] == 0.0 and fitted.coef["good"] > 0
    free = NonNegativeLogisticRegression(nonnegative=False).fit(features, labels)
    assert free.coef_[0] < 0


@pytest.mark.parametrize("seed", range(4))
def test_unconstrained_fit_equals_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(300, 3))
    X = (X - X.mean(axis=0)) / X.std(axis=0)  # sklearn penalizes raw features, ours standardized ones
    y = rng.random(300) < expit(X @ np.array([1.0, -0.5, 0.0]))
    ours = NonNegativeLogisticRegression(C=0.5, nonnegative=False).fit(X, y)
    theirs = LogisticRegression(C=0.5, tol=1e-10, max_iter=1000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_[0], atol=1e-4)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_[0], atol=1e-4)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-4)
    assert (ours.predict(X) == theirs.predict(X)).mean() > 0.99


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda X, y: fit_weights_from_features(X, y, NAMES[:2], target="mutual"), r"features: expected shape \(1500, 2\)"),
        (lambda X, y: fit_weights_from_features(X, y, NAMES, target="mutual", cv=-1), "cv: expected a non-negative"),
        (lambda X, y: fit_weights_from_features(X[:20], y[:20] & False, NAMES, target="deal"), r"expected at least 5 of each for 'deal'"),
        (lambda X, y: NonNegativeLogisticRegression().fit(X, np.zeros(len(y))), "expected exactly two classes"),
        (lambda X, y: NonNegativeLogisticRegression(C=0).fit(X, y), "C: expected a positive number"),
        (lambda X, y: NonNegativeLogisticRegression().fit(X[:, 0], y), "expected a 2-D array with 1500 rows"),
        (lambda X, y: NonNegativeLogisticRegression().fit(np.where(X > 0.5, np.inf, X), y), "expected finite features"),
        (lambda X, y: NonNegativeLogisticRegression().fit(X, y).predict(X[:, :2]), "expected 4 columns"),
    ],
)
def test_errors(call, match):
    features, labels = _pairs(9)
    with pytest.raises(InvalidInput, match=match):
        call(features, labels)
