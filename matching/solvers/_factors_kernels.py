"""Compiled kernel of :mod:`._factors`: top-k candidates of score blocks, with column state kept across blocks."""

from __future__ import annotations

import numpy as np
from numba import njit

from ._heap import merge_ranked, push_ranked, ranked_worse, replace_ranked_root

__all__ = ["block_top_k", "merge_heaps", "pair_dots"]

_B = 64


@njit(cache=True)
def _heap_push(keys, idx, off, size, k, key, j):  # pragma: no cover - compiled
    """Keep in ``keys[off:off+k]`` the ``k`` best entries by (key, index); returns the new size.

    Entries come in increasing index order per heap, so a new entry equal to
    the worst kept one loses the tie; the root is the worst entry by (key,
    index), so the heap holds the ``k`` smallest by (key, index) whatever the
    order of pushes: the per-block heaps of a distributed pass merge into
    exactly the heap of one pass over all blocks (:func:`merge_heaps`).
    """
    if size < k:
        return push_ranked(keys, idx, off, size, key, j)
    if ranked_worse(keys[off], idx[off], key, j):
        replace_ranked_root(keys, idx, off, size, key, j)
    return size


@njit(cache=True, fastmath=True)
def _chunk_scan(row, sign, cthr, cmin, chit, inf):
    """Per chunk of ``_B`` columns: the smallest cost, and the smallest cost minus its column's threshold.

    ``inf`` is infinity in the row's dtype (the scan then runs in that dtype)."""
    m = row.shape[0]
    for q in range(cmin.shape[0]):
        lo = inf
        lo_col = inf
        for j in range(q * _B, min(q * _B + _B, m)):
            c = sign * row[j]
            lo = min(lo, c)
            lo_col = min(lo_col, c - cthr[j])
        cmin[q] = lo
        chit[q] = lo_col


@njit(cache=True, nogil=True)
def block_top_k(block, sign, first_row, k_row, row_keys, row_idx, row_size, col_keys, col_idx, col_size, k_col, fptr, fidx):
    """Fold a block of scores (rows ``first_row ...``) into the running top-k of every row and column.

    Costs are ``sign * block``; smaller is better.  Row heaps ``row_keys /
    row_idx`` (``k_row`` per row of the whole problem) and column heaps
    ``col_keys / col_idx`` (``k_col`` per column) with their sizes are
    updated in place; forbidden pairs of block row ``t`` are
    ``fidx[fptr[t]:fptr[t+1]]`` (sorted).  Every row is scanned once in
    chunks: a vectorized pass finds each chunk's smallest cost, the
    ``k_row``-th smallest chunk minimum bounds the row's ``k_row``-th
    smallest cost, and only chunks that may hold a row or column candidate
    are read again one by one.
    """
    b, m = block.shape
    nq = (m + _B - 1) // _B
    # thresholds in the block's dtype: the keys are costs read from blocks of that dtype, so exact
    cthr = np.empty(m, block.dtype)
    for j in range(m):
        cthr[j] = col_keys[j * k_col] if col_size[j] == k_col else np.inf
    cmin = np.empty(nq, block.dtype)
    chit = np.empty(nq, block.dtype)
    inf = cthr[:1].copy()
    inf[0] = np.inf
    for t in range(b):
        i = first_row + t
        row = block[t]
        off = i * k_row
        size = row_size[i]
        fp = fptr[t]
        fe = fptr[t + 1]
        _chunk_scan(row, sign, cthr, cmin, chit, inf[0])
        bound = np.inf
        if fe == fp and nq >= k_row:
            bound = np.sort(cmin)[k_row - 1]
        rthr = min(bound, row_keys[off]) if size == k_row else bound
        for q in range(nq):
            if cmin[q] > rthr and chit[q] >= 0.0:
                continue
            for j in range(q * _B, min(q * _B + _B, m)):
                c = sign * row[j]
                if c <= rthr or c < cthr[j]:
                    if fp < fe:
                        while fp < fe and fidx[fp] < j:
                            fp += 1
                        if fp < fe and fidx[fp] == j:
                            continue
                    if c <= rthr and (size < k_row or c < row_keys[off]):
                        size = _heap_push(row_keys, row_idx, off, size, k_row, c, j)
                        if size == k_row:
                            rthr = min(bound, row_keys[off])
                    if c < cthr[j]:
                        cs = _heap_push(col_keys, col_idx, j * k_col, col_size[j], k_col, c, i)
                        col_size[j] = cs
                        if cs == k_col:
                            cthr[j] = col_keys[j * k_col]
        row_size[i] = size


@njit(cache=True, nogil=True)
def pair_dots(a, b, rows, cols, out):  # pragma: no cover - compiled
    """``out[t] = a[rows[t]] @ b[cols[t]]`` in float64, without gathering the rows (the factors stay in cache)."""
    d = a.shape[1]
    for t in range(rows.shape[0]):
        i = rows[t]
        j = cols[t]
        acc = 0.0
        for q in range(d):
            acc += a[i, q] * b[j, q]
        out[t] = acc


def merge_heaps(keys, idx, size, k, other_keys, other_idx, other_size) -> None:
    """Fold the heaps ``other_*`` into ``keys / idx / size`` (``k`` slots per owner), in place.

    Each owner keeps its ``k`` smallest entries by (key, index) of both: the
    same set as one pass of :func:`block_top_k` over the rows of both.
    """
    merge_ranked(keys, idx, size, k, other_keys, other_idx, other_size)
