"""Compiled kernel of :meth:`Scorer.top_k`: fold a block of scores into per-row and per-column top-k heaps."""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["fold_block", "merge_heaps", "heaps_to_lists"]


@njit(cache=True, inline="always")
def _worse(ka, ia, kb, ib):  # pragma: no cover - compiled
    """Entry ``(ka, ia)`` ranks after ``(kb, ib)``: a larger key (negated score), or an equal key and a larger index."""
    return ka > kb or (ka == kb and ia > ib)


@njit(cache=True)
def _push(keys, idx, o, size, key, j):  # pragma: no cover - compiled
    """Add ``(key, j)`` to the heap ``keys[o, :size]`` whose root is its worst entry; return the new size."""
    pos = size
    while pos > 0:
        parent = (pos - 1) >> 1
        if not _worse(key, j, keys[o, parent], idx[o, parent]):
            break
        keys[o, pos] = keys[o, parent]
        idx[o, pos] = idx[o, parent]
        pos = parent
    keys[o, pos] = key
    idx[o, pos] = j
    return size + 1


@njit(cache=True)
def _replace_root(keys, idx, o, size, key, j):  # pragma: no cover - compiled
    """Replace the worst entry (the root) of the full heap ``keys[o, :size]`` by the better ``(key, j)``."""
    pos = 0
    while True:
        c = 2 * pos + 1
        if c >= size:
            break
        if c + 1 < size and _worse(keys[o, c + 1], idx[o, c + 1], keys[o, c], idx[o, c]):
            c += 1
        if not _worse(keys[o, c], idx[o, c], key, j):
            break
        keys[o, pos] = keys[o, c]
        idx[o, pos] = idx[o, c]
        pos = c
    keys[o, pos] = key
    idx[o, pos] = j


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
                    size = _push(row_keys, row_idx, i, size, key, col0 + q)
                    row_size[i] = size
                else:
                    _replace_root(row_keys, row_idx, i, size, key, col0 + q)
                if size == kr:
                    rthr = row_keys[i, 0]
            if key < cthr[q]:
                o = col0 + q
                size = col_size[o]
                if size < kc:
                    size = _push(col_keys, col_idx, o, size, key, i)
                    col_size[o] = size
                else:
                    _replace_root(col_keys, col_idx, o, size, key, i)
                if size == kc:
                    cthr[q] = col_keys[o, 0]


@njit(cache=True, nogil=True)
def merge_heaps(keys, idx, size, other_keys, other_idx, other_size):  # pragma: no cover - compiled
    """Fold the heaps ``other_*`` into ``keys / idx / size``, in place (same shapes, one heap per owner row).

    Each owner keeps its ``k`` best entries by (key, index) of both: the
    heaps :func:`fold_block` keeps over the blocks of both, whatever order
    the two were folded in.
    """
    for o in range(size.shape[0]):
        s = size[o]
        for t in range(other_size[o]):
            key = other_keys[o, t]
            j = other_idx[o, t]
            if s < keys.shape[1]:
                s = _push(keys, idx, o, s, key, j)
            elif _worse(keys[o, 0], idx[o, 0], key, j):
                _replace_root(keys, idx, o, s, key, j)
        size[o] = s


def heaps_to_lists(keys: np.ndarray, idx: np.ndarray, size: np.ndarray, dtype: np.dtype, pad: int) -> tuple[np.ndarray, np.ndarray]:
    """Heaps → ``(values, index)`` lists sorted by score desc then index asc, ``-inf`` / ``pad`` padded."""
    k = keys.shape[1]
    used = np.arange(k)[None, :] < size[:, None]
    k_keys = np.where(used, keys, np.inf)
    k_idx = np.where(used, idx, pad)
    order = np.lexsort((k_idx, k_keys), axis=1) if k_keys.size else np.zeros(k_keys.shape, np.intp)
    values = -np.take_along_axis(k_keys, order, axis=1)
    return values.astype(dtype), np.take_along_axis(k_idx, order, axis=1)
