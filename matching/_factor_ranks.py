"""Each matched partner's rank in the other's list, on the factor path (no score matrix).

:func:`partner_ranks` makes one pass over row bands of the scores: for a
float64 scorer the bands are float32 products of the scorer's factors
(:class:`_Float32Bands`), screened against a bound on their rounding error,
and only the scores near a threshold are recomputed in float64.  The bands
go to one thread per core (one BLAS thread each, the counting kernels
outside the GIL); a band's row counts are its own, and each thread keeps
its own column counts, added up at the end (sums of integers: the same
ranks whatever the order).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

import numpy as np
import scipy.sparse as sp
from numba import njit
from threadpoolctl import threadpool_limits

from ._cores import available_cores
from .features import Scorer
from .solvers._factors_extras import sparse_dot

__all__ = ["RANK_BLOCK_CELLS", "partner_ranks"]

#: Score rows held at once by the rank pass (cells).
RANK_BLOCK_CELLS = 2**23

Progress = Callable[[str, int, int], Any]


@njit(cache=True, nogil=True)
def _count_ahead(band, mask, row_ids, col_ids, local, thr_row, j_of_row, out_row, p_cols, thr_col, i_of_col, out_col,
                 eps):  # pragma: no cover - compiled
    """Fold one band of rows into the partners-ahead counts (ties within ``eps`` go to the lower index)."""
    n_rows, m = band.shape
    for q in range(local.shape[0]):
        t = local[q]
        th = thr_row[q]
        e = eps * max(1.0, abs(th))
        count = 0
        for c in range(m):
            if mask[t, c]:
                continue
            s = band[t, c]
            if s > th + e or (s >= th - e and col_ids[c] < j_of_row[q]):
                count += 1
        out_row[q] += count
    for t in range(n_rows):
        row = row_ids[t]
        for p in range(p_cols.shape[0]):
            c = p_cols[p]
            if mask[t, c]:
                continue
            th = thr_col[p]
            e = eps * max(1.0, abs(th))
            s = band[t, c]
            if s > th + e or (s >= th - e and row < i_of_col[p]):
                out_col[p] += 1


@njit(cache=True, inline="always")
def _exact_score(left, right, lptr, lidx, ldata, rptr, ridx, rdata, i, j):  # pragma: no cover - compiled
    """``left[i] @ right[j]`` plus the sparse part ``L[i] @ R[j]`` (CSR, sorted indices), in float64."""
    acc = 0.0
    for q in range(left.shape[1]):
        acc += left[i, q] * right[j, q]
    return acc + sparse_dot(lptr, lidx, ldata, rptr, ridx, rdata, i, j)


@njit(cache=True, nogil=True)
def _count_ahead_screened(band, err, first, left, right, lptr, lidx, ldata, rptr, ridx, rdata, mask, row_ids, col_ids,
                          local, thr_row, j_of_row, out_row, p_cols, thr_col, i_of_col, out_col,
                          eps):  # pragma: no cover - compiled
    """:func:`_count_ahead` on a float32 band whose scores are within ``err`` of the exact ones.

    A score above ``threshold + tie band + err`` is ahead, one below
    ``threshold - tie band - err`` is not; only the few in between are
    recomputed exactly (:func:`_exact_score`, row ``first + t`` of the
    factors) and compared as :func:`_count_ahead` compares them.
    """
    n_rows, m = band.shape
    for q in range(local.shape[0]):
        t = local[q]
        th = thr_row[q]
        e = eps * max(1.0, abs(th))
        count = 0
        for c in range(m):
            if mask[t, c]:
                continue
            s = np.float64(band[t, c])
            if s > th + e + err:
                count += 1
            elif s >= th - e - err:
                s = _exact_score(left, right, lptr, lidx, ldata, rptr, ridx, rdata, first + t, c)
                if s > th + e or (s >= th - e and col_ids[c] < j_of_row[q]):
                    count += 1
        out_row[q] += count
    for t in range(n_rows):
        row = row_ids[t]
        for p in range(p_cols.shape[0]):
            c = p_cols[p]
            if mask[t, c]:
                continue
            th = thr_col[p]
            e = eps * max(1.0, abs(th))
            s = np.float64(band[t, c])
            if s > th + e + err:
                out_col[p] += 1
            elif s >= th - e - err:
                s = _exact_score(left, right, lptr, lidx, ldata, rptr, ridx, rdata, first + t, c)
                if s > th + e or (s >= th - e and row < i_of_col[p]):
                    out_col[p] += 1


class _Float32Bands:
    """Row bands of a float64 scorer's scores computed in float32, with a bound on their error.

    From the scorer's factors (:meth:`~matching.features.Scorer.factors`):
    the dense product in float32 (half the time of float64) plus the sparse
    part; ``err`` bounds ``|band - exact score|`` for every pair (the
    classical dot-product bound, doubled, as :func:`~matching.solvers.solve_factors`
    screens candidates), and ``exact`` holds what :func:`_exact_score` needs.
    """

    def __init__(self, scorer: Scorer):
        f = scorer.factors()
        n, m = len(f.left), len(f.right)
        self.scorer, self.m = scorer, m
        self.left32, self.right32 = f.left.astype(np.float32), f.right.astype(np.float32)
        empty = (np.zeros(n + 1, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(m + 1, np.int64),
                 np.zeros(0, np.int64), np.zeros(0))
        if f.sparse_left is None:
            self.sparse_right_t = None
            sparse_arrays, largest_sparse = empty, 0.0
        else:
            sl, sr = sp.csr_array(f.sparse_left, dtype=np.float64), sp.csr_array(f.sparse_right, dtype=np.float64)
            sl.sum_duplicates()
            sr.sum_duplicates()
            sl.sort_indices()
            sr.sort_indices()
            self.sparse_left, self.sparse_right_t = sl, sp.csr_array(sr.T)
            sparse_arrays = (sl.indptr.astype(np.int64), sl.indices.astype(np.int64), sl.data,
                             sr.indptr.astype(np.int64), sr.indices.astype(np.int64), sr.data)
            norm = lambda x: float(np.sqrt(np.max(x.multiply(x).sum(axis=1), initial=0.0)))  # noqa: E731
            largest_sparse = norm(sl) * norm(sr)
        self.exact = (np.ascontiguousarray(f.left, dtype=np.float64), np.ascontiguousarray(f.right, dtype=np.float64),
                      *sparse_arrays)
        unit = float(np.finfo(np.float32).eps) / 2
        norms = float(np.sqrt(np.max(np.einsum("ij,ij->i", f.left, f.left), initial=0.0)))
        norms *= float(np.sqrt(np.max(np.einsum("ij,ij->i", f.right, f.right), initial=0.0)))
        d = f.left.shape[1]
        self.err = (2.0 * (d + 2) * unit * norms + 4.0 * unit * (norms + largest_sparse)) * (1 + 1e-6)

    def band(self, rows: slice) -> tuple[np.ndarray, np.ndarray]:
        """``(scores in float32, impossible)`` of the canonical rows ``rows`` against every right participant."""
        scores = self.left32[rows] @ self.right32.T
        if self.sparse_right_t is not None:
            extra = (self.sparse_left[rows] @ self.sparse_right_t).tocoo()
            if extra.nnz:
                np.add.at(scores, (extra.row, extra.col), extra.data.astype(np.float32))
        return scores, self.scorer._mask_block_c(rows, slice(0, self.m))


def partner_ranks(scorer: Scorer, pairs: np.ndarray, *, progress: Progress | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Rank (1 = best, ties by index) of each matched partner in the other's list of allowed partners.

    One pass over row bands of the scores (``RANK_BLOCK_CELLS`` at a time;
    for a float64 scorer the bands are float32 products screened against an
    error bound, and only the scores near a threshold are recomputed in
    float64, see :class:`_Float32Bands`):
    ``rank_for_left[p]`` counts the allowed right partners of ``pairs[p, 0]``
    scoring above ``pairs[p, 1]``, ``rank_for_right[p]`` the allowed left
    partners of ``pairs[p, 1]`` above ``pairs[p, 0]`` (scores within a
    relative ``1e-9`` are ties).
    """
    n_pairs = len(pairs)
    rank_left, rank_right = np.ones(n_pairs, np.int64), np.ones(n_pairs, np.int64)
    if n_pairs == 0:
        return rank_left, rank_right
    thresholds = scorer.score_pairs(pairs[:, 0], pairs[:, 1]).astype(np.float64)
    eps = 1e-9 if np.dtype(scorer.dtype) == np.float64 else 1e-5
    left_pos = scorer.left_rank_[pairs[:, 0]]
    by_row = np.argsort(left_pos, kind="stable")
    sorted_pos = left_pos[by_row]
    cols_c = scorer.right_rank_[pairs[:, 1]].astype(np.int64)
    by_col = np.argsort(cols_c, kind="stable")
    p_cols = np.ascontiguousarray(cols_c[by_col])
    thr_col = np.ascontiguousarray(thresholds[by_col])
    i_of_col = np.ascontiguousarray(pairs[by_col, 0].astype(np.int64))
    right_ids = scorer.right_order_.astype(np.int64)
    cells = max(RANK_BLOCK_CELLS, scorer.n_right_)
    screened = _Float32Bands(scorer) if np.dtype(scorer.dtype) == np.float64 else None
    bands = _band_rows(scorer, cells)
    lock = threading.Lock()
    state = {"next": 0, "done": 0}

    def work() -> np.ndarray:
        """Count the bands this thread takes; returns its own column counts (the row counts are its bands')."""
        out_col = np.zeros(n_pairs, np.int64)
        while True:
            with lock:
                at = state["next"]
                state["next"] = at + 1
            if at >= len(bands):
                return out_col
            rows = bands[at]
            first, stop = rows.start, rows.stop
            order_rows, band, mask = _band(scorer, rows, screened)
            lo, hi = np.searchsorted(sorted_pos, [first, stop])
            chosen = by_row[lo:hi]
            out_row = np.zeros(len(chosen), np.int64)
            args = (mask, order_rows.astype(np.int64), right_ids, (left_pos[chosen] - first).astype(np.int64),
                    thresholds[chosen], pairs[chosen, 1].astype(np.int64), out_row, p_cols, thr_col, i_of_col, out_col,
                    eps)
            if screened is None:
                _count_ahead(band.astype(np.float64, copy=False), *args)
            else:
                _count_ahead_screened(band, screened.err, first, *screened.exact, *args)
            rank_left[chosen] += out_row  # a band's rows are its own: no other thread writes these
            if progress is not None:
                with lock:
                    state["done"] += stop - first
                    progress("ranks", state["done"], scorer.n_left_)

    threads = min(available_cores(), len(bands))
    if threads <= 1:
        out_cols = [work()]
    else:
        with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(threads) as pool:
            out_cols = [f.result() for f in [pool.submit(work) for _ in range(threads)]]
    rank_right[by_col] += np.sum(out_cols, axis=0)
    return rank_left, rank_right


def _band_rows(scorer: Scorer, cells: int) -> list[slice]:
    """The canonical row bands of the pass: about ``cells`` scores each."""
    step = max(1, cells // max(scorer.n_right_, 1))
    return [slice(lo, min(scorer.n_left_, lo + step)) for lo in range(0, scorer.n_left_, step)]


def _band(scorer: Scorer, rows: slice, screened: _Float32Bands | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(participant rows, scores, impossible)`` of the canonical rows ``rows`` against every right participant."""
    if screened is not None:
        band, mask = screened.band(rows)
        return scorer.left_order_[rows], band, mask
    scores = scorer._block_c(rows, slice(0, scorer.n_right_))
    return scorer.left_order_[rows], scores, scorer._mask_block_c(rows, slice(0, scorer.n_right_))
