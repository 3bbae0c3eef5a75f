"""solve_capacitated: brute force on tiny inputs, networkx min-cost flow on random ones, every error branch."""

from __future__ import annotations

import doctest

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.errors import Infeasible, InvalidInput
from matching.solvers import DualCertificate, Status, solve_capacitated, verify_duals, verify_feasible
from matching.solvers import _capacitated


def brute_force(scores, allowed, lcap, rcap, lmin, rmin, required, maximize=True):
    """Best total over every subset of allowed pairs within the bounds (None when none is feasible)."""
    n, m = scores.shape
    pairs = np.argwhere(allowed)
    p = len(pairs)
    masks = ((np.arange(2**p)[:, None] >> np.arange(p)) & 1).astype(bool)
    if required.any():
        req = required[pairs[:, 0], pairs[:, 1]]
        masks = masks[(masks | ~req).all(axis=1)]
    left_inc = np.zeros((p, n), dtype=np.int64)
    left_inc[np.arange(p), pairs[:, 0]] = 1
    right_inc = np.zeros((p, m), dtype=np.int64)
    right_inc[np.arange(p), pairs[:, 1]] = 1
    ldeg = masks.astype(np.int64) @ left_inc
    rdeg = masks.astype(np.int64) @ right_inc
    ok = (ldeg <= lcap).all(1) & (ldeg >= lmin).all(1) & (rdeg <= rcap).all(1) & (rdeg >= rmin).all(1)
    if not ok.any():
        return None
    totals = masks[ok].astype(float) @ scores[pairs[:, 0], pairs[:, 1]]
    return totals.max() if maximize else totals.min()


@st.composite
def instances(draw, with_bounds=True):
    n = draw(st.integers(1, 4))
    m = draw(st.integers(1, 4))
    scores = np.array(draw(st.lists(st.integers(-3, 6), min_size=n * m, max_size=n * m)), dtype=float).reshape(n, m)
    forbidden = np.array(draw(st.lists(st.booleans(), min_size=n * m, max_size=n * m))).reshape(n, m)
    forbidden &= np.array(draw(st.lists(st.booleans(), min_size=n * m, max_size=n * m))).reshape(n, m)  # ~1/4
    lcap = np.array(draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)))
    rcap = np.array(draw(st.lists(st.integers(0, 3), min_size=m, max_size=m)))
    if with_bounds:
        lmin = np.minimum(lcap, draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)))
        rmin = np.minimum(rcap, draw(st.lists(st.integers(0, 2), min_size=m, max_size=m)))
        req_flags = draw(st.lists(st.integers(0, 7), min_size=n * m, max_size=n * m))
        required = (np.array(req_flags).reshape(n, m) == 0) & ~forbidden
    else:
        lmin, rmin = np.zeros(n, int), np.zeros(m, int)
        required = np.zeros((n, m), bool)
    return scores, forbidden, lcap, rcap, lmin, rmin, required


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.booleans())
def test_matches_brute_force_with_bounds_forbidden_and_required(inst, maximize):
    scores, forbidden, lcap, rcap, lmin, rmin, required = inst
    best = brute_force(scores, ~forbidden, lcap, rcap, lmin, rmin, required, maximize)
    kwargs = dict(left_capacity=lcap, right_capacity=rcap, left_min=lmin, right_min=rmin, forbidden=forbidden, required=required)
    if best is None:
        with pytest.raises(Infeasible) as info:
            solve_capacitated(scores, maximize=maximize, **kwargs)
        assert info.value.culprits
        return
    res = solve_capacitated(scores, maximize=maximize, **kwargs)
    assert res.status is Status.OPTIMAL
    assert res.objective == pytest.approx(best, abs=1e-9)
    rules = dict(forbidden=forbidden, left_capacity=lcap, right_capacity=rcap, left_min=lmin, right_min=rmin, required=required)
    assert verify_feasible(res, scores=scores, **rules).ok
    report = verify_duals(res, scores, **rules)
    assert report.ok, report.problems
    assert res.info["dual_bound"] == pytest.approx(res.objective, abs=1e-6)


def test_sparse_scores_allow_only_stored_pairs():
    dense = np.array([[5.0, 0.0, 2.0], [0.0, 4.0, 0.0]])
    stored = sp.csr_array(dense)  # zeros not stored: impossible pairs
    res = solve_capacitated(stored, left_capacity=2, right_capacity=1, left_min=[1, 1])
    allowed = dense != 0
    assert all(allowed[i, j] for i, j in res.pairs)
    assert res.objective == 11.0
    assert verify_duals(res, stored, left_capacity=2, right_capacity=1, left_min=[1, 1]).ok


