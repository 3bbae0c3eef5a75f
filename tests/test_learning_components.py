"""The reciprocal model reading the scorer's components next to the profile score."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit
from sklearn.metrics import roc_auc_score

from datasets.synthetic import generate
from matching.errors import InvalidInput
from matching.features import (
    Outcomes,
    ReciprocalModel,
    Scorer,
    play_programme,
    profile_feature_names,
    profile_features,
)


def _component_world(seed: int, true_weights, score_weights, n: int = 40, per_round: int = 8, rounds: int = 3):
    """Pairs with 4 components; both sides decide on ``true_weights``·components, the organizer scores with ``score_weights``."""
    rng = np.random.default_rng(seed)
    components = rng.uniform(size=(n, n, 4))
    compat = components @ np.asarray(true_weights, float)
    compat = (compat - compat.mean()) / compat.std()
    eager_l, eager_r = rng.normal(0, 0.5, n), rng.normal(0, 0.5, n)
    p_left = expit(1.5 * compat + eager_l[:, None])
    p_right = expit(1.5 * compat + eager_r[None, :])
    score = components @ np.asarray(score_weights, float)
    block = np.concatenate([score[..., None], components], axis=2)

    def meetings(count: int, offset: int) -> Outcomes:
        parts = []
        for r in range(count):
            li = np.repeat(np.arange(n), per_round)
            rj = np.concatenate([rng.choice(n, per_round, replace=False) for _ in range(n)])
            parts.append(Outcomes(li, rj, left_yes=rng.uniform(size=li.size) < p_left[li, rj],
                                  right_yes=rng.uniform(size=li.size) < p_right[li, rj], round=r + offset))
        return Outcomes.concat(parts)

    return block, meetings(rounds, 0), meetings(1, rounds)


def _held_out_auc(block, train, test, features):
    x = block if features == "components" else block[..., 0]
    model = ReciprocalModel(rank=0, prior_strength=1.0, factor_strength=np.inf).fit(
        train, x[train.left_idx, train.right_idx], n_left=block.shape[0], n_right=block.shape[1])
    predicted = model.predict_mutual_yes(test.left_idx, test.right_idx, x[test.left_idx, test.right_idx])
    return roc_auc_score(test.mutual, predicted), model


def test_components_learn_the_planted_weights_better_than_the_score_alone():
    # the organizer weighs the first two components; the participants decide on the last two
    block, train, test = _component_world(0, true_weights=[0.0, 0.0, 1.0, 1.0], score_weights=[1.0, 1.0, 0.2, 0.2])
    auc_components, model = _held_out_auc(block, train, test, "components")
    auc_score, _ = _held_out_auc(block, train, test, "score")
    assert auc_components > auc_score + 0.05, (auc_components, auc_score)
    # the learned weights of the profile part (per raw component, both directions) follow the planted ones
    for side in (model.left_model_, model.right_model_):
        weights = side.coef / model.feature_scale_
        effective = weights[0] * np.array([1.0, 1.0, 0.2, 0.2]) + weights[1:]
        assert effective[2:].min() > 3 * np.abs(effective[:2]).max(), effective
        assert side.feature_strength < 1000.0  # cross-validation did not fall back to the score alone
    assert set(model.cv_results_["left"]) == {f"1/inf/{fs:g}" for fs in (10, 100, 1000)}


def test_components_cost_little_when_the_score_is_right():
    """The ridge keeps the model near the score when the organizer's weights are the planted ones."""
    block, train, test = _component_world(1, true_weights=[1.0, 0.5, 0.0, 0.0], score_weights=[1.0, 0.5, 0.0, 0.0], per_round=4, rounds=2)
    auc_components, _ = _held_out_auc(block, train, test, "components")
    auc_score, _ = _held_out_auc(block, train, test, "score")
    assert auc_components > auc_score - 0.02, (auc_components, auc_score)


def _dense(matrix):
    return matrix.toarray() if hasattr(matrix, "toarray") else np.asarray(matrix)


@pytest.fixture(scope="module")
def scored():
    data = generate("overseas", seed=2, n_left=10, n_right=14)
    scorer = Scorer.from_round(data.programme.rounds[0]).fit(data.left, data.right)
    return data, scorer, scorer.score_matrix()


