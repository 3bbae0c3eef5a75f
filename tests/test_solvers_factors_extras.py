"""solve_factors with sparse score terms and class-wise impossibility, against the dense solvers."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from matching.errors import InvalidInput
from matching.solvers import Status, solve_assignment, solve_capacitated, solve_factors


def _instance(seed: int):
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(5, 40)), int(rng.integers(5, 40))
    a, b = rng.normal(size=(n, 4)), rng.normal(size=(m, 4))
    bonus = sp.random(n, m, density=0.1, random_state=seed, format="csr") * 2
    text_left = sp.random(n, 30, density=0.2, random_state=seed + 100, format="csr")
    text_right = sp.random(m, 30, density=0.2, random_state=seed + 200, format="csr")
    left_class, right_class = rng.integers(0, 3, n), rng.integers(0, 4, m)
    table = rng.random((3, 4)) < 0.3
    listed = np.argwhere(rng.random((n, m)) < 0.05)
    dense = a @ b.T + bonus.toarray() + (text_left @ text_right.T).toarray()
    forbidden = table[left_class][:, right_class].copy()
    forbidden[listed[:, 0], listed[:, 1]] = True
    sparse = (sp.hstack([text_left, bonus]).tocsr(), sp.hstack([text_right, sp.identity(m)]).tocsr())
    kwargs = dict(sparse_vectors=sparse, forbidden_classes=(left_class, right_class, table), forbidden=listed, k=3)
    return a, b, dense, forbidden, kwargs, rng


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_one_to_one_equals_the_dense_optimum(seed, dtype) -> None:
    a, b, dense, forbidden, kwargs, _ = _instance(seed)
    result = solve_factors(a, b, dtype=dtype, **kwargs)
    reference = solve_assignment(dense, forbidden=forbidden)
    assert result.status is Status.OPTIMAL
    assert result.objective == pytest.approx(reference.objective, rel=1e-12, abs=1e-9)
    assert result.objective == pytest.approx(float(dense[result.pairs[:, 0], result.pairs[:, 1]].sum()), rel=1e-12)
    assert not forbidden[result.pairs[:, 0], result.pairs[:, 1]].any()
    assert result.certificate.pairs_checked == int((~forbidden).sum())
    # the potentials bound every allowed pair (dual feasibility, checked here on the dense matrix)
    u, v = result.certificate.left_potential, result.certificate.right_potential
    slack = (u[:, None] + v[None, :] - dense)[~forbidden]
    assert slack.min(initial=0.0) >= -1e-8


@pytest.mark.parametrize("seed", range(8))
def test_capacitated_equals_the_dense_optimum(seed) -> None:
    a, b, dense, forbidden, kwargs, rng = _instance(seed)
    n, m = dense.shape
    left_capacity, right_capacity = rng.integers(1, 4, n), rng.integers(1, 4, m)
    result = solve_factors(a, b, left_capacity=left_capacity, right_capacity=right_capacity, **kwargs)
    reference = solve_capacitated(dense, forbidden=forbidden, left_capacity=left_capacity, right_capacity=right_capacity)
    assert result.objective == pytest.approx(reference.objective, rel=1e-9, abs=1e-9)
    assert not forbidden[result.pairs[:, 0], result.pairs[:, 1]].any()
    assert result.certificate.pairs_checked == int((~forbidden).sum())


def test_require_complete_keeps_out_of_forbidden_classes() -> None:
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(12, 3)), rng.normal(size=(12, 3))
    left_class, right_class = np.arange(12) % 2, np.arange(12) % 2
    table = np.array([[False, True], [True, False]])  # only same-class pairs
    result = solve_factors(a, b, forbidden_classes=(left_class, right_class, table), require_complete=True, k=2)
    dense = a @ b.T
    reference = solve_assignment(dense, forbidden=table[left_class][:, right_class], require_complete=True)
    assert len(result.pairs) == 12
    assert (left_class[result.pairs[:, 0]] == right_class[result.pairs[:, 1]]).all()
    assert result.objective == pytest.approx(reference.objective, rel=1e-12)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"sparse_vectors": np.eye(3)}, "expected a pair"),
        ({"sparse_vectors": (np.ones((4, 2)), np.ones((3, 2)))}, "expected 3 rows"),
        ({"sparse_vectors": (np.ones((3, 2)), np.ones((3, 5)))}, "the same width"),
        ({"sparse_vectors": (np.full((3, 2), np.nan), np.ones((3, 2)))}, "non-finite"),
        ({"forbidden_classes": (np.zeros(3, int), np.zeros(3, int))}, "expected a triple"),
        ({"forbidden_classes": (np.zeros(3, int), np.zeros(3, int), np.zeros((1, 1)))}, "2-D boolean array"),
        ({"forbidden_classes": (np.zeros(2, int), np.zeros(3, int), np.zeros((1, 1), bool))}, "left classes as 3 integers"),
        ({"forbidden_classes": (np.zeros(3, int), np.full(3, 2), np.zeros((1, 1), bool))}, "outside the table"),
        ({"forbidden_classes": (np.zeros(3, int), np.zeros(3, int), np.ones((1, 1), bool)), "required": [(0, 1)]},
         "forbidden by forbidden_classes"),
    ],
)
def test_bad_extras_raise(kwargs, message) -> None:
    with pytest.raises(InvalidInput, match=message):
        solve_factors(np.eye(3), np.eye(3), **kwargs)
