"""The compiled top-k fold of Scorer.top_k against the numpy reference update_topk (ties included)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.features._blocks import square_blocks, update_topk
from matching.features._topk_kernel import fold_block, heaps_to_lists


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 30), m=st.integers(1, 30), k=st.integers(1, 6),
       cells=st.integers(1, 200), levels=st.integers(2, 6), dtype=st.sampled_from([np.float32, np.float64]))
def test_fold_block_keeps_the_same_lists_as_update_topk(seed, n, m, k, cells, levels, dtype):
    rng = np.random.default_rng(seed)
    full = rng.integers(0, levels, size=(n, m)).astype(dtype)  # few levels: many exact ties
    full[rng.random((n, m)) < 0.2] = -np.inf  # impossible pairs
    kr, kc = min(k, m), min(k, n)
    ref_rv, ref_ri = np.full((n, kr), -np.inf, dtype), np.full((n, kr), m, np.int64)
    ref_cv, ref_ci = np.full((m, kc), -np.inf, dtype), np.full((m, kc), n, np.int64)
    rk, ri, rs = np.empty((n, kr)), np.empty((n, kr), np.int64), np.zeros(n, np.int64)
    ck, ci, cs = np.empty((m, kc)), np.empty((m, kc), np.int64), np.zeros(m, np.int64)
    for rows, cols in square_blocks(n, m, cells):
        block = np.ascontiguousarray(full[rows, cols])
        update_topk(block, rows.start, cols.start, ref_rv, ref_ri)
        update_topk(block, rows.start, cols.start, ref_cv, ref_ci, by_column=True)
        fold_block(block, rows.start, cols.start, rk, ri, rs, ck, ci, cs, True, True)
    rv, rix = heaps_to_lists(rk, ri, rs, np.dtype(dtype), m)
    cv, cix = heaps_to_lists(ck, ci, cs, np.dtype(dtype), n)
    np.testing.assert_array_equal(rv, ref_rv)
    np.testing.assert_array_equal(cv, ref_cv)
    # indices only matter where a candidate is kept (padding differs in form, not in meaning)
    np.testing.assert_array_equal(np.where(np.isfinite(rv), rix, -1), np.where(np.isfinite(ref_rv), ref_ri, -1))
    np.testing.assert_array_equal(np.where(np.isfinite(cv), cix, -1), np.where(np.isfinite(ref_cv), ref_ci, -1))
    assert rv.dtype == dtype


def test_one_direction_leaves_the_other_untouched():
    block = np.arange(12, dtype=np.float64).reshape(3, 4)
    rk, ri, rs = np.empty((3, 2)), np.empty((3, 2), np.int64), np.zeros(3, np.int64)
    ck, ci, cs = np.empty((0, 2)), np.empty((0, 2), np.int64), np.zeros(0, np.int64)
    fold_block(block, 0, 0, rk, ri, rs, ck, ci, cs, True, False)
    values, index = heaps_to_lists(rk, ri, rs, np.dtype(np.float64), 4)
    assert index.tolist() == [[3, 2], [3, 2], [3, 2]]
    assert values[:, 0].tolist() == [3.0, 7.0, 11.0]
