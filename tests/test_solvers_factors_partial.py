"""The capacitated pricing loop of solve_factors: rows skipped by the margin bound, and one flow over the candidates."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from matching.solvers import solve_capacitated, solve_factors
from matching.solvers._capacitated import solve_given_pairs
from matching.solvers._factors import _Factors, _pricer
from matching.solvers._factors_bound import NEAR, RowBound, columns_check
from matching.solvers._factors_extras import make_extras


def _extras_instance(seed: int, n: int, m: int):
    """Factors with a sparse bonus, a class table and listed forbidden pairs; the dense scores and mask."""
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=(n, 3)), rng.normal(size=(m, 3))
    bonus = sp.random(n, m, density=0.05, random_state=seed, format="csr")
    left_class, right_class = rng.integers(0, 3, n), rng.integers(0, 3, m)
    table = rng.random((3, 3)) < 0.25
    listed = np.argwhere(rng.random((n, m)) < 0.05)
    dense = a @ b.T + bonus.toarray()
    forbidden = table[left_class][:, right_class].copy()
    forbidden[listed[:, 0], listed[:, 1]] = True
    kwargs = dict(sparse_vectors=(bonus, sp.identity(m, format="csr")), forbidden=listed,
                  forbidden_classes=(left_class, right_class, table))
    return a, b, dense, forbidden, kwargs, rng


@pytest.mark.parametrize("maximize", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_row_bound_never_skips_a_row_with_a_violated_pair(maximize, dtype):
    """Brute force: RowBound's bound never exceeds a row's smallest non-candidate reduced cost, over rounds
    of full and partial passes (the pricer's near pairs, candidates growing, potentials moving)."""
    sign = -1.0 if maximize else 1.0
    skipped = priced = moved_total = 0
    for seed in range(6):
        a, b, dense, forbidden, kwargs, rng = _extras_instance(seed, 70, 90)
        n, m = dense.shape
        extras = make_extras(kwargs["sparse_vectors"], kwargs["forbidden_classes"], n, m)
        f = _Factors(a, b, kwargs["forbidden"], dtype, 8 * 20 * m, None, extras, sign)
        f.near = NEAR
        price = _pricer(f, sign, exact=dtype == np.float64)
        candidate = (rng.random((n, m)) < 0.1) & ~forbidden
        cost = sign * dense
        right = sign * rng.normal(scale=0.3, size=m)
        # row potentials a little below or above their best non-candidate pair: few violated rows
        best = np.where(candidate | forbidden, np.inf, cost - sign * right[None, :]).min(axis=1)
        left = sign * (best - rng.uniform(-0.05, 0.3, n))
        bound = RowBound(n, m, sign)
        todo = None
        for _ in range(5):
            cand = sp.csr_array(candidate.astype(float))
            cptr, cidx = cand.indptr.astype(np.int64), cand.indices.astype(np.int64)
            found = price(left, right, 1e-9, todo, (cptr, cidx), 4)
            bound.update(todo, left, right, *found.priced_near)
            candidate[found.rows, found.cols] = True  # the violators found join the candidates
            # move the potentials: most rows a little, a few columns a lot
            left = left + sign * rng.normal(scale=0.02, size=n) * (rng.random(n) < 0.5)
            right = right + sign * rng.normal(scale=0.02, size=m) + sign * (rng.random(m) < 0.03) * rng.uniform(0, 4, m)
            cand = sp.csr_array(candidate.astype(float))
            cptr, cidx = cand.indptr.astype(np.int64), cand.indices.astype(np.int64)
            reduced = cost - sign * left[:, None] - sign * right[None, :]
            smallest = np.where(candidate | forbidden, np.inf, reduced).min(axis=1)
            lower = bound.bounds(left, right, (cptr, cidx))
            assert (lower <= smallest + 1e-9).all()
            todo = bound.due(left, right, (cptr, cidx))
            assert np.isin(np.flatnonzero(smallest < 0), todo).all()
            # the columns that moved most checked exactly instead of through the floor
            moved = bound.moved_columns(left, right)
            moved_total += len(moved)
            if not len(moved):  # the cost model checked none: check the ten that moved most since the first pass
                moved = np.sort(np.argsort(-sign * (right - bound.passes[0] * sign))[:10])
            lower = bound.bounds(left, right, (cptr, cidx), moved)
            exact = columns_check(f, sign)(np.arange(n), moved, sign * left, sign * right, (cptr, cidx))
            assert (np.minimum(lower, exact) <= smallest + 1e-9).all()
            brute = np.where(candidate | forbidden, np.inf, reduced)[:, moved].min(axis=1, initial=np.inf)
            assert np.allclose(exact, brute)
            checked = bound.due(left, right, (cptr, cidx), columns_check(f, sign))
            assert np.isin(np.flatnonzero(smallest < 0), checked).all()
            todo = checked if rng.random() < 0.5 else todo
            skipped += n - len(todo)
            priced += len(todo)
    assert skipped > 300 and priced > 100 and moved_total > 0  # both kinds of rows occurred, and moved columns


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
def test_partial_pricing_with_extras_gives_the_dense_optimum(maximize):
    """Capacities, listed and class-forbidden pairs and sparse terms: the same optimum and certificate counts as
    solve_capacitated on the dense matrix, and dual feasibility on every allowed pair, while rows are skipped."""
    partial = 0
    for seed in range(6):
        a, b, dense, forbidden, kwargs, rng = _extras_instance(seed + 50, 80, 100)
        n, m = dense.shape
        lcap, rcap = rng.integers(1, 4, n), rng.integers(1, 3, m)
        res = solve_factors(a, b, left_capacity=lcap, right_capacity=rcap, maximize=maximize, k=1, **kwargs)
        ref = solve_capacitated(dense, forbidden=forbidden, left_capacity=lcap, right_capacity=rcap, maximize=maximize)
        assert res.objective == pytest.approx(ref.objective, rel=1e-9, abs=1e-9)
        assert not forbidden[res.pairs[:, 0], res.pairs[:, 1]].any()
        cert = res.certificate
        assert cert.pairs_checked == int((~forbidden).sum()) and cert.max_violation <= 1e-7
        sign = -1.0 if maximize else 1.0
        slack = sign * (dense - cert.left_potential[:, None] - cert.right_potential[None, :])
        free = ~forbidden
        free[res.pairs[:, 0], res.pairs[:, 1]] = False
        assert slack[free].min() >= -1e-7
        partial += res.info["full_pricing_passes"] < cert.pricing_rounds
    assert partial >= 2


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


def test_a_scan_without_near_pairs_is_the_near_scan_with_none():
    from matching.solvers._factors import _scan
    from matching.solvers._factors_bound import near_price

    rng = np.random.default_rng(3)
    block = rng.random((40, 300)).astype(np.float32)
    u, v = rng.random(40) * 0.3 + 0.6, rng.random(300) * 0.1
    fptr = np.arange(0, 81, 2, dtype=np.int64)
    fidx = np.sort(rng.integers(0, 300, (40, 2)), axis=1).ravel().astype(np.int64)
    bptr = np.arange(0, 121, 3, dtype=np.int64)
    bidx = np.sort(rng.choice(300, (40, 3)), axis=1).ravel().astype(np.int64)
    rows = np.arange(40, dtype=np.int64)
    args = (block, np.float32(-1.0), u, v, 1e-9, 5)
    fast = _scan(*args, 0, fptr, fidx, rows, bptr, bidx)
    near = near_price(*args, 0, fptr, fidx, rows, bptr, bidx)
    counts = near[1]
    assert counts.any()  # some rows have violators
    np.testing.assert_array_equal(fast[1], counts)
    used = np.arange(5)[None, :] < counts[:, None]  # the violators' slots (the others are never written)
    np.testing.assert_array_equal(fast[0][used], near[0][used])
    for got, want in zip(fast[2:], near[2:]):  # worst, margin, the (empty) near pairs and the floors
        np.testing.assert_array_equal(got, want)