def nx_optimum(weights, lcap, rcap, lmin, rmin):
    """Max total weight b-matching with bounds via networkx min-cost flow (minimums forced by a big reward)."""
    n, m = weights.shape
    big = 10**6
    g = nx.DiGraph()
    supply = int(lcap.sum())
    g.add_node("s", demand=-supply)
    g.add_node("t", demand=supply)
    g.add_edge("s", "t", capacity=supply, weight=0)
    for i in range(n):
        g.add_edge("s", ("lmin", i), capacity=int(lmin[i]), weight=-big)
        g.add_edge(("lmin", i), ("l", i), capacity=int(lmin[i]), weight=0)
        g.add_edge("s", ("l", i), capacity=int(lcap[i] - lmin[i]), weight=0)
    for j in range(m):
        g.add_edge(("r", j), ("rmin", j), capacity=int(rmin[j]), weight=-big)
        g.add_edge(("rmin", j), "t", capacity=int(rmin[j]), weight=0)
        g.add_edge(("r", j), "t", capacity=int(rcap[j] - rmin[j]), weight=0)
    for i in range(n):
        for j in range(m):
            g.add_edge(("l", i), ("r", j), capacity=1, weight=-int(weights[i, j]))
    cost, flow = nx.network_simplex(g)
    forced = sum(flow["s"][("lmin", i)] for i in range(n)) + sum(flow[("r", j)][("rmin", j)] for j in range(m))
    if forced < lmin.sum() + rmin.sum():
        return None
    return -(cost + big * forced)


@pytest.mark.parametrize("seed", range(100))
def test_agrees_with_networkx_min_cost_flow(seed):
    rng = np.random.default_rng(seed)
    n, m = rng.integers(1, 9, size=2)
    weights = rng.integers(-20, 100, size=(n, m))
    lcap = rng.integers(0, 4, size=n)
    rcap = rng.integers(0, 4, size=m)
    lmin = np.minimum(lcap, rng.integers(0, 2, size=n)) * (seed % 3 == 0)
    rmin = np.minimum(rcap, rng.integers(0, 2, size=m)) * (seed % 3 == 0)
    expected = nx_optimum(weights, lcap, rcap, lmin, rmin)
    kwargs = dict(left_capacity=lcap, right_capacity=rcap, left_min=lmin, right_min=rmin)
    if expected is None:
        with pytest.raises(Infeasible):
            solve_capacitated(weights, **kwargs)
        return
    res = solve_capacitated(weights, **kwargs)
    assert res.solver == ("highs-lp+pricing" if lmin.any() or rmin.any() else "ssp-flow+pricing")
    assert res.objective == pytest.approx(expected)
    assert verify_duals(res, weights, **kwargs).ok


@pytest.mark.parametrize("integer_scores", [False, True])
def test_pricing_on_a_candidate_subset_is_exact(integer_scores):
    rng = np.random.default_rng(7)
    scores = rng.integers(0, 4, size=(300, 90)).astype(float) if integer_scores else rng.random((300, 90))
    kwargs = dict(left_capacity=1, right_capacity=rng.integers(1, 5, size=90))
    res = solve_capacitated(scores, **kwargs)
    assert res.info["lp_variables"] < res.info["n_allowed_pairs"]  # the pricing path ran
    assert res.solver == "ssp-flow+pricing"
    _, bm = _capacitated.prepare(scores, **kwargs)
    full_lp = _capacitated._lp(bm, np.arange(bm.n_pairs), None)  # the other method, on every pair
    assert res.objective == pytest.approx(float(bm.weights[full_lp.chosen].sum()))
    report = verify_duals(res, scores, **kwargs)
    assert report.ok, report.problems
    assert isinstance(res.certificate, DualCertificate)
    assert res.certificate.pairs_checked == 300 * 90
    assert res.certificate.max_violation < 1e-6


def test_flow_out_of_work_budget_hands_over_to_the_lp(monkeypatch):
    from matching.solvers import _flow

    monkeypatch.setattr(_flow, "WORK_PER_ELEMENT", 0)
    monkeypatch.setattr(_flow, "WORK_FLOOR", 0)
    monkeypatch.setattr(_flow, "COLD_AUCTION", False)  # the auction might leave the kernel nothing to search
    rng = np.random.default_rng(11)
    scores = rng.random((12, 9))
    res = solve_capacitated(scores, left_capacity=2, right_capacity=3)
    assert res.solver == "highs-lp+pricing"
    monkeypatch.undo()
    again = solve_capacitated(scores, left_capacity=2, right_capacity=3)
    assert again.solver == "ssp-flow+pricing"
    assert res.objective == pytest.approx(again.objective)
    assert verify_duals(res, scores, left_capacity=2, right_capacity=3).ok


