"""Memory-bounded blocks and deterministic top-k selection.

Ties are broken by the lower index, everywhere, so the candidates of a
participant do not depend on block sizes or input order.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

__all__ = ["block_ranges", "square_blocks", "topk_rows", "merge_topk", "update_topk"]


def block_ranges(n_rows: int, n_cols: int, max_block_cells: int) -> Iterator[tuple[slice, slice]]:
    """Row-major (rows, cols) slices of blocks holding at most ``max_block_cells`` cells."""
    if max_block_cells < 1:
        raise ValueError(f"max_block_cells must be >= 1, got {max_block_cells}")
    col_step = max(1, min(n_cols, max_block_cells))
    row_step = max(1, max_block_cells // col_step)
    for r0 in range(0, n_rows, row_step):
        for c0 in range(0, n_cols, col_step):
            yield slice(r0, min(n_rows, r0 + row_step)), slice(c0, min(n_cols, c0 + col_step))


def square_blocks(n_rows: int, n_cols: int, max_block_cells: int) -> Iterator[tuple[slice, slice]]:
    """Row-major near-square blocks of at most ``max_block_cells`` cells.

    Within a row range, column ranges increase; row ranges increase too, so
    every row (and every column) sees its candidates in increasing index
    order (which :func:`update_topk` relies on for ties).
    """
    if max_block_cells < 1:
        raise ValueError(f"max_block_cells must be >= 1, got {max_block_cells}")
    side = max(1, int(max_block_cells**0.5))
    row_step = min(max(n_rows, 1), side)
    col_step = max(1, min(max(n_cols, 1), max_block_cells // row_step))
    for r0 in range(0, n_rows, row_step):
        for c0 in range(0, n_cols, col_step):
            yield slice(r0, min(n_rows, r0 + row_step)), slice(c0, min(n_cols, c0 + col_step))


def update_topk(
    scores: np.ndarray, row0: int, col0: int, values: np.ndarray, index: np.ndarray, *, by_column: bool = False
) -> None:
    """Merge a block's entries into running top-k lists, in place.

    ``scores`` is the block of rows ``row0 ...`` × columns ``col0 ...``.
    The lists belong to the block's rows (``by_column=False``: ``values``
    is indexed by row, entries are columns) or to its columns
    (``by_column=True``).  ``values``/``index`` (n_owners, k) hold each
    owner's best so far (value desc, index asc; ``-inf`` pads).  Blocks must
    come in increasing order of the entries' indices, so an entry equal to
    the current k-th best loses the tie and only entries strictly above it
    are merged.
    """
    n_rows, n_cols = scores.shape
    k = values.shape[1]
    if n_rows == 0 or n_cols == 0 or k == 0:
        return
    owner0, entry0, n_owners = (col0, row0, n_cols) if by_column else (row0, col0, n_rows)
    threshold = values[owner0 : owner0 + n_owners, k - 1]
    better = scores > (threshold[None, :] if by_column else threshold[:, None])
    flat = np.flatnonzero(better)
    if flat.size == 0:
        return
    if flat.size > 2 * k * n_owners:  # the first blocks: select per owner, then merge
        v, c = topk_rows(np.ascontiguousarray(scores.T) if by_column else scores, k, entry0)
        sl = slice(owner0, owner0 + n_owners)
        values[sl], index[sl] = merge_topk(values[sl], index[sl], v, c, k)
        return
    rr, cc = np.divmod(flat, n_cols)
    owner, entry = (cc, rr) if by_column else (rr, cc)
    affected = np.unique(owner)
    position = np.searchsorted(affected, owner)
    target = owner0 + affected
    rows_all = np.concatenate([np.repeat(np.arange(len(affected)), k), position])
    vals_all = np.concatenate([values[target].ravel(), scores.ravel()[flat]])
    idx_all = np.concatenate([index[target].ravel(), entry.astype(np.int64) + entry0])
    order = _owner_order(rows_all, vals_all, idx_all)
    # every affected owner has k running entries plus at least one new one; keep the first k of each
    counts = np.bincount(rows_all, minlength=len(affected))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.arange(len(order)) - np.repeat(starts, counts)
    keep = order[rank < k]
    values[target] = vals_all[keep].reshape(len(affected), k)
    index[target] = idx_all[keep].reshape(len(affected), k)


def _owner_order(owner: np.ndarray, values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Order entries by owner, value desc, index asc.

    The entries come as each owner's running list (sorted, lower indices
    than any new entry) followed by new entries in increasing index order
    per owner, so a *stable* sort on (owner, value desc) breaks ties by
    index.  For float32 values ``owner * 8 + (4 - value)`` is an exact
    float64 key (24-bit mantissa plus the owner's bits fit in 53) while
    values lie in (-4, 4) (``-inf`` pads sort last), so one stable argsort
    does it; anything else takes a lexsort.
    """
    finite = values[np.isfinite(values)]
    if values.dtype == np.float32 and (finite.size == 0 or (finite.min() > -3.999 and finite.max() < 3.999)):
        key = owner * 8.0 + (4.0 - np.maximum(values.astype(np.float64), -3.999))
        return np.argsort(key, kind="stable")
    return np.lexsort((index, -values, owner))


def _sort_rows(values: np.ndarray, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort each row by value descending, then index ascending."""
    order = np.lexsort((index, -values), axis=-1)
    return np.take_along_axis(values, order, axis=1), np.take_along_axis(index, order, axis=1)


def topk_rows(scores: np.ndarray, k: int, offset: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The ``min(k, n_cols)`` best entries of each row, best first, ties to the lower column.

    Returns ``(values, columns + offset)``, both of shape ``(n_rows, min(k, n_cols))``.
    """
    n_rows, n_cols = scores.shape
    k = min(k, n_cols)
    if k == 0 or n_rows == 0:
        return np.empty((n_rows, 0), scores.dtype), np.empty((n_rows, 0), np.int64)
    if k == n_cols:
        cols = np.broadcast_to(np.arange(n_cols, dtype=np.int64), scores.shape)
        values, cols = _sort_rows(np.array(scores), np.array(cols))
        return values, cols + offset
    threshold = np.partition(scores, n_cols - k, axis=1)[:, n_cols - k]
    selected = scores >= threshold[:, None]
    counts = selected.sum(axis=1)
    for row in np.flatnonzero(counts > k):  # ties at the threshold: keep the lowest columns
        above = scores[row] > threshold[row]
        equal = np.flatnonzero(scores[row] == threshold[row])
        keep = np.zeros(n_cols, dtype=bool)
        keep[above] = True
        keep[equal[: k - int(above.sum())]] = True
        selected[row] = keep
    rows, cols = np.nonzero(selected)
    cols = cols.reshape(n_rows, k).astype(np.int64)
    values = scores[rows, cols.ravel()].reshape(n_rows, k)
    values, cols = _sort_rows(values, cols)
    return values, cols + offset


def merge_topk(
    values_a: np.ndarray, index_a: np.ndarray, values_b: np.ndarray, index_b: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Merge two per-row candidate lists into the best ``k`` (value desc, index asc)."""
    values = np.concatenate([values_a, values_b], axis=1)
    index = np.concatenate([index_a, index_b], axis=1)
    values, index = _sort_rows(values, index)
    return values[:, :k], index[:, :k]
