"""Learning across rounds and against the planted truth, on synthetic programmes."""

from __future__ import annotations

import numpy as np
import pytest

from datasets.synthetic import generate
from matching.errors import InvalidInput
from matching.features._learn import (
    evaluate_ground_truth,
    expected_mutual_yes,
    pair_inputs,
    fit_weights,
    fit_weights_to_truth,
    sample_pairs,
    simulate_rounds,
)
from matching.features._outcomes import Outcomes
from matching.features._propensity import PropensityModel
from matching.features._scorer import Scorer


def _scorer(programme, **params):
    return Scorer.from_round(programme.programme.rounds[0], **params).fit(programme.left, programme.right)


@pytest.fixture(scope="module")
def overseas():
    """Two seeds of the overseas preset (25 SMEs, 60 buyers, 8 meetings each per round)."""
    out = []
    for seed in (0, 1):
        programme = generate("overseas", seed=seed)
        rnd = programme.programme.rounds[0]
        scorer = _scorer(programme)
        runs = {
            learning: simulate_rounds(
                scorer, programme.truth, rounds=4, learning=learning,
                left_capacity=rnd.left_capacity.max, right_capacity=rnd.right_capacity.max,
            )
            for learning in (False, True)
        }
        out.append((programme, scorer, runs))
    return out


def test_learning_raises_the_expected_mutual_yes_rate(overseas):
    without = np.mean([runs[False].later_true_expected_rate for _, _, runs in overseas])
    learned = np.mean([runs[True].later_true_expected_rate for _, _, runs in overseas])
    assert learned > without + 0.01
    for _, _, runs in overseas:
        assert runs[True].rounds[1].planned_from == "expected-mutual-yes"
        assert runs[False].rounds[1].planned_from == "profile"
        assert runs[True].rounds[0].mutual_yes == runs[False].rounds[0].mutual_yes  # same first round


def test_propensities_predict_later_rounds_better_than_profiles(overseas):
    for _, _, runs in overseas:
        auc = runs[False].prediction_auc
        assert auc["both"] > auc["profile"]
        assert auc["propensity"] > auc["profile"]


def test_rounds_respect_capacity_rules_and_never_repeat(overseas):
    for programme, scorer, runs in overseas:
        rnd = programme.programme.rounds[0]
        impossible = scorer.impossible_mask()
        for result in runs.values():
            o = result.outcomes
            keys = o.left_idx * programme.n_right + o.right_idx
            assert len(np.unique(keys)) == len(keys)
            assert not impossible[o.left_idx, o.right_idx].any()
            for r in o.rounds:
                meetings = o.of_rounds([r])
                assert np.bincount(meetings.left_idx).max() <= rnd.left_capacity.max
                assert np.bincount(meetings.right_idx).max() <= rnd.right_capacity.max
            assert result.meetings == len(o) and result.mutual_yes == int(o.mutual.sum())
            assert result.as_dict()["rounds"][0]["meetings"] == result.rounds[0].meetings


def test_weights_from_outcomes_of_a_programme(overseas):
    programme, scorer, runs = overseas[0]
    fitted = fit_weights(scorer, runs[False].outcomes, target="left_yes", cv=3)
    assert len(fitted.cv_auc) == 3
    assert fitted.n_samples == len(runs[False].outcomes)
    reweighted = scorer.with_weights(fitted.weights)
    assert reweighted.score_matrix().shape == (programme.n_left, programme.n_right)
    with pytest.raises(InvalidInput, match="target: expected one of"):
        fit_weights(scorer, runs[False].outcomes, target="good_pair")


def test_weights_learned_on_one_seed_beat_defaults_on_another():
    train = generate("open-innovation", seed=101, n_left=150, n_right=180)
    test = generate("open-innovation", seed=202)
    fitted = fit_weights_to_truth(_scorer(train), train.truth, cv=3)
    assert fitted.target == "good_pair" and len(fitted.cv_auc) == 3
    scorer = _scorer(test)
    default = evaluate_ground_truth(scorer, test.truth)
    learned = evaluate_ground_truth(scorer, test.truth, weights=fitted)
    assert learned > default
    assert learned >= 0.85


def test_sampled_auc_estimates_the_full_auc():
    programme = generate("design", seed=5, n_left=120, n_right=100)
    scorer = _scorer(programme)
    full = evaluate_ground_truth(scorer, programme.truth)
    sampled = evaluate_ground_truth(scorer, programme.truth, sample=6000, seed=1)
    assert abs(full - sampled) < 0.03


def test_sample_pairs():
    left, right = sample_pairs(3, 4)
    assert sorted(zip(left.tolist(), right.tolist())) == [(i, j) for i in range(3) for j in range(4)]
    left, right = sample_pairs(1000, 1000, max_pairs=50, seed=3)
    assert len(left) == 50 and left.max() < 1000 and right.max() < 1000
    with pytest.raises(InvalidInput, match="expected at least one participant per side"):
        sample_pairs(0, 4)
    with pytest.raises(InvalidInput, match="max_pairs: expected a positive number"):
        sample_pairs(2, 4, max_pairs=0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(pair_input="text"), "pair_input: expected one of"),
        (dict(rounds=0), "rounds: expected a positive number"),
    ],
)
def test_simulation_errors(overseas, kwargs, match):
    programme, scorer, _ = overseas[0]
    with pytest.raises(InvalidInput, match=match):
        simulate_rounds(scorer, programme.truth, **kwargs)


def test_zero_weights_are_refused(overseas):
    programme, scorer, _ = overseas[0]
    with pytest.raises(InvalidInput, match="expected at least one positive weight"):
        evaluate_ground_truth(scorer, programme.truth, weights={"text": 0.0})


def test_outcomes_from_simulation(overseas):
    programme, _, _ = overseas[0]
    simulated = programme.truth.simulate_outcomes((np.array([0, 1]), np.array([2, 3])), round=2)
    o = Outcomes.from_simulation(simulated)
    assert o.round.tolist() == [2, 2]
    assert np.array_equal(o.left_yes, simulated.left_yes) and np.array_equal(o.deal, simulated.deal)


@pytest.mark.parametrize("pair_input", ["score", "components"])
def test_real_programme_workflow_matches_the_simulation(overseas, pair_input):
    """Update after a round from outcomes + pair inputs, then plan on the expected-mutual-yes matrix."""
    programme, scorer, runs = overseas[0]
    first = runs[False].outcomes.of_rounds([0])
    model = PropensityModel().update(first, pair_inputs(scorer, first.left_idx, first.right_idx, pair_input=pair_input))
    matrix = expected_mutual_yes(model, scorer, pair_input=pair_input)
    assert matrix.shape == (programme.n_left, programme.n_right)
    assert ((matrix > 0) & (matrix < 1)).all()
    rows, cols = np.array([0, 3]), np.array([5, 1])
    expected = model.predict_mutual_yes(rows, cols, pair_inputs(scorer, rows, cols, pair_input=pair_input))
    np.testing.assert_allclose(matrix[rows, cols], expected, rtol=1e-9)
    with pytest.raises(InvalidInput, match="pair_input: expected one of"):
        pair_inputs(scorer, rows, cols, pair_input="both")
    with pytest.raises(InvalidInput, match="pair_input: expected one of"):
        expected_mutual_yes(model, scorer, pair_input="both")
