"""One-to-one assignment: brute force, scipy and networkx agreement, certificates, errors."""

from __future__ import annotations

import re

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from matching.errors import Infeasible, InvalidInput
from matching.solvers import DualCertificate, MatchResult, Status, solve_assignment
from matching.solvers._assignment import Violations, _solve_sparse_with_duals, _solve_with_pricing
from matching.solvers._input import as_scores

TOL = 1e-7


# -- independent checkers -------------------------------------------------------------------------


def brute_force(scores: np.ndarray, allowed: np.ndarray, maximize: bool, complete: bool) -> float | None:
    """Best total over every matching (every complete one when ``complete``); None if there is none."""
    n, m = scores.shape
    need = min(n, m) if complete else 0
    sign = 1.0 if maximize else -1.0
    best = None

    def walk(i: int, used: int, total: float, size: int) -> None:
        nonlocal best
        if size + (n - i) < need:
            return
        if i == n:
            if best is None or sign * total > sign * best + 1e-12:
                best = total
            return
        walk(i + 1, used, total, size)
        for j in range(m):
            if not used >> j & 1 and allowed[i, j]:
                walk(i + 1, used | 1 << j, total + scores[i, j], size + 1)

    walk(0, 0, 0.0, 0)
    return best


def assert_valid_matching(res: MatchResult, allowed: np.ndarray) -> None:
    pairs = res.pairs
    assert pairs.dtype == np.int64 and pairs.shape[1] == 2
    assert len(set(pairs[:, 0].tolist())) == len(pairs), "a left participant is matched twice"
    assert len(set(pairs[:, 1].tolist())) == len(pairs), "a right participant is matched twice"
    for i, j in pairs.tolist():
        assert allowed[i, j], f"pair ({i}, {j}) is not allowed"


def assert_certificate(scores: np.ndarray, allowed: np.ndarray, res: MatchResult, complete: bool) -> None:
    """Check the dual potentials with plain numpy: they prove the matching optimal."""
    cert = res.certificate
    assert isinstance(cert, DualCertificate)
    n, m = scores.shape
    left, right = cert.left_potential, cert.right_potential
    assert left.shape == (n,) and right.shape == (m,)
    scale = max(1.0, float(np.max(np.abs(scores), initial=0.0)))
    tol = TOL * scale
    sign = 1.0 if res.maximize else -1.0
    slack = sign * (left[:, None] + right[None, :] - scores)  # >= 0 on allowed pairs
    assert np.all(slack[allowed] >= -tol), "dual infeasible"
    p = res.pairs
    assert np.all(np.abs(slack[p[:, 0], p[:, 1]]) <= tol), "complementary slackness broken on a matched pair"
    optional_left = not complete or n > m
    optional_right = not complete or m > n
    for pot, optional, matched in ((left, optional_left, p[:, 0]), (right, optional_right, p[:, 1])):
        if optional:
            assert np.all(sign * pot >= -tol), "potential of an optional participant has the wrong sign"
            free = np.setdiff1d(np.arange(len(pot)), matched)
            assert np.all(np.abs(pot[free]) <= tol), "unmatched optional participant with a nonzero potential"
    # strong duality: the dual bound equals the objective
    assert abs(left.sum() + right.sum() - res.objective) <= tol * (n + m + 1)
    assert cert.max_violation <= tol


