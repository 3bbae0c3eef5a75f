"""The flow's warm start between pricing rounds: warm solves equal cold ones and the LP, certificates included."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from matching.solvers import solve_capacitated, solve_factors, verify_duals
from matching.solvers import _flow
from matching.solvers._capacitated import solve_given_pairs
from matching.solvers._flow import FlowWarmStart, ssp_bmatching


@pytest.fixture
def warm_always(monkeypatch):
    """Start warm whatever the share of units that move and the work it takes (by default a cold solve is
    taken instead when a warm one would not pay, which on these small inputs is nearly always)."""
    monkeypatch.setattr(_flow, "WARM_SHARE", 1.0)
    monkeypatch.setattr(_flow, "WARM_WORK", 1e12)


def lp_optimum(shape, rows, cols, weights, lcap, rcap, required=None):
    """The b-matching LP by HiGHS: maximum of sum w x, degrees within the capacities, 0 <= x <= 1 (1 on required)."""
    n, m = shape
    k = len(rows)
    if k == 0:
        return 0.0
    var = np.arange(k)
    a_ub = sp.vstack([sp.csr_array((np.ones(k), (rows, var)), shape=(n, k)),
                      sp.csr_array((np.ones(k), (cols, var)), shape=(m, k))])
    low = np.zeros(k) if required is None else required.astype(float)
    res = linprog(-np.asarray(weights, float), A_ub=a_ub, b_ub=np.concatenate([lcap, rcap]).astype(float),
                  bounds=np.column_stack([low, np.ones(k)]), method="highs")
    assert res.status == 0
    return -res.fun


def check_flow(shape, rows, cols, w, lcap, rcap, out):
    """Capacities hold and the potentials certify the chosen pairs (the promises of ssp_bmatching)."""
    n, m = shape
    chosen, p, q = out
    ldeg = np.bincount(rows[chosen], minlength=n)
    rdeg = np.bincount(cols[chosen], minlength=m)
    assert (ldeg <= lcap).all() and (rdeg <= rcap).all()
    reduced = w - p[rows] - q[cols]
    tol = 1e-9 * max(1.0, np.abs(w).max(initial=0.0))
    assert (reduced[~chosen] <= tol).all() and (reduced[chosen] >= -tol).all()
    assert (p >= -tol).all() and (q >= -tol).all()
    assert (p[ldeg < lcap] <= tol).all() and (q[rdeg < rcap] <= tol).all()


def growing_problem(seed, n_max=10):
    """A random b-matching and an order in which its pairs arrive (capacities 0-3, integer or real weights)."""
    rng = np.random.default_rng(seed)
    n, m = (int(v) for v in rng.integers(1, n_max + 1, size=2))
    pairs = np.argwhere(rng.random((n, m)) < 0.7)
    rng.shuffle(pairs)
    w = rng.integers(1, 25, size=len(pairs)).astype(float) if seed % 2 else rng.random(len(pairs)) * 10 + 1e-3
    return (n, m), pairs[:, 0], pairs[:, 1], w, rng.integers(0, 4, size=n), rng.integers(0, 4, size=m), rng


@pytest.mark.parametrize("seed", range(60))
def test_warm_solves_over_growing_pairs_equal_the_lp(seed, warm_always):
    shape, rows, cols, w, lcap, rcap, rng = growing_problem(seed)
    warm = FlowWarmStart()
    cuts = np.unique(np.append(rng.integers(0, len(rows) + 1, size=4), len(rows)))
    for cut in cuts:
        args = (shape, rows[:cut], cols[:cut], w[:cut], lcap, rcap)
        out = ssp_bmatching(*args, warm)
        check_flow(*args, out)
        best = lp_optimum(*args)
        assert w[:cut][out[0]].sum() == pytest.approx(best, rel=1e-12, abs=1e-9)
        cold = ssp_bmatching(*args)
        assert w[:cut][cold[0]].sum() == pytest.approx(best, rel=1e-12, abs=1e-9)
    assert warm.solves == len(cuts) and warm.warm_solves == len(cuts) - 1


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), steps=st.lists(st.integers(1, 6), min_size=1, max_size=6),
       transposed=st.booleans())
def test_random_sequences_of_pair_additions(seed, steps, transposed):
    """Pairs arrive a few at a time, from either side's point of view; every warm solve is optimal."""
    saved = _flow.WARM_SHARE, _flow.WARM_WORK
    _flow.WARM_SHARE, _flow.WARM_WORK = 1.0, 1e12  # hypothesis runs a function-scoped fixture only once
    try:
        shape, rows, cols, w, lcap, rcap, _ = growing_problem(seed, n_max=7)
        if transposed:  # the right side then has the fewer places more often: the warm state keeps the orientation
            shape, rows, cols, lcap, rcap = shape[::-1], cols, rows, rcap, lcap
        warm = FlowWarmStart()
        cut = 0
        for step in steps:
            cut = min(cut + step, len(rows))
            args = (shape, rows[:cut], cols[:cut], w[:cut], lcap, rcap)
            out = ssp_bmatching(*args, warm)
            check_flow(*args, out)
            assert w[:cut][out[0]].sum() == pytest.approx(lp_optimum(*args), rel=1e-12, abs=1e-9)
    finally:
        _flow.WARM_SHARE, _flow.WARM_WORK = saved


