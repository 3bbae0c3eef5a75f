"""Heaps folded over separate row ranges and merged equal one fold over all rows, ties included.

What the Dask passes rely on (``solve_factors``'s candidates and
``Scorer.top_k``): the kept entries are the ``k`` smallest by (key, index),
checked against sorting the whole matrix.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.features._blocks import square_blocks
from matching.features._topk_kernel import fold_block
from matching.features._topk_kernel import merge_heaps as merge_2d
from matching.solvers._factors import _fold_top_k
from matching.solvers._factors_panels import top_k_panel
from matching.solvers._factors_extras import make_extras
from matching.solvers._factors_kernels import merge_heaps as merge_flat


def _expected(costs: np.ndarray, k: int) -> list[set[int]]:
    """Per column: the ``k`` smallest (cost, row) entries, by brute force."""
    n = costs.shape[0]
    return [{int(i) for i in np.lexsort((np.arange(n), costs[:, j]))[:k]} for j in range(costs.shape[1])]


def _factor_heaps(n: int, m: int, k_row: int, k_col: int):
    return (np.empty(n * k_row), np.zeros(n * k_row, np.int64), np.zeros(n, np.int64),
            np.empty(m * k_col), np.zeros(m * k_col, np.int64), np.zeros(m, np.int64))


def _columns(heaps, m: int, k_col: int) -> list[set[int]]:
    idx, size = heaps[4].reshape(m, k_col), heaps[5]
    return [set(idx[j, :size[j]].tolist()) for j in range(m)]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 40), m=st.integers(1, 30), k=st.integers(1, 5),
       block=st.integers(1, 9), levels=st.integers(1, 4), panels=st.integers(2, 5))
def test_solve_factors_column_heaps_merge_exactly(seed, n, m, k, block, levels, panels):
    rng = np.random.default_rng(seed)
    scores = rng.integers(0, levels, size=(n, m)).astype(np.float32)  # few levels: many exact ties
    empty = (np.zeros(block + 1, np.int64), np.zeros(0, np.int64))
    k_row, k_col = min(k, m), min(k, n)
    whole = _factor_heaps(n, m, k_row, k_col)
    for s in range(0, n, block):
        _fold_top_k(scores[s:s + block], -1.0, s, k_row, k_col, whole, *empty)
    cuts = sorted(set(rng.integers(1, n, size=panels - 1).tolist()) | {0, n})
    merged = _factor_heaps(n, m, k_row, k_col)
    for lo, hi in reversed(list(zip(cuts[:-1], cuts[1:]))):  # panels finish in any order
        part = _factor_heaps(hi - lo, m, k_row, k_col)
        for s in range(lo, hi, block):
            _fold_top_k(scores[s:min(s + block, hi)], -1.0, s - lo, k_row, k_col, part, *empty)
        part[4][:] += lo
        merge_flat(merged[3], merged[4], merged[5], k_col, part[3], part[4], part[5])
    assert _columns(whole, m, k_col) == _expected(-scores.astype(np.float64), k_col)
    assert _columns(merged, m, k_col) == _columns(whole, m, k_col)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 30), m=st.integers(1, 30), k=st.integers(1, 5),
       cells=st.integers(1, 120), levels=st.integers(1, 4))
def test_scorer_column_heaps_merge_exactly(seed, n, m, k, cells, levels):
    rng = np.random.default_rng(seed)
    scores = rng.integers(0, levels, size=(n, m)).astype(np.float64)
    kr, kc = min(k, m), min(k, n)

    def fold(lo: int, hi: int):
        rk, ri, rs = np.empty((0, kr)), np.zeros((0, kr), np.int64), np.zeros(0, np.int64)
        ck, ci, cs = np.empty((m, kc)), np.zeros((m, kc), np.int64), np.zeros(m, np.int64)
        for rows, cols in square_blocks(n, m, cells):
            if lo <= rows.start < hi:
                fold_block(np.ascontiguousarray(scores[rows, cols]), rows.start - lo, cols.start,
                           rk, ri, rs, ck, ci, cs, False, True)
        return ck, ci + lo, cs

    bands = sorted({rows.start for rows, _ in square_blocks(n, m, cells)}) + [n]
    whole = fold(0, n)
    merged = (np.empty((m, kc)), np.zeros((m, kc), np.int64), np.zeros(m, np.int64))
    for lo, hi in zip(bands[:-1], bands[1:]):
        merge_2d(*merged, *fold(lo, hi))
    as_sets = lambda h: [set(h[1][j, :h[2][j]].tolist()) for j in range(m)]  # noqa: E731
    assert as_sets(whole) == _expected(-scores, kc)
    assert as_sets(merged) == as_sets(whole)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 40), m=st.integers(1, 30), k=st.integers(1, 5),
       block=st.integers(1, 9), levels=st.integers(1, 4), panels=st.integers(2, 5))
def test_cluster_panels_seeded_with_the_merged_heaps_keep_the_same_column_candidates(seed, n, m, k, block, levels,
                                                                                     panels):
    rng = np.random.default_rng(seed)
    scores = rng.integers(0, levels, size=(n, m)).astype(np.float32)  # few levels: many exact ties
    identity = np.eye(m, dtype=np.float32)  # a @ identity.T is exactly ``scores``
    extras = make_extras(None, None, n, m)
    no_forbidden = (np.zeros(n + 1, np.int64), np.zeros(0, np.int64))
    k_row, k_col = min(k, m), min(k, n)
    cuts = sorted(set(rng.integers(1, n, size=panels - 1).tolist()) | {0, n})
    merged = _factor_heaps(0, m, k_row, k_col)
    for lo, hi in reversed(list(zip(cuts[:-1], cuts[1:]))):  # panels finish in any order
        keys, size = merged[3], merged[5]
        heap_seed = np.where(size == k_col, keys[::k_col], np.inf) if size.any() else None
        part = top_k_panel(scores, identity, extras, 1.0, *no_forbidden, lo, hi, block, -1.0, k_row, k_col, heap_seed)
        kept = np.arange(k_col)[None, :] < part[5][:, None]
        assert (part[4].reshape(m, k_col)[kept] >= lo).all()  # no placeholder (row -1) survives
        merge_flat(merged[3], merged[4], merged[5], k_col, part[3], part[4], part[5])
    assert _columns(merged, m, k_col) == _expected(-scores.astype(np.float64), k_col)
