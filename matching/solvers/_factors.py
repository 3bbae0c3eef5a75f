"""Exact matching on scores given by factors, never materializing the score matrix.

The score of the pair ``(i, j)`` is ``left[i] @ W @ right[j] + bias_left[i] +
bias_right[j]`` (``W`` the identity when no weighting is given).  At
100,000 × 100,000 the matrix would take 80 GB, but an exact solver needs
only

1. *candidates*: the ``k`` best partners of every participant, both
   directions, found in row blocks of the product (``max_block_bytes`` at a
   time; float32 products by default, since only the choice of candidates
   depends on them), forbidden pairs skipped;
2. an exact sparse solve of the candidate problem with dual potentials
   (shortest augmenting paths for one-to-one, the capacitated solver's
   min-cost flow otherwise); a participant may always stay unmatched, which
   keeps the candidate problem feasible without changing the optimum;
3. *pricing*: the reduced cost of every allowed pair of the full problem is
   computed in row blocks of the product, in float64; violated pairs are
   added and the solve warm-starts, until no pair is violated.  The
   potentials then prove optimality on the full problem (LP duality), and
   the :class:`DualCertificate` says how many pairs were checked, the
   largest violation found and the rounds of pricing.

Capacities, minimums (``left_min`` / ``right_min``) and required pairs go to
the capacitated solver on the candidates (required pairs always among them;
candidates widened when the minimums need partners outside them), priced
the same way (:mod:`._factors_capacitated`: one min-cost flow over all the
candidates per round, and after a full pass only the rows whose bound
no longer clears them, :mod:`._factors_bound`).  ``max_block_bytes`` bounds the score block held at once and
``progress(stage, done, total)`` reports every block (the CLI's
``matching match-factors`` draws it as a progress bar).  The passes over
the blocks run on one thread per core (:mod:`._factors_threads`), or as
Dask tasks with ``cluster=`` (:mod:`._factors_dask`), both calling the same
per-block functions (:func:`_fold_top_k`, :func:`_price_block`) on panels of
whole blocks (:mod:`._factors_panels`).
"""

from __future__ import annotations

import re
from time import perf_counter
from types import SimpleNamespace
from typing import Any, Callable

import numpy as np
import scipy.sparse as sp

from .._cluster import check_cluster
from ..errors import Infeasible
from ._assignment import _REL_TOL, K, Violations, _few_ties, _slackness_violation, _solve_with_pricing
from . import _factors_kernels as FK
from ._constraints import bound_array, check_min_le_max, invalid, pair_array
from ._factors_bound import near_price
from ._factors_extras import Extras, make_extras
from ._result import DualCertificate, MatchResult, Status

__all__ = ["solve_factors"]

#: violated pairs added per left participant in the first pricing round (doubled each round)
_ADD_K = 10
_ADD_K_MAX = 2048

Progress = Callable[[str, int, int], None]


# ----------------------------------------------------------------------------------------------
# Validation


def _matrix(value: Any, name: str) -> np.ndarray:
    if isinstance(value, (str, bytes)):
        raise invalid(name, value, "expected a matrix (2-D array) of vectors, got a string")
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        raise invalid(name, type(value).__name__, "expected a matrix (2-D array) of vectors") from None
    if arr.ndim != 2:
        raise invalid(name, arr.shape, f"expected a matrix (2-D array) of vectors, got a {arr.ndim}-D array")
    if arr.dtype == bool or arr.dtype.kind not in "iuf":
        raise invalid(name, str(arr.dtype), f"expected numeric vectors, got dtype {arr.dtype}")
    arr = np.asarray(arr, dtype=np.float64)
    bad = ~np.isfinite(arr)
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        raise invalid(name, float(arr[i, j]), f"{name} contains {arr[i, j]} at ({i}, {j}); expected finite values")
    return arr


def _vector(value: Any, n: int, name: str) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64) if not isinstance(value, (str, bytes)) else None
    if arr is None or arr.shape != (n,):
        got = "a string" if arr is None else f"shape {arr.shape}"
        raise invalid(name, got, f"expected an array of shape ({n},), got {got}")
    if not np.isfinite(arr).all():
        k = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise invalid(name, float(arr[k]), f"{name}[{k}] is {arr[k]}; expected a finite value")
    return arr


def _factor_arrays(
    left: Any, right: Any, weighting: Any, bias_left: Any, bias_right: Any
) -> tuple[np.ndarray, np.ndarray]:
    """``(A, B)`` with ``scores = A @ B.T`` exactly: weighting applied, biases folded in as columns."""
    a = _matrix(left, "left_vectors")
    b = _matrix(right, "right_vectors")
    n, m = len(a), len(b)
    if weighting is not None:
        w = _matrix(weighting, "weighting")
        if w.shape != (a.shape[1], b.shape[1]):
            raise invalid(
                "weighting", w.shape,
                f"expected a matrix of shape ({a.shape[1]}, {b.shape[1]}) (left dimension, right dimension), "
                f"got shape {w.shape}",
            )
        b = b @ w.T
    elif a.shape[1] != b.shape[1]:
        raise invalid(
            "right_vectors", b.shape,
            f"left and right vectors must have the same dimension without a weighting: left has "
            f"{a.shape[1]}, right has {b.shape[1]}",
        )
    extra_a, extra_b = [], []
    if bias_left is not None:
        extra_a.append(_vector(bias_left, n, "bias_left"))
        extra_b.append(np.ones(m))
    if bias_right is not None:
        extra_a.append(np.ones(n))
        extra_b.append(_vector(bias_right, m, "bias_right"))
    if extra_a:
        a = np.column_stack([a, *extra_a])
        b = np.column_stack([b, *extra_b])
    return np.ascontiguousarray(a), np.ascontiguousarray(b)