def test_the_sink_is_crossed_when_only_priced_places_wait(warm_always):
    """Runs where a search goes on through the sink (no deficit left there) happen and stay optimal."""
    crossed = 0
    for seed in range(200):
        shape, rows, cols, w, lcap, rcap, rng = growing_problem(seed, n_max=8)
        warm = FlowWarmStart()
        for cut in np.unique(np.append(rng.integers(0, len(rows) + 1, size=3), len(rows))):
            args = (shape, rows[:cut], cols[:cut], w[:cut], lcap, rcap)
            out = ssp_bmatching(*args, warm)
            assert w[:cut][out[0]].sum() == pytest.approx(lp_optimum(*args), rel=1e-12, abs=1e-9)
            crossed += warm.warm_solves > 0 and warm.expansions > 0
    assert crossed >= 5


def test_pairs_that_disappear_or_capacities_that_change(warm_always):
    """A chosen pair removed (its participant starts over) and a receiving capacity changed (a cold start)."""
    rng = np.random.default_rng(3)
    shape = (8, 6)
    rows, cols = (v.ravel() for v in np.indices(shape))
    w = rng.random(48) + 0.01
    lcap, rcap = rng.integers(1, 3, size=8), np.full(6, 3)  # fewer places on the left: units go from there
    warm = FlowWarmStart()
    out = ssp_bmatching(shape, rows, cols, w, lcap, rcap, warm)
    assert not warm._state["transposed"]
    gone = np.flatnonzero(out[0])[::2]
    keep = np.setdiff1d(np.arange(len(rows)), gone)
    args = (shape, rows[keep], cols[keep], w[keep], lcap, rcap)
    again = ssp_bmatching(*args, warm)
    assert warm.warm_solves == 1 and warm.reset >= 1
    check_flow(*args, again)
    assert w[keep][again[0]].sum() == pytest.approx(lp_optimum(*args), rel=1e-12)
    lcap_less = np.maximum(lcap - 1, 0)  # the pushing side's capacities drop: those participants start over
    args = (shape, rows, cols, w, lcap_less, rcap)
    again = ssp_bmatching(*args, warm)
    assert warm.warm_solves == 2
    check_flow(*args, again)
    assert w[again[0]].sum() == pytest.approx(lp_optimum(*args), rel=1e-12)
    args = (shape, rows, cols, w, lcap, rcap + 1)  # the receiving side changed: nothing to start from
    again = ssp_bmatching(*args, warm)
    assert warm.warm_solves == 2 and warm.solves == 4
    assert w[again[0]].sum() == pytest.approx(lp_optimum(*args), rel=1e-12)


def test_a_warm_start_that_does_not_pay_is_redone_cold(monkeypatch):
    shape, rows, cols, w, lcap, rcap, _ = growing_problem(5, n_max=10)
    half = len(rows) // 2
    warm = FlowWarmStart()
    ssp_bmatching(shape, rows[:half], cols[:half], w[:half], lcap, rcap, warm)
    # by default adding half of the pairs moves more than WARM_SHARE of the units: a cold solve
    ssp_bmatching(shape, rows, cols, w, lcap, rcap, warm)
    assert warm.solves == 2 and warm.warm_solves == 0 and warm.moved > 0
    # a warm start allowed no search step stops and is redone cold, with the same answer
    monkeypatch.setattr(_flow, "WARM_SHARE", 1.0)
    monkeypatch.setattr(_flow, "WARM_WORK", 0.0)
    warm = FlowWarmStart()
    ssp_bmatching(shape, rows[:half], cols[:half], w[:half], lcap, rcap, warm)
    out = ssp_bmatching(shape, rows, cols, w, lcap, rcap, warm)
    assert warm.warm_solves == 0
    assert w[out[0]].sum() == pytest.approx(lp_optimum(shape, rows, cols, w, lcap, rcap), rel=1e-12)


