"""The reciprocal outcome model, the programme player and the next round's plan."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from scipy.special import expit
from sklearn.metrics import roc_auc_score

from datasets.synthetic import generate
from matching.errors import InvalidInput
from matching.features import (
    LearnedPart,
    Outcomes,
    PropensityModel,
    ReciprocalModel,
    Scorer,
    explain_learned,
    load_outcome_model,
    load_scorer,
    next_round_scores,
    play_programme,
    save_scorer,
)
from matching.solvers import MatchResult, Status, solve_capacitated, verify_feasible


def _met(pairs, shape):
    mask = np.zeros(shape, bool)
    for i, j in pairs:
        mask[i, j] = True
    return mask


# -- a small world with planted tastes --------------------------------------

def _taste_world(seed: int = 0, n: int = 40, rank: int = 2, strength: float = 2.0):
    """Left and right participants with latent tastes; profile score = noise; no propensities."""
    rng = np.random.default_rng(seed)
    taste_l, trait_r = rng.normal(size=(n, rank)), rng.normal(size=(n, rank))
    taste_r, trait_l = rng.normal(size=(n, rank)), rng.normal(size=(n, rank))
    profile = rng.uniform(size=(n, n))
    logit_left = strength * taste_l @ trait_r.T / np.sqrt(rank) + 0.5 * (profile - 0.5)
    logit_right = strength * taste_r @ trait_l.T / np.sqrt(rank) + 0.5 * (profile - 0.5)
    return rng, profile, expit(logit_left), expit(logit_right)


def _meetings(rng, n, per_round, rounds, p_left, p_right, offset=0):
    parts = []
    for r in range(rounds):
        li = np.repeat(np.arange(n), per_round)
        rj = np.concatenate([rng.choice(n, per_round, replace=False) for _ in range(n)])
        parts.append(Outcomes(li, rj, left_yes=rng.uniform(size=li.size) < p_left[li, rj],
                              right_yes=rng.uniform(size=li.size) < p_right[li, rj], round=r + offset))
    return Outcomes.concat(parts)


def test_fit_recovers_planted_tastes_better_than_propensities():
    rng, profile, p_left, p_right = _taste_world()
    train = _meetings(rng, 40, 10, 3, p_left, p_right)
    test = _meetings(rng, 40, 10, 1, p_left, p_right, offset=3)
    x = profile[train.left_idx, train.right_idx]
    full = ReciprocalModel(rank=2, prior_strength=(1.0,), factor_strength=(1.0, 4.0, np.inf)).fit(train, x, n_left=40, n_right=40)
    alone = PropensityModel().fit(train, x, n_left=40, n_right=40)
    xt = profile[test.left_idx, test.right_idx]
    auc_full = roc_auc_score(test.mutual, full.predict_mutual_yes(test.left_idx, test.right_idx, xt))
    auc_alone = roc_auc_score(test.mutual, alone.predict_mutual_yes(test.left_idx, test.right_idx, xt))
    assert np.isfinite(full.left_model_.factor_strength) and np.isfinite(full.right_model_.factor_strength)
    assert auc_full > auc_alone + 0.1, (auc_full, auc_alone)
    # each direction on its own label: the left model predicts the left answers
    p_l, p_r = full.predict_sides(test.left_idx, test.right_idx, xt)
    assert roc_auc_score(test.left_yes, p_l) > roc_auc_score(test.left_yes, p_r)
    assert roc_auc_score(test.right_yes, p_r) > roc_auc_score(test.right_yes, p_l)


def test_cross_validation_leaves_factors_out_without_tastes():
    rng = np.random.default_rng(3)
    n = 30
    eager = rng.normal(size=n)
    p_left = expit(eager[:, None] + np.zeros((n, n)))
    train = _meetings(rng, n, 6, 2, p_left, np.full((n, n), 0.5))
    model = ReciprocalModel(rank=2).fit(train, np.zeros(len(train)), n_left=n, n_right=n)
    assert not np.isfinite(model.left_model_.factor_strength) or np.abs(model.left_model_.taste).max() < 1e-3
    assert set(model.cv_results_["left"]) == {f"{lam:g}/{mu:g}" for lam in (1, 1.5, 2) for mu in (4, 16, np.inf)}
    # the learned eagerness follows the planted one
    assert np.corrcoef(model.left_model_.eager, eager)[0, 1] > 0.5


def test_a_newcomer_falls_back_to_the_profile_score():
    rng, profile, p_left, p_right = _taste_world(seed=1, n=20)
    train = _meetings(rng, 20, 5, 2, p_left, p_right)
    model = ReciprocalModel(rank=2, factor_strength=2.0).fit(train, profile[train.left_idx, train.right_idx], n_left=25, n_right=25)
    scores = np.linspace(0.0, 1.0, 7)
    newcomers = model.predict_mutual_yes(np.full(7, 22), np.full(7, 24), scores)  # never met anyone
    np.testing.assert_allclose(newcomers, model.predict_profile_only(scores))
    beyond = model.predict_mutual_yes(np.full(7, 99), np.full(7, 99), scores)  # not even in the sizes fitted
    np.testing.assert_allclose(beyond, newcomers)
    ordered = np.argsort(newcomers)
    assert (ordered == np.argsort(scores)).all() or (ordered == np.argsort(-scores)).all()  # a function of the score alone
    part = model.learned_part(22, 24, 0.5)
    assert part.learned == pytest.approx(0.0, abs=1e-8) and part.left_history == part.right_history == 0
    # someone with history does not fall back
    assert not np.allclose(model.predict_mutual_yes(np.arange(20), np.zeros(20, int), np.full(20, 0.5)),
                           model.predict_profile_only(np.full(20, 0.5)))


def test_save_and_load_round_trip_with_the_scorer(tmp_path):
    programme = generate("open-innovation", seed=3, n_left=20, n_right=15)
    scorer = Scorer.from_round(programme.programme.rounds[0]).fit(programme.left, programme.right)
    scores = scorer.score_matrix()
    rng = np.random.default_rng(0)
    li, rj = rng.integers(0, 20, 60), rng.integers(0, 15, 60)
    outcomes = Outcomes(li, rj, left_yes=rng.uniform(size=60) < 0.5, right_yes=rng.uniform(size=60) < 0.6)
    model = ReciprocalModel(rank=1, factor_strength=(2.0, np.inf)).fit(outcomes, scores[li, rj], n_left=20, n_right=15)
    path = tmp_path / "programme.pkl"
    save_scorer(scorer, path, outcome_model=model)
    loaded = load_outcome_model(path)
    assert loaded is not model and loaded.get_params() == model.get_params()
    np.testing.assert_array_equal(loaded.expected_mutual_yes_matrix(scores), model.expected_mutual_yes_matrix(scores))
    np.testing.assert_array_equal(load_scorer(path).score_matrix(), scores)
    save_scorer(scorer, tmp_path / "alone.pkl")
    assert load_outcome_model(tmp_path / "alone.pkl") is None


# -- no look-ahead -----------------------------------------------------------

@dataclass
class _Simulated:
    left_yes: np.ndarray
    right_yes: np.ndarray
    p_left: np.ndarray
    p_right: np.ndarray


class _Truth:
    """Answers from fixed probabilities; ``flip_round``'s answers are inverted."""

    def __init__(self, p_left, p_right, flip_round=None):
        self.p_left, self.p_right, self.flip_round = p_left, p_right, flip_round

    def simulate_outcomes(self, pairs, *, round):
        li, rj = pairs
        draw = np.random.default_rng([round, 7]).uniform(size=(2,) + self.p_left.shape)
        left, right = draw[0][li, rj] < self.p_left[li, rj], draw[1][li, rj] < self.p_right[li, rj]
        if round == self.flip_round:
            left, right = ~left, ~right
        return _Simulated(left, right, self.p_left[li, rj], self.p_right[li, rj])


