"""The blocks of :meth:`Scorer.top_k <matching.features.Scorer.top_k>` as Dask tasks.

Imported only when a ``cluster`` is given.  The fitted scorer is sent to
the cluster once (:func:`~matching.solvers._factors_dask.hold`); a task folds a panel of consecutive row bands of the
single-process pass (the same blocks, :func:`~._blocks.square_blocks`) into
heaps of its own with :func:`~._topk_kernel.fold_block`.  The client copies
each panel's row heaps (final: a row lives in one band) and merges its
column heaps by (score, rank) with :func:`~._topk_kernel.merge_heaps`, as
the tasks complete: the heaps are exactly those of one pass, ties included.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .._cluster import connect
from ..solvers._factors_dask import hold, results as _results
from ._blocks import square_blocks
from ._topk_kernel import fold_block, merge_heaps

__all__ = ["TASKS_PER_THREAD", "fold_on_cluster"]

#: panels (tasks) per worker thread
TASKS_PER_THREAD = 4


def fold_on_cluster(cluster: Any, scorer: Any, cells: int, want_rows: bool, want_cols: bool, heaps: tuple,
                    progress: Callable[[int, int], Any] | None) -> None:
    """Fill ``heaps`` (row and column heaps, as :meth:`Scorer.top_k` allocates them) from tasks on ``cluster``."""
    from distributed import as_completed

    row_keys, row_idx, row_size, col_keys, col_idx, col_size = heaps
    n_left, n_right = scorer.n_left_, scorer.n_right_
    bands = sorted({rows.start for rows, _ in square_blocks(n_left, n_right, cells)})
    with connect(cluster) as client:
        nthreads = client.nthreads()
        threads = max(1, sum(nthreads.values()))
        slots = [address for address in sorted(nthreads) for _ in range(nthreads[address])]
        per_panel = -(-len(bands) // max(1, min(len(bands), TASKS_PER_THREAD * threads)))
        remote = hold(client, scorer)
        futures = {}
        for p in range(0, len(bands), per_panel):
            lo = bands[p]
            hi = bands[p + per_panel] if p + per_panel < len(bands) else n_left
            worker = [slots[len(futures) % len(slots)]] if slots else None  # in turn: not all next to the scorer
            fut = client.submit(_fold_panel, remote, lo, hi, cells, want_rows, want_cols,
                                row_keys.shape[1], col_keys.shape[1], pure=False, workers=worker,
                                allow_other_workers=True)
            futures[fut] = (lo, hi)
        done, total = 0, n_left * n_right
        for future, (rk, ri, rs, ck, ci, cs) in _results(as_completed(list(futures), loop=client.loop)):
            lo, hi = futures.pop(future)
            future.release()
            if want_rows:
                row_keys[lo:hi], row_idx[lo:hi], row_size[lo:hi] = rk, ri, rs
            if want_cols:
                merge_heaps(col_keys, col_idx, col_size, ck, ci, cs)
            done += (hi - lo) * n_right
            if progress is not None:
                progress(done, total)
        remote.release()


def _fold_panel(scorer: Any, lo: int, hi: int, cells: int, want_rows: bool, want_cols: bool, kr: int, kc: int):
    """Heaps of the row bands starting in ``lo:hi`` (a pure function: a task)."""
    n_left, n_right = scorer.n_left_, scorer.n_right_
    row_keys = np.empty((hi - lo if want_rows else 0, kr))
    row_idx = np.zeros(row_keys.shape, np.int64)
    row_size = np.zeros(len(row_keys), np.int64)
    col_keys = np.empty((n_right if want_cols else 0, kc))
    col_idx = np.zeros(col_keys.shape, np.int64)
    col_size = np.zeros(len(col_keys), np.int64)
    for rows, cols in square_blocks(n_left, n_right, cells):
        if not lo <= rows.start < hi:
            continue
        scores = scorer._block_c(rows, cols)
        np.copyto(scores, -np.inf, where=scorer._mask_block_c(rows, cols))
        fold_block(scores, rows.start - lo, cols.start, row_keys, row_idx, row_size, col_keys, col_idx, col_size,
                   want_rows, want_cols)
    col_idx += lo  # rows local to the panel
    return row_keys, row_idx, row_size, col_keys, col_idx, col_size
