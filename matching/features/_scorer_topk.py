"""Every participant's best possible partners, in blocks, never holding the score matrix.

The blocks of one row band run one after the other in a worker thread; the
bands go to :func:`worker_count` threads, each taking the next band when
done (so each sees its bands in increasing row order).  A band's rows live in
it alone, so the row heaps are shared; each thread keeps column heaps of its
own, merged by (score, rank) at the end with
:func:`~._topk_kernel.merge_heaps`: the heaps are exactly those of one
pass, ties included (the cluster path, :mod:`._topk_cluster`, merges the same
way).  The threads run the matrix product with one BLAS thread each and fold
with the compiled kernel, both outside the GIL.  Each thread beyond the first
holds column heaps of its own: ``n_right * k * 16`` bytes (32 MB at 100,000
per side and k = 20).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from .._cluster import check_cluster
from .._cores import available_cores
from .._memory import release_free_memory
from ._blocks import square_blocks
from ._topk_kernel import fold_block, heaps_to_lists, merge_heaps

__all__ = ["top_k", "worker_count"]


def worker_count() -> int:
    """The threads :meth:`Scorer.top_k` folds blocks in: the CPU cores this process may use."""
    return available_cores()


def top_k(
    scorer: Any,
    k: int = 20,
    *,
    direction: str = "both",
    max_block_cells: int | None = None,
    progress: Callable[[int, int], Any] | None = None,
    cluster: Any = None,
) -> sp.csr_array:
    """:meth:`matching.features.Scorer.top_k` (see there)."""
    scorer._check_fitted()
    if direction not in ("left", "right", "both"):
        raise ValueError(f"direction must be 'left', 'right' or 'both', got {direction!r}")
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be an int >= 1, got {k!r}")
    check_cluster(cluster)
    k = int(k)
    dtype = np.dtype(scorer.dtype)
    n_left, n_right = scorer.n_left_, scorer.n_right_
    want_rows, want_cols = direction in ("left", "both"), direction in ("right", "both")
    kr, kc = min(k, n_right), min(k, n_left)
    # running heaps of negated scores (compiled); 0 rows when a direction is not wanted
    row_keys = np.empty((n_left if want_rows else 0, kr))
    col_keys = np.empty((n_right if want_cols else 0, kc))
    heaps = [row_keys, np.empty(row_keys.shape, np.int64), np.zeros(len(row_keys), np.int64),
             col_keys, np.empty(col_keys.shape, np.int64), np.zeros(len(col_keys), np.int64)]
    del row_keys, col_keys  # the heaps are released as soon as they are read (below)
    cells = int(max_block_cells or scorer.max_block_cells)
    if cluster is not None:  # the same blocks as Dask tasks, their heaps merged exactly
        from ._topk_cluster import fold_on_cluster

        fold_on_cluster(cluster, scorer, cells, want_rows, want_cols, tuple(heaps), progress)
    else:
        # Blocks run over the canonical order and candidates are kept by canonical
        # rank, so the result (ties included) does not depend on the input order.
        _fold_in_threads(scorer, cells, want_rows, want_cols, tuple(heaps), progress)
    # positions as 4-byte integers when they fit (they do below 2**31 participants a side)
    small = max(n_left, n_right) < 2**31
    left_order = scorer.left_order_.astype(np.int32) if small else scorer.left_order_
    right_order = scorer.right_order_.astype(np.int32) if small else scorer.right_order_
    pieces_i, pieces_j, pieces_v = [], [], []
    if want_rows:
        vals, idx = heaps_to_lists(heaps[0], heaps[1], heaps[2], dtype, n_right)
        heaps[:3] = [None] * 3
        keep = np.isfinite(vals)
        pieces_i.append(np.repeat(left_order, keep.sum(axis=1)))  # row-major: each row's kept entries
        pieces_j.append(right_order[idx[keep]])
        pieces_v.append(vals[keep])
        del vals, idx, keep
    if want_cols:
        vals, idx = heaps_to_lists(heaps[3], heaps[4], heaps[5], dtype, n_left)
        heaps[3:] = [None] * 3
        keep = np.isfinite(vals)
        pieces_i.append(left_order[idx[keep]])
        pieces_j.append(np.repeat(right_order, keep.sum(axis=1)))
        pieces_v.append(vals[keep])
        del vals, idx, keep
    release_free_memory()  # the heaps: holes in the heap once read, before the largest temporaries below
    i, j, v = np.concatenate(pieces_i), np.concatenate(pieces_j), np.concatenate(pieces_v)
    del pieces_i, pieces_j, pieces_v
    key = i.astype(np.int64) * max(n_right, 1) + j
    first = np.unique(key, return_index=True)[1]
    del key
    i, j, v = i[first], j[first].astype(np.int64), v[first]
    indptr = np.zeros(n_left + 1, dtype=np.int64)
    np.add.at(indptr, i + 1, 1)
    indptr = np.cumsum(indptr)
    return sp.csr_array((v.astype(dtype), j, indptr), shape=(n_left, n_right))


def _fold_in_threads(scorer: Any, cells: int, want_rows: bool, want_cols: bool, heaps: tuple,
                     progress: Callable[[int, int], Any] | None) -> None:
    """Fill ``heaps`` from every block, the row bands shared among :func:`worker_count` threads."""
    row_keys, row_idx, row_size, col_keys, col_idx, col_size = heaps
    n_left, n_right = scorer.n_left_, scorer.n_right_
    bands: dict[int, list[tuple[slice, slice]]] = {}
    for rows, cols in square_blocks(n_left, n_right, cells):
        bands.setdefault(rows.start, []).append((rows, cols))
    order = [bands[start] for start in sorted(bands)]
    threads = min(worker_count(), len(order))
    lock = threading.Lock()
    state = {"next": 0, "done": 0}
    total = n_left * n_right

    def next_band() -> list[tuple[slice, slice]] | None:
        with lock:
            at = state["next"]
            state["next"] = at + 1
        return order[at] if at < len(order) else None

    def work(own_columns: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if own_columns:
            keys, idx, size = np.empty_like(col_keys), np.empty_like(col_idx), np.zeros_like(col_size)
        else:
            keys, idx, size = col_keys, col_idx, col_size
        while (band := next_band()) is not None:
            for rows, cols in band:
                scores = scorer._block_c(rows, cols)
                np.copyto(scores, -np.inf, where=scorer._mask_block_c(rows, cols))
                fold_block(scores, rows.start, cols.start, row_keys, row_idx, row_size, keys, idx, size,
                           want_rows, want_cols)
            if progress is not None:
                with lock:
                    state["done"] += (band[0][0].stop - band[0][0].start) * n_right
                    progress(state["done"], total)
        return keys, idx, size

    if threads <= 1:
        work(own_columns=False)
        return
    with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(threads) as pool:
        futures = [pool.submit(work, own) for own in [False] + [True] * (threads - 1)]
        results = [f.result() for f in futures]
    if want_cols:
        for keys, idx, size in results[1:]:
            merge_heaps(col_keys, col_idx, col_size, keys, idx, size)
