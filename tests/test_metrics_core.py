"""The primitive quality figures against brute force and a second method."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.errors import InvalidInput
from matching.metrics import (
    blocking_pair_mask,
    envy_matrix,
    gini,
    ndcg_at_k,
    partner_ranks,
    quality_from_pairs,
    top_k_indices,
)
from matching.solvers import blocking_pairs, greedy_matching, preferences_from_scores, random_matching, stable_matching


# ---------------------------------------------------------------- brute force

def brute_gini(x):
    x = [float(v) for v in x]
    n, total = len(x), sum(x)
    if total == 0:
        return 0.0
    return sum(abs(a - b) for a in x for b in x) / (2 * n * n * (total / n))


def brute_ranks(scores, forbidden):
    n, m = scores.shape
    left = np.zeros((n, m), int)
    right = np.zeros((n, m), int)
    for i in range(n):
        order = sorted(range(m), key=lambda j: (forbidden[i, j], 0.0 if forbidden[i, j] else -scores[i, j], j))
        for r, j in enumerate(order, 1):
            left[i, j] = r
    for j in range(m):
        order = sorted(range(n), key=lambda i: (forbidden[i, j], 0.0 if forbidden[i, j] else -scores[i, j], i))
        for r, i in enumerate(order, 1):
            right[i, j] = r
    return left, right


def brute_blocking(scores, forbidden, pairs, left_cap, right_cap):
    n, m = scores.shape
    left_rank, right_rank = brute_ranks(scores, forbidden)
    matched = {(int(i), int(j)) for i, j in pairs}
    out = set()
    for i in range(n):
        for j in range(m):
            if forbidden[i, j] or (i, j) in matched:
                continue
            mine = [r for (a, r) in matched if a == i]
            theirs = [a for (a, r) in matched if r == j]
            i_wants = len(mine) < left_cap[i] or any(left_rank[i, j] < left_rank[i, r] for r in mine)
            j_wants = len(theirs) < right_cap[j] or any(right_rank[i, j] < right_rank[a, j] for a in theirs)
            if i_wants and j_wants:
                out.add((i, j))
    return out


def brute_envy(scores, forbidden, pairs):
    """Left side: a envies b when a's mean over b's partners it may meet beats a's own mean."""
    n = scores.shape[0]
    partners = {i: [j for (a, j) in pairs if a == i] for i in range(n)}
    out = set()
    for a, b in itertools.permutations(range(n), 2):
        usable = [j for j in partners[b] if not forbidden[a, j]]
        if not usable:
            continue
        theirs = sum(scores[a, j] for j in usable) / len(usable)
        own = sum(scores[a, j] for j in partners[a]) / len(partners[a]) if partners[a] else -math.inf
        if theirs > own + 1e-12:
            out.add((a, b))
    return out


def brute_ndcg(ranked, everything, k):
    dcg = sum(g / math.log2(r + 2) for r, g in enumerate(ranked[:k]))
    ideal = sorted(everything, reverse=True)[:k]
    best = sum(g / math.log2(r + 2) for r, g in enumerate(ideal))
    return None if best == 0 else dcg / best


@st.composite
def instances(draw, max_side=5, integer_scores=False):
    n = draw(st.integers(1, max_side))
    m = draw(st.integers(1, max_side))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    scores = rng.integers(0, 4, size=(n, m)).astype(float) if integer_scores else rng.random((n, m))
    forbidden = rng.random((n, m)) < draw(st.sampled_from([0.0, 0.2, 0.5]))
    left_cap = rng.integers(0, 3, size=n)
    right_cap = rng.integers(0, 3, size=m)
    pairs = random_matching(scores, seed=seed, forbidden=forbidden, left_capacity=left_cap, right_capacity=right_cap).pairs
    return scores, forbidden, pairs, left_cap, right_cap


# ---------------------------------------------------------------- Gini

@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 20), min_size=1, max_size=30), st.randoms(use_true_random=False))
def test_gini_matches_the_double_sum_is_in_range_and_ignores_order(counts, random):
    value = gini(counts)
    assert value == pytest.approx(brute_gini(counts), abs=1e-12)
    assert 0.0 <= value < 1.0
    shuffled = list(counts)
    random.shuffle(shuffled)
    assert gini(shuffled) == pytest.approx(value, abs=1e-12)


