"""A large round without a score matrix: solve, verify, rank and count on the scorer's factors.

:func:`matching.pipeline.match_round` takes this path above
:data:`FACTOR_PATH_MIN_PAIRS` pairs (or when asked): the scorer's fitted
factors (:meth:`matching.features.Scorer.factors`) go to
:func:`matching.solvers.solve_factors`, which proves optimality by pricing
every allowed pair block by block.  What the dense path reads off the
matrix is computed here from blocks or per pair:

* the checks: feasibility against the hard rules looked up per matched pair,
  the objective recomputed from each pair's components
  (:meth:`~matching.features.Scorer.score_pairs`, not the factor product),
  and the solver's dual certificate held against an independent count of
  the allowed pairs;
* each matched partner's rank in the other's list (one pass of float32 row
  bands, the scores near a threshold recomputed exactly);
* each participant's number of allowed partners (from class counts).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

import numpy as np
import scipy.sparse as sp
from numba import njit

from .features import Scorer
from .solvers import MatchResult, VerificationReport, solve_factors, verify_feasible, verify_objective
from .solvers import DualCertificate

__all__ = ["FACTOR_PATH_MIN_PAIRS", "allowed_partners", "factor_checks", "impossible_pairs", "partner_ranks",
           "solve_round_factors"]

#: ``path="auto"`` solves on the factors from this many pairs (left × right) on: 5,000 × 5,000.
FACTOR_PATH_MIN_PAIRS = 25_000_000

#: Score rows held at once by the rank pass (float64 cells).
RANK_BLOCK_CELLS = 2**23

Progress = Callable[[str, int, int], Any]


def solve_round_factors(scorer: Scorer, bounds: dict[str, np.ndarray], required: np.ndarray, *,
                        progress: Progress | None = None, cluster: Any = None) -> MatchResult:
    """Maximum total score of a round on the scorer's factors, in participant indices.

    ``bounds`` holds ``left_capacity``, ``right_capacity``, ``left_min`` and
    ``right_min`` by participant index; ``required`` the must pairs.  The
    problem is solved in the scorer's canonical order and mapped back
    (pairs and dual potentials).  ``cluster``: run the blockwise passes on
    Dask (see :func:`~matching.solvers.solve_factors`).
    """
    f = scorer.factors()
    left_rank, right_rank = scorer.left_rank_, scorer.right_rank_
    canonical = {
        "left_capacity": bounds["left_capacity"][f.left_order],
        "right_capacity": bounds["right_capacity"][f.right_order],
        "left_min": bounds["left_min"][f.left_order],
        "right_min": bounds["right_min"][f.right_order],
    }
    required_c = np.column_stack([left_rank[required[:, 0]], right_rank[required[:, 1]]]) if len(required) else None
    sparse = None if f.sparse_left is None else (f.sparse_left, f.sparse_right)
    classes = None if f.class_table is None else (f.left_class, f.right_class, f.class_table)
    result = solve_factors(
        f.left, f.right, forbidden=f.forbidden if len(f.forbidden) else None, required=required_c,
        sparse_vectors=sparse, forbidden_classes=classes, progress=progress, cluster=cluster, **canonical,
    )
    pairs = np.column_stack([f.left_order[result.pairs[:, 0]], f.right_order[result.pairs[:, 1]]]) if len(result.pairs) \
        else np.zeros((0, 2), np.int64)
    cert = result.certificate
    cert = replace(cert, left_potential=np.asarray(cert.left_potential)[left_rank],
                   right_potential=np.asarray(cert.right_potential)[right_rank])
    return replace(result, pairs=pairs, certificate=cert)


def impossible_pairs(scorer: Scorer, pairs: np.ndarray) -> np.ndarray:
    """Whether each pair ``(i, j)`` (participant indices) breaks a hard rule, looked up pair by pair."""
    if len(pairs) == 0:
        return np.zeros(0, dtype=bool)
    i, j = pairs[:, 0], pairs[:, 1]
    out = scorer.language_impossible_[scorer.language_left_[i], scorer.language_right_[j]]
    out |= scorer.role_impossible_[scorer.role_left_[i], scorer.role_right_[j]]
    out |= np.asarray(scorer.forbidden_[i, j]).ravel().astype(bool)
    return out


def allowed_partners(scorer: Scorer) -> tuple[np.ndarray, np.ndarray]:
    """How many partners each left and each right participant may meet under the hard rules.

    From class counts (language state × role) and the listed impossible
    pairs; nothing of size ``n_left × n_right`` is built.
    """
    n_roles = len(scorer.roles_)
    left_class = scorer.language_left_ * n_roles + scorer.role_left_
    right_class = scorer.language_right_ * n_roles + scorer.role_right_
    k = len(scorer.language_impossible_) * n_roles
    table = (scorer.language_impossible_[:, None, :, None] | scorer.role_impossible_[None, :, None, :]).reshape(k, k)
    count_left = np.bincount(left_class, minlength=k)
    count_right = np.bincount(right_class, minlength=k)
    allowed_left = scorer.n_right_ - (table.astype(np.int64) @ count_right)[left_class]
    allowed_right = scorer.n_left_ - (count_left @ table.astype(np.int64))[right_class]
    listed = scorer.forbidden_.tocoo()
    only_listed = ~table[left_class[listed.row], right_class[listed.col]]
    allowed_left = allowed_left - np.bincount(listed.row[only_listed], minlength=scorer.n_left_)
    allowed_right = allowed_right - np.bincount(listed.col[only_listed], minlength=scorer.n_right_)
    return allowed_left.astype(np.int64), allowed_right.astype(np.int64)


def factor_checks(scorer: Scorer, result: MatchResult, bounds: dict[str, np.ndarray],
                  required: np.ndarray | None) -> tuple[VerificationReport, ...]:
    """Feasibility, objective and the dual certificate of a factor-path result, without a score matrix."""
    pairs = result.pairs
    impossible = pairs[impossible_pairs(scorer, pairs)]
    reports = [verify_feasible(result, forbidden=impossible if len(impossible) else None, required=required, **bounds)]
    values = scorer.score_pairs(pairs[:, 0], pairs[:, 1]) if len(pairs) else np.zeros(0)
    scores = sp.csr_array((values, (pairs[:, 0], pairs[:, 1])), shape=result.shape)
    reports.append(verify_objective(result, scores, rtol=1e-7))
    problems = []
    cert = result.certificate
    allowed = int(allowed_partners(scorer)[0].sum())
    if not isinstance(cert, DualCertificate):
        problems.append(f"expected dual potentials, got {type(cert).__name__}")
    else:
        if cert.pairs_checked != allowed:
            problems.append(f"the pricing checked {cert.pairs_checked} pairs but {allowed} pairs are allowed")
        tolerance = float(result.info.get("tolerance", 1e-9))
        if not cert.max_violation <= tolerance:
            problems.append(f"a pair violates the dual potentials by {cert.max_violation!r} (tolerance {tolerance!r})")
    if result.status.value != "optimal":
        problems.append(f"status is {result.status.value}, not optimal")
    reports.append(VerificationReport("duals (priced)", tuple(problems), {"allowed_pairs": allowed}))
    return tuple(reports)


@njit(cache=True)
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
    p, pe = lptr[i], lptr[i + 1]
    q, qe = rptr[j], rptr[j + 1]
    while p < pe and q < qe:
        if lidx[p] == ridx[q]:
            acc += ldata[p] * rdata[q]
            p += 1
            q += 1
        elif lidx[p] < ridx[q]:
            p += 1
        else:
            q += 1
    return acc


@njit(cache=True)
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
    out_col = np.zeros(n_pairs, np.int64)
    right_ids = scorer.right_order_.astype(np.int64)
    cells = max(RANK_BLOCK_CELLS, scorer.n_right_)
    screened = _Float32Bands(scorer) if np.dtype(scorer.dtype) == np.float64 else None
    done = 0
    for rows, cols, band, mask in _bands(scorer, cells, screened):
        first = done
        done += len(rows)
        lo, hi = np.searchsorted(sorted_pos, [first, done])
        chosen = by_row[lo:hi]
        out_row = np.zeros(len(chosen), np.int64)
        args = (mask, rows.astype(np.int64), right_ids, (left_pos[chosen] - first).astype(np.int64), thresholds[chosen],
                pairs[chosen, 1].astype(np.int64), out_row, p_cols, thr_col, i_of_col, out_col, eps)
        if screened is None:
            _count_ahead(band.astype(np.float64, copy=False), *args)
        else:
            _count_ahead_screened(band, screened.err, first, *screened.exact, *args)
        rank_left[chosen] += out_row
        if progress is not None:
            progress("ranks", done, scorer.n_left_)
    rank_right[by_col] += out_col
    return rank_left, rank_right


def _bands(scorer: Scorer, cells: int, screened: _Float32Bands | None):
    """``(rows, cols, scores, impossible)`` row bands of every right participant, in the canonical order."""
    if screened is None:
        yield from scorer.iter_blocks(max_block_cells=cells)
        return
    step = max(1, cells // max(scorer.n_right_, 1))
    for lo in range(0, scorer.n_left_, step):
        rows = slice(lo, min(scorer.n_left_, lo + step))
        band, mask = screened.band(rows)
        yield scorer.left_order_[rows], scorer.right_order_, band, mask
