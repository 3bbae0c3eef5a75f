"""stable_matching: stability, proposer optimality against brute force, many-to-one, errors."""

from __future__ import annotations

import doctest
import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.errors import InvalidInput
from matching.solvers import Status, blocking_pairs, preferences_from_scores, stable_matching, verify_stable
from matching.solvers import _stable


def is_stable(pairs, left_prefs, right_prefs, lcap, rcap):
    """Plain-Python stability test (independent of both the solver and the vectorized verifier)."""
    lrank = [{j: r for r, j in enumerate(lst)} for lst in left_prefs]
    rrank = [{i: r for r, i in enumerate(lst)} for lst in right_prefs]
    partners_l = [set() for _ in left_prefs]
    partners_r = [set() for _ in right_prefs]
    for i, j in pairs:
        if j not in lrank[i] or i not in rrank[j]:
            return False
        partners_l[i].add(j)
        partners_r[j].add(i)
    if any(len(p) > c for p, c in zip(partners_l, lcap)) or any(len(p) > c for p, c in zip(partners_r, rcap)):
        return False
    for i, lst in enumerate(left_prefs):
        for j in lst:
            if i not in rrank[j] or j in partners_l[i]:
                continue
            i_wants = len(partners_l[i]) < lcap[i] or any(lrank[i][j] < lrank[i][k] for k in partners_l[i])
            j_wants = len(partners_r[j]) < rcap[j] or any(rrank[j][i] < rrank[j][k] for k in partners_r[j])
            if i_wants and j_wants:
                return False
    return True


def all_stable(left_prefs, right_prefs, lcap, rcap):
    acceptable = [(i, j) for i, lst in enumerate(left_prefs) for j in lst if i in right_prefs[j]]
    out = []
    for r in range(len(acceptable) + 1):
        for subset in itertools.combinations(acceptable, r):
            if is_stable(subset, left_prefs, right_prefs, lcap, rcap):
                out.append(set(subset))
    return out


@st.composite
def preference_lists(draw, max_left=4, max_right=4):
    n = draw(st.integers(1, max_left))
    m = draw(st.integers(1, max_right))
    def one_list(size):
        return list(draw(st.permutations(range(size))))[: draw(st.integers(0, size))]

    return [one_list(m) for _ in range(n)], [one_list(n) for _ in range(m)]


def rank_of(prefs, owner, other):
    return prefs[owner].index(other)


@settings(max_examples=120, deadline=None)
@given(preference_lists(), st.sampled_from(["left", "right"]))
def test_proposing_side_gets_its_best_stable_partner(prefs, proposing):
    left, right = prefs
    n, m = len(left), len(right)
    res = stable_matching(left, right, proposing=proposing)
    pairs = [tuple(p) for p in res.pairs.tolist()]
    assert res.certificate.stable
    assert is_stable(pairs, left, right, [1] * n, [1] * m)
    stable_sets = all_stable(left, right, [1] * n, [1] * m)
    assert set(pairs) in stable_sets
    own, prefs_own, index = (left, left, 0) if proposing == "left" else (right, right, 1)
    got = {p[index]: p[1 - index] for p in pairs}
    for matching in stable_sets:
        for pair in matching:
            who, partner = pair[index], pair[1 - index]
            # in every stable matching, who's partner is no better than in the proposer-optimal one
            assert who in got
            assert rank_of(prefs_own, who, got[who]) <= rank_of(prefs_own, who, partner)


@settings(max_examples=60, deadline=None)
@given(preference_lists(max_left=4, max_right=3), st.lists(st.integers(0, 2), min_size=3, max_size=3))
def test_many_to_one_is_resident_optimal(prefs, caps):
    left, right = prefs
    rcap = caps[: len(right)]
    res = stable_matching(left, right, right_capacity=rcap)
    pairs = {tuple(p) for p in res.pairs.tolist()}
    stable_sets = all_stable(left, right, [1] * len(left), rcap)
    assert pairs in stable_sets
    got = {i: j for i, j in pairs}
    for matching in stable_sets:
        for i, j in matching:
            assert i in got and rank_of(left, i, got[i]) <= rank_of(left, i, j)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("proposing", ["left", "right"])
def test_random_instances_have_no_blocking_pairs(seed, proposing):
    rng = np.random.default_rng(seed)
    n, m = rng.integers(20, 120, size=2)
    left_scores = rng.integers(0, 5, size=(n, m)).astype(float)  # many ties
    right_scores = rng.random((m, n))
    forbidden = rng.random((n, m)) < 0.2
    lcap = rng.integers(1, 3, size=n)
    rcap = rng.integers(0, 6, size=m)
    res = stable_matching(left_scores, right_scores, left_capacity=lcap, right_capacity=rcap,
                          proposing=proposing, forbidden=forbidden)
    assert res.status is Status.OPTIMAL and res.certificate.stable
    report = verify_stable(res, left_scores, right_scores, left_capacity=lcap, right_capacity=rcap, forbidden=forbidden)
    assert report.ok, report.problems
    # the same problem given as ranked lists
    left = preferences_from_scores(left_scores, forbidden=forbidden)
    right = preferences_from_scores(right_scores, forbidden=forbidden.T)
    again = stable_matching(left, right, left_capacity=lcap, right_capacity=rcap, proposing=proposing)
    assert again.pairs.tolist() == res.pairs.tolist()
    assert is_stable([tuple(p) for p in res.pairs.tolist()], left, right, lcap, rcap)