@pytest.mark.parametrize("planner", ["propensity", "reciprocal"])
def test_no_look_ahead_round_r_answers_never_predict_round_r(planner):
    """Flipping every answer of round 2 must change nothing up to round 2's predictions, and round 3's after."""
    _, profile, p_left, p_right = _taste_world(seed=2, n=15)
    model = ReciprocalModel(rank=1, prior_strength=1.0, factor_strength=4.0)
    kwargs = dict(planner=planner, rounds=4, left_capacity=2, right_capacity=2, reciprocal=model)
    plain = play_programme(profile, np.zeros_like(profile, bool), _Truth(p_left, p_right), **kwargs)
    flipped = play_programme(profile, np.zeros_like(profile, bool), _Truth(p_left, p_right, flip_round=2), **kwargs)
    for r in (1, 2):
        np.testing.assert_array_equal(plain.rounds[r].pairs, flipped.rounds[r].pairs)
        for name in ("profile", "propensity", "reciprocal"):
            np.testing.assert_array_equal(plain.rounds[r].predictions[name], flipped.rounds[r].predictions[name])
    assert not np.array_equal(plain.outcomes.mutual[plain.outcomes.round == 2], flipped.outcomes.mutual[flipped.outcomes.round == 2])
    # round 3 learns from round 2: the flip shows there (so the check above can fail)
    assert not np.array_equal(plain.rounds[3].predictions["reciprocal"], flipped.rounds[3].predictions["reciprocal"]) \
        or not np.array_equal(plain.rounds[3].pairs, flipped.rounds[3].pairs)