@pytest.mark.parametrize("seed", range(10))
def test_flow_pushes_from_the_side_with_fewer_places(seed):
    # more left places than right places: the flow runs transposed; both orientations agree with the LP
    rng = np.random.default_rng(seed)
    scores = rng.integers(0, 6, size=(15, 6)).astype(float)
    for lcap, rcap in ((3, 2), (1, 4)):
        res = solve_capacitated(scores, left_capacity=lcap, right_capacity=rcap)
        _, bm = _capacitated.prepare(scores, left_capacity=lcap, right_capacity=rcap)
        lp = _capacitated._lp(bm, np.arange(bm.n_pairs), None)
        assert res.objective == pytest.approx(float(bm.weights[lp.chosen].sum()))
        assert verify_duals(res, scores, left_capacity=lcap, right_capacity=rcap).ok


def test_negative_pairs_only_when_a_minimum_needs_them():
    scores = np.array([[-1.0, -5.0], [2.0, 0.0]])
    free = solve_capacitated(scores, left_capacity=2, right_capacity=2)
    assert free.pairs.tolist() == [[1, 0]]  # the zero pair is dropped, negatives unused
    forced = solve_capacitated(scores, left_capacity=2, right_capacity=2, left_min=[1, 0])
    assert forced.pairs.tolist() == [[0, 0], [1, 0]]
    assert forced.objective == 1.0


def test_required_pair_is_kept_even_when_it_costs():
    scores = np.array([[5.0, -2.0], [1.0, 1.0]])
    res = solve_capacitated(scores, left_capacity=1, right_capacity=1, required=[(0, 1)])
    assert [0, 1] in res.pairs.tolist()
    assert res.objective == -1.0
    assert verify_duals(res, scores, required=[(0, 1)]).ok


def test_minimize_uses_only_cost_reducing_pairs_unless_forced():
    costs = np.array([[3.0, -1.0], [2.0, 4.0]])
    res = solve_capacitated(costs, left_capacity=1, right_capacity=1, maximize=False)
    assert res.pairs.tolist() == [[0, 1]]
    res = solve_capacitated(costs, left_capacity=1, right_capacity=1, left_min=1, maximize=False)
    assert res.objective == 1.0
    assert verify_duals(res, costs, left_min=1).ok


def test_unlimited_capacity():
    scores = np.ones((3, 2))
    res = solve_capacitated(scores, left_capacity=float("inf"), right_capacity=np.inf)
    assert res.n_pairs == 6


@pytest.mark.parametrize("shape", [(0, 0), (2, 0), (0, 3)])
def test_degenerate_shapes(shape):
    res = solve_capacitated(np.zeros(shape), left_capacity=1, right_capacity=1)
    assert res.n_pairs == 0 and res.objective == 0.0 and res.shape == shape
    assert verify_duals(res, np.zeros(shape)).ok


# ---- infeasible problems: the message names the conflict --------------------------------------


def test_infeasible_participant_with_too_few_allowed_partners():
    scores = np.ones((4, 3))
    forbidden = [(3, 0), (3, 1)]
    with pytest.raises(Infeasible, match=r"^left participant 3 needs at least 2 partners but only 1 allowed partner exists$") as info:
        solve_capacitated(scores, left_capacity=2, right_capacity=5, left_min=[0, 0, 0, 2], forbidden=forbidden)
    assert info.value.culprits == ("left participant 3",)


def test_infeasible_partner_without_capacity_is_named():
    # right 1 may meet left 0 (no capacity) and left 1, not left 2
    with pytest.raises(Infeasible, match=r"^right participant 1 needs at least 2 partners but only 1 allowed partner exists with capacity above 0$"):
        solve_capacitated(np.ones((3, 2)), left_capacity=[0, 1, 1], right_capacity=2, right_min=[0, 2], forbidden=[(2, 1)])


def test_infeasible_sum_of_minimums():
    scores = np.ones((6, 2))
    with pytest.raises(Infeasible, match=r"sum of left minimums \(6\) exceeds sum of right capacities \(4\)"):
        solve_capacitated(scores, left_capacity=1, right_capacity=2, left_min=1)
    with pytest.raises(Infeasible, match=r"sum of right minimums \(6\) exceeds sum of left capacities \(2\)"):
        solve_capacitated(scores.T, left_capacity=1, right_capacity=1, right_min=1)


