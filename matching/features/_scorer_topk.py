"""Every participant's best possible partners, in blocks, never holding the score matrix."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import scipy.sparse as sp

from .._cluster import check_cluster
from ._blocks import square_blocks
from ._topk_kernel import fold_block, heaps_to_lists

__all__ = ["top_k"]


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
    row_heap = np.empty(row_keys.shape, np.int64)
    row_size = np.zeros(len(row_keys), np.int64)
    col_keys = np.empty((n_right if want_cols else 0, kc))
    col_heap = np.empty(col_keys.shape, np.int64)
    col_size = np.zeros(len(col_keys), np.int64)
    total, done = n_left * n_right, 0
    cells = int(max_block_cells or scorer.max_block_cells)
    if cluster is not None:  # the same blocks as Dask tasks, their heaps merged exactly
        from ._topk_cluster import fold_on_cluster

        heaps = (row_keys, row_heap, row_size, col_keys, col_heap, col_size)
        fold_on_cluster(cluster, scorer, cells, want_rows, want_cols, heaps, progress)
    else:
        # Blocks run over the canonical order and candidates are kept by canonical
        # rank, so the result (ties included) does not depend on the input order.
        for rows, cols in square_blocks(n_left, n_right, cells):
            scores = scorer._block_c(rows, cols)
            np.copyto(scores, -np.inf, where=scorer._mask_block_c(rows, cols))
            fold_block(scores, rows.start, cols.start, row_keys, row_heap, row_size, col_keys, col_heap, col_size,
                       want_rows, want_cols)
            done += (rows.stop - rows.start) * (cols.stop - cols.start)
            if progress is not None:
                progress(done, total)
    row_vals, row_idx = heaps_to_lists(row_keys, row_heap, row_size, dtype, n_right)
    col_vals, col_idx = heaps_to_lists(col_keys, col_heap, col_size, dtype, n_left)
    pieces_i, pieces_j, pieces_v = [], [], []
    if want_rows:
        keep = np.isfinite(row_vals)
        pieces_i.append(scorer.left_order_[np.broadcast_to(np.arange(n_left)[:, None], keep.shape)[keep]])
        pieces_j.append(scorer.right_order_[row_idx[keep]])
        pieces_v.append(row_vals[keep])
    if want_cols:
        keep = np.isfinite(col_vals)
        pieces_i.append(scorer.left_order_[col_idx[keep]])
        pieces_j.append(scorer.right_order_[np.broadcast_to(np.arange(n_right)[:, None], keep.shape)[keep]])
        pieces_v.append(col_vals[keep])
    i = np.concatenate(pieces_i).astype(np.int64)
    j = np.concatenate(pieces_j).astype(np.int64)
    v = np.concatenate(pieces_v)
    key = i * max(n_right, 1) + j
    key, first = np.unique(key, return_index=True)
    i, j, v = i[first], j[first], v[first]
    indptr = np.zeros(n_left + 1, dtype=np.int64)
    np.add.at(indptr, i + 1, 1)
    indptr = np.cumsum(indptr)
    return sp.csr_array((v.astype(dtype), j, indptr), shape=(n_left, n_right))