def objective_of(scores: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> float:
    return float(scores[rows, cols].sum())


# -- tiny inputs against brute force --------------------------------------------------------------


@st.composite
def tiny_problems(draw):
    n = draw(st.integers(0, 5))
    m = draw(st.integers(0, 5))
    kind = draw(st.sampled_from(["int", "float", "positive", "equal"]))
    if kind == "int":
        values = draw(st.lists(st.integers(-3, 3), min_size=n * m, max_size=n * m))
        scores = np.array(values, dtype=float).reshape(n, m)
    elif kind == "float":
        values = draw(st.lists(st.floats(-10, 10, allow_nan=False, allow_subnormal=False), min_size=n * m, max_size=n * m))
        scores = np.array(values, dtype=float).reshape(n, m)
    elif kind == "positive":
        values = draw(st.lists(st.integers(1, 9), min_size=n * m, max_size=n * m))
        scores = np.array(values, dtype=float).reshape(n, m)
    else:
        scores = np.full((n, m), float(draw(st.integers(-2, 2))))
    forbidden = np.array(draw(st.lists(st.booleans(), min_size=n * m, max_size=n * m)), dtype=bool).reshape(n, m)
    if draw(st.booleans()):
        forbidden[:] = False
    return scores, forbidden, draw(st.booleans()), draw(st.booleans()), draw(st.booleans())


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_problems())
def test_matches_brute_force_on_tiny_inputs(problem):
    scores, forbidden, maximize, complete, as_sparse = problem
    allowed = ~forbidden
    expected = brute_force(scores, allowed, maximize, complete)
    if as_sparse:
        rows, cols = np.nonzero(allowed)
        arg = sp.csr_array((scores[rows, cols], (rows, cols)), shape=scores.shape)  # keeps stored zeros
        kwargs = {}
    else:
        arg, kwargs = scores, {"forbidden": forbidden}
    if expected is None:
        with pytest.raises(Infeasible, match="cannot be matched"):
            solve_assignment(arg, maximize=maximize, require_complete=complete, **kwargs)
        return
    res = solve_assignment(arg, maximize=maximize, require_complete=complete, **kwargs)
    assert res.status is Status.OPTIMAL
    assert res.objective == pytest.approx(expected, abs=1e-9)
    assert_valid_matching(res, allowed)
    if complete:
        assert res.n_pairs == min(scores.shape)
    assert_certificate(scores, allowed, res, complete)


# -- agreement with scipy on seeded random instances -----------------------------------------------


def random_scores(rng: np.random.Generator, kind: str, n: int, m: int) -> np.ndarray:
    if kind == "uniform":
        return rng.random((n, m))
    if kind == "ties":
        return rng.integers(0, 4, size=(n, m)).astype(float)
    if kind == "cosine":
        left = rng.normal(size=(n, 4))
        right = rng.normal(size=(m, 4))
        left /= np.linalg.norm(left, axis=1, keepdims=True)
        right /= np.linalg.norm(right, axis=1, keepdims=True)
        return left @ right.T
    if kind == "signed":
        return rng.normal(size=(n, m))
    raise AssertionError(kind)


SCIPY_CASES = [
    (seed, kind, shape, maximize)
    for seed, (kind, shape, maximize) in enumerate(
        (kind, shape, maximize)
        for kind in ("uniform", "ties", "cosine", "signed")
        for shape in ((1, 1), (7, 7), (30, 30), (45, 45), (12, 40), (40, 12), (80, 80), (3, 60), (60, 3))
        for maximize in (True, False)
        for _ in range(3)
    )
]


@pytest.mark.parametrize(("seed", "kind", "shape", "maximize"), SCIPY_CASES)
def test_complete_agrees_with_scipy_linear_sum_assignment(seed, kind, shape, maximize):
    rng = np.random.default_rng(seed)
    scores = random_scores(rng, kind, *shape)
    res = solve_assignment(scores, maximize=maximize, require_complete=True)
    rows, cols = linear_sum_assignment(scores, maximize=maximize)
    assert res.objective == pytest.approx(objective_of(scores, rows, cols), rel=1e-12, abs=1e-9)
    assert res.n_pairs == min(shape)
    allowed = np.ones(shape, dtype=bool)
    assert_valid_matching(res, allowed)
    assert_certificate(scores, allowed, res, complete=True)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("shape", [(50, 50), (20, 70), (70, 20)])
def test_optional_matching_on_positive_scores_is_complete(seed, shape):
    # with positive scores a best matching covers the smaller side, so scipy's optimum is ours
    scores = np.random.default_rng(seed).random(shape) + 0.01
    res = solve_assignment(scores)
    rows, cols = linear_sum_assignment(scores, maximize=True)
    assert res.objective == pytest.approx(objective_of(scores, rows, cols), rel=1e-12)
    assert_certificate(scores, np.ones(shape, dtype=bool), res, complete=False)


