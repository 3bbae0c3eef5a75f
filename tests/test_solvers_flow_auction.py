"""The b-matching flow's cold start by auction: the auction is epsilon-optimal, the flow finishes it exactly."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.solvers import _flow, _flow_auction
from matching.solvers._flow import ssp_bmatching
from matching.solvers._flow_auction import auction_flow_start

from test_solvers_flow_warm import check_flow, lp_optimum


@pytest.fixture
def auction_always(monkeypatch):
    """Start the auction on tied weights too (by default the flow starts from nothing on them)."""
    monkeypatch.setattr(_flow, "_few_ties", lambda w: True)


def random_problem(seed, n_max=12, density=0.6):
    """Capacities 0-3 (a participant may have no pair or no place), integer weights with ties and weights below 0
    on even seeds, real weights on odd ones."""
    rng = np.random.default_rng(seed)
    n, m = (int(v) for v in rng.integers(1, n_max + 1, size=2))
    pairs = np.argwhere(rng.random((n, m)) < density)
    rows, cols = pairs[:, 0], pairs[:, 1]
    if seed % 2 == 0:
        w = rng.integers(-3, 6, size=len(rows)).astype(float)
    else:
        w = rng.random(len(rows)) * 10 - 1
    return (n, m), rows, cols, w, rng.integers(0, 4, size=n), rng.integers(0, 4, size=m)


def solve_both(monkeypatch, *args):
    """ssp_bmatching started by the auction and started from nothing."""
    monkeypatch.setattr(_flow, "COLD_AUCTION", True)
    started = ssp_bmatching(*args)
    monkeypatch.setattr(_flow, "COLD_AUCTION", False)
    return started, ssp_bmatching(*args)


def oriented(shape, rows, cols, w, lcap, rcap):
    """The arrays :func:`auction_flow_start` takes, bidding from the left."""
    n, m = shape
    rows, cols = rows.astype(np.int64), cols.astype(np.int64)
    lidx = np.argsort(rows, kind="stable").astype(np.int64)
    lptr = np.searchsorted(rows[lidx], np.arange(n + 1)).astype(np.int64)
    lcap = np.minimum(lcap, np.diff(lptr)).astype(np.int64)
    return n, m, rows, cols, np.asarray(w, float), lptr, lidx, lcap, np.asarray(rcap, np.int64)


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("transposed", [False, True])
def test_started_by_auction_equals_the_lp_and_the_plain_cold_start(seed, transposed, monkeypatch, auction_always):
    shape, rows, cols, w, lcap, rcap = random_problem(seed)
    if transposed:
        shape, rows, cols, lcap, rcap = shape[::-1], cols, rows, rcap, lcap
    args = (shape, rows, cols, w, lcap, rcap)
    started, plain = solve_both(monkeypatch, *args)
    check_flow(*args, started)
    best = lp_optimum(*args)
    assert w[started[0]].sum() == pytest.approx(best, rel=1e-12, abs=1e-9)
    assert w[plain[0]].sum() == pytest.approx(best, rel=1e-12, abs=1e-9)


def brute_force(shape, rows, cols, w, lcap, rcap):
    """The best total over every subset of the pairs within the capacities."""
    n, m = shape
    best = 0.0
    for pick in itertools.product([False, True], repeat=len(rows)):
        pick = np.array(pick, dtype=bool)
        if (np.bincount(rows[pick], minlength=n) <= lcap).all() and (np.bincount(cols[pick], minlength=m) <= rcap).all():
            best = max(best, float(w[pick].sum()))
    return best


@settings(max_examples=80, deadline=None)
@given(data=st.data(), n=st.integers(1, 4), m=st.integers(1, 4))
def test_tiny_problems_against_brute_force(data, n, m):
    """Few pairs, weights drawn from a handful of values (ties, 0, below 0), capacities 0-3."""
    grid = [(i, j) for i in range(n) for j in range(m)]
    pairs = data.draw(st.lists(st.sampled_from(grid), unique=True, max_size=10))
    rows = np.array([p[0] for p in pairs], dtype=np.int64)
    cols = np.array([p[1] for p in pairs], dtype=np.int64)
    w = np.array(data.draw(st.lists(st.sampled_from([-2.0, 0.0, 1.0, 1.0, 2.5, 3.0, 7.0]), min_size=len(pairs),
                                    max_size=len(pairs))))
    lcap = np.array(data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)))
    rcap = np.array(data.draw(st.lists(st.integers(0, 3), min_size=m, max_size=m)))
    args = ((n, m), rows, cols, w, lcap, rcap)
    saved = _flow._few_ties
    _flow._few_ties = lambda w: True  # hypothesis runs a function-scoped fixture only once
    try:
        out = ssp_bmatching(*args)
    finally:
        _flow._few_ties = saved
    check_flow(*args, out)
    assert w[out[0]].sum() == pytest.approx(brute_force(*args), abs=1e-12)


@pytest.mark.parametrize("seed", range(20))
def test_the_auction_alone_is_epsilon_optimal(seed, monkeypatch):
    """Before the flow finishes it: capacities hold, every held pair is within epsilon of the best option its
    participant does not hold, a right participant with a free place has price 0, and the total is within
    units x epsilon of the optimum (a budget large enough for the price wars of tied integer weights)."""
    monkeypatch.setattr(_flow_auction, "AUCTION_WORK", 10**7)
    shape, rows, cols, w, lcap, rcap = random_problem(1000 + seed, n_max=25)
    n, m, rows, cols, w, lptr, lidx, lcap_used, rcap = oriented(shape, rows, cols, w, lcap, rcap)
    out = auction_flow_start(n, m, rows, cols, w, lptr, lidx, lcap_used, rcap)
    assert out is not None
    chosen, unused, taken, price, work = out
    assert work >= lcap_used.sum()  # every unit bid at least once
    ldeg = np.bincount(rows[chosen], minlength=n)
    assert (ldeg + unused == lcap_used).all()  # every unit placed or unused
    assert (taken == np.bincount(cols[chosen], minlength=m)).all() and (taken <= rcap).all()
    has_pairs = np.bincount(cols, minlength=m) > 0
    assert (price[(taken < rcap) & has_pairs] == 0).all() and (price[has_pairs] >= 0).all()
    eps = _flow_auction.AUCTION_EPS * max(np.abs(w).max(initial=0.0), 1.0)
    # q_j is the cheapest place: a held pair's own value is at least w - q_j, which is what this checks from
    value = w - price[cols]
    for i in range(n):
        mine = rows == i
        best_other = max(0.0, value[mine & ~chosen].max(initial=0.0))
        assert (value[mine & chosen] >= -eps - 1e-12).all()
        if unused[i] > 0:
            assert best_other <= eps + 1e-12
    best = lp_optimum(shape, rows, cols, w, lcap, rcap)
    assert best - lcap_used.sum() * eps - 1e-9 <= w[chosen].sum() <= best + 1e-9


def test_an_auction_out_of_budget_leaves_the_plain_cold_start(monkeypatch):
    shape, rows, cols, w, lcap, rcap = random_problem(3, n_max=20)
    arrays = oriented(shape, rows, cols, w, np.maximum(lcap, 1), rcap)
    monkeypatch.setattr(_flow_auction, "AUCTION_WORK", 0)
    monkeypatch.setattr(_flow_auction, "AUCTION_WORK_FLOOR", 10)
    assert auction_flow_start(*arrays) is None
    cold_starts = []
    plain = _flow._cold_state
    monkeypatch.setattr(_flow, "_cold_state", lambda *a: cold_starts.append(1) or plain(*a))
    args = (shape, rows, cols, w, lcap, rcap)
    out = ssp_bmatching(*args)
    assert cold_starts == [1]
    check_flow(*args, out)
    assert w[out[0]].sum() == pytest.approx(lp_optimum(*args), rel=1e-12, abs=1e-9)


def test_tied_weights_start_from_nothing(monkeypatch):
    shape, rows, cols, w, lcap, rcap = random_problem(4, n_max=20)  # integer weights
    monkeypatch.setattr(_flow, "auction_flow_start", lambda *a: pytest.fail("the auction ran on tied weights"))
    args = (shape, rows, cols, w, lcap, rcap)
    out = ssp_bmatching(*args)
    check_flow(*args, out)
    assert w[out[0]].sum() == pytest.approx(lp_optimum(*args), rel=1e-12, abs=1e-9)


def test_the_auction_leaves_the_flow_few_units_to_push(monkeypatch):
    """On a contested problem (as many units as places, every participant with 15 pairs) the start keeps most of
    the auction's pairs: far fewer units are pushed than a plain cold start pushes."""
    rng = np.random.default_rng(5)
    n, m = 200, 200
    pairs = np.argwhere(rng.random((n, m)) < 0.075)
    rows, cols = pairs[:, 0], pairs[:, 1]
    w = rng.random(len(rows))
    lcap, rcap = np.full(n, 2), np.full(m, 2)
    pushed = []
    kernel = _flow._ssp
    monkeypatch.setattr(_flow, "_ssp", lambda *a: pushed.append(int(a[15][: a[0]].sum())) or kernel(*a))
    args = ((n, m), rows, cols, w, lcap, rcap)
    started, plain = solve_both(monkeypatch, *args)
    assert len(pushed) == 2
    assert pushed[0] < 0.5 * pushed[1]
    check_flow(*args, started)
    assert w[started[0]].sum() == pytest.approx(w[plain[0]].sum(), rel=1e-12)
    assert w[started[0]].sum() == pytest.approx(lp_optimum(*args), rel=1e-12)


def test_a_cold_solve_counts_the_auction_in_the_work_a_warm_one_is_measured_by():
    shape, rows, cols, w, lcap, rcap = random_problem(9, n_max=30)
    warm = _flow.FlowWarmStart()
    ssp_bmatching(shape, rows, cols, w, lcap, rcap, warm)
    n, m, rows_o, cols_o, w_o, lptr, lidx, lcap_o, rcap_o = oriented(shape, rows, cols, w, lcap, rcap)
    if warm._state["transposed"]:
        n, m, rows_o, cols_o, w_o, lptr, lidx, lcap_o, rcap_o = oriented(shape[::-1], cols, rows, w, rcap, lcap)
    work = auction_flow_start(n, m, rows_o, cols_o, w_o, lptr, lidx, lcap_o, rcap_o)[4]
    assert warm._state["cold_pops"] == warm.work + work // _flow.AUCTION_SCANS_PER_STEP
