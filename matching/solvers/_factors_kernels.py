"""Compiled kernel of :mod:`._factors`: top-k candidates of score blocks, with column state kept across blocks."""

from __future__ import annotations

import numpy as np
from numba import njit

from ._heap import push_max, replace_max

__all__ = ["block_top_k", "pair_dots"]

_B = 64


@njit(cache=True)
def _heap_push(keys, idx, off, size, k, key, j):
    """Max-heap of the ``k`` smallest keys in ``keys[off:off+k]``; returns the new size."""
    if size < k:
        return push_max(keys, idx, off, size, key, j)
    if key < keys[off]:
        replace_max(keys, idx, off, size, key, j)
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


@njit(cache=True)
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


@njit(cache=True)
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