def test_profile_features_are_the_score_and_its_components(scored):
    _, scorer, scores = scored
    block = profile_features(scorer)
    names = profile_feature_names(scorer)
    assert block.shape == scores.shape + (len(names),) and names[0] == "score" and names[1:] == tuple(scorer.component_names_)
    np.testing.assert_array_equal(block[..., 0], scores)
    # a second way to the same numbers: the weighted components plus the wish bonus are the score
    weights = np.array([scorer.weights_[name] for name in names[1:]])
    np.testing.assert_allclose(block[..., 1:] @ weights + _dense(scorer.wish_bonus_), scores, atol=1e-9)
    i, j = 3, 5
    contributions = {c.component: c.value for c in scorer.contributions(i, j).contributions}
    np.testing.assert_allclose(block[i, j, 1:], [contributions[name] for name in names[1:]], atol=1e-12)


def test_profile_features_refuse_a_wrong_shape_or_too_large_a_block(scored):
    _, scorer, scores = scored
    with pytest.raises(InvalidInput, match="scores"):
        profile_features(scorer, scores[:, :3])
    with pytest.raises(InvalidInput, match="max_cells"):
        profile_features(scorer, scores, max_cells=10)


def test_shape_errors_name_pair_features(scored):
    data, scorer, scores = scored
    block = profile_features(scorer, scores)
    with pytest.raises(InvalidInput, match="pair_features"):
        play_programme(scores, np.zeros(scores.shape, bool), data.truth, pair_features=block[:, :4])
    with pytest.raises(InvalidInput, match="pair_features"):
        play_programme(scores, np.zeros(scores.shape, bool), data.truth, pair_features=block[..., None])
    outcomes = Outcomes([0, 1, 2, 3], [0, 1, 2, 3], left_yes=[1, 0, 1, 0], right_yes=[1, 1, 0, 0])
    with pytest.raises(InvalidInput, match="pair_features"):
        ReciprocalModel(rank=0, prior_strength=1.0, factor_strength=np.inf).fit(outcomes, block[:3, 0])
    model = ReciprocalModel(rank=0, prior_strength=1.0, factor_strength=np.inf, feature_strength=10.0).fit(
        outcomes, block[[0, 1, 2, 3], [0, 1, 2, 3]])
    with pytest.raises(InvalidInput, match="pair_features"):
        model.expected_mutual_yes_matrix(scores)  # fitted on the components: the score alone will not do
    with pytest.raises(InvalidInput, match="feature_strength"):
        ReciprocalModel(feature_strength=0.0).fit(outcomes, block[[0, 1, 2, 3], [0, 1, 2, 3]])


def test_a_programme_plans_on_the_components(scored):
    data, scorer, scores = scored
    block = profile_features(scorer, scores)
    run = play_programme(scores, scorer.impossible_mask(), data.truth, planner="reciprocal", rounds=2, left_capacity=3, right_capacity=2,
                         pair_features=block, reciprocal=ReciprocalModel(rank=0, prior_strength=1.0, factor_strength=np.inf))
    assert [r.planned_from for r in run.rounds] == ["profile", "reciprocal"]
    model = ReciprocalModel(rank=0, prior_strength=1.0, factor_strength=np.inf).fit(
        run.outcomes.of_rounds([0]),
        block[run.rounds[0].pairs[:, 0], run.rounds[0].pairs[:, 1]], n_left=scores.shape[0], n_right=scores.shape[1])
    second = run.rounds[1].pairs
    np.testing.assert_allclose(run.rounds[1].predictions["reciprocal"], model.expected_mutual_yes_matrix(block)[second[:, 0], second[:, 1]])