@pytest.mark.parametrize("counts", [[0], [3, 3, 3], [0, 0, 0, 0], [7]])
def test_gini_is_zero_for_equal_counts(counts):
    assert gini(counts) == 0.0


def test_gini_hand_computed_and_empty():
    assert gini([0, 0, 0, 4]) == pytest.approx(0.75)  # = 1 - 1/n, the maximum for n = 4
    assert gini([1, 2, 3]) == pytest.approx(2 / 9)
    assert gini([]) is None


@pytest.mark.parametrize("bad", [[-1, 2], [1.0, float("nan")], [float("inf")]])
def test_gini_refuses_negative_or_non_finite(bad):
    with pytest.raises(InvalidInput, match="non-negative finite"):
        gini(bad)


# ---------------------------------------------------------------- ranks, top-k

@settings(max_examples=30, deadline=None)
@given(instances(integer_scores=True))
def test_ranks_match_brute_force_and_the_solvers_preference_lists(data):
    scores, forbidden, *_ = data
    left, right = partner_ranks(scores, forbidden)
    want_left, want_right = brute_ranks(scores, forbidden)
    np.testing.assert_array_equal(left, want_left)
    np.testing.assert_array_equal(right, want_right)
    # second method: the position in matching.solvers' preference lists
    for i, prefs in enumerate(preferences_from_scores(scores, forbidden)):
        assert [left[i, j] for j in prefs] == list(range(1, len(prefs) + 1))
    for j, prefs in enumerate(preferences_from_scores(scores.T, forbidden.T)):
        assert [right[i, j] for i in prefs] == list(range(1, len(prefs) + 1))


@settings(max_examples=40, deadline=None)
@given(instances(integer_scores=True), st.integers(1, 6))
def test_top_k_is_the_head_of_each_preference_list(data, k):
    scores, forbidden, *_ = data
    tops = top_k_indices(scores, k, forbidden)
    for top, prefs in zip(tops, preferences_from_scores(scores, forbidden)):
        assert top.tolist() == prefs[:k]


# ---------------------------------------------------------------- blocking pairs

@settings(max_examples=40, deadline=None)
@given(instances(integer_scores=True))
def test_blocking_pairs_match_brute_force_and_the_solvers_checker(data):
    scores, forbidden, pairs, left_cap, right_cap = data
    mask = blocking_pair_mask(scores, pairs, forbidden=forbidden, left_capacity=left_cap, right_capacity=right_cap)
    found = {(int(i), int(j)) for i, j in np.argwhere(mask)}
    assert found == brute_blocking(scores, forbidden, pairs, left_cap, right_cap)
    theirs = blocking_pairs(pairs, scores, scores.T, left_capacity=left_cap, right_capacity=right_cap, forbidden=forbidden)
    assert found == {(int(i), int(j)) for i, j in theirs}


@settings(max_examples=40, deadline=None)
@given(instances())
def test_a_stable_matching_has_no_blocking_pair(data):
    scores, forbidden, _, left_cap, right_cap = data
    stable = stable_matching(scores, scores.T, left_capacity=left_cap, right_capacity=right_cap, forbidden=forbidden)
    assert not blocking_pair_mask(scores, stable.pairs, forbidden=forbidden, left_capacity=left_cap, right_capacity=right_cap).any()
    report = quality_from_pairs(scores, forbidden, stable.pairs, None, None, left_capacity=left_cap, right_capacity=right_cap)
    assert report.blocking_pairs == 0


def test_blocking_hand_computed():
    scores = np.array([[0.9, 0.2], [0.8, 0.1]])
    # (0,0) both prefer each other to their partners; (1,1) ranks last for both
    assert np.argwhere(blocking_pair_mask(scores, [(0, 1), (1, 0)])).tolist() == [[0, 0]]
    # an empty matching: every allowed pair blocks while places are free
    assert blocking_pair_mask(scores, np.zeros((0, 2), int)).sum() == 4
    assert blocking_pair_mask(scores, np.zeros((0, 2), int), left_capacity=0).sum() == 0


# ---------------------------------------------------------------- envy

