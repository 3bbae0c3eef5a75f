"""The independent verifiers: they accept correct results and name every kind of problem."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
import scipy.sparse as sp

from matching.solvers import (
    DualCertificate,
    MatchResult,
    Status,
    blocking_pairs,
    check_duals,
    check_feasible,
    check_objective,
    check_stable,
    solve_capacitated,
    verify_duals,
    verify_feasible,
    verify_objective,
    verify_stable,
)


def result(pairs, shape, objective=0.0, certificate=None, maximize=True):
    return MatchResult(
        pairs=np.asarray(pairs, dtype=np.int64).reshape(-1, 2), objective=objective, status=Status.FEASIBLE,
        solver="hand", wall_time=0.0, shape=shape, maximize=maximize, certificate=certificate,
    )


SCORES = np.array([[4.0, 1.0, 0.0], [2.0, 3.0, 1.0]])


def test_feasible_accepts_a_valid_matching():
    report = verify_feasible(result([[0, 0], [1, 1]], (2, 3)), scores=SCORES)
    assert report.ok and report.problems == () and report.figures["n_pairs"] == 2
    check_feasible(result([[0, 0], [1, 1]], (2, 3)), scores=SCORES)


@pytest.mark.parametrize(
    ("pairs", "kwargs", "problem"),
    [
        ([[0, 3]], {}, r"pair \(0, 3\) is out of range"),
        ([[0, 0], [0, 0]], {"left_capacity": 2, "right_capacity": 2}, r"pair \(0, 0\) appears more than once"),
        ([[0, 1]], {"forbidden": [(0, 1)]}, r"pair \(0, 1\) is forbidden or not an allowed pair"),
        ([[0, 0], [0, 1]], {}, r"left participant 0 has 2 partners, above its capacity 1"),
        ([[0, 0], [1, 0]], {}, r"right participant 0 has 2 partners, above its capacity 1"),
        ([[0, 0]], {"left_min": [1, 1]}, r"left participant 1 has 0 partners, below its minimum 1"),
        ([[0, 0]], {"right_min": [0, 1, 0]}, r"right participant 1 has 0 partners, below its minimum 1"),
        ([[0, 0]], {"required": [(1, 2)]}, r"required pair \(1, 2\) is not matched"),
    ],
)
def test_feasible_names_each_problem(pairs, kwargs, problem):
    report = verify_feasible(result(pairs, (2, 3)), scores=SCORES, **kwargs)
    assert not report.ok
    assert any(re.search(problem, p) for p in report.problems), report.problems
    with pytest.raises(AssertionError, match=problem):
        check_feasible(result(pairs, (2, 3)), scores=SCORES, **kwargs)


def test_feasible_sparse_scores_allow_only_stored_pairs():
    stored = sp.csr_array(np.array([[1.0, 0.0], [0.0, 1.0]]))
    assert verify_feasible(result([[0, 0]], (2, 2)), scores=stored).ok
    assert not verify_feasible(result([[0, 1]], (2, 2)), scores=stored).ok


def test_feasible_shape_mismatch():
    report = verify_feasible(result([], (3, 3)), scores=SCORES)
    assert report.problems == ("scores have shape (2, 3) but the result has shape (3, 3)",)


def test_many_problems_are_summarized():
    pairs = [[0, j] for j in range(30)]
    report = verify_feasible(result(pairs, (1, 30)), forbidden=np.ones((1, 30), bool), left_capacity=30)
    assert report.problems[-1] == "... and 10 more like the above"


def test_objective_is_recomputed():
    assert verify_objective(result([[0, 0], [1, 1]], (2, 3), objective=7.0), SCORES).ok
    report = verify_objective(result([[0, 0], [1, 1]], (2, 3), objective=8.0), SCORES)
    assert report.problems == ("objective is 8.0 but the pairs' scores sum to 7.0",)
    with pytest.raises(AssertionError, match="objective check failed"):
        check_objective(result([[0, 0]], (2, 3), objective=1.0), SCORES)


def test_duals_accept_a_solver_certificate_and_reject_tampering():
    res = solve_capacitated(SCORES, left_capacity=2, right_capacity=1)
    check_duals(res, SCORES, left_capacity=2, right_capacity=1)
    report = verify_duals(res, SCORES, left_capacity=2, right_capacity=1)
    assert report.figures["dual_bound"] == pytest.approx(res.objective)
    cert = res.certificate
    lowered = dataclasses.replace(cert, left_potential=cert.left_potential - 0.5)
    bad = dataclasses.replace(res, certificate=lowered)
    report = verify_duals(bad, SCORES, left_capacity=2, right_capacity=1)
    assert not report.ok
    assert any("would raise the total" in p for p in report.problems) or any("dual bound" in p for p in report.problems)


def test_duals_hand_made_assignment_certificate():
    # optimal assignment of SCORES: (0, 0) + (1, 1) = 7; potentials u = (4, 3), v = 0 prove it
    good = DualCertificate(np.array([4.0, 3.0]), np.zeros(3))
    assert verify_duals(result([[0, 0], [1, 1]], (2, 3), 7.0, good), SCORES).ok
    # a suboptimal matching cannot be certified by any potentials; these ones show the gap
    report = verify_duals(result([[0, 1], [1, 0]], (2, 3), 3.0, good), SCORES)
    assert any(r"matched pair (0, 1) has reduced cost -3 < 0" in p for p in report.problems)
    # a positive potential on an unmatched participant breaks complementary slackness
    loose = DualCertificate(np.array([4.0, 3.0]), np.array([0.0, 0.0, 0.5]))
    report = verify_duals(result([[0, 0], [1, 1]], (2, 3), 7.0, loose), SCORES)
    assert any("right participant 2 has potential 0.5 > 0 but only 0 of 1 partners" in p for p in report.problems)


def test_duals_minimization_and_require_complete():
    costs = np.array([[4.0, 1.0], [2.0, 3.0]])
    # min-cost perfect assignment: (0, 1) + (1, 0) = 3 with u = (1, 2), v = (0, 0) (u + v <= c)
    cert = DualCertificate(np.array([1.0, 2.0]), np.zeros(2))
    res = result([[0, 1], [1, 0]], (2, 2), 3.0, cert, maximize=False)
    assert verify_duals(res, costs, require_complete=True).ok
    negative = DualCertificate(np.array([5.0, 6.0]), np.array([-4.0, -4.0]))
    res = result([[0, 1], [1, 0]], (2, 2), 3.0, negative, maximize=False)
    assert not verify_duals(res, costs).ok  # negative costs-side potentials need everyone matched
    assert verify_duals(res, costs, require_complete=True).ok


@pytest.mark.parametrize(
    ("certificate", "problem"),
    [
        (None, "the result carries no dual certificate"),
        (DualCertificate(np.zeros(3), np.zeros(3)), r"potentials have shapes \(3,\) and \(3,\), expected \(2,\) and \(3,\)"),
        (DualCertificate(np.array([np.nan, 0.0]), np.zeros(3)), "potentials contain NaN"),
    ],
)
def test_duals_malformed_certificates(certificate, problem):
    report = verify_duals(result([], (2, 3), 0.0, certificate), SCORES)
    assert not report.ok and re.search(problem, report.problems[0])


def test_blocking_pairs_lists_and_matrices_agree():
    left = [[0, 1], [0, 1]]
    right = [[1, 0], [0, 1]]
    pairs = np.array([[0, 0], [1, 1]])
    assert blocking_pairs(pairs, left, right).tolist() == [[1, 0]]
    left_scores = np.array([[2.0, 1.0], [2.0, 1.0]])
    right_scores = np.array([[1.0, 2.0], [2.0, 1.0]])
    assert blocking_pairs(pairs, left_scores, right_scores).tolist() == [[1, 0]]
    assert blocking_pairs(np.array([[0, 1], [1, 0]]), left, right).tolist() == []


def test_blocking_pairs_with_capacity_and_free_places():
    left = [[0], [0], [0]]
    right = [[2, 1, 0]]
    # right 0 holds left 0 and left 1 but prefers left 2; with capacity 3 it also has a free place
    pairs = np.array([[0, 0], [1, 0]])
    assert blocking_pairs(pairs, left, right, right_capacity=2).tolist() == [[2, 0]]
    assert blocking_pairs(pairs, left, right, right_capacity=3).tolist() == [[2, 0]]
    assert blocking_pairs(np.array([[1, 0], [2, 0]]), left, right, right_capacity=2).tolist() == []
    # forbidding the pair removes the blocking pair
    assert blocking_pairs(pairs, left, right, right_capacity=2, forbidden=[(2, 0)]).tolist() == []


def test_verify_stable_names_problems():
    left = [[0], [1]]
    right = [[0], [1]]
    report = verify_stable(np.array([[0, 1]]), left, right)
    assert "pair (0, 1) is not on both preference lists" in report.problems
    assert report.figures["n_blocking"] == 2
    with pytest.raises(AssertionError, match=r"blocking pair \(0, 0\)"):
        check_stable(np.array([[0, 1]]), left, right)
    report = verify_stable(np.array([[0, 0], [1, 0]]), [[0], [0]], [[0, 1]])
    assert "right participant 0 has 2 partners, above its capacity 1" in report.problems
    assert verify_stable(np.array([[5, 0]]), [[0]], [[0]]).problems == ("pair (5, 0) is out of range",)


@pytest.mark.parametrize("require_complete", [False, True])
@pytest.mark.parametrize("maximize", [True, False])
def test_duals_certify_solve_assignment_results(require_complete, maximize):
    assignment = pytest.importorskip("matching.solvers._assignment")
    rng = np.random.default_rng(5)
    for _ in range(15):
        n, m = rng.integers(1, 9, size=2)
        scores = rng.normal(size=(n, m)).round(2)
        forbidden = rng.random((n, m)) < 0.15 if not require_complete else None
        res = assignment.solve_assignment(scores, maximize=maximize, require_complete=require_complete, forbidden=forbidden)
        report = verify_duals(res, scores, forbidden=forbidden, require_complete=require_complete)
        assert report.ok, report.problems
        assert verify_feasible(res, scores=scores, forbidden=forbidden).ok