# -- planning ----------------------------------------------------------------

@pytest.mark.parametrize("planner", ["profile", "propensity", "reciprocal", "oracle"])
def test_programme_never_repeats_a_pair_and_respects_capacities(planner):
    data = generate("overseas", seed=4, n_left=12, n_right=20)
    scorer = Scorer.from_round(data.programme.rounds[0]).fit(data.left, data.right)
    scores, forbidden = scorer.score_matrix(), scorer.impossible_mask()
    cap_left, cap_right = np.full(12, 3), np.full(20, 2)
    run = play_programme(scores, forbidden, data.truth, planner=planner, rounds=3, left_capacity=cap_left, right_capacity=cap_right,
                         reciprocal=ReciprocalModel(prior_strength=1.0, factor_strength=np.inf))
    assert [r.planned_from for r in run.rounds] == ["profile", planner, planner]
    seen: set[tuple[int, int]] = set()
    for r in run.rounds:
        pairs = {tuple(p) for p in r.pairs.tolist()}
        assert not pairs & seen and len(pairs) == r.meetings
        played = MatchResult(pairs=r.pairs, objective=float(scores[r.pairs[:, 0], r.pairs[:, 1]].sum()), status=Status.FEASIBLE,
                             solver=planner, wall_time=0.0, shape=scores.shape)
        report = verify_feasible(played, forbidden=forbidden | _met(seen, scores.shape), left_capacity=cap_left, right_capacity=cap_right)
        assert report.ok, report.problems
        seen |= pairs
    assert 0.0 <= run.later("mutual_yes_rate") <= 1.0 and 0.0 <= run.later_auc("profile") <= 1.0


def test_next_round_scores_mix_and_block_met_pairs():
    profile = np.array([[0.9, 0.1], [0.2, 0.8]])
    outcomes = Outcomes([0, 1], [0, 1], left_yes=[0, 1], right_yes=[0, 1])
    model = ReciprocalModel(rank=0, prior_strength=1.0, factor_strength=np.inf).fit(outcomes, profile[[0, 1], [0, 1]])
    plan, blocked = next_round_scores(model, profile, profile, np.zeros((2, 2), bool), [[0, 0]], learning_weight=0.25)
    np.testing.assert_allclose(plan, 0.25 * model.expected_mutual_yes_matrix(profile) + 0.75 * profile)
    assert blocked.tolist() == [[True, False], [False, False]]
    profile_only, _ = next_round_scores(None, profile, profile, np.zeros((2, 2), bool), learning_weight=0)
    np.testing.assert_array_equal(profile_only, profile)
    result = solve_capacitated(plan, left_capacity=1, right_capacity=1, forbidden=blocked)
    assert verify_feasible(result, forbidden=blocked).ok and (0, 0) not in {tuple(p) for p in result.pairs.tolist()}


# -- explanations --------------------------------------------------------------

def test_learned_explanation_in_both_languages():
    part = LearnedPart(profile_probability=0.30, probability=0.45, left_yes=0.9, right_yes=0.5, left_eager=0.8,
                       right_eager=-0.5, left_appeal=0.0, right_appeal=0.1, taste=0.3, left_history=2, right_history=0)
    en = explain_learned(part, "sme-1", "stu-2", lang="en")
    ja = explain_learned(part, "sme-1", "stu-2", lang="ja")
    assert en[0] == "Chance that both say yes: 30% from the profiles alone, 45% with what earlier rounds taught (+15 points)."
    assert en[1:] == ["sme-1 said yes more often than most in earlier meetings.",
                      "stu-2 said yes less often than most in earlier meetings.",
                      "Judging by whom each said yes to before, their tastes fit.",
                      "stu-2 has no earlier meetings, so the profile decides for them."]
    assert ja[0].startswith("双方が「続けたい」と答える確率: プロフィールのみで 30%") and "45%" in ja[0] and "+15 ポイント" in ja[0]
    assert len(ja) == len(en) and "sme-1 はこれまでの面談で、平均より多く" in ja[1]


# -- errors --------------------------------------------------------------------

@pytest.mark.parametrize(("params", "match"), [
    ({"rank": -1}, "rank"),
    ({"prior_strength": 0.0}, "prior_strength"),
    ({"prior_strength": ()}, "prior_strength"),
    ({"factor_strength": -1.0}, "factor_strength"),
    ({"cv": 1}, "cv"),
    ({"max_iter": 0}, "max_iter"),
])
def test_bad_parameters_name_the_field(params, match):
    outcomes = Outcomes([0], [0], left_yes=[1], right_yes=[0])
    with pytest.raises(InvalidInput, match=match):
        ReciprocalModel(**params).fit(outcomes, [0.5])


