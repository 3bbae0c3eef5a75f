"""The planted ground truth: block computation, good pairs, outcomes, signal."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import roc_auc_score

from datasets.synthetic import GOOD_FRACTION, PRESETS, generate
from datasets.synthetic._hash import pair_normal, pair_uniform
from matching.errors import InvalidInput

_CACHE: dict[tuple, object] = {}


def _data(preset: str, seed: int = 7, **sizes):
    key = (preset, seed, tuple(sorted(sizes.items())))
    if key not in _CACHE:
        _CACHE[key] = generate(preset, seed=seed, **sizes)
    return _CACHE[key]


small = st.tuples(st.sampled_from(list(PRESETS)), st.integers(0, 2**32), st.integers(1, 12), st.integers(1, 12))


@settings(max_examples=15, deadline=None)
@given(small, st.data())
def test_blocks_equal_pairwise_computation(case, data):
    preset, seed, n, m = case
    truth = generate(preset, seed=seed, n_left=n, n_right=m).truth
    rows = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=6)))
    cols = np.array(data.draw(st.lists(st.integers(0, m - 1), min_size=1, max_size=6)))
    block = truth.compatibility(rows, cols)
    li, rj = np.meshgrid(rows, cols, indexing="ij")
    pairs = truth.compatibility_pairs(li.ravel(), rj.ravel()).reshape(block.shape)
    np.testing.assert_allclose(block, pairs, rtol=1e-9, atol=1e-8)
    full = truth.compatibility(np.arange(n), np.arange(m))
    np.testing.assert_allclose(block, full[np.ix_(rows, cols)], rtol=1e-9, atol=1e-8)


@settings(max_examples=15, deadline=None)
@given(small, st.integers(0, 5), st.randoms(use_true_random=False))
def test_outcomes_do_not_depend_on_batch_or_order(case, round_, rnd):
    preset, seed, n, m = case
    truth = generate(preset, seed=seed, n_left=n, n_right=m).truth
    li, rj = np.divmod(np.arange(n * m), m)
    whole = truth.simulate_outcomes(np.stack([li, rj], axis=1), round=round_)
    order = list(range(n * m))
    rnd.shuffle(order)
    cut = rnd.randint(0, len(order))
    parts = [truth.simulate_outcomes((li[order[:cut]], rj[order[:cut]]), round=round_),
             truth.simulate_outcomes((li[order[cut:]], rj[order[cut:]]), round=round_)]
    for name in ("left_yes", "right_yes", "deal", "p_left", "p_right", "compatibility"):
        combined = np.concatenate([getattr(p, name) for p in parts])
        np.testing.assert_array_equal(combined, getattr(whole, name)[order])
    assert not (whole.deal & ~(whole.left_yes & whole.right_yes)).any()


def test_outcomes_by_id_equal_outcomes_by_index():
    truth = _data("overseas").truth
    pairs = [(str(truth.left_ids[i]), str(truth.right_ids[j])) for i, j in [(0, 3), (4, 1), (24, 59)]]
    by_id = truth.simulate_outcomes(pairs, round=2)
    by_index = truth.simulate_outcomes(np.array([[0, 3], [4, 1], [24, 59]]), round=2)
    np.testing.assert_array_equal(by_id.p_left, by_index.p_left)
    np.testing.assert_array_equal(by_id.deal, by_index.deal)


def test_rounds_draw_anew():
    truth = _data("design").truth
    li, rj = np.divmod(np.arange(20_000), truth.n_right)
    first = truth.simulate_outcomes((li, rj), round=0)
    second = truth.simulate_outcomes((li, rj), round=1)
    np.testing.assert_array_equal(first.compatibility, second.compatibility)
    assert (first.left_yes != second.left_yes).mean() > 0.1


def test_yes_rates_grow_with_selectivity_and_attractiveness():
    truth = _data("design").truth
    li, rj = np.divmod(np.arange(truth.n_left * truth.n_right), truth.n_right)
    out = truth.simulate_outcomes((li, rj))
    left_rate = out.left_yes.reshape(truth.n_left, truth.n_right).mean(axis=1)
    received = out.right_yes.reshape(truth.n_left, truth.n_right).mean(axis=1)  # right says yes to left i
    assert np.corrcoef(truth.left.selectivity, left_rate)[0, 1] > 0.8
    assert np.corrcoef(truth.left.attractiveness, received)[0, 1] > 0.7
    # the fit matters too, but less than who the participants are
    assert 0.5 < roc_auc_score(out.left_yes, out.compatibility) < 0.8
    assert out.deal[out.compatibility > truth.threshold].mean() > out.deal[out.compatibility < 0].mean()


@pytest.mark.parametrize("preset", list(PRESETS))
def test_good_fraction_is_near_the_documented_value(preset):
    truth = _data(preset).truth
    n, m = truth.n_left, truth.n_right
    if n * m <= 500_000:
        fraction = len(truth.good_pairs()) / (n * m)
    else:
        rng = np.random.default_rng(0)
        fraction = truth.is_good(rng.integers(0, n, 200_000), rng.integers(0, m, 200_000)).mean()
    assert abs(fraction - GOOD_FRACTION) < 0.01


def test_good_fraction_holds_when_the_threshold_is_sampled():
    truth = _data("succession", n_left=400, n_right=400).truth  # 160,000 pairs > the 2**17 calibration sample
    assert abs(len(truth.good_pairs()) / 160_000 - GOOD_FRACTION) < 0.01


def test_good_pairs_are_exactly_the_pairs_above_threshold():
    truth = _data("open-innovation").truth
    full = truth.compatibility(np.arange(truth.n_left), np.arange(truth.n_right))
    expected = np.argwhere(full >= truth.threshold)
    np.testing.assert_array_equal(truth.good_pairs(), expected)


def _jaccard(a, b) -> float:
    a, b = set(a), set(b)
    return len(a & b) / len(a | b) if a | b else 0.0


def test_observable_tag_overlap_predicts_good_pairs_on_design():
    data = _data("design")
    truth = data.truth
    rng = np.random.default_rng(1)
    li, rj = rng.integers(0, truth.n_left, 30_000), rng.integers(0, truth.n_right, 30_000)
    left, right = data.left, data.right
    score = [_jaccard(left[i].seeks, right[j].offers) + _jaccard(right[j].seeks, left[i].offers)
             for i, j in zip(li.tolist(), rj.tolist())]
    good = truth.is_good(li, rj)
    assert roc_auc_score(good, score) > 0.75
    # a perfect profile scorer does well but cannot be perfect: a hidden part is planted
    oracle = roc_auc_score(good, truth.observable_pairs(li, rj))
    assert 0.85 <= oracle < 0.995


def test_more_noise_hides_more_of_the_truth():
    aucs = []
    for noise in (0.05, 0.6):
        truth = generate("design", seed=4, n_left=120, n_right=120, noise=noise).truth
        li, rj = np.divmod(np.arange(120 * 120), 120)
        aucs.append(roc_auc_score(truth.is_good(li, rj), truth.observable_pairs(li, rj)))
    assert aucs[0] > aucs[1] + 0.05


def test_hash_is_uniform_and_normal():
    i, j = np.divmod(np.arange(200_000), 1000)
    u = pair_uniform(3, 0, 0, i, j)
    assert 0 < u.min() and u.max() < 1 and abs(u.mean() - 0.5) < 0.005
    z = pair_normal(3, 0, 0, i, j)
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01
    assert not np.array_equal(u, pair_uniform(4, 0, 0, i, j))
    assert abs(np.corrcoef(u, pair_uniform(3, 1, 0, i, j))[0, 1]) < 0.01


def test_index_errors_name_the_argument():
    truth = _data("overseas").truth
    with pytest.raises(InvalidInput, match=r"left_idx: index out of range: expected 0 <= index < 25"):
        truth.compatibility([25], [0])
    with pytest.raises(InvalidInput, match="right_idx: expected a 1-D array of integer indices"):
        truth.compatibility([0], [0.5])
    with pytest.raises(InvalidInput, match=r"right_idx: expected the length of left_idx \(2\)"):
        truth.compatibility_pairs([0, 1], [0])
    with pytest.raises(InvalidInput, match="is not a left-side participant"):
        truth.simulate_outcomes([("nobody", str(truth.right_ids[0]))])
    with pytest.raises(InvalidInput, match="round: expected a non-negative integer"):
        truth.simulate_outcomes([(0, 0)], round=-1)
    with pytest.raises(InvalidInput, match="exceeds max_pairs"):
        truth.good_pairs(max_pairs=100)
