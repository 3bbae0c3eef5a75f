"""Compiled kernel of :meth:`Scorer.top_k`: fold a block of scores into per-row and per-column top-k heaps."""

from __future__ import annotations

import numpy as np
from numba import njit

from ..solvers._heap import merge_ranked, push_ranked, replace_ranked_root

__all__ = ["fold_block", "merge_heaps", "heaps_to_lists"]


@njit(cache=True, nogil=True)
def fold_block(scores, row0, col0, row_keys, row_idx, row_size, col_keys, col_idx, col_size, want_rows, want_cols):  # pragma: no cover - compiled
    """Merge the block ``scores`` (rows ``row0 ...`` × columns ``col0 ...``) into the running heaps.

    ``row_keys[i]`` / ``row_idx[i]`` hold row ``i``'s best entries as a heap
    of negated scores (root: the worst kept), ``row_size[i]`` of them; the
    same per column.  ``-inf`` (impossible) and NaN entries are skipped.
    Entries must come in increasing index order per owner (as
    :func:`~matching.features._blocks.square_blocks` yields them): a new
    entry equal to the worst kept one then loses the tie, and the heaps
    hold the ``k`` best by (score desc, index asc), as :func:`update_topk` does.
    Each entry is compared with its row's and its column's admission
    threshold (contiguous copies of the heap roots, ``inf`` while a heap is
    not full); the heaps are touched only by the few entries that pass.
    """
    b, m = scores.shape
    kr = row_keys.shape[1]
    kc = col_keys.shape[1]
    cthr = np.full(m, -np.inf)  # -inf: columns not wanted, nothing passes
    if want_cols:
        for q in range(m):
            o = col0 + q
            cthr[q] = col_keys[o, 0] if col_size[o] == kc else np.inf
    rk, ri = row_keys.reshape(-1), row_idx.reshape(-1)  # heaps at offsets of flat views
    ck, ci = col_keys.reshape(-1), col_idx.reshape(-1)
    for t in range(b):
        i = row0 + t
        rthr = -np.inf
        if want_rows:
            rthr = row_keys[i, 0] if row_size[i] == kr else np.inf
        for q in range(m):
            key = -np.float64(scores[t, q])
            if key < rthr:
                size = row_size[i]
                if size < kr:
                    size = push_ranked(rk, ri, i * kr, size, key, col0 + q)
                    row_size[i] = size
                else:
                    replace_ranked_root(rk, ri, i * kr, size, key, col0 + q)
                if size == kr:
                    rthr = row_keys[i, 0]
            if key < cthr[q]:
                o = col0 + q
                size = col_size[o]
                if size < kc:
                    size = push_ranked(ck, ci, o * kc, size, key, i)
                    col_size[o] = size
                else:
                    replace_ranked_root(ck, ci, o * kc, size, key, i)
                if size == kc:
                    cthr[q] = col_keys[o, 0]


def merge_heaps(keys, idx, size, other_keys, other_idx, other_size) -> None:
    """Fold the heaps ``other_*`` into ``keys / idx / size``, in place (same shapes, one heap per owner row).

    Each owner keeps its ``k`` best entries by (key, index) of both: the
    heaps :func:`fold_block` keeps over the blocks of both, whatever order
    the two were folded in.
    """
    k = keys.shape[1]
    merge_ranked(keys.reshape(-1), idx.reshape(-1), size, k, other_keys.reshape(-1), other_idx.reshape(-1), other_size)


def heaps_to_lists(keys: np.ndarray, idx: np.ndarray, size: np.ndarray, dtype: np.dtype, pad: int) -> tuple[np.ndarray, np.ndarray]:
    """Heaps → ``(values, index)`` lists sorted by score desc then index asc, ``-inf`` / ``pad`` padded."""
    k = keys.shape[1]
    used = np.arange(k)[None, :] < size[:, None]
    k_keys = np.where(used, keys, np.inf)
    k_idx = np.where(used, idx, pad)
    order = np.lexsort((k_idx, k_keys), axis=1) if k_keys.size else np.zeros(k_keys.shape, np.intp)
    values = -np.take_along_axis(k_keys, order, axis=1)
    return values.astype(dtype), np.take_along_axis(k_idx, order, axis=1)