@pytest.mark.parametrize("seed", range(12))
def test_optional_matching_agrees_with_networkx(seed):
    rng = np.random.default_rng(100 + seed)
    n, m = rng.integers(5, 25, size=2)
    scores = rng.normal(size=(n, m)).round(2)
    forbidden = rng.random((n, m)) < 0.3
    res = solve_assignment(scores, forbidden=forbidden)
    graph = nx.Graph()
    for i, j in zip(*np.nonzero(~forbidden & (scores > 0))):
        graph.add_edge(("L", int(i)), ("R", int(j)), weight=float(scores[i, j]))
    best = nx.max_weight_matching(graph)
    expected = sum(graph.edges[a, b]["weight"] for a, b in best)
    assert res.objective == pytest.approx(expected, abs=1e-9)
    assert_valid_matching(res, ~forbidden)
    assert_certificate(scores, ~forbidden, res, complete=False)


@pytest.mark.parametrize("seed", range(12))
def test_minimum_cost_agrees_with_networkx_min_cost_flow(seed):
    rng = np.random.default_rng(200 + seed)
    n, m = rng.integers(3, 15, size=2)
    costs = rng.integers(1, 20, size=(n, m))
    forbidden = rng.random((n, m)) < 0.2
    forbidden[np.arange(min(n, m)), np.arange(min(n, m))] = False  # a complete matching exists
    k = min(n, m)
    graph = nx.DiGraph()
    graph.add_node("s", demand=-k)
    graph.add_node("t", demand=k)
    for i in range(n):
        graph.add_edge("s", ("L", i), capacity=1, weight=0)
    for j in range(m):
        graph.add_edge(("R", j), "t", capacity=1, weight=0)
    for i, j in zip(*np.nonzero(~forbidden)):
        graph.add_edge(("L", int(i)), ("R", int(j)), capacity=1, weight=int(costs[i, j]))
    expected = nx.min_cost_flow_cost(graph)
    res = solve_assignment(costs, maximize=False, forbidden=forbidden, require_complete=True)
    assert res.objective == pytest.approx(expected)
    assert_certificate(costs.astype(float), ~forbidden, res, complete=True)


@pytest.mark.parametrize("seed", range(15))
@pytest.mark.parametrize("shape", [(40, 40), (25, 60), (60, 25)])
def test_sparse_input_agrees_with_min_weight_full_bipartite_matching(seed, shape):
    rng = np.random.default_rng(300 + seed)
    n, m = shape
    mask = rng.random(shape) < 0.15
    k = min(n, m)
    mask[np.arange(k), rng.permutation(max(n, m))[:k] if n <= m else np.arange(k)] = True  # feasible
    rows, cols = np.nonzero(mask)
    weights = rng.integers(1, 50, size=len(rows)).astype(float)
    graph = sp.csr_array((weights, (rows, cols)), shape=shape)
    r, c = min_weight_full_bipartite_matching(graph)
    expected = float(graph.toarray()[r, c].sum())
    res = solve_assignment(graph, maximize=False, require_complete=True)
    assert res.objective == pytest.approx(expected)
    dense = graph.toarray()
    assert_valid_matching(res, mask)
    assert_certificate(dense, mask, res, complete=True)