def test_bad_inputs_name_the_field():
    outcomes = Outcomes([0, 1], [0, 1], left_yes=[1, 0], right_yes=[0, 1])
    with pytest.raises(InvalidInput, match="at least one meeting"):
        ReciprocalModel().fit(Outcomes.concat([]), [])
    with pytest.raises(InvalidInput, match="one row per meeting"):
        ReciprocalModel().fit(outcomes, [0.5])
    with pytest.raises(InvalidInput, match="finite"):
        ReciprocalModel().fit(outcomes, [0.5, np.nan])
    with pytest.raises(InvalidInput, match="n_left"):
        ReciprocalModel().fit(outcomes, [0.5, 0.1], n_left=1)
    with pytest.raises(InvalidInput, match="expected an Outcomes"):
        ReciprocalModel().fit([(0, 0)], [0.5])
    model = ReciprocalModel(rank=0, prior_strength=1.0, factor_strength=np.inf).fit(outcomes, [0.5, 0.1])
    with pytest.raises(InvalidInput, match="pair_features"):
        model.predict_mutual_yes([0, 1], [0, 1], np.zeros((2, 3)))
    with pytest.raises(InvalidInput, match="negative"):
        model.predict_mutual_yes([-1], [0], [0.5])
    with pytest.raises(InvalidInput, match="block"):
        model.expected_mutual_yes_matrix(np.zeros(3))
    with pytest.raises(InvalidInput, match="learning_weight"):
        next_round_scores(model, np.zeros((2, 2)), np.zeros((2, 2)), np.zeros((2, 2), bool), learning_weight=1.5)
    with pytest.raises(InvalidInput, match="met_before"):
        next_round_scores(model, np.zeros((2, 2)), np.zeros((2, 2)), np.zeros((2, 2), bool), [[5, 0]])
    with pytest.raises(InvalidInput, match="model"):
        next_round_scores(None, np.zeros((2, 2)), np.zeros((2, 2)), np.zeros((2, 2), bool))
    with pytest.raises(InvalidInput, match="lang"):
        explain_learned(model.learned_part(0, 0, 0.5), "a", "b", lang="fr")
    with pytest.raises(InvalidInput, match="planner"):
        play_programme(np.zeros((2, 2)), np.zeros((2, 2), bool), None, planner="magic")
    with pytest.raises(InvalidInput, match="rounds"):
        play_programme(np.zeros((2, 2)), np.zeros((2, 2), bool), None, rounds=0)


# -- the next round of an event -------------------------------------------------

@pytest.fixture(scope="module")
def two_round_event():
    from matching.model import Event

    data = generate("reskilling", seed=6, n_left=12, n_right=3)
    first = data.programme.rounds[0]
    programme = data.programme.model_copy(update={"rounds": (first, first.model_copy(update={"name": "Round 2"}))})
    return Event(programme=programme, participants=data.participants), data


def test_next_round_learns_only_from_earlier_rounds_and_keeps_pins(two_round_event):
    from matching.next_round import match_next_round, next_round_rows, next_round_summary

    event, data = two_round_event
    left, right = [p.id for p in data.left], [p.id for p in data.right]
    history = [{"round": 0, "left": a, "right": right[k % 3], "left_yes": k % 2 == 0, "right_yes": k % 3 != 1}
               for k, a in enumerate(left)]
    later = [{"round": 1, "left": a, "right": right[(k + 1) % 3], "left_yes": True, "right_yes": True} for k, a in enumerate(left)]
    planned = match_next_round(event, 1, history + later + [{"round": 0, "left": "nobody", "right": right[0], "left_yes": True, "right_yes": True}])
    assert planned.meetings_learned == len(history) and planned.met_before == len(history)  # round 1's own rows: ignored
    again = match_next_round(event, 1, history)
    np.testing.assert_array_equal(planned.match.result.pairs, again.match.result.pairs)
    made = {(left[i], right[j]) for i, j in planned.match.result.pairs.tolist()}
    assert not made & {(h["left"], h["right"]) for h in history}
    rows = next_round_rows(planned)
    assert all(row["learned"]["reasons_en"] and row["learned"]["reasons_ja"] for row in rows)
    assert next_round_summary(planned)["learning"]["used"] is True
    # a pin may repeat a pair that met: the organizer's word wins
    pin = (history[0]["left"], history[0]["right"])
    rnd = event.programme.rounds[1].model_copy(update={"must": (pin,)})
    pinned = event.model_copy(update={"programme": event.programme.model_copy(update={"rounds": (event.programme.rounds[0], rnd)})})
    result = match_next_round(pinned, 1, history)
    assert pin in {(left[i], right[j]) for i, j in result.match.result.pairs.tolist()} and result.met_before == len(history) - 1
    with pytest.raises(InvalidInput, match="objective"):
        match_next_round(event, 1, history, objective="magic")