def test_next_round_reads_the_components_and_falls_back_to_the_score(monkeypatch):
    from matching import next_round
    from matching.model import Event

    data = generate("reskilling", seed=6, n_left=12, n_right=3)
    first = data.programme.rounds[0]
    programme = data.programme.model_copy(update={"rounds": (first, first.model_copy(update={"name": "Round 2"}))})
    event = Event(programme=programme, participants=data.participants)
    left, right = [p.id for p in data.left], [p.id for p in data.right]
    history = [{"round": 0, "left": a, "right": right[k % 3], "left_yes": k % 2 == 0, "right_yes": k % 3 != 1}
               for k, a in enumerate(left)]
    planned = next_round.match_next_round(event, 1, history)
    n_features = 1 + len(planned.profile.scorer.component_names_)
    assert planned.features == "components" and planned.pair_features.shape == (12, 3, n_features)
    assert planned.model.n_features_in_ == n_features
    np.testing.assert_array_equal(planned.pair_features[..., 0], planned.profile.scores)
    learning = next_round.next_round_summary(planned)["learning"]
    assert learning["features"] == "components" and set(learning["feature_strength"]) == {"left", "right"}
    pairs = planned.match.result.pairs
    block = planned.model.expected_mutual_yes_matrix(planned.pair_features)  # the summary reads the pairs only
    assert learning["expected_mutual_yes"] == pytest.approx(block[pairs[:, 0], pairs[:, 1]].sum(), abs=2e-6)
    alone_profile = planned.model.predict_profile_only(planned.pair_features)[pairs[:, 0], pairs[:, 1]].sum()
    assert learning["expected_mutual_yes_profile_only"] == pytest.approx(alone_profile, abs=2e-6)
    for row, (i, j) in zip(next_round.next_round_rows(planned), planned.match.result.pairs.tolist()):
        expected = planned.model.predict_mutual_yes([i], [j], planned.pair_features[i, j][None])[0]
        assert row["learned"]["probability"] == pytest.approx(expected, abs=1e-6)
    alone = next_round.match_next_round(event, 1, history, features="score")
    assert alone.features == "score" and alone.model.n_features_in_ == 1 and alone.pair_features.shape == (12, 3)
    assert "feature_strength" not in next_round.next_round_summary(alone)["learning"]
    monkeypatch.setattr(next_round, "PROFILE_FEATURES_MAX_CELLS", 10)  # too large a block: the score alone
    assert next_round.match_next_round(event, 1, history).features == "score"
    with pytest.raises(InvalidInput, match="features"):
        next_round.match_next_round(event, 1, history, features="tags")


def test_docstring_examples_run():
    import doctest

    from matching.features import _pair_features, _reciprocal

    for module in (_pair_features, _reciprocal):
        assert doctest.testmod(module, raise_on_error=False).failed == 0, module.__name__


class _FlippingTruth:
    """Answers drawn from fixed probabilities; every answer of ``flip_round`` is inverted."""

    def __init__(self, p_left, p_right, flip_round=None):
        self.p_left, self.p_right, self.flip_round = p_left, p_right, flip_round

    def simulate_outcomes(self, pairs, *, round):
        from types import SimpleNamespace

        li, rj = pairs
        draw = np.random.default_rng([round, 11]).uniform(size=(2,) + self.p_left.shape)
        left, right = draw[0][li, rj] < self.p_left[li, rj], draw[1][li, rj] < self.p_right[li, rj]
        if round == self.flip_round:
            left, right = ~left, ~right
        return SimpleNamespace(left_yes=left, right_yes=right, p_left=self.p_left[li, rj], p_right=self.p_right[li, rj])


def test_no_look_ahead_with_components():
    """Flipping round 2's answers changes nothing up to round 2's predictions, and shows in round 3's."""
    rng = np.random.default_rng(5)
    components = rng.uniform(size=(15, 15, 3))
    block = np.concatenate([components[..., :1] + 0.1 * components[..., 1:2], components], axis=2)
    p = expit(3 * (components[..., 2] - 0.5))
    kwargs = dict(planner="reciprocal", rounds=4, left_capacity=2, right_capacity=2, pair_features=block,
                  reciprocal=ReciprocalModel(rank=0, prior_strength=1.0, factor_strength=np.inf, feature_strength=(1.0, 100.0)))
    plain = play_programme(block[..., 0], np.zeros((15, 15), bool), _FlippingTruth(p, p), **kwargs)
    flipped = play_programme(block[..., 0], np.zeros((15, 15), bool), _FlippingTruth(p, p, flip_round=2), **kwargs)
    for r in (1, 2):
        np.testing.assert_array_equal(plain.rounds[r].pairs, flipped.rounds[r].pairs)
        np.testing.assert_array_equal(plain.rounds[r].predictions["reciprocal"], flipped.rounds[r].predictions["reciprocal"])
    assert not np.array_equal(plain.rounds[3].predictions["reciprocal"], flipped.rounds[3].predictions["reciprocal"]) \
        or not np.array_equal(plain.rounds[3].pairs, flipped.rounds[3].pairs)
