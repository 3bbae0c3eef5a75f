"""The capacitated pricing loop of solve_factors: rows skipped by the margin bound, and one flow over the candidates."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from matching.solvers import solve_capacitated, solve_factors
from matching.solvers._capacitated import solve_given_pairs
from matching.solvers._factors_capacitated import _rows_to_price


@pytest.mark.parametrize("maximize", [True, False])
def test_rows_skipped_by_the_bound_have_no_violated_pair(maximize):
    """Brute force: a row that _rows_to_price leaves out keeps every non-candidate reduced cost >= 0."""
    sign = -1.0 if maximize else 1.0
    skipped_total = priced_total = 0
    for seed in range(300):
        rng = np.random.default_rng(seed)
        n, m = 12, 9
        s = rng.normal(size=(n, m))
        candidate = rng.random((n, m)) < 0.3
        right0 = rng.normal(size=m)
        # left potentials with a gap of 0 to 0.5 to their best non-candidate pair; a few rows violated
        best = np.where(candidate, np.inf, sign * s - sign * right0[None, :]).min(axis=1)
        left0 = sign * (best - rng.uniform(-0.1, 0.5, n))
        reduced0 = sign * s - sign * left0[:, None] - sign * right0[None, :]
        margin0 = np.where(candidate, np.inf, reduced0).min(axis=1)
        margin0[margin0 < 0] = -np.inf  # rows with violators are always priced again
        step = rng.uniform(0.0, 0.3)
        left = left0 + step * rng.normal(size=n) * (rng.random(n) < 0.4)
        right = right0 + step * rng.normal(size=m) * (rng.random(m) < 0.3)
        todo = _rows_to_price((left0, right0, margin0), left, right, sign)
        reduced = sign * s - sign * left[:, None] - sign * right[None, :]
        violated = (np.where(candidate, np.inf, reduced) < 0).any(axis=1)
        if todo is None:  # a full pass: more than half of the rows may have moved
            assert (margin0 - sign * (left - left0) + np.min(-sign * (right - right0)) < 0).sum() > n // 2
            continue
        skipped = np.setdiff1d(np.arange(n), todo)
        assert not violated[skipped].any()
        assert np.isin(np.flatnonzero(margin0 == -np.inf), todo).all()
        skipped_total += len(skipped)
        priced_total += len(todo)
    assert skipped_total > 200 and priced_total > 200  # both branches were exercised
    assert _rows_to_price(None, np.zeros(3), np.zeros(2), sign) is None


def _capacitated_instance(seed: int, n: int, m: int):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(n, 3)), rng.normal(size=(m, 3))
    return x, y, rng.integers(1, 4, n), rng.integers(1, 4, m)


def test_partial_pricing_rounds_give_the_dense_optimum():
    """Instances whose pricing loop skips rows (fewer full passes than rounds) still reach the optimum."""
    partial = 0
    for seed in range(12):
        x, y, lcap, rcap = _capacitated_instance(seed, 70, 60)
        s = x @ y.T
        res = solve_factors(x, y, left_capacity=lcap, right_capacity=rcap, k=1)
        ref = solve_capacitated(s, left_capacity=lcap, right_capacity=rcap)
        assert res.objective == pytest.approx(ref.objective, rel=1e-9, abs=1e-9)
        cert = res.certificate
        slack = cert.left_potential[:, None] + cert.right_potential[None, :] - s
        free = np.ones(s.shape, dtype=bool)
        free[res.pairs[:, 0], res.pairs[:, 1]] = False
        assert slack[free].min() >= -1e-7
        assert cert.pairs_checked == s.size and cert.max_violation <= 1e-7
        partial += res.info["full_pricing_passes"] < cert.pricing_rounds
    assert partial >= 3  # the bound did skip rows on these instances


@pytest.mark.parametrize("maximize", [True, False])
def test_given_pairs_solve_equals_solve_capacitated(maximize):
    rng = np.random.default_rng(7)
    n, m = 250, 200  # 25,000 pairs: solve_capacitated prices candidates of its own from 20,000 on
    dense = rng.normal(size=(n, m))
    keep = rng.random((n, m)) < 0.5
    scores = sp.csr_array(np.where(keep, dense, 0.0))
    bounds = dict(left_capacity=rng.integers(1, 3, n), right_capacity=rng.integers(1, 4, m), maximize=maximize)
    res = solve_given_pairs(scores, **bounds)
    ref = solve_capacitated(scores, **bounds)
    assert res.objective == pytest.approx(ref.objective, rel=1e-12)
    assert keep[res.pairs[:, 0], res.pairs[:, 1]].all()
    assert res.certificate.pricing_rounds == 1 < ref.certificate.pricing_rounds  # one solve over every given pair