@pytest.mark.parametrize("seed", range(24))
def test_forbidden_pairs_agree_with_scipy_infinite_costs(seed):
    rng = np.random.default_rng(400 + seed)
    n, m = rng.integers(20, 70, size=2)
    scores = random_scores(rng, ["uniform", "ties", "cosine", "signed"][seed % 4], n, m)
    forbidden = rng.random((n, m)) < [0.3, 0.6, 0.9, 0.97][seed // 6]
    costs = np.where(forbidden, -np.inf, scores)
    try:
        rows, cols = linear_sum_assignment(costs, maximize=True)
    except ValueError:  # scipy: "cost matrix is infeasible"
        with pytest.raises(Infeasible, match="cannot be matched"):
            solve_assignment(scores, forbidden=forbidden, require_complete=True)
        return
    res = solve_assignment(scores, forbidden=forbidden, require_complete=True)
    assert res.objective == pytest.approx(objective_of(scores, rows, cols), rel=1e-12, abs=1e-9)
    assert_valid_matching(res, ~forbidden)
    assert_certificate(scores, ~forbidden, res, complete=True)


def test_sparse_and_dense_with_forbidden_give_the_same_optimum():
    rng = np.random.default_rng(7)
    scores = rng.normal(size=(30, 35))
    forbidden = rng.random(scores.shape) < 0.5
    rows, cols = np.nonzero(~forbidden)
    sparse = sp.coo_array((scores[rows, cols], (rows, cols)), shape=scores.shape)
    for complete in (False, True):
        a = solve_assignment(scores, forbidden=forbidden, require_complete=complete)
        b = solve_assignment(sparse, require_complete=complete)
        assert a.objective == pytest.approx(b.objective)


# -- pricing ---------------------------------------------------------------------------------------


def test_pricing_adds_pairs_the_pruned_problem_missed():
    # product scores: every row prefers the same best columns and every column the same best rows,
    # so the top-k candidates hold almost none of the optimal (sorted) pairs
    n = 60
    a = np.linspace(1.0, 2.0, n)
    b = np.linspace(1.0, 3.0, n)
    perm = np.random.default_rng(0).permutation(n)
    scores = np.outer(a, b[perm])
    res = solve_assignment(scores, require_complete=True)
    rows, cols = linear_sum_assignment(scores, maximize=True)
    assert res.objective == pytest.approx(objective_of(scores, rows, cols), rel=1e-12)
    assert res.certificate.pricing_rounds >= 2
    assert res.info["candidates"] > 12 * n  # pairs were added beyond the initial candidates
    assert_certificate(scores, np.ones((n, n), dtype=bool), res, complete=True)


def optional_optimum_via_scipy(scores: np.ndarray) -> float:
    """Best matching of any size, as a complete assignment with an "unmatched" option per participant."""
    n, m = scores.shape
    big = np.full((n + m, m + n), -np.inf)
    big[:n, :m] = scores
    big[:n, m:][np.arange(n), np.arange(n)] = 0.0  # left i stays unmatched
    big[n:, :m][np.arange(m), np.arange(m)] = 0.0  # right j stays unmatched
    big[n:, m:] = 0.0
    rows, cols = linear_sum_assignment(big, maximize=True)
    return float(big[rows, cols].sum())


@pytest.mark.parametrize("complete", [False, True])
@pytest.mark.parametrize("shape", [(300, 300), (200, 320), (320, 200)])
def test_rank_one_scores_fall_back_to_the_dense_solver(shape, complete):
    # everyone wants the same partners: the optimum (sorted pairs) is far from every top-k,
    # the pruned problem keeps growing and the solver switches to the full matrix
    n, m = shape
    rng = np.random.default_rng(n + m)
    scores = np.outer(rng.random(n) + 0.5, rng.random(m) + 0.5) - (0.0 if complete else 1.0)
    res = solve_assignment(scores, require_complete=complete)
    if complete:
        rows, cols = linear_sum_assignment(scores, maximize=True)
        expected = objective_of(scores, rows, cols)
    else:
        expected = optional_optimum_via_scipy(scores)
    assert res.solver in {"dense-jv", "sparse-jv+pricing"}
    assert res.objective == pytest.approx(expected, rel=1e-12)
    assert_certificate(scores, np.ones(shape, dtype=bool), res, complete)


def test_optional_matching_agrees_with_the_scipy_reduction():
    rng = np.random.default_rng(9)
    for _ in range(10):
        scores = rng.normal(size=tuple(rng.integers(20, 90, size=2)))
        assert solve_assignment(scores).objective == pytest.approx(optional_optimum_via_scipy(scores))


@pytest.mark.parametrize("shape", [(150, 150), (40, 90), (90, 40)])
@pytest.mark.parametrize("complete", [False, True])
def test_degenerate_all_equal_scores_terminate_exactly(shape, complete):
    scores = np.full(shape, 0.5)
    res = solve_assignment(scores, require_complete=complete)
    assert res.n_pairs == min(shape)
    assert res.objective == pytest.approx(0.5 * min(shape))
    assert_certificate(scores, np.ones(shape, dtype=bool), res, complete)


def test_all_zero_scores_and_optional_participants():
    res = solve_assignment(np.zeros((20, 20)))
    assert res.objective == 0.0
    assert_certificate(np.zeros((20, 20)), np.ones((20, 20), dtype=bool), res, complete=False)


def test_negative_scores_are_never_forced_unless_complete():
    scores = np.array([[4.0, -1.0], [-2.0, -3.0]])
    optional = solve_assignment(scores)
    assert optional.pairs.tolist() == [[0, 0]] and optional.objective == 4.0
    complete = solve_assignment(scores, require_complete=True)
    assert complete.n_pairs == 2 and complete.objective == 1.0


def test_minimize_with_optional_participants_takes_only_negative_costs():
    costs = np.array([[3.0, -1.0, 2.0], [1.0, 4.0, -2.5]])
    res = solve_assignment(costs, maximize=False)
    assert res.pairs.tolist() == [[0, 1], [1, 2]]
    assert res.objective == -3.5
    assert solve_assignment(np.ones((3, 3)), maximize=False).n_pairs == 0


def test_forbidden_as_pairs_equals_forbidden_as_mask():
    rng = np.random.default_rng(3)
    scores = rng.random((12, 9))
    mask = rng.random(scores.shape) < 0.4
    pairs = [tuple(p) for p in np.argwhere(mask).tolist()]
    a = solve_assignment(scores, forbidden=mask)
    b = solve_assignment(scores, forbidden=pairs)
    assert a.pairs.tolist() == b.pairs.tolist()
    assert not any(mask[i, j] for i, j in a.pairs.tolist())


def test_result_fields():
    scores = np.array([[1.0, 5.0], [4.0, 2.0], [0.5, 0.5]])
    res = solve_assignment(scores)
    assert res.pairs.tolist() == [[0, 1], [1, 0]]
    assert res.objective == 9.0
    assert res.shape == (3, 2) and res.maximize is True
    assert res.solver == "sparse-jv+pricing"
    assert res.wall_time >= 0.0
    assert res.certificate.pairs_checked == 6
    assert res.certificate.pricing_rounds >= 1


def test_time_limit_returns_a_valid_matching_with_status():
    scores = np.random.default_rng(0).random((300, 300))
    res = solve_assignment(scores, time_limit=0.0)
    assert res.status is Status.TIME_LIMIT
    assert_valid_matching(res, np.ones(scores.shape, dtype=bool))
    assert res.objective == pytest.approx(objective_of(scores, res.pairs[:, 0], res.pairs[:, 1]))


@pytest.mark.parametrize("shape", [(0, 0), (2, 0), (0, 3)])
@pytest.mark.parametrize("complete", [False, True])
@pytest.mark.parametrize("sparse", [False, True])
def test_empty_shapes(shape, complete, sparse):
    scores = sp.csr_array(shape) if sparse else np.zeros(shape)
    res = solve_assignment(scores, require_complete=complete)
    assert res.pairs.shape == (0, 2)
    assert res.objective == 0.0
    assert res.status is Status.OPTIMAL
    assert res.certificate.left_potential.shape == (shape[0],)
    assert res.certificate.right_potential.shape == (shape[1],)


# -- lower-level entry points ----------------------------------------------------------------------


def test_solve_sparse_with_duals_on_given_pairs():
    rng = np.random.default_rng(11)
    n, m = 25, 30
    mask = rng.random((n, m)) < 0.3
    rows, cols = np.nonzero(mask)
    vals = rng.normal(size=len(rows))
    pairs, left, right = _solve_sparse_with_duals(rows, cols, vals, (n, m), maximize=True)
    dense = np.zeros((n, m))
    dense[rows, cols] = vals
    res = solve_assignment(sp.csr_array((vals, (rows, cols)), shape=(n, m)))
    assert float(dense[pairs[:, 0], pairs[:, 1]].sum()) == pytest.approx(res.objective)
    slack = left[:, None] + right[None, :] - dense
    assert np.all(slack[mask] >= -TOL)
    assert np.all(np.abs(slack[pairs[:, 0], pairs[:, 1]]) <= TOL)


def test_solve_with_pricing_on_a_factor_product():
    # the scores are never materialized by the solver: the pricer computes blocks of X @ Y.T
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(70, 3)), rng.normal(size=(80, 3))
    full = x @ y.T
    calls = []

    def price(left, right, tol, *_ignored):
        calls.append(1)
        block = x @ y.T - left[:, None] - right[None, :]
        i, j = np.nonzero(block > tol)
        return Violations(i, j, full[i, j], float(max(block.max(), 0.0)), block.size)

    start_r = np.repeat(np.arange(70), 2)
    start_c = np.argsort(-full, axis=1)[:, :2].ravel()
    pairs, left, right, info = _solve_with_pricing(
        (70, 80), start_r, start_c, full[start_r, start_c], price, maximize=True, require_complete=True
    )
    r, c = linear_sum_assignment(full, maximize=True)
    assert float(full[pairs[:, 0], pairs[:, 1]].sum()) == pytest.approx(objective_of(full, r, c))
    assert info["pricing_rounds"] == len(calls) >= 2


