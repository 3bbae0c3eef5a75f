"""Panels of the blockwise passes of :func:`~matching.solvers.solve_factors`: runs of whole row blocks.

A panel is a run of consecutive row blocks of the single-process pass
(the same blocks, at the same boundaries, so the same products), folded by
the same pure per-block functions (:func:`._factors._fold_top_k`,
:func:`._factors._price_block`).  The passes hand panels to the threads of
this process (:mod:`._factors_threads`) or to Dask workers
(:mod:`._factors_dask`); each panel function is a pure function of its
arguments.

Why panels rather than one task per block: a block of the default 256 MiB
holds ``256 MiB / (8 m)`` rows (167 rows at ``m`` = 200,000) but its column
heaps are ``m × k`` entries (25 MB), so per-block results would cost more
than the block's work is worth.
"""

from __future__ import annotations

import numpy as np

from ._factors import _fold_top_k, _price_block, _Scratch, _sub_csr

__all__ = ["TASKS_PER_THREAD", "largest_panel", "panels", "price_panel", "top_k_panel"]

#: panels per pass and thread (a guided pricing panel takes 1 / (TASKS_PER_THREAD · threads) of the blocks left)
TASKS_PER_THREAD = 4


def panels(total: int, block_rows: int, threads: int, guided: bool) -> list[tuple[int, int]]:
    """``(lo, hi)`` of the panels of a pass over ``total`` rows: whole row blocks.

    About :data:`TASKS_PER_THREAD` panels per thread, sized from the pass's
    own rows (a pricing pass over a few thousand rows still keeps every
    thread busy).  ``guided``: each panel takes ``1 / (TASKS_PER_THREAD ·
    threads)`` of the blocks still left, down to a floor of a quarter of an
    equal panel, so the pass ends on small panels rather than waiting for
    the slowest big one; not for the candidate pass, whose column heaps
    restart in every panel (a panel of ``r`` rows inserts about ``k ln(r /
    k)`` entries per column heap: more panels, more inserts).  Panels are
    whole blocks counted from the pass's first row: the blocks of one
    process.
    """
    n_blocks = -(-total // block_rows)
    parts = TASKS_PER_THREAD * max(1, threads)
    equal = -(-n_blocks // max(1, min(n_blocks, parts)))
    floor = max(1, -(-equal // 4)) if guided else equal
    out, lo = [], 0
    while lo < n_blocks:
        size = min(n_blocks - lo, max(floor, -(-(n_blocks - lo) // parts)))
        out.append((lo * block_rows, min((lo + size) * block_rows, total)))
        lo += size
    return out


def top_k_panel(a_search, b_search, extras, block_sign, fptr, fidx, lo, hi, block_rows, sign, k_row, k_col, seed=None):
    """Row and column heaps of the rows ``lo:hi``, folded block by block as one process folds them.

    ``seed``: None, or per column the worst key of a full heap of ``k_col``
    entries of other rows (``inf``: none).  A cost above it cannot be among
    the column's ``k_col`` best, so the panel's column heaps start full of
    placeholders (row -1) keyed just above it, and only costs ``<= seed``
    enter: the same column candidates, far fewer heap inserts and rescanned
    chunks than heaps that start empty.  Placeholders left at the end are
    dropped; the column heaps returned are unordered lists of entries.
    """
    m = len(b_search)
    n_rows = hi - lo
    heaps = (np.empty(n_rows * k_row), np.empty(n_rows * k_row, np.int64), np.zeros(n_rows, np.int64),
             np.empty(m * k_col), np.zeros(m * k_col, np.int64), np.zeros(m, np.int64))
    col_keys, col_idx, col_size = heaps[3].reshape(m, k_col), heaps[4].reshape(m, k_col), heaps[5]
    if seed is not None:
        seeded = np.isfinite(seed)
        dtype = a_search.dtype.type  # the blocks' dtype: a cost c enters iff c < the root, i.e. c <= seed
        col_keys[seeded] = np.nextafter(seed[seeded].astype(dtype), dtype(np.inf)).astype(np.float64)[:, None]
        col_idx[seeded] = -1
        col_size[seeded] = k_col
    scratch = _Scratch()
    for s in range(lo, hi, block_rows):
        e = min(s + block_rows, hi)
        block = extras.finish(scratch.product(a_search[s:e], b_search), slice(s, e), block_sign)
        bfptr, bfidx = _sub_csr(fptr, fidx, np.arange(s, e, dtype=np.int64))
        _fold_top_k(block, sign, s - lo, k_row, k_col, heaps, bfptr, bfidx)
        del block
    if seed is not None:  # drop the placeholders: real entries first in every column
        real = (np.arange(k_col)[None, :] < col_size[:, None]) & (col_idx >= 0)
        order = np.argsort(~real, axis=1, kind="stable")
        col_keys[:] = np.take_along_axis(col_keys, order, axis=1)
        col_idx[:] = np.take_along_axis(col_idx, order, axis=1)
        col_size[:] = real.sum(axis=1)
    heaps[4][:] += lo  # column heaps hold rows local to the panel
    return heaps


def price_panel(a_src, b_src, a, b, extras, block_sign, fptr, fidx, rows, block_rows, contiguous, sign, u_rows, v,
                 tol, k, err, exact, bptr, bidx, near=0):
    """:func:`._factors._price_block` of every row block of ``rows`` (the panel's candidates ``bptr / bidx``)."""
    out, scratch = [], _Scratch()
    for s in range(0, len(rows), block_rows):
        chunk = rows[s:s + block_rows]
        at = slice(int(chunk[0]), int(chunk[0]) + len(chunk)) if contiguous else chunk
        block = extras.finish(scratch.product(a_src[at], b_src), at, block_sign)
        cfptr, cfidx = _sub_csr(fptr, fidx, chunk)
        cbptr, cbidx = _sub_csr(bptr, bidx, np.arange(s, s + len(chunk), dtype=np.int64))
        out.append(_price_block(block, chunk, a[chunk], b, extras, sign, u_rows[s:s + len(chunk)], v, tol, k, err,
                                exact, cfptr, cfidx, cbptr, cbidx, near))
        del block
    return out


def largest_panel(a_src, b_src, extras, block_sign, lo, hi, block_rows):
    """Largest finite |score| of the rows ``lo:hi``."""
    top, scratch = 0.0, _Scratch()
    for s in range(lo, hi, block_rows):
        at = slice(s, min(s + block_rows, hi))
        block = extras.finish(scratch.product(a_src[at], b_src), at, block_sign)
        top = max(top, float(np.max(np.abs(block), where=np.isfinite(block), initial=0.0)))
    return top
