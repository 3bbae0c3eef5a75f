"""Greedy and random baselines: a plain-Python reference, feasibility, maximality, gap certificates."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
import scipy.sparse as sp

from matching.errors import InvalidInput
from matching.solvers import GapCertificate, Status, greedy_matching, random_matching, solve_capacitated, verify_feasible
from matching.solvers import _baselines


def greedy_reference(scores, forbidden, lcap, rcap):
    n, m = scores.shape
    order = sorted(((-scores[i, j], i, j) for i in range(n) for j in range(m) if not forbidden[i, j] and scores[i, j] > 0))
    lroom, rroom = list(lcap), list(rcap)
    out = []
    for _, i, j in order:
        if lroom[i] > 0 and rroom[j] > 0:
            out.append([i, j])
            lroom[i] -= 1
            rroom[j] -= 1
    return sorted(out)


@pytest.mark.parametrize("seed", range(20))
def test_greedy_matches_reference_and_is_within_half_of_optimum(seed):
    rng = np.random.default_rng(seed)
    n, m = rng.integers(1, 12, size=2)
    scores = rng.integers(-3, 8, size=(n, m)).astype(float)
    forbidden = rng.random((n, m)) < 0.2
    lcap, rcap = rng.integers(0, 3, size=n), rng.integers(0, 3, size=m)
    res = greedy_matching(scores, left_capacity=lcap, right_capacity=rcap, forbidden=forbidden)
    assert res.status is Status.FEASIBLE and res.solver == "greedy"
    assert res.pairs.tolist() == greedy_reference(scores, forbidden, lcap, rcap)
    assert verify_feasible(res, scores=scores, forbidden=forbidden, left_capacity=lcap, right_capacity=rcap).ok
    best = solve_capacitated(scores, left_capacity=lcap, right_capacity=rcap, forbidden=forbidden).objective
    assert isinstance(res.certificate, GapCertificate)
    assert res.certificate.upper_bound == pytest.approx(best)
    assert res.certificate.gap == pytest.approx(best - res.objective)
    assert res.objective >= best / 2 - 1e-9


def test_greedy_minimize_takes_cheapest_negative_costs_first():
    costs = np.array([[-5.0, -4.0], [-4.0, 3.0]])
    res = greedy_matching(costs, maximize=False)
    assert res.pairs.tolist() == [[0, 0]]
    assert res.certificate.upper_bound == -8.0 and res.certificate.gap == 3.0


@pytest.mark.parametrize("seed", range(10))
def test_random_matching_is_feasible_maximal_and_reproducible(seed):
    rng = np.random.default_rng(100 + seed)
    n, m = rng.integers(1, 15, size=2)
    scores = rng.normal(size=(n, m))
    forbidden = rng.random((n, m)) < 0.3
    lcap, rcap = rng.integers(0, 3, size=n), rng.integers(0, 4, size=m)
    res = random_matching(scores, seed=seed, left_capacity=lcap, right_capacity=rcap, forbidden=forbidden)
    assert verify_feasible(res, scores=scores, forbidden=forbidden, left_capacity=lcap, right_capacity=rcap).ok
    ldeg = np.bincount(res.pairs[:, 0], minlength=n)
    rdeg = np.bincount(res.pairs[:, 1], minlength=m)
    taken = {tuple(p) for p in res.pairs.tolist()}
    for i in range(n):
        for j in range(m):
            if not forbidden[i, j] and (i, j) not in taken:
                assert ldeg[i] >= lcap[i] or rdeg[j] >= rcap[j], "a pair could still be added"
    again = random_matching(scores, seed=seed, left_capacity=lcap, right_capacity=rcap, forbidden=forbidden)
    assert again.pairs.tolist() == res.pairs.tolist()
    assert res.certificate.gap >= -1e-9 and res.info["seed"] == seed


def test_certify_switch_and_sparse_input():
    scores = sp.random_array((30, 20), density=0.2, random_state=1, format="csr")
    res = greedy_matching(scores, certify=False)
    assert res.certificate is None
    res = random_matching(scores, seed=np.random.default_rng(0), certify=True)
    assert res.certificate is not None and res.info["seed"] == "generator"
    stored = scores.toarray() != 0
    assert all(stored[i, j] for i, j in res.pairs)


@pytest.mark.parametrize("shape", [(0, 0), (2, 0), (0, 3)])
def test_degenerate_shapes(shape):
    assert greedy_matching(np.zeros(shape)).n_pairs == 0
    assert random_matching(np.zeros(shape), seed=0).n_pairs == 0


def test_invalid_capacity():
    with pytest.raises(InvalidInput, match=r"left_capacity\[0\] is -2"):
        greedy_matching(np.ones((2, 2)), left_capacity=-2)
    with pytest.raises(InvalidInput, match=r"right_capacity: expected a scalar or an array of shape \(2,\)"):
        random_matching(np.ones((2, 2)), seed=0, right_capacity=[1, 2, 3])


def test_docstring_examples():
    assert doctest.testmod(_baselines, raise_on_error=False).failed == 0