# -- errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "kwargs", "message"),
    [
        ([1.0, 2.0], {}, r"expected a matrix \(2-D array\), got a 1-D array"),
        (np.zeros((2, 2, 2)), {}, r"expected a matrix \(2-D array\), got a 3-D array"),
        (5.0, {}, r"expected a matrix \(2-D array\), got a 0-D array"),
        ([[1.0, np.nan], [0.0, 1.0]], {}, r"scores contains NaN at \(0, 1\)"),
        ([[1.0, 2.0], [np.inf, 1.0]], {}, r"scores contains inf at \(1, 0\).*forbidden"),
        ([[1.0, 2.0], [-np.inf, 1.0]], {}, r"scores contains -inf at \(1, 0\)"),
        ([["a", "b"]], {}, r"expected numeric scores, got dtype <U1"),
        ("scores", {}, r"expected a matrix \(2-D array\), got a string"),
        ([[1.0, 2.0]], {"forbidden": np.zeros((2, 2), dtype=bool)}, r"boolean mask of shape \(1, 2\).*got a boolean mask of shape \(2, 2\)"),
        ([[1.0, 2.0]], {"forbidden": [(0, 5)]}, r"pair \(0, 5\) is out of range for scores of shape \(1, 2\)"),
        ([[1.0, 2.0]], {"forbidden": [(-1, 0)]}, r"pair \(-1, 0\) is out of range"),
        ([[1.0, 2.0]], {"forbidden": [(0, 1, 2)]}, r"iterable of \(left, right\) pairs, got an array of shape \(1, 3\)"),
        ([[1.0, 2.0]], {"forbidden": [(0.5, 1)]}, r"expected integer \(left, right\) index pairs"),
        ([[1.0, 2.0]], {"forbidden": 3}, r"expected a boolean mask or an iterable"),
    ],
)
def test_invalid_input_errors(scores, kwargs, message):
    with pytest.raises(InvalidInput, match=message):
        solve_assignment(scores, **kwargs)