@settings(max_examples=30, deadline=None)
@given(instances())
def test_envy_matches_brute_force_on_both_sides(data):
    scores, forbidden, pairs, *_ = data
    left = envy_matrix(scores, pairs, forbidden=forbidden)
    assert {(int(a), int(b)) for a, b in np.argwhere(left)} == brute_envy(scores, forbidden, [tuple(p) for p in pairs.tolist()])
    right = envy_matrix(scores, pairs, forbidden=forbidden, side="right")
    flipped = [(j, i) for i, j in pairs.tolist()]
    assert {(int(a), int(b)) for a, b in np.argwhere(right)} == brute_envy(scores.T, forbidden.T, flipped)


def test_envy_in_row_blocks_equals_one_block(monkeypatch):
    import matching._quality_figures as figures

    rng = np.random.default_rng(11)
    scores, forbidden = rng.random((60, 15)), rng.random((60, 15)) < 0.2
    pairs = random_matching(scores, seed=2, forbidden=forbidden, left_capacity=1, right_capacity=3).pairs
    whole = envy_matrix(scores, pairs, forbidden=forbidden)
    monkeypatch.setattr(figures, "_ENVY_BLOCK_CELLS", 100)  # 1 row per block
    np.testing.assert_array_equal(envy_matrix(scores, pairs, forbidden=forbidden), whole)
    assert whole.any()


def test_envy_one_to_one_is_preferring_the_others_partner():
    scores = np.array([[0.9, 0.2], [0.8, 0.1]])
    assert envy_matrix(scores, [(0, 1), (1, 0)]).tolist() == [[False, True], [False, False]]
    # right side: right 0 has left 1 (0.8) and would rather have left 0 (0.9)... whose partner is right 1
    assert envy_matrix(scores, [(0, 1), (1, 0)], side="right").tolist() == [[False, True], [False, False]]
    # an unmatched participant envies everyone holding a partner it may meet, but not one it may not
    forbidden = np.array([[False, False], [True, False]])
    assert envy_matrix(scores, [(0, 0)], forbidden=forbidden).tolist() == [[False, False], [False, False]]
    assert envy_matrix(scores, [(0, 1)], forbidden=forbidden).tolist() == [[False, False], [True, False]]


def test_envy_refuses_an_unknown_side():
    with pytest.raises(InvalidInput, match="expected 'left' or 'right'"):
        envy_matrix(np.zeros((1, 1)), [], side="middle")


# ---------------------------------------------------------------- NDCG

@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 10, allow_nan=False), min_size=1, max_size=12), st.integers(1, 8), st.randoms(use_true_random=False))
def test_ndcg_matches_brute_force_is_in_range_and_is_one_for_the_ideal_ranking(gains, k, random):
    ranked = list(gains)
    random.shuffle(ranked)
    value = ndcg_at_k(ranked, gains, k)
    want = brute_ndcg(ranked, gains, k)
    if want is None:
        assert value is None
        return
    assert value == pytest.approx(want, rel=1e-9, abs=1e-12)
    assert 0.0 <= value <= 1.0
    assert ndcg_at_k(sorted(gains, reverse=True), gains, k) == pytest.approx(1.0)


def test_ndcg_hand_computed():
    # DCG = 1 + 2 / log2(3); ideal = 3 + 2 / log2(3)
    assert ndcg_at_k([1.0, 2.0], [1.0, 2.0, 3.0], 2) == pytest.approx((1 + 2 / math.log2(3)) / (3 + 2 / math.log2(3)))
    assert ndcg_at_k([0.0], [0.0, 0.0], 1) is None


def test_ndcg_refuses_negative_gains():
    with pytest.raises(InvalidInput, match="non-negative gains"):
        ndcg_at_k([-1.0], [1.0], 1)


# ---------------------------------------------------------------- greedy vs exact on the report

def test_greedy_is_stable_under_symmetric_scores():
    """With one score per pair for both sides, greedy by score is the unique stable matching."""
    rng = np.random.default_rng(5)
    scores = rng.random((7, 9))
    result = greedy_matching(scores, left_capacity=2, right_capacity=1)
    assert quality_from_pairs(scores, None, result.pairs, None, None, left_capacity=2, right_capacity=1).blocking_pairs == 0