def test_infeasible_hall_group_found_by_min_cut():
    # left 0..2 each need a partner but may only meet right 0 (capacity 2); right 1 is free for left 3
    allowed = np.zeros((4, 2), dtype=bool)
    allowed[:3, 0] = True
    allowed[3, :] = True
    with pytest.raises(Infeasible) as info:
        solve_capacitated(np.ones((4, 2)), left_capacity=1, right_capacity=2, left_min=[1, 1, 1, 0], forbidden=~allowed)
    msg = str(info.value)
    assert msg == (
        "left participants 0, 1, 2 need at least 3 partners in total, but their only allowed partners, "
        "right participant 0, can take at most 2 in total"
    )
    assert set(info.value.culprits) == {"left participant 0", "left participant 1", "left participant 2", "right participant 0"}


def test_infeasible_hall_group_with_other_pairs_counted():
    # left 0, 1 need 2 partners each; right 0 (capacity 1) and right 1, 2 (one pair each with left 0)
    allowed = np.array([[1, 1, 0], [1, 0, 1]], dtype=bool)
    with pytest.raises(Infeasible, match=r"left participants 0, 1 need at least 4 partners in total, but at most 3 are possible"):
        solve_capacitated(np.ones((2, 3)), left_capacity=2, right_capacity=[1, 3, 3], left_min=2, forbidden=~allowed)


def test_infeasible_right_side_hall_group_after_required_pairs():
    # right 0 and 1 need 2 partners each; left 2 may only meet right 0 (a required pair)
    forbidden = [(2, 1)]
    with pytest.raises(Infeasible) as info:
        solve_capacitated(np.ones((3, 2)), left_capacity=[1, 1, 2], right_capacity=3, right_min=2,
                          required=[(2, 0)], forbidden=forbidden)
    assert str(info.value) == (
        "right participants 0, 1 need at least 3 partners in total (beyond their required pairs), but their only "
        "allowed partners, left participants 0, 1, can take at most 2 in total"
    )
    assert "left participant 2" not in info.value.culprits


def test_infeasible_too_many_required_pairs():
    with pytest.raises(Infeasible, match=r"left participant 0 has 2 required partners but capacity 1"):
        solve_capacitated(np.ones((1, 2)), left_capacity=1, right_capacity=1, required=[(0, 0), (0, 1)])


# ---- invalid input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        (dict(left_capacity=[1, 2]), r"left_capacity: expected a scalar or an array of shape \(3,\), got an array of shape \(2,\)"),
        (dict(right_capacity=[[1, 2]]), r"right_capacity: expected a scalar or an array of shape \(2,\)"),
        (dict(left_capacity=[1, -1, 1]), r"left_capacity\[1\] is -1; expected a non-negative integer"),
        (dict(left_capacity=1.5), r"left_capacity\[0\] is 1.5; expected a whole number"),
        (dict(left_capacity="two"), r"left_capacity: expected a non-negative integer .* got a string"),
        (dict(left_capacity=[True, False, True]), r"got dtype bool"),
        (dict(left_min=[2, 0, 0]), r"left_min\[0\] = 2 exceeds left_capacity\[0\] = 1"),
        (dict(right_min=np.inf), r"right_min contains inf"),
        (dict(right_min=[np.nan, 0]), r"right_min\[0\] is NaN"),
        (dict(required=[(0, 1)], forbidden=[(0, 1)]), r"required pair \(0, 1\) is forbidden"),
        (dict(required=[(3, 0)]), r"required: pair \(3, 0\) is out of range for scores of shape \(3, 2\)"),
        (dict(required=[(0, 0.5)]), r"expected integer \(left, right\) index pairs"),
        (dict(required=np.ones((2, 2), bool)), r"expected a boolean mask of shape \(3, 2\)"),
        (dict(required=[(0, 1, 2)]), r"expected an iterable of \(left, right\) pairs, got an array of shape \(1, 3\)"),
    ],
)
def test_invalid_input(kwargs, pattern):
    args = dict(left_capacity=1, right_capacity=2)
    args.update(kwargs)
    with pytest.raises(InvalidInput, match=pattern):
        solve_capacitated(np.ones((3, 2)), **args)


def test_required_pair_missing_from_sparse_scores():
    with pytest.raises(InvalidInput, match=r"required pair \(1, 0\) is not an allowed pair"):
        solve_capacitated(sp.csr_array(np.eye(2)), left_capacity=1, right_capacity=1, required=[(1, 0)])


def test_nan_scores_rejected():
    with pytest.raises(InvalidInput, match=r"NaN at \(0, 1\)"):
        solve_capacitated([[1.0, np.nan]], left_capacity=1, right_capacity=1)


def test_docstring_examples():
    assert doctest.testmod(_capacitated, raise_on_error=False).failed == 0