def _sub_csr(ptr: np.ndarray, idx: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The CSR rows ``rows`` of ``(ptr, idx)`` as a CSR of their own."""
    lengths = ptr[rows + 1] - ptr[rows]
    out_ptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(lengths, out=out_ptr[1:])
    total = int(out_ptr[-1])
    if total == 0:
        return out_ptr, np.zeros(0, dtype=np.int64)
    where = np.repeat(ptr[rows] - out_ptr[:-1], lengths) + np.arange(total)
    return out_ptr, idx[where]


def _csr_of_pairs(rows: np.ndarray, cols: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.lexsort((cols, rows))
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=ptr[1:])
    return ptr, np.ascontiguousarray(cols[order], dtype=np.int64)


# ----------------------------------------------------------------------------------------------
# The problem: factors, forbidden pairs, blocks


class _Scratch:
    """One output array reused by the row blocks of a pass: each product overwrites the last.

    A fresh block of ``max_block_bytes`` per product costs the kernel's page
    faults and zeroing on every block (about a fifth of a float32 product's
    time at 64 dimensions); reusing one buffer costs them once per pass.
    """

    def __init__(self) -> None:
        self._flat: np.ndarray | None = None

    def product(self, a_rows: np.ndarray, b: np.ndarray) -> np.ndarray:
        """``a_rows @ b.T`` in the buffer, grown when it is too small."""
        n, m = a_rows.shape[0], b.shape[0]
        dtype = np.result_type(a_rows.dtype, b.dtype)
        if self._flat is None or self._flat.dtype != dtype or self._flat.size < n * m:
            self._flat = None  # let the old buffer go before the new one is taken
            self._flat = np.empty(n * m, dtype)
        return np.matmul(a_rows, b.T, out=self._flat[:n * m].reshape(n, m))


class _Factors:
    """Scores ``a @ b.T`` read in row blocks of at most ``max_block_bytes``."""

    def __init__(
        self, a: np.ndarray, b: np.ndarray, forbidden: np.ndarray, search_dtype: type, max_block_bytes: int,
        progress: Progress | None, extras: Extras | None = None, sign: float = -1.0,
    ):
        self.a, self.b = a, b
        self.extras = extras if extras is not None else Extras(None, None, None, None, None)
        self.sign = sign
        self.n, self.m = len(a), len(b)
        self.a_search = a.astype(search_dtype)
        self.b_search = b.astype(search_dtype)
        self.fptr, self.fidx = _csr_of_pairs(forbidden[:, 0], forbidden[:, 1], self.n)
        self.n_forbidden = len(forbidden)
        # listed forbidden pairs that the class table forbids too (counted once in n_allowed)
        listed_rows = np.repeat(np.arange(self.n, dtype=np.int64), np.diff(self.fptr))
        self.listed_and_class = np.bincount(listed_rows[~self.extras.allowed(listed_rows, self.fidx)], minlength=self.n)
        self.block_rows = max(1, int(max_block_bytes) // (8 * max(self.m, 1)))
        self.max_block_bytes = int(max_block_bytes)
        self.cache: np.ndarray | None = None
        self.progress = progress
        #: the passes' runner: this process's threads (:mod:`._factors_threads`) or a Dask cluster
        #: (:mod:`._factors_dask`); None: one block after the other in this thread
        self.remote: Any = None
        #: near pairs a pricing pass keeps per row (:mod:`._factors_bound`; the capacitated path's bound)
        self.near = 0

    @property
    def cached(self) -> bool:
        """The whole product in the search dtype fits ``max_block_bytes`` (computed once, never distributed)."""
        return self.n * self.m * self.a_search.itemsize <= self.max_block_bytes

    def values(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Exact (float64) scores of the pairs ``(rows[t], cols[t])``."""
        rows = np.ascontiguousarray(rows, dtype=np.int64)
        cols = np.ascontiguousarray(cols, dtype=np.int64)
        out = np.empty(len(rows))
        FK.pair_dots(self.a, self.b, rows, cols, out)
        self.extras.add_pairs(rows, cols, out)
        return out

    def scores(self, a: np.ndarray, b: np.ndarray, rows: np.ndarray | slice, scratch: _Scratch | None = None) -> np.ndarray:
        """Scores of the left participants ``rows`` against every right one, from factors ``a``, ``b``:
        the product, the sparse terms added, impossible pairs at a cost of ``+inf``.  With ``scratch``
        the product is written into its buffer (valid until the scratch's next product)."""
        product = a[rows] @ b.T if scratch is None else scratch.product(a[rows], b)
        return self.extras.finish(product, rows, self.sign)

    def blocks(self, rows: np.ndarray, stage: str, exact: bool):
        """Yield ``(chunk, scores)`` for row blocks of ``rows`` (float64 when ``exact``)."""
        search = not exact or self.a_search.dtype == np.float64
        a, b = (self.a_search, self.b_search) if search else (self.a, self.b)
        if search and self.cache is None and self.cached:
            self.cache = self.scores(a, b, slice(0, self.n))  # the whole product fits the memory bound: compute it once
        total = len(rows)
        contiguous = total == self.n
        scratch = _Scratch()  # a block is used up before the next one is asked for: one buffer serves the pass
        for s in range(0, total, self.block_rows):
            chunk = rows[s:s + self.block_rows]
            if search and self.cache is not None:
                block = self.cache[s:s + len(chunk)] if contiguous else self.cache[chunk]
            else:
                block = self.scores(a, b, slice(s, s + len(chunk)) if contiguous else chunk, scratch)
            yield chunk, block
            if self.progress is not None:
                self.progress(stage, min(s + self.block_rows, total), total)

    def rounding_bound(self) -> float:
        """Bound on ``|score_search - score|`` for every pair (twice the classical dot-product bound)."""
        if self.a_search.dtype == np.float64:
            return 0.0
        unit = float(np.finfo(self.a_search.dtype).eps) / 2
        d = self.a.shape[1]
        norms = float(np.sqrt(np.max(np.einsum("ij,ij->i", self.a, self.a), initial=0.0)))
        norms *= float(np.sqrt(np.max(np.einsum("ij,ij->i", self.b, self.b), initial=0.0)))
        # the sparse terms are added (computed in float64) to the rounded product: two more roundings
        sparse = self.extras.largest_sparse()
        return (2.0 * (d + 2) * unit * norms + 4.0 * unit * (norms + sparse)) * (1 + 1e-6)

    def forbidden_of(self, chunk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _sub_csr(self.fptr, self.fidx, chunk)

    def n_allowed(self, rows: np.ndarray | None = None) -> int:
        if rows is None:
            return (self.n * self.m - self.n_forbidden - self.extras.n_impossible()
                    + int(self.listed_and_class.sum()))
        return (len(rows) * self.m - int(np.sum(self.fptr[rows + 1] - self.fptr[rows]))
                - self.extras.n_impossible(rows) + int(self.listed_and_class[rows].sum()))

    def candidates(self, sign: float, k_row: int, k_col: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The ``k_row`` best allowed partners of every left participant and ``k_col`` of every right one.

        Returns ``(rows, cols, exact scores)``, unique pairs.
        """
        n, m = self.n, self.m
        k_row, k_col = max(1, min(k_row, m)), max(1, min(k_col, n))
        row_keys = np.empty(n * k_row)
        row_idx = np.empty(n * k_row, np.int64)
        row_size = np.zeros(n, np.int64)
        col_keys = np.empty(m * k_col)
        col_idx = np.empty(m * k_col, np.int64)
        col_size = np.zeros(m, np.int64)
        everyone = np.arange(n, dtype=np.int64)
        heaps = (row_keys, row_idx, row_size, col_keys, col_idx, col_size)
        if self.remote is not None:
            self.remote.top_k(sign, k_row, k_col, heaps)
        else:
            for chunk, block in self.blocks(everyone, "candidates", exact=False):
                fptr, fidx = self.forbidden_of(chunk)
                _fold_top_k(block, sign, int(chunk[0]), k_row, k_col, heaps, fptr, fidx)
        row_mask = np.arange(k_row)[None, :] < row_size[:, None]
        col_mask = np.arange(k_col)[None, :] < col_size[:, None]
        rows = np.concatenate([np.repeat(everyone, row_size), col_idx.reshape(m, k_col)[col_mask]])
        cols = np.concatenate([row_idx.reshape(n, k_row)[row_mask], np.repeat(np.arange(m, dtype=np.int64), col_size)])
        keys = np.sort(rows * m + cols)
        keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
        rows, cols = keys // m, keys % m
        # a row with fewer allowed partners than k_row keeps impossible pairs (cost +inf) in its heap
        allowed = self.extras.allowed(rows, cols)
        rows, cols = rows[allowed], cols[allowed]
        return rows, cols, self.values(rows, cols)


def _fold_top_k(block: np.ndarray, sign: float, first_row: int, k_row: int, k_col: int, heaps: tuple, fptr, fidx) -> None:
    """Fold one block of scores (rows ``first_row ...``) into the row and column heaps ``heaps``, in place."""
    row_keys, row_idx, row_size, col_keys, col_idx, col_size = heaps
    FK.block_top_k(block, block.dtype.type(sign), first_row, k_row, row_keys, row_idx, row_size,
                   col_keys, col_idx, col_size, k_col, fptr, fidx)


def _top_per_group(group: np.ndarray, cost: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` cheapest entries of every group."""
    if len(group) == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((cost, group))
    g = group[order]
    rank = np.arange(len(order)) - np.searchsorted(g, g, side="left")
    return order[rank < k]


# ----------------------------------------------------------------------------------------------
# Pricing


def _pricer(f: _Factors, sign: float, exact: bool):
    """A :data:`Pricer` over every allowed pair of the factor product.

    ``exact``: blocks of float64 products.  Otherwise blocks of the search
    dtype (float32), read against potentials shifted by a bound ``err`` on
    the rounding error of a product, so that every pair that may be
    violated in exact arithmetic is flagged; the flagged pairs and the
    candidate pairs of each priced row are then recomputed in float64, and
    a row whose flagged pairs overflow the ``per_row`` returned is priced
    again in float64 as a whole.  Violations, per-row worst and margins are
    therefore those of the exact scores (margins lowered by ``err``).
    """
    everyone = np.arange(f.n, dtype=np.int64)
    no_candidates = (np.zeros(f.n + 1, dtype=np.int64), np.zeros(0, dtype=np.int64))
    err = 0.0 if exact else f.rounding_bound()

    def price(
        left: np.ndarray, right: np.ndarray, tol: float, rows: np.ndarray | None = None,
        candidates: tuple[np.ndarray, np.ndarray] | None = None, per_row: int = _ADD_K,
    ) -> Violations:
        todo = everyone if rows is None else np.asarray(rows, dtype=np.int64)
        cptr, cidx = no_candidates if candidates is None else candidates
        k = max(1, min(per_row, f.m))
        u = sign * np.asarray(left, np.float64)
        v = np.ascontiguousarray(sign * np.asarray(right, np.float64))
        if f.remote is not None:
            parts = f.remote.price(todo, exact, sign, u, v, tol, k, err, cptr, cidx)
        else:
            parts = _local_price(f, todo, exact, sign, u, v, tol, k, err, cptr, cidx)
        out_r, out_c, out_s, worst, margin, near_c, near_r, floor = [], [], [], [], [], [], [], []
        for chunk, (r, c, sc, w, mg, (nc, nr, fl)) in parts:
            out_r.append(chunk[r])
            out_c.append(c)
            out_s.append(sc)
            worst.append(w)
            margin.append(mg)
            near_c.append(nc)
            near_r.append(nr)
            floor.append(fl)
        cat_ = lambda parts, dt: np.concatenate(parts).astype(dt) if parts else np.zeros(0, dt)  # noqa: E731
        worst_all = cat_(worst, np.float64)
        near = None
        if candidates is not None:
            near = (np.concatenate(near_c) if near_c else np.zeros((0, f.near), np.int64),
                    np.concatenate(near_r) if near_r else np.zeros((0, f.near)), cat_(floor, np.float64))
        return Violations(
            cat_(out_r, np.int64), cat_(out_c, np.int64), cat_(out_s, np.float64),
            float(worst_all.max(initial=0.0)), f.n_allowed(rows), rows, worst_all,
            None if candidates is None else cat_(margin, np.float64), near,
        )

    return price


def _local_price(f: _Factors, todo, exact, sign, u, v, tol, k, err, cptr, cidx):
    """``(chunk, priced)`` for the row blocks of ``todo``, in order, priced in this process."""
    for chunk, block in f.blocks(todo, "pricing", exact=exact):
        fptr, fidx = f.forbidden_of(chunk)
        bptr, bidx = _sub_csr(cptr, cidx, chunk)
        yield chunk, _price_block(block, chunk, f.a[chunk], f.b, f.extras, sign, u[chunk], v, tol, k, err, exact,
                                  fptr, fidx, bptr, bidx, f.near)


def _price_block(block, chunk, a_rows, b, extras, sign, u_rows, v, tol, k, err, exact, fptr, fidx, bptr, bidx, near=0):
    """Price one row block of scores: a pure function of its arguments (a task on a cluster).

    ``block`` holds the scores of the left participants ``chunk`` (factor
    rows ``a_rows``, :meth:`Extras.finish` applied; float64 when ``exact``,
    else the search dtype, read against ``u_rows + err``); ``fptr / fidx``
    and ``bptr / bidx`` are the block's forbidden and candidate pairs (CSR
    over its rows).  Returns ``(rows, cols, scores, worst, margin)``: the
    violators found (rows local to the block, exact scores), the per-row
    worst violation and margin, as :func:`_pricer` documents, and
    ``near = (cols, reduced, floor)``, each row's ``near`` near pairs
    (:func:`._factors_bound.near_price`; lower bounds of the exact reduced
    costs when not ``exact``).
    """
    local = np.arange(len(chunk), dtype=np.int64)
    cols, counts, w, mg, ncols, nkeys, floor = _scan(
        block, sign, np.ascontiguousarray(u_rows + err), v, tol, k, near, fptr, fidx, local, bptr, bidx,
    )
    del block

    def exact_reduced(r: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        scores = _pair_values(a_rows, b, extras, chunk, r, c)
        return scores, sign * scores - u_rows[r] - v[c]

    flagged = np.arange(k)[None, :] < counts[:, None]
    at = np.repeat(local, counts)
    c = cols[flagged]
    sc, red = exact_reduced(at, c)
    if exact:
        return at, c, sc, w, mg, (ncols, nkeys, floor)
    # the kernel's worst mixed rounding into candidate pairs: measure both exactly
    w = np.zeros(len(chunk))
    np.maximum.at(w, at, np.maximum(-red, 0.0))
    cat = np.repeat(local, np.diff(bptr))
    if len(cat):
        _, cred = exact_reduced(cat, bidx)
        np.maximum.at(w, cat, np.maximum(-cred, 0.0))
    hit = red < -tol
    # a full heap without an exact violator may hide one: price those rows in float64
    redo = local[(counts == k) & (np.bincount(at[hit], minlength=len(chunk)) == 0)]
    if not len(redo):
        return at[hit], c[hit], sc[hit], w, mg, (ncols, nkeys, floor)
    keep = hit & ~np.isin(at, redo)
    fr, fc, fs, fw, fm, (fnc, fnk, ffl) = _exact_rows(chunk, a_rows, b, extras, sign, redo, u_rows, v, tol, k, fptr,
                                                     fidx, bptr, bidx, near)
    w[redo] = fw
    mg[redo] = fm
    ncols[redo], nkeys[redo], floor[redo] = fnc, fnk, ffl
    return (np.concatenate([fr, at[keep]]), np.concatenate([fc, c[keep]]), np.concatenate([fs, sc[keep]]), w, mg,
            (ncols, nkeys, floor))


def _scan(block, sign, u_rows, v, tol, k, near, fptr, fidx, rows, bptr, bidx):
    """:func:`._factors_bound.near_price` of a block; :func:`._kernels.dense_price` when no near pair is kept.

    With ``near = 0`` (the one-to-one path) both return the same, and
    ``dense_price`` scans about a third faster (33 against 43 ms for a
    600 × 20,000 float32 block); the near pairs are then empty and the
    floors ``inf``, as ``near_price`` gives them.
    """
    if near:
        return near_price(block, sign, u_rows, v, tol, k, near, fptr, fidx, rows, bptr, bidx)
    cols, counts, w, mg = K.dense_price(block, sign, u_rows, v, tol, k, fptr, fidx, rows, bptr, bidx)
    nr = len(rows)
    return cols, counts, w, mg, np.full((nr, 0), -1, np.int64), np.zeros((nr, 0)), np.full(nr, np.inf)


def _pair_values(a_rows: np.ndarray, b: np.ndarray, extras: Extras, chunk: np.ndarray, rows: np.ndarray,
                 cols: np.ndarray) -> np.ndarray:
    """Exact (float64) scores of the pairs ``(chunk[rows[t]], cols[t])``, as :meth:`_Factors.values` computes them."""
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    cols = np.ascontiguousarray(cols, dtype=np.int64)
    out = np.empty(len(rows))
    FK.pair_dots(a_rows, b, rows, cols, out)
    extras.add_pairs(chunk[rows], cols, out)
    return out


def _exact_rows(chunk, a_rows, b, extras, sign, rows, u_rows, v, tol, k, fptr, fidx, bptr, bidx, near):
    """Price the block rows ``rows`` whole in float64: violators, worst (candidates included), margins, near pairs."""
    block = extras.finish(a_rows[rows] @ b.T, chunk[rows], sign)
    fptr, fidx = _sub_csr(fptr, fidx, rows)
    bptr, bidx = _sub_csr(bptr, bidx, rows)
    local = np.arange(len(rows), dtype=np.int64)
    cols, counts, w, mg, ncols, nkeys, floor = _scan(
        block, sign, np.ascontiguousarray(u_rows[rows]), v, tol, k, near, fptr, fidx, local, bptr, bidx,
    )
    r = rows[np.repeat(local, counts)]
    c = cols[np.arange(k)[None, :] < counts[:, None]]
    return r, c, _pair_values(a_rows, b, extras, chunk, r, c), w, mg, (ncols, nkeys, floor)


def _completer(f: _Factors, sign: float, k: int):
    """Good allowed pairs between unmatched participants (used when every participant must be matched)."""

    def complete(lefts: np.ndarray, rights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        lefts, rights = np.asarray(lefts, np.int64), np.asarray(rights, np.int64)
        if len(lefts) == 0 or len(rights) == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        kk = min(k, len(rights))
        out_r, out_c = [], []
        step = max(1, f.block_rows * f.m // max(len(rights), 1))
        forbidden = set(zip(*(np.repeat(np.arange(f.n), np.diff(f.fptr)).tolist(), f.fidx.tolist()))) if f.n_forbidden else set()
        for s in range(0, len(lefts), step):
            rows = lefts[s:s + step]
            cost = sign * f.extras.finish(f.a[rows] @ f.b[rights].T, rows, sign, cols=rights)
            best = np.argpartition(cost, kk - 1, axis=1)[:, :kk] if kk < len(rights) else np.broadcast_to(
                np.arange(len(rights)), cost.shape
            )
            out_r.append(np.repeat(rows, best.shape[1]))
            out_c.append(rights[best].ravel())
        t = min(len(lefts), len(rights))
        out_r.append(lefts[:t])
        out_c.append(rights[:t])
        r = np.concatenate(out_r)
        c = np.concatenate(out_c)
        allowed = f.extras.allowed(r, c)
        r, c = r[allowed], c[allowed]
        if forbidden:
            keep = np.array([(i, j) not in forbidden for i, j in zip(r.tolist(), c.tolist())], dtype=bool)
            r, c = r[keep], c[keep]
        return r, c, f.values(r, c)

    return complete


def _largest_score(f: _Factors) -> float:
    """Largest |score| over all pairs (one pass of float64 blocks)."""
    if f.remote is not None:
        return f.remote.largest()
    top = 0.0
    for _, block in f.blocks(np.arange(f.n, dtype=np.int64), "scale", exact=True):
        top = max(top, float(np.max(np.abs(block), where=np.isfinite(block), initial=0.0)))
    return top


# ----------------------------------------------------------------------------------------------
# The solver


def solve_factors(
    left_vectors: Any,
    right_vectors: Any,
    *,
    weighting: Any = None,
    bias_left: Any = None,
    bias_right: Any = None,
    maximize: bool = True,
    forbidden: Any = None,
    left_capacity: Any = 1,
    right_capacity: Any = 1,
    left_min: Any = None,
    right_min: Any = None,
    required: Any = None,
    require_complete: bool = False,
    k: int = 16,
    max_block_bytes: int = 256 * 2**20,
    progress: Progress | None = None,
    dtype: Any = np.float32,
    sparse_vectors: Any = None,
    forbidden_classes: Any = None,
    cluster: Any = None,
) -> MatchResult:
    """Exact matching when the scores are products of left and right vectors.

    ``score(i, j) = left_vectors[i] @ weighting @ right_vectors[j] +
    bias_left[i] + bias_right[j]``.  The ``n × m`` score matrix is never
    built: candidates and the optimality check are computed in row blocks.

    Parameters
    ----------
    left_vectors : array-like of shape (n_left, d)
    right_vectors : array-like of shape (n_right, e)
    weighting : None or array-like of shape (d, e)
        A (possibly low-rank) learned weighting; None: the identity (``d == e``).
    bias_left, bias_right : None or array-like of shape (n_left,) / (n_right,)
        Added to every score of the participant.
    maximize : bool, default True
        Maximize the total score; False minimizes it.
    forbidden : None or iterable of (left, right) pairs
        Pairs that may not be matched (vetoes, conflicts, no common language),
        skipped while candidates are searched and while pricing.
    left_capacity, right_capacity : int or array-like of int, default 1
        Partners per participant.  Both 1 (and no minimums nor required
        pairs): one-to-one (shortest augmenting paths with warm starts);
        otherwise the capacitated solver (:func:`solve_capacitated`: a
        min-cost flow, or the HiGHS LP when there are minimums) on the
        candidate pairs, priced against its duals like the one-to-one path.
    left_min, right_min : None, int or array-like of int
        Smallest number of partners per participant (default 0; at most the
        capacity), as in :func:`solve_capacitated`.  The candidate problem
        may lack a feasible matching while the full problem has one: the
        candidates per participant are then doubled until it is feasible
        (at worst every allowed pair, i.e. the full problem, is held as a
        sparse problem, which only happens when the minimums are
        nearly infeasible).
    required : None or iterable of (left, right) pairs
        Pairs that must be matched (fixed by the organizer); always among
        the candidates.  A required pair may not be forbidden.
    require_complete : bool, default False
        One-to-one only: every participant of the smaller side must be
        matched (as in :func:`solve_assignment`).  False: a participant may
        stay unmatched rather than lower the total.
    k : int, default 16
        Candidates per participant (per side; capacity + 4 at least when
        capacitated).  More candidates mean fewer pricing rounds.
    max_block_bytes : int, default 256 MiB
        Largest block of scores held at once (float64 rows of ``n_right``
        scores): bounds the memory beside the factors and candidates.  When
        the whole product in ``dtype`` fits, it is computed once and reused
        by the pricing rounds.
    progress : callable or None
        ``progress(stage, done, total)`` after every block; ``stage`` is
        ``"candidates"``, ``"pricing"`` (one full or partial pass per
        round) or ``"scale"``.
    dtype : numpy.float32 or numpy.float64, default float32
        Precision of the products used to *pick* candidates.  Pricing (the
        certificate) and the objective are always computed in float64.
    sparse_vectors : None or (sparse_left, sparse_right)
        Sparse matrices of shapes ``(n_left, p)`` and ``(n_right, p)`` whose
        product is added to the scores: ``score(i, j) += sparse_left[i] @
        sparse_right[j]`` (exact sparse text similarity; a sparse bonus
        matrix ``B`` is ``(B, identity)``).  Added to every block and to
        every exact score.
    forbidden_classes : None or (left_class, right_class, table)
        Class-wise impossibility, for rules that forbid too many pairs to
        list (no common language, role pairs not allowed): ``(i, j)`` is
        forbidden when ``table[left_class[i], right_class[j]]`` (a boolean
        table, integer classes).  Applied block by block; counted out of
        ``pairs_checked``.  Combines with ``forbidden``.
    cluster : None, "local", str or distributed.Client
        Run the blockwise passes (candidates, pricing) as Dask tasks:
        ``"local"`` starts a ``LocalCluster`` on this machine for the call,
        ``"tcp://host:port"`` uses a running scheduler, a
        ``distributed.Client`` is used as is (needs the ``[dask]`` extra;
        see :mod:`matching._cluster`).  The factors go to the cluster once;
        the sparse solve stays here; the result is identical to the
        single-process one (workers with the same numpy build) and its
        ``info["cluster"]`` counts the tasks and the bytes moved.  A
        problem whose whole product fits ``max_block_bytes`` is solved here.

    Returns
    -------
    MatchResult
        ``solver`` ``"factors-jv+pricing"`` (one-to-one) or
        ``"factors-<capacitated solver>+pricing"``; ``objective`` recomputed
        in float64 from the factors; a :class:`DualCertificate` whose
        ``pairs_checked`` is the number of allowed pairs of the full problem
        (``n_left · n_right`` minus the forbidden ones), ``max_violation``
        the largest violation of dual feasibility over all of them (0 up to
        the tolerance ``1e-9 · max |score|``) and ``pricing_rounds`` the
        passes over the full problem.  ``info`` holds ``candidates`` (pairs
        in the final sparse problem), ``initial_candidates`` and
        ``block_rows``.

    Raises
    ------
    matching.errors.InvalidInput
        Vectors that are not finite 2-D arrays, dimensions that do not fit,
        biases or capacities of the wrong shape, forbidden pairs out of
        range, ``k`` or ``max_block_bytes`` not positive, an unknown dtype.
    matching.errors.Infeasible
        ``require_complete`` and no matching covers the smaller side; or the
        minimums, capacities and required pairs admit no matching (the
        message names the participants, see :func:`solve_capacitated`).
    matching.errors.ClusterUnavailable
        ``cluster`` cannot be reached (the message names the address) or
        Dask is not installed; raised before any work.

    Notes
    -----
    Time is about two passes of ``n · m · d`` multiply-adds (candidates in
    ``dtype``, a first pricing round in float64); later rounds price only
    the left participants whose potential rose past the slack of their best
    non-candidate pair (capacitated: the rows whose few nearest
    non-candidate pairs, or the rest of the row below a floor, may have
    become violated since the row was last priced, see
    :mod:`._factors_bound`).  Memory is the factors, the candidates and one block.

    References
    ----------
    R. Jonker and A. Volgenant, "A shortest augmenting path algorithm for
    dense and sparse linear assignment problems", Computing 38 (1987).
    G. B. Dantzig and P. Wolfe, "Decomposition principle for linear
    programs", Operations Research 8 (1960) (pricing columns of an implicit LP).

    Examples
    --------
    >>> import numpy as np
    >>> left = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> right = np.array([[0.0, 2.0], [3.0, 0.0]])
    >>> res = solve_factors(left, right)
    >>> res.pairs.tolist(), res.objective, res.certificate.pairs_checked
    ([[0, 1], [1, 0]], 5.0, 4)
    """
    start = perf_counter()
    a, b = _factor_arrays(left_vectors, right_vectors, weighting, bias_left, bias_right)
    n, m = len(a), len(b)
    maximize = bool(maximize)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise invalid("k", k, f"expected a positive integer, got {k!r}")
    if isinstance(max_block_bytes, bool) or not isinstance(max_block_bytes, (int, np.integer)) or max_block_bytes < 1:
        raise invalid("max_block_bytes", max_block_bytes, f"expected a positive integer, got {max_block_bytes!r}")
    try:
        search_dtype = np.dtype(dtype)
    except TypeError:
        raise invalid("dtype", dtype, f"expected float32 or float64, got {dtype!r}") from None
    if search_dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise invalid("dtype", str(search_dtype), f"expected float32 or float64, got {search_dtype}")
    check_cluster(cluster)
    if progress is not None and not callable(progress):
        raise invalid("progress", type(progress).__name__, "expected a callable progress(stage, done, total) or None")
    fpairs = pair_array(forbidden, (n, m), "forbidden")
    lcap = bound_array(left_capacity, n, "left_capacity", default=1, unlimited=max(m, 0))
    rcap = bound_array(right_capacity, m, "right_capacity", default=1, unlimited=max(n, 0))
    lmin = bound_array(left_min, n, "left_min", default=0, unlimited=-1)
    rmin = bound_array(right_min, m, "right_min", default=0, unlimited=-1)
    check_min_le_max(lmin, lcap, "left_min", "left_capacity")
    check_min_le_max(rmin, rcap, "right_min", "right_capacity")
    rpairs = pair_array(required, (n, m), "required")
    extras = make_extras(sparse_vectors, forbidden_classes, n, m)
    if len(rpairs) and not extras.allowed(rpairs[:, 0], rpairs[:, 1]).all():
        i, j = (int(v) for v in rpairs[~extras.allowed(rpairs[:, 0], rpairs[:, 1])][0])
        raise invalid("required", (i, j), f"required pair ({i}, {j}) is forbidden by forbidden_classes")
    if len(rpairs) and len(fpairs):
        clash = np.intersect1d(rpairs[:, 0] * m + rpairs[:, 1], fpairs[:, 0] * m + fpairs[:, 1])
        if len(clash):
            i, j = int(clash[0] // m), int(clash[0] % m)
            raise invalid("required", (i, j), f"required pair ({i}, {j}) is forbidden")
    one_to_one = bool(np.all(lcap == 1) and np.all(rcap == 1) and not lmin.any() and not rmin.any() and not len(rpairs))
    if require_complete and not one_to_one:
        raise invalid(
            "require_complete", True,
            "only supported for one-to-one matching (capacities 1, no minimums or required pairs); "
            "use left_min / right_min instead",
        )
    sign = -1.0 if maximize else 1.0
    if n == 0 or m == 0:
        cert = DualCertificate(np.zeros(n), np.zeros(m), 0.0, 0, 0)
        return MatchResult(
            np.zeros((0, 2), np.int64), 0.0, Status.OPTIMAL, "factors-jv+pricing", perf_counter() - start, (n, m),
            maximize, cert, {"candidates": 0, "initial_candidates": 0, "block_rows": 0},
        )

    def solve(attach: Any) -> MatchResult:
        if one_to_one:
            return _one_to_one(a, b, fpairs, sign, maximize, require_complete, int(k), int(max_block_bytes),
                               progress, search_dtype, start, extras, attach)
        from ._factors_capacitated import capacitated  # imports this module's blocks and pricer

        return capacitated(a, b, fpairs, sign, maximize, (lcap, rcap, lmin, rmin, rpairs), int(k),
                           int(max_block_bytes), progress, search_dtype, start, extras, attach)

    if cluster is None:
        from ._factors_threads import local_passes  # imports this module's blocks and pricer

        return solve(local_passes)  # the passes on this process's cores
    from ._factors_dask import solve_on_cluster  # Dask only when asked for

    return solve_on_cluster(cluster, solve)


def _one_to_one(a, b, fpairs, sign, maximize, require_complete, k, max_block_bytes, progress, search_dtype, start,
                extras, attach=None):
    n, m = len(a), len(b)
    transpose = n > m  # the warm-started pricing loop skips calm rows only when rows are the smaller side
    if transpose:
        a, b = b, a
        fpairs = fpairs[:, ::-1]
        extras = extras.swapped()
    f = _Factors(a, b, fpairs, search_dtype, max_block_bytes, progress, extras, sign)
    f.remote = attach(f) if attach is not None else None
    k_col = max(2, k // 2)
    rows, cols, vals = f.candidates(sign, k, k_col)
    initial = len(rows)
    scale = float(np.max(np.abs(vals), initial=0.0))
    try:
        pairs, left, right, info = _solve_with_pricing(
            (f.n, f.m), rows, cols, vals, _pricer(f, sign, exact=f.a_search.dtype == np.float64),
            maximize=maximize, require_complete=require_complete, scale=scale,
            exact_scale=lambda: _largest_score(f), complete_pairs=_completer(f, sign, k),
            auction=_few_ties(vals),
        )
    except Infeasible as exc:
        if transpose:
            raise _swap_sides(exc) from None
        raise
    total = float(np.sum(f.values(pairs[:, 0], pairs[:, 1]))) if len(pairs) else 0.0
    # complementary slackness and the potentials' signs, on the factors (as solve_assignment checks them)
    slack = _slackness_violation(SimpleNamespace(shape=(f.n, f.m), values=f.values), pairs, left, right,
                                 maximize, require_complete)
    if transpose:
        pairs = pairs[:, ::-1]
        left, right = right, left
    cert = DualCertificate(
        left_potential=left, right_potential=right, max_violation=max(info["max_violation"], slack),
        pairs_checked=info["pairs_checked"], pricing_rounds=info["pricing_rounds"],
    )
    return MatchResult(
        pairs=pairs, objective=total, status=info["status"], solver="factors-jv+pricing",
        wall_time=perf_counter() - start, shape=(n, m), maximize=maximize,
        certificate=cert,
        info={"candidates": info["candidates"], "initial_candidates": initial, "block_rows": f.block_rows,
              "cold_restarts": info["cold_restarts"], "tolerance": _REL_TOL * (scale if scale > 0 else 1.0)},
    )


def _swap_sides(exc: Infeasible) -> Infeasible:
    """The same infeasibility, told with left and right swapped back (the problem was solved transposed)."""
    swap = {"left": "right", "right": "left"}
    message = re.sub(r"\b(left|right)\b", lambda m: swap[m.group(1)], str(exc.args[0] if exc.args else exc))
    culprits = [re.sub(r"\b(left|right)\b", lambda m: swap[m.group(1)], c) for c in getattr(exc, "culprits", [])]
    out = Infeasible(message, culprits=culprits)
    for name in ("unmatched", "hall_set", "partners"):
        if hasattr(exc, name):
            setattr(out, name, getattr(exc, name))
    if hasattr(exc, "side"):
        out.side = swap.get(exc.side, exc.side)
    return out
