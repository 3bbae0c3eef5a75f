"""solve_factors: exact matching on scores given by left and right vectors, checked against dense solves."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from matching.errors import Infeasible, InvalidInput
from matching.solvers import DualCertificate, Status, solve_assignment, solve_capacitated, solve_factors

TOL = 1e-7


def dense_scores(x, y, w=None, bl=None, br=None):
    s = x @ (y if w is None else y @ w.T).T
    if bl is not None:
        s = s + bl[:, None]
    if br is not None:
        s = s + br[None, :]
    return s


def instance(kind: str, n: int, m: int, d: int, seed: int):
    rng = np.random.default_rng(seed)
    if kind == "uniform":
        return rng.uniform(0, 1, size=(n, d)), rng.uniform(0, 1, size=(m, d))
    if kind == "low-rank":
        return rng.normal(size=(n, 2)), rng.normal(size=(m, 2))
    # clustered: a few tight groups of participants
    centers = rng.normal(size=(4, d))
    return (
        centers[rng.integers(0, 4, n)] + 0.05 * rng.normal(size=(n, d)),
        centers[rng.integers(0, 4, m)] + 0.05 * rng.normal(size=(m, d)),
    )


def check_certificate(res, s, maximize=True, forbidden=None):
    """Independent check of the certificate on the dense matrix: dual feasibility and slackness."""
    cert = res.certificate
    assert isinstance(cert, DualCertificate)
    n, m = s.shape
    allowed = np.ones((n, m), dtype=bool)
    if forbidden is not None and len(forbidden):
        f = np.asarray(forbidden)
        allowed[f[:, 0], f[:, 1]] = False
    sign = 1.0 if maximize else -1.0
    slack = sign * (cert.left_potential[:, None] + cert.right_potential[None, :] - s)
    assert np.all(slack[allowed] >= -TOL)
    p = res.pairs
    assert np.all(np.abs(slack[p[:, 0], p[:, 1]]) <= TOL)
    assert cert.max_violation <= TOL
    assert cert.pairs_checked == int(allowed.sum())
    assert cert.pricing_rounds >= 1


def lsa_optimum(s, maximize=True, forbidden=None):
    big = 1e6 * (1 + np.abs(s).max())
    t = s.copy()
    if forbidden is not None and len(forbidden):
        f = np.asarray(forbidden)
        t[f[:, 0], f[:, 1]] = -big if maximize else big
    r, c = linear_sum_assignment(t, maximize=maximize)
    return float(s[r, c].sum())


@pytest.mark.parametrize("kind", ["uniform", "low-rank", "clustered"])
@pytest.mark.parametrize(("n", "m"), [(40, 40), (90, 60), (50, 120), (250, 250)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_equals_the_dense_optimum(kind, n, m, dtype):
    x, y = instance(kind, n, m, 6, seed=n * 7 + m)
    s = dense_scores(x, y)
    for maximize in (True, False):
        res = solve_factors(x, y, maximize=maximize, dtype=dtype, k=4)
        ref = solve_assignment(s, maximize=maximize)
        assert res.status is Status.OPTIMAL
        assert res.objective == pytest.approx(ref.objective, rel=1e-12, abs=1e-9)
        assert res.objective == pytest.approx(float(s[res.pairs[:, 0], res.pairs[:, 1]].sum()), rel=1e-12)
        check_certificate(res, s, maximize)
        full = solve_factors(x, y, maximize=maximize, dtype=dtype, require_complete=True, k=4)
        assert len(full.pairs) == min(n, m)
        assert full.objective == pytest.approx(lsa_optimum(s, maximize), rel=1e-12, abs=1e-9)


def test_pricing_finds_the_optimum_when_top_k_misses_it():
    # rank one with positive factors: the optimum pairs the i-th largest left with the i-th largest
    # right, but every left participant's best partner is the same right one
    rng = np.random.default_rng(3)
    n = 60
    x = rng.uniform(1, 2, size=(n, 1))
    y = rng.uniform(1, 2, size=(n, 1))
    s = dense_scores(x, y)
    r, c = linear_sum_assignment(s, maximize=True)
    k = 1
    top_row = np.argsort(-s, axis=1)[:, :k]
    top_col = np.argsort(-s, axis=0)[:2, :]
    in_top = np.array([(c[t] in top_row[r[t]]) or (r[t] in top_col[:, c[t]]) for t in range(n)])
    assert not in_top.all()  # the candidates alone cannot give the optimum
    res = solve_factors(x, y, k=k, require_complete=True)
    assert res.objective == pytest.approx(float(s[r, c].sum()), rel=1e-12)
    assert res.info["candidates"] > res.info["initial_candidates"]
    assert res.certificate.pricing_rounds >= 2
    check_certificate(res, s)


@pytest.mark.parametrize("seed", range(4))
def test_ties(seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 2, size=(70, 3)).astype(float)
    y = rng.integers(0, 2, size=(50, 3)).astype(float)
    s = dense_scores(x, y)
    for require_complete in (False, True):
        res = solve_factors(x, y, k=2, require_complete=require_complete)
        ref = solve_assignment(s, require_complete=require_complete)
        assert res.objective == pytest.approx(ref.objective)
        check_certificate(res, s)


def test_all_scores_equal():
    x, y = np.ones((30, 2)), np.ones((30, 2))
    res = solve_factors(x, y, k=1)
    assert res.objective == pytest.approx(60.0)
    assert len(res.pairs) == 30


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_weighting_biases_and_forbidden_pairs(dtype):
    rng = np.random.default_rng(11)
    x, y = rng.normal(size=(45, 5)), rng.normal(size=(55, 3))
    w = rng.normal(size=(5, 3))
    bl, br = rng.normal(size=45), rng.normal(size=55)
    s = dense_scores(x, y, w, bl, br)
    forbidden = [(i, int(np.argmax(s[i]))) for i in range(0, 45, 2)] + [(3, 7), (3, 8)]
    res = solve_factors(x, y, weighting=w, bias_left=bl, bias_right=br, forbidden=forbidden, dtype=dtype)
    ref = solve_assignment(s, forbidden=forbidden)
    assert res.objective == pytest.approx(ref.objective, rel=1e-12)
    assert not set(map(tuple, res.pairs.tolist())) & set(forbidden)
    check_certificate(res, s, forbidden=np.array(forbidden))
    full = solve_factors(x, y, weighting=w, bias_left=bl, bias_right=br, forbidden=forbidden, require_complete=True)
    assert full.objective == pytest.approx(lsa_optimum(s, True, np.array(forbidden)), rel=1e-12)


@pytest.mark.parametrize(
    ("n", "m", "left_capacity", "right_capacity", "maximize"),
    [(40, 30, 2, 3, True), (30, 60, 1, 2, True), (50, 50, 3, 1, False), (25, 35, 2, 2, True)],
)
def test_capacitated_equals_solve_capacitated(n, m, left_capacity, right_capacity, maximize):
    rng = np.random.default_rng(n + m)
    x, y = rng.normal(size=(n, 4)), rng.normal(size=(m, 4))
    s = dense_scores(x, y)
    forbidden = [(i, (3 * i) % m) for i in range(0, n, 3)]
    res = solve_factors(
        x, y, left_capacity=left_capacity, right_capacity=right_capacity, maximize=maximize, forbidden=forbidden, k=2,
    )
    ref = solve_capacitated(
        s, left_capacity=left_capacity, right_capacity=right_capacity, maximize=maximize, forbidden=forbidden
    )
    assert res.objective == pytest.approx(ref.objective, rel=1e-9, abs=1e-9)
    assert np.bincount(res.pairs[:, 0], minlength=n).max() <= left_capacity
    assert np.bincount(res.pairs[:, 1], minlength=m).max() <= right_capacity
    assert not set(map(tuple, res.pairs.tolist())) & set(forbidden)
    cert = res.certificate
    assert cert.pairs_checked == n * m - len(forbidden)
    assert cert.max_violation <= 1e-6
    # reduced costs of unmatched allowed pairs never favour them
    sign = 1.0 if maximize else -1.0
    reduced = sign * (s - cert.left_potential[:, None] - cert.right_potential[None, :])
    unmatched = np.ones((n, m), dtype=bool)
    unmatched[res.pairs[:, 0], res.pairs[:, 1]] = False
    unmatched[tuple(np.array(forbidden).T)] = False
    assert reduced[unmatched].max() <= 1e-6


def test_capacitated_adversarial_needs_pricing():
    rng = np.random.default_rng(2)
    x, y = rng.uniform(1, 2, size=(40, 1)), rng.uniform(1, 2, size=(40, 1))
    s = dense_scores(x, y) - 2.0  # some pairs worth taking, most not
    res = solve_factors(x, y, bias_left=np.full(40, -2.0), left_capacity=2, right_capacity=2, k=1)
    ref = solve_capacitated(s, left_capacity=2, right_capacity=2)
    assert res.objective == pytest.approx(ref.objective, rel=1e-9)


@pytest.mark.parametrize("cores", [1, 2])
def test_small_blocks_and_progress(cores, monkeypatch):
    import matching.solvers._factors_threads as threads

    monkeypatch.setattr(threads, "available_cores", lambda: cores)
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(90, 8)), rng.normal(size=(120, 8))
    calls = []
    res = solve_factors(x, y, max_block_bytes=8 * 120 * 7, progress=lambda *a: calls.append(a))
    ref = solve_factors(x, y)
    assert res.objective == pytest.approx(ref.objective, rel=1e-12)
    assert res.info["block_rows"] == 7
    stages = {c[0] for c in calls}
    assert {"candidates", "pricing"} <= stages
    assert all(0 < done <= total for _, done, total in calls)
    candidates = [c for c in calls if c[0] == "candidates"]
    assert candidates[-1] == ("candidates", 90, 90)
    if cores == 1:
        assert len(candidates) == 13  # ceil(90 / 7) blocks, one report each
    else:  # one report per panel of whole blocks, rows done only growing
        done = [c[1] for c in candidates]
        assert len(candidates) > 1 and done == sorted(set(done))


@pytest.mark.parametrize("bounds", [{}, {"left_capacity": 3, "right_capacity": 2}], ids=["one-to-one", "capacitated"])
def test_passes_on_threads_give_the_bits_of_one_thread(bounds, monkeypatch):
    import matching.solvers._factors_threads as threads

    rng = np.random.default_rng(8)
    x, y = rng.normal(size=(150, 6)), rng.normal(size=(130, 6))
    forbidden = np.column_stack([rng.integers(0, 150, 60), rng.integers(0, 130, 60)])
    runs, used = {}, []
    passes = threads.ThreadPasses

    class Seen(passes):
        def __init__(self, f, n):
            used.append(n)
            super().__init__(f, n)

    monkeypatch.setattr(threads, "ThreadPasses", Seen)
    for cores in (1, 2, 3):
        monkeypatch.setattr(threads, "available_cores", lambda c=cores: c)
        used.clear()
        runs[cores] = solve_factors(x, y, forbidden=forbidden, max_block_bytes=8 * 130 * 5, k=2, **bounds)
        assert used == ([] if cores == 1 else [cores])  # several blocks: the threads ran the passes
    one = runs[1]
    for res in (runs[2], runs[3]):
        assert np.array_equal(res.pairs, one.pairs) and res.objective == one.objective
        assert np.array_equal(res.certificate.left_potential, one.certificate.left_potential)
        assert np.array_equal(res.certificate.right_potential, one.certificate.right_potential)
        assert res.certificate.pricing_rounds == one.certificate.pricing_rounds
        assert res.info["candidates"] == one.info["candidates"]
    assert one.certificate.pricing_rounds > 1  # k=2 candidates: pricing added pairs


@pytest.mark.parametrize(("n", "m"), [(0, 0), (3, 0), (0, 4)])
def test_degenerate_shapes(n, m):
    res = solve_factors(np.zeros((n, 2)), np.zeros((m, 2)))
    assert res.pairs.shape == (0, 2)
    assert res.objective == 0.0
    assert res.shape == (n, m)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 5), m=st.integers(1, 5), d=st.integers(1, 3), seed=st.integers(0, 10**6),
    maximize=st.booleans(),
)
def test_brute_force_on_tiny_inputs(n, m, d, seed, maximize):
    rng = np.random.default_rng(seed)
    x = rng.integers(-3, 4, size=(n, d)).astype(float)
    y = rng.integers(-3, 4, size=(m, d)).astype(float)
    s = dense_scores(x, y)
    sign = 1.0 if maximize else -1.0
    best = 0.0  # a participant may stay unmatched: the empty matching is allowed
    for size in range(1, min(n, m) + 1):
        for rows in itertools.combinations(range(n), size):
            for cols in itertools.permutations(range(m), size):
                best = max(best, sign * float(s[list(rows), list(cols)].sum()))
    res = solve_factors(x, y, maximize=maximize, k=1)
    assert sign * res.objective == pytest.approx(best)


def test_infeasible_when_a_participant_has_no_allowed_partner():
    x, y = np.ones((2, 1)), np.ones((3, 1))
    with pytest.raises(Infeasible, match="no matching covers every left participant"):
        solve_factors(x, y, forbidden=[(0, 0), (0, 1), (0, 2)], require_complete=True)


def test_infeasible_names_the_right_side_when_it_is_smaller():
    # solved transposed internally: the message must still speak of the right side
    x, y = np.ones((4, 1)), np.ones((3, 1))
    with pytest.raises(Infeasible, match="no matching covers every right participant") as info:
        solve_factors(x, y, forbidden=[(i, 1) for i in range(4)], require_complete=True)
    assert info.value.side == "right"
    assert "right 1" in info.value.culprits


def test_rectangular_result_keeps_the_input_orientation():
    rng = np.random.default_rng(8)
    x, y = rng.normal(size=(30, 3)), rng.normal(size=(12, 3))
    res = solve_factors(x, y, require_complete=True)
    assert res.shape == (30, 12)
    assert res.certificate.left_potential.shape == (30,)
    assert res.certificate.right_potential.shape == (12,)
    assert sorted(res.pairs[:, 1].tolist()) == list(range(12))


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (([1.0, 2.0], np.ones((2, 2))), {}, r"left_vectors.*expected a matrix \(2-D array\) of vectors, got a 1-D"),
        (("abc", np.ones((2, 2))), {}, r"left_vectors.*got a string"),
        ((np.ones((2, 2)), [["a", "b"]]), {}, r"right_vectors.*expected numeric vectors, got dtype <U1"),
        ((np.array([[1.0, np.nan]]), np.ones((2, 2))), {}, r"left_vectors contains nan at \(0, 1\)"),
        ((np.ones((2, 2)), np.ones((2, 3))), {}, r"same dimension without a weighting: left has 2, right has 3"),
        ((np.ones((2, 2)), np.ones((2, 3))), {"weighting": np.ones((3, 2))}, r"weighting.*shape \(2, 3\).*got shape \(3, 2\)"),
        ((np.ones((2, 2)), np.ones((2, 2))), {"bias_left": np.ones(3)}, r"bias_left.*shape \(2,\), got shape \(3,\)"),
        ((np.ones((2, 2)), np.ones((2, 2))), {"bias_right": [1.0, np.inf]}, r"bias_right\[1\] is inf"),
        ((np.ones((2, 2)), np.ones((2, 2))), {"k": 0}, r"k.*expected a positive integer, got 0"),
        ((np.ones((2, 2)), np.ones((2, 2))), {"k": 2.5}, r"k.*expected a positive integer, got 2.5"),
        ((np.ones((2, 2)), np.ones((2, 2))), {"max_block_bytes": -1}, r"max_block_bytes.*positive integer, got -1"),
        ((np.ones((2, 2)), np.ones((2, 2))), {"dtype": np.int32}, r"dtype.*expected float32 or float64, got int32"),
        ((np.ones((2, 2)), np.ones((2, 2))), {"dtype": "nonsense"}, r"dtype.*expected float32 or float64"),
        ((np.ones((2, 2)), np.ones((2, 2))), {"progress": 3}, r"progress.*expected a callable"),
        ((np.ones((2, 2)), np.ones((2, 2))), {"forbidden": [(0, 5)]}, r"pair \(0, 5\) is out of range"),
        ((np.ones((2, 2)), np.ones((2, 2))), {"left_capacity": [1, 2, 3]}, r"left_capacity.*shape \(2,\)"),
        (
            (np.ones((2, 2)), np.ones((2, 2))), {"left_capacity": 2, "require_complete": True},
            r"require_complete.*only supported for one-to-one",
        ),
    ],
)
def test_invalid_input(args, kwargs, message):
    with pytest.raises(InvalidInput, match=message):
        solve_factors(*args, **kwargs)
