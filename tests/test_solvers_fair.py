"""Fair solvers: bottleneck and minimum coverage against brute force; error branches."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.errors import Infeasible, InvalidInput
from matching.solvers import GapCertificate, solve_bottleneck, solve_capacitated, solve_min_coverage, verify_feasible
from matching.solvers import _fair


def feasible_subsets(allowed, lcap, rcap):
    """Every subset of allowed pairs within the capacities: (pairs (p, 2), masks (k, p))."""
    pairs = np.argwhere(allowed)
    p = len(pairs)
    masks = ((np.arange(2**p)[:, None] >> np.arange(p)) & 1).astype(bool)
    n, m = allowed.shape
    ldeg = masks.astype(int) @ (pairs[:, 0][:, None] == np.arange(n)).astype(int)
    rdeg = masks.astype(int) @ (pairs[:, 1][:, None] == np.arange(m)).astype(int)
    ok = (ldeg <= lcap).all(1) & (rdeg <= rcap).all(1)
    return pairs, masks[ok], ldeg[ok], rdeg[ok]


@st.composite
def instances(draw):
    n = draw(st.integers(1, 4))
    m = draw(st.integers(1, 4))
    scores = np.array(draw(st.lists(st.integers(-4, 6), min_size=n * m, max_size=n * m)), dtype=float).reshape(n, m)
    forbidden = np.array(draw(st.lists(st.integers(0, 3), min_size=n * m, max_size=n * m))).reshape(n, m) == 0
    lcap = np.array(draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)))
    rcap = np.array(draw(st.lists(st.integers(0, 2), min_size=m, max_size=m)))
    return scores, forbidden, lcap, rcap


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.booleans(), st.booleans())
def test_bottleneck_matches_brute_force(inst, one_to_one, maximize):
    scores, forbidden, lcap, rcap = inst
    if one_to_one:
        lcap, rcap = np.minimum(lcap, 1), np.minimum(rcap, 1)
    pairs, masks, _, _ = feasible_subsets(~forbidden, lcap, rcap)
    sizes = masks.sum(1)
    k = sizes.max()
    res = solve_bottleneck(scores, left_capacity=lcap, right_capacity=rcap, forbidden=forbidden, maximize=maximize)
    assert res.n_pairs >= k and res.info["max_cardinality"] == k
    assert verify_feasible(res, scores=scores, forbidden=forbidden, left_capacity=lcap, right_capacity=rcap).ok
    if k == 0:
        assert res.n_pairs == 0
        return
    vals = scores[pairs[:, 0], pairs[:, 1]]
    sign = 1 if maximize else -1
    big = masks[sizes >= k]
    worst = np.where(big, sign * vals, np.inf).min(1)
    best_worst = worst.max()
    totals = (big * (sign * vals)).sum(1)
    best_total = totals[worst == best_worst].max()
    assert sign * res.info["bottleneck"] == best_worst
    assert sign * res.objective == pytest.approx(best_total)
    assert isinstance(res.certificate, GapCertificate) and res.certificate.gap >= -1e-9


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.lists(st.integers(0, 1), min_size=8, max_size=8), st.lists(st.integers(0, 5), min_size=16, max_size=16))
def test_bottleneck_with_minimums_and_required_pairs_matches_brute_force(inst, mins, req_flags):
    scores, forbidden, lcap, rcap = inst
    n, m = scores.shape
    lmin = np.minimum(lcap, mins[:n])
    rmin = np.minimum(rcap, mins[4 : 4 + m])
    required = (np.array(req_flags[: n * m]).reshape(n, m) == 0) & ~forbidden
    pairs, masks, ldeg, rdeg = feasible_subsets(~forbidden, lcap, rcap)
    req = required[pairs[:, 0], pairs[:, 1]]
    ok = (ldeg >= lmin).all(1) & (rdeg >= rmin).all(1) & (masks | ~req).all(1)
    kwargs = dict(left_capacity=lcap, right_capacity=rcap, left_min=lmin, right_min=rmin, forbidden=forbidden, required=required)
    if not ok.any():
        with pytest.raises(Infeasible):
            solve_bottleneck(scores, **kwargs)
        return
    masks = masks[ok]
    k = masks.sum(1).max()
    masks = masks[masks.sum(1) >= k]
    vals = scores[pairs[:, 0], pairs[:, 1]]
    levels = np.unique(vals[~req])[::-1] if (~req).any() else np.array([np.inf])
    free_ok = lambda t: (~masks | req | (vals >= t)).all(1)  # noqa: E731 - every free matched pair scores >= t
    best_level = next(t for t in levels if free_ok(t).any()) if any(free_ok(t).any() for t in levels) else levels[-1]
    best_total = (masks[free_ok(best_level)] * vals).sum(1).max()
    res = solve_bottleneck(scores, **kwargs)
    assert verify_feasible(res, scores=scores, **kwargs).ok
    assert res.n_pairs >= k
    assert res.objective == pytest.approx(best_total)


def test_bottleneck_with_fewer_pairs_required():
    scores = np.array([[9.0, 1.0], [1.0, 2.0]])
    res = solve_bottleneck(scores, n_pairs=1)
    # one pair suffices: only (0, 0) scores >= 9, so the total is 9 although 11 would fit without the rule
    assert res.info["bottleneck"] == 9.0 and res.objective == 9.0
    full = solve_bottleneck(scores)
    assert full.info["bottleneck"] == 2.0 and full.objective == 11.0


def test_bottleneck_price_of_fairness_in_certificate():
    scores = np.array([[10.0, 9.0], [9.0, 0.0]])
    res = solve_bottleneck(scores)
    assert res.pairs.tolist() == [[0, 1], [1, 0]]
    unconstrained = solve_capacitated(scores, left_capacity=1, right_capacity=1).objective
    assert res.certificate.upper_bound == unconstrained == 18.0
    assert res.certificate.gap == 0.0


@pytest.mark.parametrize(
    ("n_pairs", "error", "pattern"),
    [
        (3, Infeasible, r"3 pairs are required but the capacities and allowed pairs admit at most 2"),
        (-1, InvalidInput, r"n_pairs: expected a non-negative integer, got -1"),
        (1.5, InvalidInput, r"n_pairs: expected a non-negative integer"),
    ],
)
def test_bottleneck_errors(n_pairs, error, pattern):
    with pytest.raises(error, match=pattern):
        solve_bottleneck(np.ones((2, 2)), n_pairs=n_pairs)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.lists(st.integers(0, 2), min_size=4, max_size=4), st.integers(1, 2), st.sampled_from(["left", "right"]))
def test_min_coverage_matches_brute_force(inst, labels, k, side):
    scores, forbidden, lcap, rcap = inst
    n, m = scores.shape
    size = n if side == "left" else m
    groups = [None if g == 0 else f"g{g}" for g in labels[:size]]
    need = np.array([0 if g is None else k for g in groups])
    pairs, masks, ldeg, rdeg = feasible_subsets(~forbidden, lcap, rcap)
    deg = ldeg if side == "left" else rdeg
    covered = ((deg >= need) & (need > 0)).sum(1)
    totals = masks.astype(float) @ scores[pairs[:, 0], pairs[:, 1]]
    best_cover = covered.max()
    best_total = totals[covered == best_cover].max()
    res = solve_min_coverage(scores, groups=groups, min_partners=k, left_capacity=lcap, right_capacity=rcap,
                             forbidden=forbidden, side=side)
    assert verify_feasible(res, scores=scores, forbidden=forbidden, left_capacity=lcap, right_capacity=rcap).ok
    assert res.info["covered"] == best_cover
    assert res.info["coverage_feasible"] == (best_cover == (need > 0).sum())
    assert res.objective == pytest.approx(best_total)
    got = np.bincount(res.pairs[:, 0 if side == "left" else 1], minlength=size)
    assert sorted(res.info["uncovered"]) == [i for i in range(size) if need[i] > 0 and got[i] < need[i]]


def test_min_coverage_groups_as_mapping_with_per_group_minimums():
    scores = np.array([[5.0, 4.0, 3.0], [1.0, 1.0, 1.0], [0.5, 0.5, 0.5]])
    res = solve_min_coverage(scores, groups={"stage1": [1, 2]}, min_partners={"stage1": 1},
                             left_capacity=3, right_capacity=1)
    assert res.info["coverage_feasible"] and res.info["uncovered"] == []
    got = np.bincount(res.pairs[:, 0], minlength=3)
    assert got[1] >= 1 and got[2] >= 1
    assert res.objective == 5.0 + 1.0 + 0.5
    assert res.certificate.upper_bound == 12.0 and res.certificate.gap == pytest.approx(5.5)


def test_min_coverage_reports_who_could_not_be_covered():
    scores = np.ones((3, 1))
    res = solve_min_coverage(scores, groups=["a", "a", "b"], min_partners={"a": 1, "b": 1}, right_capacity=2)
    assert res.info["covered"] == 2 and len(res.info["uncovered"]) == 1
    assert res.info["uncovered_groups"] in (["a"], ["b"])
    assert res.solver == "min-coverage-milp"


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        (dict(groups=["a"]), r"groups: expected 2 labels \(one per left participant\), got 1"),
        (dict(groups={"a": [0, 5]}), r"group 'a' names left participant 5, but left indices run from 0 to 1"),
        (dict(groups={"a": [0], "b": [0]}), r"left participant 0 is in two groups: 'a' and 'b'"),
        (dict(groups=["a", "b"], min_partners={"a": -1}), r"min_partners: expected a non-negative integer for group 'a', got -1"),
        (dict(groups=["a", "b"], min_partners=1.5), r"min_partners: expected a non-negative integer"),
        (dict(groups=["a", "b"], side="top"), r"side: expected 'left' or 'right', got 'top'"),
        (dict(groups=5), r"groups: expected a label per left participant or a mapping"),
    ],
)
def test_min_coverage_errors(kwargs, pattern):
    with pytest.raises(InvalidInput, match=pattern):
        solve_min_coverage(np.ones((2, 2)), **kwargs)


def test_docstring_examples():
    assert doctest.testmod(_fair, raise_on_error=False).failed == 0