def test_large_sparse_lists_many_to_one():
    rng = np.random.default_rng(3)
    n, m = 5000, 400
    left = [rng.choice(m, size=rng.integers(1, 12), replace=False).tolist() for _ in range(n)]
    listed_by = [[] for _ in range(m)]
    for i, lst in enumerate(left):
        for j in lst:
            listed_by[j].append(i)
    right = [list(rng.permutation(lst)) for lst in listed_by]
    res = stable_matching(left, right, right_capacity=15)
    assert res.certificate.stable
    assert res.objective == res.n_pairs and res.info["objective_of"] == "number of pairs"


def test_objective_sources():
    s = np.array([[3.0, 1.0], [2.0, 5.0]])
    res = stable_matching(s, s.T)
    assert res.info["objective_of"] == "left_prefs" and res.objective == 8.0
    res = stable_matching(s, s.T, scores=np.full((2, 2), 10.0))
    assert res.info["objective_of"] == "scores" and res.objective == 20.0


def test_sparse_score_preferences_list_only_stored_entries():
    left = sp.csr_array(np.array([[0.0, 2.0], [1.0, 0.0]]))
    assert preferences_from_scores(left) == [[1], [0]]
    res = stable_matching(left, [[0, 1], [0, 1]])
    assert res.pairs.tolist() == [[0, 1], [1, 0]]


def test_ties_broken_by_lower_index():
    assert preferences_from_scores([[1.0, 1.0, 2.0, 1.0]]) == [[2, 0, 1, 3]]


def test_unacceptable_one_sided_pairs_are_never_matched():
    res = stable_matching([[0], [0]], [[1], []])
    assert res.pairs.tolist() == [[1, 0]]


@pytest.mark.parametrize("shape", [(0, 0), (2, 0), (0, 3)])
def test_degenerate_shapes(shape):
    n, m = shape
    res = stable_matching([[] for _ in range(n)], [[] for _ in range(m)])
    assert res.n_pairs == 0 and res.shape == shape


@pytest.mark.parametrize(
    ("left", "right", "kwargs", "pattern"),
    [
        ([[0, 2]], [[0], [0]], {}, r"left_prefs\[0\] names right participant 2, but right indices run from 0 to 1"),
        ([[0]], [[-1]], {}, r"right_prefs\[0\] names left participant -1"),
        ([[0, 1, 0]], [[0], [0]], {}, r"left_prefs\[0\] lists right participant 0 more than once"),
        ([[0.5]], [[0]], {}, r"left_prefs\[0\] must hold integer indices, got dtype float64"),
        (["ab"], [[0]], {}, r"left_prefs\[0\] is a string"),
        ([[[0]]], [[0]], {}, r"left_prefs\[0\] must be a flat list of indices"),
        ([[0]], [[0]], {"proposing": "up"}, r"proposing: expected 'left' or 'right', got 'up'"),
        ([[0]], [[0]], {"right_capacity": -1}, r"right_capacity\[0\] is -1"),
        ([[0]], [[0]], {"left_capacity": [1, 1]}, r"left_capacity: expected a scalar or an array of shape \(1,\)"),
        (np.ones((2, 3)), np.ones((2, 3)), {}, r"right_prefs: expected a score matrix of shape \(3, 2\) .*transpose"),
        (np.ones((2, 3)), [[0]], {}, r"expected 3 preference lists \(one per right participant\), got 1"),
        ([[0]], [[0]], {"scores": np.ones((2, 2))}, r"scores: expected shape \(1, 1\)"),
        ("abc", [[0]], {}, r"left_prefs: expected a sequence of ranked lists or a score matrix"),
        (np.array([[1.0, np.nan]]), [[0], [0]], {}, r"NaN"),
    ],
)
def test_invalid_input(left, right, kwargs, pattern):
    with pytest.raises(InvalidInput, match=pattern):
        stable_matching(left, right, **kwargs)


def test_blocking_pairs_of_an_unstable_matching():
    left = [[0, 1], [0, 1]]
    right = [[1, 0], [0, 1]]
    # left 1 and right 0 prefer each other to their partners
    assert blocking_pairs(np.array([[0, 0], [1, 1]]), left, right).tolist() == [[1, 0]]


def test_docstring_examples():
    assert doctest.testmod(_stable, raise_on_error=False).failed == 0