def test_nan_in_a_large_dense_matrix_is_found_in_the_candidate_pass():
    scores = np.random.default_rng(0).random((200, 300))
    scores[123, 45] = np.nan
    with pytest.raises(InvalidInput, match=r"scores contains NaN at \(123, 45\)"):
        solve_assignment(scores)


def test_nan_in_a_sparse_matrix_names_its_position():
    a = sp.csr_array((np.array([1.0, np.nan]), (np.array([0, 2]), np.array([1, 0]))), shape=(3, 3))
    with pytest.raises(InvalidInput, match=r"scores contains NaN at \(2, 0\)"):
        solve_assignment(a)


def test_participant_without_allowed_partner_is_named():
    scores = np.ones((3, 3))
    forbidden = [(1, 0), (1, 1), (1, 2)]
    with pytest.raises(Infeasible, match=r"left participant\(s\) \[1\] cannot be matched: they have no allowed partner") as info:
        solve_assignment(scores, forbidden=forbidden, require_complete=True)
    assert info.value.culprits == ("left 1",)
    # without require_complete the others are matched and left 1 stays alone
    assert solve_assignment(scores, forbidden=forbidden).n_pairs == 2


def test_hall_violation_names_the_participants_who_compete_for_too_few_partners():
    # left 0 and left 2 may only meet right 1
    forbidden = np.zeros((3, 4), dtype=bool)
    forbidden[[0, 2]] = True
    forbidden[[0, 2], 1] = False
    with pytest.raises(Infeasible, match=r"cannot be matched") as info:
        solve_assignment(np.ones((3, 4)), forbidden=forbidden, require_complete=True)
    err = info.value
    assert err.side == "left"
    assert set(err.culprits) == {"left 0", "left 2"}
    assert err.partners.tolist() == [1]
    assert re.search(r"have only 1 allowed right partner\(s\) \[1\]", str(err))