def test_out_of_work_budget_forgets_the_warm_state(monkeypatch):
    shape, rows, cols, w, lcap, rcap, _ = growing_problem(7, n_max=10)
    warm = FlowWarmStart()
    assert ssp_bmatching(shape, rows, cols, w, lcap, rcap, warm) is not None
    monkeypatch.setattr(_flow, "WORK_PER_ELEMENT", 0)
    monkeypatch.setattr(_flow, "WORK_FLOOR", 0)
    monkeypatch.setattr(_flow, "COLD_AUCTION", False)  # the auction might leave the kernel nothing to search
    assert ssp_bmatching(shape, rows, cols, w, np.maximum(lcap, 1), rcap, warm) is None
    monkeypatch.undo()
    ssp_bmatching(shape, rows, cols, w, lcap, rcap, warm)
    assert warm.warm_solves == 0 and warm.solves == 3


@pytest.mark.parametrize("seed", range(12))
def test_given_pairs_rounds_with_required_pairs_and_weights_below_zero(seed, warm_always):
    """solve_given_pairs over growing candidates: required pairs fixed, pairs of weight <= 0 left out, the
    certificate as good as a cold solve's, the objective the LP's."""
    rng = np.random.default_rng(100 + seed)
    n, m = (int(v) for v in rng.integers(4, 12, size=2))
    dense = rng.integers(-6, 20, size=(n, m)).astype(float)
    allowed = np.argwhere(rng.random((n, m)) < 0.8)
    rng.shuffle(allowed)
    lcap, rcap = rng.integers(1, 4, size=n), rng.integers(1, 4, size=m)
    required = allowed[:2][dense[allowed[:2, 0], allowed[:2, 1]] != 0]  # sparse scores drop stored zeros
    maximize = bool(seed % 3)
    bounds = dict(left_capacity=lcap, right_capacity=rcap, required=required, maximize=maximize)
    warm = FlowWarmStart()
    for cut in (len(allowed) // 3, 2 * len(allowed) // 3, len(allowed)):
        part = allowed[:cut]
        scores = sp.csr_array((dense[part[:, 0], part[:, 1]], (part[:, 0], part[:, 1])), shape=(n, m))
        res = solve_given_pairs(scores, warm=warm, **bounds)
        cold = solve_given_pairs(scores, **bounds)
        assert res.objective == pytest.approx(cold.objective, rel=1e-12, abs=1e-12)
        assert res.certificate.max_violation <= max(cold.certificate.max_violation, 1e-12)
        assert res.info["dual_bound"] == pytest.approx(res.objective, rel=1e-12, abs=1e-9)
        assert verify_duals(res, scores, left_capacity=lcap, right_capacity=rcap, required=required).ok
        coo = scores.tocoo()
        is_req = np.isin(coo.row * m + coo.col, required[:, 0] * m + required[:, 1])
        sign = 1.0 if maximize else -1.0
        best = lp_optimum((n, m), coo.row, coo.col, sign * coo.data, lcap, rcap, is_req)
        assert sign * res.objective == pytest.approx(best, rel=1e-12, abs=1e-9)
    assert warm.warm_solves >= 1


@pytest.mark.parametrize("seed", range(6))
def test_solve_factors_with_warm_rounds_equals_solve_capacitated(seed, warm_always):
    rng = np.random.default_rng(40 + seed)
    n, m = (int(v) for v in rng.integers(30, 60, size=2))
    x, y = rng.normal(size=(n, 3)), rng.normal(size=(m, 3))
    bounds = dict(left_capacity=rng.integers(1, 4, n), right_capacity=rng.integers(1, 4, m), maximize=seed != 2)
    if seed % 2:
        bounds["required"] = [(0, 0), (1, 2)]
    res = solve_factors(x, y, k=1, **bounds)
    ref = solve_capacitated(x @ y.T, **bounds)
    assert res.objective == pytest.approx(ref.objective, rel=1e-9, abs=1e-9)
    assert res.certificate.pricing_rounds >= 2  # the candidates of k=1 miss pairs: the warm rounds ran
    assert res.certificate.max_violation <= 1e-7
    assert verify_duals(res, x @ y.T, **{k: v for k, v in bounds.items() if k != "maximize"}).ok


@pytest.mark.parametrize("size", [0, 1, 2, 7, 100])
def test_heapify_min_then_pops_come_out_sorted(size):
    from matching.solvers._heap import heapify_min, pop_min

    rng = np.random.default_rng(size)
    keys = rng.integers(0, 20, size=size).astype(float)  # ties included
    vals = np.arange(size, dtype=np.int64)
    heap_keys, heap_vals = keys.copy(), vals.copy()
    heapify_min(heap_keys, heap_vals, size)
    out = []
    left = size
    while left:
        key, val, left = pop_min(heap_keys, heap_vals, left)
        assert keys[val] == key
        out.append(key)
    assert out == sorted(keys.tolist())
