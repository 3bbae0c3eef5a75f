"""solve_factors with minimums and required pairs, checked against solve_capacitated on the dense matrix."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.errors import Infeasible, InvalidInput
from matching.solvers import solve_capacitated, solve_factors

TOL = 1e-7


def _instance(seed: int, n: int, m: int, d: int):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(n, d)), rng.normal(size=(m, d))
    lcap, rcap = rng.integers(1, 4, n), rng.integers(1, 4, m)
    lmin = np.minimum(rng.integers(0, 2, n), lcap)
    rmin = np.minimum(rng.integers(0, 2, m), rcap)
    required = np.unique(np.stack([rng.integers(0, n, 3), rng.integers(0, m, 3)], axis=1), axis=0)
    candidates = np.stack([rng.integers(0, n, 6), rng.integers(0, m, 6)], axis=1)
    req = {tuple(p) for p in required.tolist()}
    forbidden = np.unique(np.array([p for p in candidates.tolist() if tuple(p) not in req], dtype=np.int64).reshape(-1, 2), axis=0)
    return x, y, lcap, rcap, lmin, rmin, required, forbidden


def _check_against_dense(x, y, maximize, k, **bounds):
    s = x @ y.T
    try:
        ref = solve_capacitated(s, maximize=maximize, **bounds)
    except Infeasible:
        with pytest.raises(Infeasible):
            solve_factors(x, y, maximize=maximize, k=k, **bounds)
        return None
    res = solve_factors(x, y, maximize=maximize, k=k, **bounds)
    assert res.objective == pytest.approx(ref.objective, rel=1e-9, abs=1e-9)
    pairs = res.pairs
    n, m = s.shape
    ldeg, rdeg = np.bincount(pairs[:, 0], minlength=n), np.bincount(pairs[:, 1], minlength=m)
    assert np.all(ldeg <= bounds["left_capacity"]) and np.all(rdeg <= bounds["right_capacity"])
    assert np.all(ldeg >= bounds["left_min"]) and np.all(rdeg >= bounds["right_min"])
    chosen = {tuple(p) for p in pairs.tolist()}
    assert {tuple(p) for p in bounds["required"].tolist()} <= chosen
    assert not chosen & {tuple(p) for p in bounds["forbidden"].tolist()}
    # dual feasibility of the certificate on every allowed pair that is neither matched nor required
    cert = res.certificate
    sign = 1.0 if maximize else -1.0
    slack = sign * (cert.left_potential[:, None] + cert.right_potential[None, :] - s)
    free = np.ones((n, m), dtype=bool)
    for i, j in list(chosen) + [tuple(p) for p in bounds["forbidden"].tolist()]:
        free[i, j] = False
    assert slack[free].min(initial=0.0) >= -TOL
    assert cert.max_violation <= TOL
    assert cert.pairs_checked == n * m - len(bounds["forbidden"])
    return res


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 20), m=st.integers(2, 20), d=st.integers(1, 4),
       maximize=st.booleans())
def test_minimums_and_required_match_dense_capacitated(seed, n, m, d, maximize):
    x, y, lcap, rcap, lmin, rmin, required, forbidden = _instance(seed, n, m, d)
    _check_against_dense(x, y, maximize, 2, left_capacity=lcap, right_capacity=rcap, left_min=lmin, right_min=rmin,
                         required=required, forbidden=forbidden)


def test_minimums_beyond_the_candidates_widen_them():
    # every left participant prefers right 0..2 by far, but every right participant needs 2 partners:
    # with k = 1 the candidates alone admit no feasible matching, the solver must widen them
    rng = np.random.default_rng(3)
    n, m = 30, 15
    x = np.column_stack([np.ones(n), 0.01 * rng.normal(size=n)])
    y = np.column_stack([np.r_[np.full(3, 10.0), np.zeros(m - 3)], rng.normal(size=m)])
    bounds = dict(left_capacity=1, right_capacity=2, left_min=np.zeros(n, np.int64), right_min=2,
                  required=np.zeros((0, 2), np.int64), forbidden=np.zeros((0, 2), np.int64))
    res = _check_against_dense(x, y, True, 1, **bounds)
    assert res is not None and res.n_pairs == n


def test_infeasible_minimums_raise():
    x, y = np.ones((3, 2)), np.ones((4, 2))
    with pytest.raises(Infeasible):
        solve_factors(x, y, left_capacity=1, right_capacity=1, right_min=1)


def test_required_pair_is_matched_even_when_it_lowers_the_total():
    x = np.array([[1.0], [0.0]])
    y = np.array([[1.0], [0.0]])
    res = solve_factors(x, y, required=[(0, 1)], left_capacity=1, right_capacity=1)
    assert [0, 1] in res.pairs.tolist()
    ref = solve_capacitated(x @ y.T, required=[(0, 1)], left_capacity=1, right_capacity=1)
    assert res.objective == pytest.approx(ref.objective)


def test_required_and_forbidden_pair_is_rejected():
    x, y = np.eye(2), np.eye(2)
    with pytest.raises(InvalidInput, match=r"required pair \(1, 0\) is forbidden"):
        solve_factors(x, y, required=[(1, 0)], forbidden=[(1, 0)])


def test_minimum_above_capacity_is_rejected():
    x, y = np.eye(2), np.eye(2)
    with pytest.raises(InvalidInput, match=r"left_min\[0\] = 2 exceeds left_capacity\[0\] = 1"):
        solve_factors(x, y, left_min=[2, 0])


def test_require_complete_with_minimums_is_rejected():
    x, y = np.eye(2), np.eye(2)
    with pytest.raises(InvalidInput, match="only supported for one-to-one matching"):
        solve_factors(x, y, left_min=1, require_complete=True)


def test_required_out_of_range_is_rejected():
    x, y = np.eye(2), np.eye(2)
    with pytest.raises(InvalidInput, match=r"pair \(0, 5\) is out of range"):
        solve_factors(x, y, required=[(0, 5)])