def test_infeasible_on_the_right_side_when_it_is_smaller():
    scores = sp.csr_array((np.ones(3), (np.array([0, 1, 2]), np.array([0, 0, 0]))), shape=(4, 2))
    with pytest.raises(Infeasible, match=r"right participant\(s\) \[1\] cannot be matched: they have no allowed partner") as info:
        solve_assignment(scores, require_complete=True)
    assert info.value.culprits == ("right 1",)


def test_as_scores_documents_its_fields():
    data = as_scores(sp.csr_array(np.array([[0.0, 2.0], [3.0, 0.0]])), forbidden=[(1, 0), (0, 0)])
    assert data.shape == (2, 2) and data.is_sparse
    assert data.forbidden_pairs.tolist() == [[1, 0]]  # (0, 0) was not stored: nothing to forbid
    assert data.sparse.nnz == 1
    left, right = data.allowed_counts()
    assert left.tolist() == [1, 0] and right.tolist() == [0, 1]
    assert data.total([[0, 1]]) == 2.0


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("maximize", [False, True])
def test_sparse_square_float_scores_take_the_auction_start_and_stay_exact(seed, maximize):
    # Square, complete, real-valued (almost no ties): the auction warm start runs.
    rng = np.random.default_rng(900 + seed)
    n, k = int(rng.integers(50, 400)), int(rng.integers(3, 12))
    rows = np.repeat(np.arange(n), k)
    cols = np.concatenate([rng.choice(n, size=k, replace=False) for _ in range(n)])
    cols[::k] = rng.permutation(n)  # a perfect matching exists
    keys = np.unique(rows * n + cols)
    rows, cols = keys // n, keys % n
    weights = rng.random(len(rows)) * 100 + 1
    graph = sp.csr_array((weights, (rows, cols)), shape=(n, n))
    r, c = min_weight_full_bipartite_matching(graph, maximize=maximize)
    expected = float(graph.toarray()[r, c].sum())
    res = solve_assignment(graph, maximize=maximize, require_complete=True)
    assert res.objective == pytest.approx(expected, rel=1e-12)
    mask = graph.toarray() != 0
    assert_valid_matching(res, mask)
    assert_certificate(graph.toarray(), mask, res, complete=True)


def test_sparse_square_float_scores_without_a_perfect_matching_is_infeasible():
    # The auction start gives up (two rows share their only column); the exact path names them.
    rng = np.random.default_rng(7)
    n = 60
    dense = np.where(rng.random((n, n)) < 0.1, rng.random((n, n)) + 0.5, 0.0)
    dense[[3, 9], :] = 0.0
    dense[[3, 9], 17] = [0.7, 0.8]
    with pytest.raises(Infeasible, match=r"left"):
        solve_assignment(sp.csr_array(dense), require_complete=True)
