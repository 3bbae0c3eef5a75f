"""Per-participant propensities learned from earlier rounds (matching.features._propensity)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit
from scipy.stats import spearmanr
from sklearn.exceptions import NotFittedError
from sklearn.metrics import roc_auc_score

from matching.errors import InvalidInput
from matching.features._outcomes import Outcomes
from matching.features._propensity import PropensityModel


class World:
    """Planted selectivity and attractiveness; yes/no drawn from a logistic model."""

    def __init__(self, seed: int, n_left: int = 120, n_right: int = 60, profile_weight: float = 1.0):
        rng = np.random.default_rng(seed)
        self.rng = rng
        self.n_left, self.n_right = n_left, n_right
        self.left_selectivity = rng.normal(0, 1, n_left)
        self.right_selectivity = rng.normal(0, 1, n_right)
        self.left_attractiveness = rng.normal(0, 1, n_left)
        self.right_attractiveness = rng.normal(0, 1, n_right)
        self.compatibility = rng.normal(0, 1, (n_left, n_right))
        self.profile_weight = profile_weight

    def profile_score(self, left_idx, right_idx):
        """A noisy view of compatibility, as a profile scorer would see it."""
        return self.compatibility[left_idx, right_idx] + self.rng.normal(0, 0.5, np.shape(left_idx))

    def meet(self, left_idx, right_idx, round):
        c = self.profile_weight * self.compatibility[left_idx, right_idx]
        z_left = -0.3 + c - self.left_selectivity[left_idx] + self.right_attractiveness[right_idx]
        z_right = -0.3 + c - self.right_selectivity[right_idx] + self.left_attractiveness[left_idx]
        left_yes = self.rng.random(len(left_idx)) < expit(z_left)
        right_yes = self.rng.random(len(left_idx)) < expit(z_right)
        return Outcomes(left_idx, right_idx, left_yes=left_yes, right_yes=right_yes, round=round)

    def random_round(self, round, per_left=2):
        left_idx = np.repeat(np.arange(self.n_left), per_left)
        right_idx = self.rng.integers(0, self.n_right, len(left_idx))
        return left_idx, right_idx, self.meet(left_idx, right_idx, round)


def _learn(world: World, rounds: int, **params) -> PropensityModel:
    model = PropensityModel(**params)
    for r in range(rounds):
        left_idx, right_idx, outcomes = world.random_round(r)
        model.update(outcomes, world.profile_score(left_idx, right_idx))
    return model


@pytest.mark.parametrize("seed", [0, 1])
def test_recovers_planted_propensity_ranks(seed):
    world = World(seed)
    model = _learn(world, rounds=6)
    assert model.converged_
    assert spearmanr(model.left_selectivity_, world.left_selectivity)[0] > 0.65
    assert spearmanr(model.right_selectivity_, world.right_selectivity)[0] > 0.7
    assert spearmanr(model.left_attractiveness_, world.left_attractiveness)[0] > 0.65
    assert spearmanr(model.right_attractiveness_, world.right_attractiveness)[0] > 0.7
    assert model.left_model_.coef[0] > 0 and model.right_model_.coef[0] > 0


def test_more_rounds_recover_better():
    few = _learn(World(3), rounds=1)
    many_world = World(3)
    many = _learn(many_world, rounds=8)
    truth = many_world.left_selectivity
    assert spearmanr(many.left_selectivity_, truth)[0] > spearmanr(few.left_selectivity_, truth)[0]


def test_later_round_outcomes_predicted_better_with_propensities():
    world = World(4, profile_weight=0.5)
    both = PropensityModel()
    alone = PropensityModel(use_features=False)
    for r in range(5):
        left_idx, right_idx, outcomes = world.random_round(r)
        scores = world.profile_score(left_idx, right_idx)
        both.update(outcomes, scores)
        alone.update(outcomes)
    left_idx, right_idx, later = world.random_round(5)
    scores = world.profile_score(left_idx, right_idx)
    auc_profile = roc_auc_score(later.mutual, scores)
    auc_alone = roc_auc_score(later.mutual, alone.predict_mutual_yes(left_idx, right_idx))
    auc_both = roc_auc_score(later.mutual, both.predict_mutual_yes(left_idx, right_idx, scores))
    assert auc_both > auc_profile
    assert auc_both > auc_alone
    assert auc_alone > 0.6


def test_shrinkage_pulls_a_single_meeting_towards_average():
    # left 0 said no once; left 1 said no in 20 meetings; everyone else yes half the time
    left_idx = np.r_[0, np.full(20, 1), np.repeat(np.arange(2, 22), 4)]
    right_idx = np.arange(len(left_idx)) % 5
    left_yes = np.r_[False, np.zeros(20, bool), np.tile([True, False], 40)]
    model = PropensityModel().fit(Outcomes(left_idx, right_idx, left_yes=left_yes, right_yes=np.ones(len(left_idx), bool)))
    assert 0 < model.left_selectivity_[0] < model.left_selectivity_[1]
    assert model.left_selectivity_[1] > model.left_selectivity_[2:].max()
    weak = PropensityModel(prior_strength=100.0).fit(Outcomes(left_idx, right_idx, left_yes=left_yes, right_yes=np.ones(len(left_idx), bool)))
    assert abs(weak.left_selectivity_[1]) < abs(model.left_selectivity_[1])


def test_update_equals_fit_on_all_rounds():
    world = World(5, n_left=30, n_right=20)
    parts, scores = [], []
    for r in range(3):
        left_idx, right_idx, outcomes = world.random_round(r)
        parts.append(outcomes)
        scores.append(world.profile_score(left_idx, right_idx))
    stepwise = PropensityModel()
    for outcomes, s in zip(parts, scores):
        stepwise.update(outcomes, s)
    at_once = PropensityModel().fit(Outcomes.concat(parts), np.concatenate(scores))
    grid = np.arange(30)[:, None], np.arange(20)[None, :]
    block = world.compatibility
    np.testing.assert_allclose(
        stepwise.expected_mutual_yes_matrix(block), at_once.expected_mutual_yes_matrix(block), atol=1e-4
    )


def test_matrix_matches_pairwise_prediction_and_is_calibrated():
    world = World(6, n_left=40, n_right=25)
    model = _learn(world, rounds=4)
    block = world.compatibility[:10, 5:12]
    rows, cols = np.arange(10), np.arange(5, 12)
    matrix = model.expected_mutual_yes_matrix(block, left_idx=rows, right_idx=cols)
    assert matrix.shape == (10, 7)
    np.testing.assert_allclose(matrix[3, 4], model.predict_mutual_yes([3], [9], [block[3, 4]])[0])
    np.testing.assert_allclose(np.log(matrix), model.expected_mutual_yes_matrix(block, left_idx=rows, right_idx=cols, log=True))
    # the fitted intercept makes the average prediction match the training yes rate of each side
    o, x = model.outcomes_, model.features_
    p_left, p_right = model.predict_sides(o.left_idx, o.right_idx, x)
    assert abs(p_left.mean() - o.left_yes.mean()) < 0.02
    assert abs(p_right.mean() - o.right_yes.mean()) < 0.02


def test_unseen_participants_get_the_average():
    world = World(7, n_left=20, n_right=10)
    model = _learn(world, rounds=2)
    far = model.predict_sides([500, 501], [3, 3], [0.0, 0.0])
    np.testing.assert_allclose(far[0][0], far[0][1])
    assert model.n_left_ == 20


def test_propensities_only_model_needs_indices():
    world = World(8, n_left=20, n_right=10)
    left_idx, right_idx, outcomes = world.random_round(0)
    model = PropensityModel(use_features=False).fit(outcomes, world.profile_score(left_idx, right_idx))
    assert model.n_features_in_ == 0
    assert model.expected_mutual_yes_matrix(left_idx=np.arange(20), right_idx=np.arange(10)).shape == (20, 10)
    with pytest.raises(InvalidInput, match="without pair features, give left_idx and right_idx"):
        model.expected_mutual_yes_matrix()


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda m, o: PropensityModel(prior_strength=0).fit(o), "prior_strength: expected a positive finite number"),
        (lambda m, o: PropensityModel(max_iter=0).fit(o), "max_iter: expected a positive integer"),
        (lambda m, o: PropensityModel().fit([1, 2]), "outcomes: expected an Outcomes"),
        (lambda m, o: PropensityModel().fit(o.select(np.zeros(len(o), bool))), "expected at least one meeting"),
        (lambda m, o: PropensityModel().fit(o, np.zeros(3)), r"pair_features: expected shape \(\d+,\)"),
        (lambda m, o: PropensityModel().fit(o, np.full(len(o), np.nan)), "pair_features: expected finite numbers"),
        (lambda m, o: m.update(o), "pass them for the new outcomes too"),
        (lambda m, o: m.update(o, np.zeros((len(o), 2))), "pair_features: expected 1, as when fitted"),
        (lambda m, o: m.predict_mutual_yes([0], [0]), "the model uses 1 pair feature"),
        (lambda m, o: m.predict_mutual_yes([-1], [0], [0.0]), "expected non-negative participant indices"),
        (lambda m, o: m.expected_mutual_yes_matrix(np.zeros(4)), r"expected a \(n_left, n_right\[, n_features\]\) block"),
        (lambda m, o: m.expected_mutual_yes_matrix(np.zeros((2, 2)), left_idx=[0]), "expected lengths"),
        (lambda m, o: PropensityModel().fit(o).update(o, np.zeros(len(o))), "fitted without pair features"),
    ],
)
def test_errors(call, match):
    world = World(9, n_left=10, n_right=5)
    left_idx, right_idx, outcomes = world.random_round(0)
    model = PropensityModel().fit(outcomes, world.profile_score(left_idx, right_idx))
    with pytest.raises(InvalidInput, match=match):
        call(model, outcomes)


def test_not_fitted():
    with pytest.raises(NotFittedError):
        PropensityModel().predict_mutual_yes([0], [0])
