"""One-to-one assignment: an exact solver that prices the full matrix once.

The optimal assignment of an ``n × m`` matrix uses at most ``min(n, m)`` of
its ``n·m`` pairs, and the pairs it uses are almost always among the best few
of their row or column.  :func:`solve_assignment` therefore

1. keeps the ``k`` best pairs of every row and of every column (one pass over
   the matrix),
2. solves that sparse problem exactly with a shortest augmenting path
   algorithm that also yields dual potentials (Jonker-Volgenant, compiled
   with numba),
3. prices *every* allowed pair of the input against the potentials; a pair
   whose reduced cost is negative is added, the rows concerned are freed,
   and the solve warm-starts; when no pair is violated the potentials prove
   optimality on the full input (LP duality), so the answer is exact.

A square sparse input whose rows must all be matched (and whose scores are
rarely tied) starts step 2 from an auction (epsilon scaling, :mod:`._auction`) instead of the column
reduction: its near-optimal prices leave only short augmenting paths to find.  When a side that must be
matched cannot be, :mod:`._hall` names a Hall set of participants short of partners.

The lower-level :func:`_solve_sparse_with_duals` (one exact solve on given
pairs) and :func:`_solve_with_pricing` (the pricing loop, with the pricing
step passed in as a function) are there for solvers whose score matrix is
implicit, e.g. a product of left and right factor matrices.
"""

from __future__ import annotations

from dataclasses import dataclass
from time import perf_counter
from typing import Any, Callable

import numpy as np
import scipy.sparse as sp

from ..errors import Infeasible
from ._auction import auction_start
from ._hall import neighbours_of, raise_infeasible, short_list
from ._input import ScoreInput, as_scores
from ._result import DualCertificate, MatchResult, Status

__all__ = ["solve_assignment"]

#: candidates kept per row and per column of a dense matrix (scaled down on the longer side)
_TOP_K = 8
_TOP_K_COL = 4
_TOP_K_MIN = 2
#: violated pairs added per row in the first pricing round (doubled each round, up to _ADD_K_MAX)
_ADD_K = 10
_ADD_K_MAX = 2048
#: relative tolerance of the pricing test (times the largest |score|)
_REL_TOL = 1e-9
#: passes of Jonker-Volgenant augmenting row reduction before the shortest paths
_ARR_PASSES = 2
#: the pruned problem is abandoned for a dense solve when it grows past this share of all pairs
_DENSE_FRACTION = 0.05
#: times the candidates are completed with pairs between unmatched participants
_MAX_REPAIRS = 3
#: rows augmented between two looks at the clock when a time limit is set
_CHUNK = 256


class _Kernels:
    """The numba kernels, imported (and compiled or loaded from cache) on first use only."""

    def __getattr__(self, name: str) -> Any:
        from . import _kernels

        return getattr(_kernels, name)


K = _Kernels()


@dataclass(frozen=True)
class Violations:
    """What one pricing pass over the full input found.

    Attributes
    ----------
    rows, cols : ndarray of int64
        Violated pairs to add to the candidate set (a pricer may return only
        the worst few of each row; it must return at least one when
        ``max_violation > tol``).
    scores : ndarray of float64
        Their scores.
    max_violation : float
        Largest violation ``s - left - right`` (maximize) or
        ``left + right - s`` (minimize) over every allowed pair, >= 0.
    pairs_checked : int
        Number of allowed pairs priced.
    priced : ndarray of int64 or None
        The left participants whose pairs were priced (None: all of them).
    priced_worst : ndarray of float64 or None
        Largest violation of each of them (None: only ``max_violation`` is known).
    priced_margin : ndarray of float64 or None
        For each of them, the smallest slack ``left + right - s`` (maximize)
        over its allowed pairs that are not candidates (``inf`` if none).
        Lets the loop skip re-pricing participants whose potential moved by
        less than their margin.  None: price everyone each round.
    priced_near : tuple of ndarray or None
        For each of them, ``(cols, reduced, floor)``: its few allowed
        non-candidate pairs of smallest reduced cost (cost convention, rows
        of :data:`._factors_bound.NEAR` columns, unused slots -1 / ``inf``)
        and a lower bound on the reduced cost of its others, as
        :func:`._factors_bound.near_price` returns them.  None: not kept.
    """

    rows: np.ndarray
    cols: np.ndarray
    scores: np.ndarray
    max_violation: float
    pairs_checked: int
    priced: np.ndarray | None = None
    priced_worst: np.ndarray | None = None
    priced_margin: np.ndarray | None = None
    priced_near: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None


#: price(left_potential, right_potential, tol, rows, candidates, per_row) -> Violations, in the
#: score convention; ``rows`` (int64 array or None = all) are the left participants that need
#: pricing, ``candidates`` (None, or CSR ``(indptr, indices)`` over left participants, sorted) the
#: pairs already in the sparse problem, ``per_row`` how many violated pairs to return at most per
#: left participant.  A pricer may ignore all three and price everything.
Pricer = Callable[..., Violations]


class _Sap:
    """A sparse assignment problem with its current matching and potentials.

    Works in the cost convention (minimize ``c``), oriented so that rows are
    the smaller side (``transpose`` says whether rows are the input's
    columns).  Every row has a private dummy column of cost ``dummy``: 0 when
    it may stay unmatched, a big penalty when it must be matched.
    """

    def __init__(self, shape: tuple[int, int], sign: float, allow_unmatched: bool, big: float):
        n, m = shape
        self.shape = shape
        self.sign = sign
        self.transpose = n > m
        self.nr, self.nc = (m, n) if self.transpose else (n, m)
        self.allow_unmatched = allow_unmatched
        # column potentials are sign-constrained unless every column must end matched
        self.free_sign = (not allow_unmatched) and self.nr == self.nc
        self.dummy = np.full(self.nr, 0.0 if allow_unmatched else big)
        self.keys = np.zeros(0, dtype=np.int64)
        self.cost = np.zeros(0, dtype=np.float64)
        self.col4row = np.full(self.nr, -1, dtype=np.int64)
        self.row4col = np.full(self.nc + self.nr, -1, dtype=np.int64)
        self.u = np.zeros(self.nr)
        self.v = np.zeros(self.nc + self.nr)
        self.mcost = np.zeros(self.nr)
        self.u_priced: np.ndarray | None = None
        self.margin = np.zeros(self.nr)
        self._csr: tuple[np.ndarray, np.ndarray] | None = None

    # -- candidate pairs ---------------------------------------------------
    def add(self, rows: np.ndarray, cols: np.ndarray, scores: np.ndarray) -> np.ndarray:
        """Add pairs given in input coordinates; return the oriented rows that got new ones."""
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        cost = self.sign * np.asarray(scores, dtype=np.float64)
        if self.transpose:
            rows, cols = cols, rows
        keys = rows * self.nc + cols
        if len(keys) > 1 and not np.all(keys[1:] > keys[:-1]):  # already sorted and distinct: a CSR input
            keys, first = np.unique(keys, return_index=True)
            cost = cost[first]
        if len(self.keys):
            at = np.searchsorted(self.keys, keys)
            at_c = np.minimum(at, len(self.keys) - 1)
            new = self.keys[at_c] != keys
            keys, cost, at = keys[new], cost[new], at[new]
            if len(keys) == 0:
                return np.zeros(0, dtype=np.int64)
            self.keys = np.insert(self.keys, at, keys)
            self.cost = np.insert(self.cost, at, cost)
        else:
            self.keys, self.cost = keys, cost
        self._csr = None
        rows = keys // self.nc  # sorted, as keys are
        return rows[np.concatenate(([True], rows[1:] != rows[:-1]))] if len(rows) else rows

    def csr(self) -> tuple[np.ndarray, np.ndarray]:
        if self._csr is None:
            rows = self.keys // self.nc
            indptr = np.zeros(self.nr + 1, dtype=np.int64)
            np.cumsum(np.bincount(rows, minlength=self.nr), out=indptr[1:])
            self._csr = (indptr, self.keys % self.nc)
        return self._csr

    # -- solving -----------------------------------------------------------
    def cold_auction(self, scale: float) -> bool:
        """Cold start by an auction (square, every row matched); False if it gave up (then call :meth:`cold`)."""
        indptr, indices = self.csr()
        self.u_priced = None
        return auction_start(indptr, indices, self.cost, self.dummy, scale, self.col4row, self.row4col, self.u, self.v,
                             self.mcost)

    def cold(self, greedy: bool) -> None:
        indptr, indices = self.csr()
        self.u_priced = None
        if greedy or self.nr != self.nc:
            K.init_greedy(indptr, indices, self.cost, self.dummy, self.col4row, self.row4col, self.u, self.v, self.mcost)
        else:
            K.init_column_reduction(
                indptr, indices, self.cost, self.dummy, self.free_sign,
                self.col4row, self.row4col, self.u, self.v, self.mcost,
            )

    def make_complete(self, big: float) -> None:
        """Every row must be matched (penalty ``big`` for its dummy); square: free-sign potentials."""
        self.allow_unmatched = False
        self.dummy[:] = big
        self.free_sign = self.nr == self.nc

    def make_optional(self, tol: float) -> bool:
        """Switch a solved complete problem to optional participants.

        Shifts the potentials (``u + t``, ``v - t``: reduced costs unchanged)
        so that column potentials are <= 0 and, if possible, row potentials
        too; rows whose dummy edge is still violated are freed.  Returns True
        when the current matching is already optimal for the new problem.
        """
        self.allow_unmatched = True
        self.free_sign = False
        self.dummy[:] = 0.0
        if np.any(self.col4row >= self.nc):
            self.cold(greedy=True)
            return False
        t = float(np.max(self.v[: self.nc]))
        self.u += t
        self.v[: self.nc] -= t
        if self.u_priced is not None:
            self.u_priced += t
        over = np.flatnonzero(self.u > tol)
        if len(over) == 0:
            np.minimum(self.u, 0.0, out=self.u)
            return True
        self.free_rows(over.astype(np.int64))
        return False

    def free_rows(self, rows: np.ndarray) -> None:
        """Unmatch ``rows`` and lower their potentials so every edge is dual feasible again."""
        indptr, indices = self.csr()
        for i in rows.tolist():
            j = self.col4row[i]
            if j >= 0:
                self.row4col[j] = -1
                self.col4row[i] = -1
            lo, hi = indptr[i], indptr[i + 1]
            best = self.dummy[i] - self.v[self.nc + i]
            if hi > lo:
                best = min(best, float(np.min(self.cost[lo:hi] - self.v[indices[lo:hi]])))
            self.u[i] = best
        if self.u_priced is not None:
            self.u_priced[rows] = np.nan

    def augment(self, deadline: float | None) -> bool:
        """Augment every free row; False if the deadline passed first."""
        indptr, indices = self.csr()
        if _ARR_PASSES:
            K.augmenting_row_reduction(
                indptr, indices, self.cost, self.dummy, self.col4row, self.row4col, self.u, self.v, self.mcost,
                _ARR_PASSES,
            )
        todo = np.flatnonzero(self.col4row < 0).astype(np.int64)
        chunks = [todo] if deadline is None else np.array_split(todo, max(1, len(todo) // _CHUNK))
        for chunk in chunks:
            if deadline is not None and perf_counter() > deadline:
                return False
            K.sap_augment(
                indptr, indices, self.cost, self.dummy, chunk, self.col4row, self.row4col, self.u, self.v, self.mcost
            )
        return True

    def slack_columns(self, tol: float) -> bool:
        """True when a free column has a nonzero potential (complementary slackness broken).

        Only possible after a warm start, after the column reduction of a
        rectangular problem, or when some row sits on its dummy.
        """
        free = self.row4col[: self.nc] < 0
        return bool(np.any(np.abs(self.v[: self.nc][free]) > tol))

    def to_price(self) -> np.ndarray | None:
        """Left participants whose pairs may be violated now (None: all of them).

        Column potentials only fall (cost convention), so row ``i`` can gain
        a violated pair only once ``u[i]`` rose by more than its margin
        since it was last priced.
        """
        if self.transpose or self.u_priced is None:
            return None
        with np.errstate(invalid="ignore"):
            calm = self.u - self.u_priced <= self.margin
        return np.flatnonzero(~calm).astype(np.int64)

    def priced(self, rows: np.ndarray | None, margin: np.ndarray | None) -> None:
        """Record the potentials and margins of the rows just priced (input orientation)."""
        if self.transpose or margin is None:
            self.u_priced = None
            return
        if rows is None:
            self.u_priced = self.u.copy()
            self.margin = np.asarray(margin, dtype=np.float64).copy()
        elif self.u_priced is not None:
            self.u_priced[rows] = self.u[rows]
            self.margin[rows] = margin

    def candidates(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The candidate pairs as a CSR over the input's left participants (None when transposed)."""
        return None if self.transpose else self.csr()

    # -- reading the state -------------------------------------------------
    def potentials(self) -> tuple[np.ndarray, np.ndarray]:
        """Left and right potentials in the input's orientation and score convention."""
        rows = self.sign * self.u
        cols = self.sign * self.v[: self.nc]
        return (cols, rows) if self.transpose else (rows, cols)

    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Matched pairs (input coordinates) and the oriented rows left on their dummy."""
        matched = (self.col4row >= 0) & (self.col4row < self.nc)
        r = np.flatnonzero(matched)
        c = self.col4row[r]
        on_dummy = np.flatnonzero(self.col4row >= self.nc)
        pairs = np.stack([c, r], axis=1) if self.transpose else np.stack([r, c], axis=1)
        return pairs.astype(np.int64).reshape(-1, 2), on_dummy


def _solve_with_pricing(
    shape: tuple[int, int],
    rows: np.ndarray,
    cols: np.ndarray,
    scores: np.ndarray,
    price: Pricer,
    *,
    maximize: bool = True,
    require_complete: bool = False,
    scale: float = 1.0,
    time_limit: float | None = None,
    neighbours: Callable[[int, bool], np.ndarray] | None = None,
    exact_scale: Callable[[], float] | None = None,
    complete_pairs: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None,
    max_candidates: int | None = None,
    auction: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
    """Exact assignment on an implicit score matrix, by pricing.

    Solves the sparse problem on the candidate pairs ``(rows, cols, scores)``
    exactly, asks ``price(left, right, tol, ...)`` for pairs of the *full* problem
    that violate the potentials, adds them, warm-starts, and stops when none
    is violated by more than ``tol = 1e-9 * scale``.

    Parameters
    ----------
    shape : (int, int)
        ``(n_left, n_right)`` of the full problem.
    rows, cols, scores : ndarray
        Initial candidate pairs and their scores (any subset of the allowed
        pairs; duplicates are ignored).  Better candidates mean fewer rounds.
    price : callable
        ``price(left, right, tol, rows, candidates, per_row) -> Violations``
        over every allowed pair of the full problem, in the score convention
        (see :class:`Violations` and ``Pricer``); it may ignore the last three
        arguments.
    maximize, require_complete : bool
        As in :func:`solve_assignment`.
    scale : float
        Largest absolute score, or an estimate (the largest among the
        candidates): sets the tolerance and the penalty of an unmatched
        participant when ``require_complete``.
    exact_scale : callable, optional
        Returns the true largest absolute score; called only when
        ``require_complete`` and the solution leaves someone unmatched, to
        make sure the penalty was big enough before declaring infeasibility.
    complete_pairs : callable, optional
        ``complete_pairs(left, right)`` -> ``(rows, cols, scores)``: good
        allowed pairs between the given unmatched left and right
        participants.  Called when the candidates admit no complete
        matching (participants sit on their penalty), which pricing alone
        would repair only slowly (degenerate or strongly structured scores).
    auction : bool, default False
        Start a square problem whose rows must all be matched from an
        auction (epsilon scaling) instead of the column reduction: much
        shorter augmenting paths on large sparse inputs.  Ignored with a
        time limit; falls back to the column reduction if it gives up.
    max_candidates : int, optional
        Give up when the sparse problem grows past this many pairs (pruning
        does not pay on this input): the result then has ``info["gave_up"]``
        True and the caller should solve the full problem another way.
    time_limit : float or None
        Seconds; when it runs out the current matching is returned with
        ``info["status"] = Status.TIME_LIMIT``.
    neighbours : callable, optional
        ``neighbours(i, left)`` -> allowed partners of left participant ``i``
        (or right participant ``i`` when ``left`` is False); only used to
        name the culprits when no complete matching exists.

    Returns
    -------
    pairs : ndarray of shape (k, 2), int64
    left_potential, right_potential : ndarray of float64
        In the score convention: for a maximization ``left[i] + right[j] >=
        s[i, j]`` on every allowed pair, equality on matched pairs.
    info : dict
        ``status``, ``max_violation``, ``pairs_checked``, ``pricing_rounds``,
        ``candidates`` (pairs in the final sparse problem), ``cold_restarts``.

    Raises
    ------
    matching.errors.Infeasible
        ``require_complete`` and no matching covers the smaller side.
    """
    start = perf_counter()
    deadline = None if time_limit is None else start + float(time_limit)
    sign = -1.0 if maximize else 1.0
    scale = float(scale) if scale > 0 else 1.0
    tol = _REL_TOL * scale
    n, m = shape
    big = 2.0 * (min(n, m) + 1) * scale + 1.0
    sap = _Sap(shape, sign, allow_unmatched=not require_complete, big=big)
    sap.add(rows, cols, scores)
    # Optional participants, square, every candidate worth matching: the best matching is very
    # likely complete.  Solve the complete problem first (faster start), then shift its potentials.
    two_phase = not require_complete and sap.nr == sap.nc and bool(np.all(sap.cost < 0))
    if two_phase:
        sap.make_complete(big)
    if not (auction and sap.free_sign and deadline is None and sap.cold_auction(scale)):
        sap.cold(greedy=not (require_complete or two_phase))
    status = Status.OPTIMAL
    rounds = 0
    cold_restarts = 0
    worst = np.zeros(n)
    checked = 0
    repairs = 0
    gave_up = False
    while True:
        if not sap.augment(deadline):
            status = Status.TIME_LIMIT
            break
        if complete_pairs is not None and repairs < _MAX_REPAIRS and not sap.allow_unmatched:
            stuck = np.flatnonzero(sap.col4row >= sap.nc)
            if len(stuck):
                repairs += 1
                free_cols = np.flatnonzero(sap.row4col[: sap.nc] < 0)
                lefts, rights = (free_cols, stuck) if sap.transpose else (stuck, free_cols)
                new_rows = sap.add(*complete_pairs(lefts, rights))
                if len(new_rows):
                    sap.free_rows(new_rows)
                    continue
        left, right = sap.potentials()
        todo = sap.to_price()
        # violated pairs added per row: doubles each round, so strongly structured scores
        # (whose optimum lies far from every row's best pairs) need few rounds
        per_row = min(_ADD_K << min(rounds, 20), _ADD_K_MAX)
        found = price(left, right, tol, todo, sap.candidates(), per_row)
        sap.priced(todo, found.priced_margin)
        rounds += 1
        if found.priced_worst is None:
            worst[:] = found.max_violation
        elif found.priced is None:
            worst[:] = found.priced_worst
        else:
            worst[found.priced] = found.priced_worst
        if todo is None:
            checked = found.pairs_checked
        if found.max_violation > tol and len(found.rows):
            new_rows = sap.add(found.rows, found.cols, found.scores)
            if max_candidates is not None and len(sap.keys) > max_candidates:
                gave_up = True
                break
            if len(new_rows):
                sap.free_rows(new_rows)
                continue
        if sap.slack_columns(tol):
            # a column freed by a warm start kept a nonzero potential: solve again from a valid cold start
            cold_restarts += 1
            sap.cold(greedy=True)
            continue
        if two_phase:
            two_phase = False
            if not sap.make_optional(tol):
                continue
        if require_complete and exact_scale is not None and np.any(sap.col4row >= sap.nc):
            # someone is unmatched: make sure the penalty was big enough before calling it infeasible
            bigger = 2.0 * (min(n, m) + 1) * max(float(exact_scale()), scale) + 1.0
            exact_scale = None
            if bigger > big:
                big = bigger
                sap.dummy[:] = big
                cold_restarts += 1
                sap.cold(greedy=False)
                continue
        break
    pairs, on_dummy = sap.pairs()
    left, right = sap.potentials()
    if status is Status.OPTIMAL and require_complete and len(on_dummy) and not gave_up:
        raise_infeasible(sap, on_dummy, neighbours)
    info = {
        "status": status,
        "max_violation": float(worst.max(initial=0.0)),
        "pairs_checked": int(checked),
        "pricing_rounds": rounds,
        "candidates": int(len(sap.keys)),
        "cold_restarts": cold_restarts,
        "gave_up": gave_up,
    }
    return pairs, left, right, info


def _forbidden_csr(data: ScoreInput) -> tuple[np.ndarray, np.ndarray]:
    fp = data.forbidden_pairs
    fptr = np.zeros(data.n_left + 1, dtype=np.int64)
    np.cumsum(np.bincount(fp[:, 0], minlength=data.n_left), out=fptr[1:])
    return fptr, np.ascontiguousarray(fp[:, 1], dtype=np.int64)


def _violations(
    cols: np.ndarray,
    counts: np.ndarray,
    worst: np.ndarray,
    values: Callable,
    checked: int,
    priced: np.ndarray | None,
    margin: np.ndarray | None = None,
) -> Violations:
    mask = np.arange(cols.shape[1])[None, :] < counts[:, None]
    rows = np.repeat(np.arange(len(counts), dtype=np.int64) if priced is None else priced, counts)
    picked = cols[mask]
    return Violations(rows, picked, values(rows, picked), float(worst.max(initial=0.0)), checked, priced, worst, margin)


def _dense_pricer(data: ScoreInput, sign: float, fptr: np.ndarray, fidx: np.ndarray) -> Pricer:
    s = data.dense
    n, m = data.shape
    everyone = np.arange(n, dtype=np.int64)

    no_candidates = (np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int64))

    def price(
        left: np.ndarray,
        right: np.ndarray,
        tol: float,
        rows: np.ndarray | None = None,
        candidates: tuple[np.ndarray, np.ndarray] | None = None,
        per_row: int = _ADD_K,
    ) -> Violations:
        todo = everyone if rows is None else rows
        cptr, cidx = no_candidates if candidates is None else candidates
        cols, counts, worst, margin = K.dense_price(
            s, sign, sign * left, sign * right, tol, min(per_row, m), fptr, fidx, todo, cptr, cidx
        )
        checked = len(todo) * m - int(np.sum(fptr[todo + 1] - fptr[todo]))
        return _violations(
            cols, counts, worst, lambda r, c: s[r, c], checked, rows, None if candidates is None else margin
        )

    return price


def _dense_completer(data: ScoreInput, sign: float) -> Callable:
    """Best pairs between unmatched participants of a dense input, read in row blocks."""
    s = data.dense
    n, m = data.shape
    fp = data.forbidden_pairs

    def complete(lefts: np.ndarray, rights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if len(lefts) == 0 or len(rights) == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        k = min(_TOP_K, len(rights))
        pos = np.full(m, -1, dtype=np.int64)
        pos[rights] = np.arange(len(rights))
        block_rows = max(1, (1 << 20) // len(rights))
        out_r, out_c = [], []
        for start in range(0, len(lefts), block_rows):
            rows = lefts[start:start + block_rows]
            block = sign * s[np.ix_(rows, rights)]
            # ties: prefer a rotated column order, so equal scores spread over the columns
            rot = (np.arange(len(rights))[None, :] - (start + np.arange(len(rows)))[:, None] * 7919) % len(rights)
            block = block + (np.abs(block) + 1.0) * 1e-12 * rot / len(rights)
            if len(fp):
                sel = np.isin(fp[:, 0], rows) & (pos[fp[:, 1]] >= 0)
                if sel.any():
                    where = np.searchsorted(rows, fp[sel, 0]) if np.all(np.diff(rows) > 0) else None
                    if where is None:
                        lookup = {int(r): t for t, r in enumerate(rows.tolist())}
                        where = np.array([lookup[int(r)] for r in fp[sel, 0]])
                    block[where, pos[fp[sel, 1]]] = np.inf
            best = np.argpartition(block, k - 1, axis=1)[:, :k] if k < len(rights) else np.broadcast_to(
                np.arange(len(rights)), block.shape
            )
            ok = np.isfinite(np.take_along_axis(block, best, axis=1))
            out_r.append(np.broadcast_to(rows[:, None], best.shape)[ok])
            out_c.append(rights[best[ok]])
        # and one pairing that covers every unmatched participant of the smaller side
        t = min(len(lefts), len(rights))
        out_r.append(lefts[:t])
        out_c.append(rights[(np.arange(t) * 7919) % len(rights)][:t] if len(rights) > t else rights[:t])
        r = np.concatenate(out_r).astype(np.int64)
        c = np.concatenate(out_c).astype(np.int64)
        if len(fp):
            keep = ~np.isin(r * m + c, fp[:, 0] * m + fp[:, 1])
            r, c = r[keep], c[keep]
        return r, c, s[r, c]

    return complete


def _sparse_completer(data: ScoreInput) -> Callable:
    """Every stored pair between unmatched participants of a sparse input."""
    a = data.sparse
    n, m = data.shape
    rows_of = np.repeat(np.arange(n, dtype=np.int64), np.diff(a.indptr))

    def complete(lefts: np.ndarray, rights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        lmask = np.zeros(n, dtype=bool)
        lmask[lefts] = True
        rmask = np.zeros(m, dtype=bool)
        rmask[rights] = True
        sel = lmask[rows_of] & rmask[a.indices]
        return rows_of[sel], a.indices[sel].astype(np.int64), a.data[sel]

    return complete


def _csr_pricer(indptr: np.ndarray, indices: np.ndarray, values: np.ndarray, sign: float) -> Pricer:
    def lookup(r: np.ndarray, c: np.ndarray) -> np.ndarray:
        out = np.empty(len(r))
        for t, (i, j) in enumerate(zip(r.tolist(), c.tolist())):
            lo = indptr[i]
            out[t] = values[lo + np.searchsorted(indices[lo:indptr[i + 1]], j)]
        return out

    def price(
        left: np.ndarray, right: np.ndarray, tol: float, rows: Any = None, candidates: Any = None, per_row: int = _ADD_K
    ) -> Violations:
        width = int(np.max(np.diff(indptr), initial=1))
        cols, counts, worst = K.csr_price(
            indptr, indices, values, sign, sign * left, sign * right, tol, max(1, min(per_row, width))
        )
        return _violations(cols, counts, worst, lookup, len(indices), None)

    return price


def _top_k_sparse(rows: np.ndarray, cols: np.ndarray, cost: np.ndarray, k: int) -> np.ndarray:
    """Mask of the entries among the ``k`` cheapest of their row or of their column."""
    keep = np.zeros(len(rows), dtype=bool)
    for key in (rows, cols):
        order = np.lexsort((cost, key))
        sorted_key = key[order]
        starts = np.searchsorted(sorted_key, sorted_key, side="left")
        rank = np.arange(len(order)) - starts
        keep[order[rank < k]] = True
    return keep


def _few_ties(values: np.ndarray, sample: int = 2048) -> bool:
    """True when a sample of the scores is almost free of repeated values.

    The auction start pays off on such scores; on heavily tied ones (small
    integers) its prices leave long zero-cost plateaus to the augmenting paths.
    """
    if len(values) == 0:
        return False
    picked = values[:: max(1, len(values) // sample)]
    return len(np.unique(picked)) >= 0.95 * len(picked)


def _top_k(n: int, m: int) -> tuple[int, int]:
    """Candidates kept per row and per column: fewer on the longer side, whose members mostly stay unmatched."""
    k_row = _TOP_K if n <= m else max(_TOP_K_MIN, -(-_TOP_K * m // n))
    k_col = _TOP_K_COL if m <= n else max(_TOP_K_MIN, -(-_TOP_K_COL * n // m))
    return k_row, k_col


def _slackness_violation(
    data: ScoreInput, pairs: np.ndarray, left: np.ndarray, right: np.ndarray, maximize: bool, require_complete: bool
) -> float:
    """Largest breach of complementary slackness and of the potentials' sign constraints."""
    n, m = data.shape
    sign = 1.0 if maximize else -1.0
    worst = 0.0
    if len(pairs):
        slack = left[pairs[:, 0]] + right[pairs[:, 1]] - data.values(pairs[:, 0], pairs[:, 1])
        worst = float(np.max(np.abs(slack)))
    optional_left = not require_complete or n > m
    optional_right = not require_complete or m > n
    for pot, optional, matched in (
        (left, optional_left, pairs[:, 0]),
        (right, optional_right, pairs[:, 1]),
    ):
        if not optional or len(pot) == 0:
            continue
        worst = max(worst, float(np.max(np.maximum(-sign * pot, 0.0))))  # must be >= 0 (max) / <= 0 (min)
        free = np.ones(len(pot), dtype=bool)
        free[matched] = False
        if free.any():
            worst = max(worst, float(np.max(np.abs(pot[free]))))
    return worst


def solve_assignment(
    scores: Any,
    *,
    maximize: bool = True,
    forbidden: Any = None,
    require_complete: bool = False,
    time_limit: float | None = None,
) -> MatchResult:
    """Optimal one-to-one assignment of left participants (rows) to right ones (columns).

    Parameters
    ----------
    scores : array-like of shape (n_left, n_right) or scipy.sparse matrix
        Score of every (left, right) pair.  Dense: every pair is allowed
        unless forbidden.  Sparse: stored entries are the allowed pairs
        (an explicitly stored 0 is allowed), missing entries are impossible.
    maximize : bool, default True
        Maximize the total score; False minimizes it (costs).
    forbidden : None, bool mask of shape (n_left, n_right), or iterable of (left, right) pairs
        Pairs that may not be matched.
    require_complete : bool, default False
        False: the best matching of any size.  A participant may stay
        unmatched, so a pair whose score would lower a maximized total
        (negative score) or raise a minimized one (positive cost) is never
        forced; pairs of score 0 may or may not be used.  True: every
        participant of the smaller side is matched (scipy's
        ``linear_sum_assignment`` semantics: every row when n_left <=
        n_right), and among such matchings the best total is returned.
    time_limit : float or None
        Seconds.  When it runs out, the best matching found so far is
        returned with status ``TIME_LIMIT`` (no optimality proof).

    Returns
    -------
    MatchResult
        ``pairs`` (sorted by left index), ``objective`` (recomputed from
        ``scores``), ``status`` OPTIMAL, ``solver`` ``"sparse-jv+pricing"``
        (or ``"dense-jv"`` when pruning did not pay and the full matrix was
        solved directly),
        and a :class:`DualCertificate`: for a maximization ``left[i] +
        right[j] >= scores[i, j]`` on every allowed pair, with equality on
        matched pairs; potentials are >= 0 (maximize) or <= 0 (minimize) and
        0 on unmatched participants of every side that may stay unmatched.
        ``max_violation`` is the largest breach of these conditions, measured
        on the full input (``pairs_checked`` pairs).  ``info`` holds
        ``pricing_rounds``, ``candidates`` (pairs of the final sparse
        problem), ``cold_restarts``.

    Raises
    ------
    matching.errors.InvalidInput
        Malformed scores or forbidden pairs (see :func:`as_scores`).
    matching.errors.Infeasible
        ``require_complete`` and some participant of the smaller side cannot
        be matched.  The message and ``culprits`` name a set of participants
        who share too few allowed partners (Hall's condition); the exception
        also carries ``side`` ("left"/"right"), ``unmatched`` (indices left
        unmatched by a maximum matching), ``hall_set`` and ``partners``.

    Notes
    -----
    The ``k`` best pairs of every row and column are solved exactly with a
    shortest augmenting path algorithm (Jonker and Volgenant), then every
    allowed pair is priced against the dual potentials; violated pairs are
    added and the solve warm-starts until none remains, which proves
    optimality on the full matrix.  Equal scores are spread over the
    candidates by a rotated tie-break; when the candidates admit no complete
    matching they are completed with pairs between unmatched participants;
    when the pruned problem grows past 5% of all pairs (e.g. rank-one
    scores, where every row and column wants the same partners) the full
    matrix is solved directly with shortest augmenting paths.  A square
    sparse input with ``require_complete`` and few tied scores starts from
    an epsilon-scaling auction (Bertsekas), whose prices leave the shortest
    augmenting paths little to do.

    Time is about two passes over the matrix (the candidates, then the
    first pricing round; later rounds re-price only the participants whose
    potential rose past the margin of their best non-candidate pair) plus a
    sparse solve.  A few hundred microseconds of fixed overhead make it
    slower than scipy's ``linear_sum_assignment`` on tiny inputs.  The
    kernels are compiled by numba on first use (cached on disk afterwards).

    References
    ----------
    R. Jonker and A. Volgenant, "A shortest augmenting path algorithm for
    dense and sparse linear assignment problems", Computing 38 (1987).
    D. P. Bertsekas, "The auction algorithm: a distributed relaxation method
    for the assignment problem", Annals of Operations Research 14 (1988).

    Examples
    --------
    >>> res = solve_assignment([[4.0, 1.0], [2.0, 3.0]])
    >>> res.pairs.tolist(), res.objective
    ([[0, 0], [1, 1]], 7.0)

    A participant may stay unmatched rather than lower the total, unless every
    participant of the smaller side must be matched:

    >>> solve_assignment([[4.0, -1.0], [-2.0, -3.0]]).pairs.tolist()
    [[0, 0]]
    >>> solve_assignment([[4.0, -1.0], [-2.0, -3.0]], require_complete=True).pairs.tolist()
    [[0, 0], [1, 1]]
    >>> solve_assignment([[4.0, 9.0], [1.0, 2.0]], maximize=False, forbidden=[(0, 0)], require_complete=True).objective
    10.0
    """
    start = perf_counter()
    data = as_scores(scores, forbidden=forbidden, check_finite=sp.issparse(scores))  # dense: checked in the candidate pass
    n, m = data.shape
    maximize = bool(maximize)
    sign = -1.0 if maximize else 1.0
    solver = "sparse-jv+pricing"
    if n == 0 or m == 0:
        cert = DualCertificate(np.zeros(n), np.zeros(m), 0.0, 0, 0)
        return MatchResult(
            pairs=np.zeros((0, 2), dtype=np.int64), objective=0.0, status=Status.OPTIMAL, solver=solver,
            wall_time=perf_counter() - start, shape=(n, m), maximize=maximize, certificate=cert,
            info={"pricing_rounds": 0, "candidates": 0, "cold_restarts": 0},
        )
    if require_complete:
        _check_degrees(data)
    if data.sparse is not None:
        a = data.sparse
        rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(a.indptr))
        cols = a.indices.astype(np.int64)
        keep = slice(None)
        if a.nnz > 2 * _TOP_K * (n + m):
            keep = _top_k_sparse(rows, cols, sign * a.data, _TOP_K)
        cand_r, cand_c, cand_s = rows[keep], cols[keep], a.data[keep]
        scale = float(np.max(np.abs(a.data), initial=0.0))
        exact_scale = None
        completer = _sparse_completer(data)
        price = _csr_pricer(a.indptr.astype(np.int64), cols, a.data, sign)
    else:
        fptr, fidx = _forbidden_csr(data)
        k_row, k_col = _top_k(n, m)
        cand_r, cand_c, finite, _ = K.dense_candidates(data.dense, sign, k_row, k_col, fptr, fidx)
        if not finite:
            as_scores(scores)  # raises, naming the first NaN / infinite value
        cand_s = data.dense[cand_r, cand_c]
        scale = float(np.max(np.abs(cand_s), initial=0.0))
        dense = data.dense
        exact_scale = lambda: float(max(np.max(dense), -np.min(dense)))  # noqa: E731
        price = _dense_pricer(data, sign, fptr, fidx)
        completer = _dense_completer(data, sign)
    pairs, left, right, info = _solve_with_pricing(
        (n, m), cand_r, cand_c, cand_s, price, maximize=maximize, require_complete=require_complete,
        scale=scale, time_limit=time_limit, neighbours=neighbours_of(data), exact_scale=exact_scale,
        complete_pairs=completer, max_candidates=None if data.sparse is not None else max(_DENSE_FRACTION * n * m, 8 * len(cand_r)),
        auction=data.sparse is not None and _few_ties(data.sparse.data),
    )
    if info.pop("gave_up"):
        solver = "dense-jv"
        pairs, left, right = _solve_dense(data, sign, require_complete, neighbours_of(data))
        found = price(left, right, _REL_TOL * max(scale, 1.0), None, None, 1)
        info.update(max_violation=found.max_violation, pairs_checked=found.pairs_checked)
    status = info.pop("status")
    violation = max(info.pop("max_violation"), _slackness_violation(data, pairs, left, right, maximize, require_complete))
    cert = DualCertificate(
        left_potential=left, right_potential=right, max_violation=violation,
        pairs_checked=info.pop("pairs_checked"), pricing_rounds=info["pricing_rounds"],
    )
    return MatchResult(
        pairs=pairs, objective=data.total(pairs), status=status, solver=solver,
        wall_time=perf_counter() - start, shape=(n, m), maximize=maximize, certificate=cert, info=info,
    )


def _solve_dense(
    data: ScoreInput, sign: float, require_complete: bool, neighbours: Callable
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact solve on the full dense matrix (shortest augmenting paths, O(n^2 m)): the fallback
    for inputs where pruning does not pay.  Returns pairs and score-convention potentials."""
    n, m = data.shape
    cost = sign * np.asarray(data.dense, dtype=np.float64)
    fp = data.forbidden_pairs
    if len(fp):
        cost[fp[:, 0], fp[:, 1]] = np.inf
    transpose = n > m
    if transpose:
        cost = np.ascontiguousarray(cost.T)
    nr, nc = cost.shape
    dummy = np.full(nr, np.inf if require_complete else 0.0)
    col4row = np.full(nr, -1, dtype=np.int64)
    row4col = np.full(nc, -1, dtype=np.int64)
    u = np.minimum(cost.min(axis=1), dummy)  # row reduction: every reduced cost >= 0 with v = 0
    u[~np.isfinite(u)] = 0.0
    v = np.zeros(nc)
    failed = K.dense_sap(cost, dummy, col4row, row4col, u, v)
    if len(failed):
        from types import SimpleNamespace

        raise_infeasible(SimpleNamespace(transpose=transpose, row4col=row4col), np.sort(failed), neighbours)
    rows = np.flatnonzero(col4row < nc)
    cols = col4row[rows]
    pairs = np.stack([cols, rows], axis=1) if transpose else np.stack([rows, cols], axis=1)
    left, right = sign * u, sign * v
    if transpose:
        left, right = right, left
    return pairs.astype(np.int64).reshape(-1, 2), left, right


def _check_degrees(data: ScoreInput) -> None:
    """Fail fast, naming them, when participants of the smaller side have no allowed partner."""
    n, m = data.shape
    left, right = data.allowed_counts()
    side, counts = ("left", left) if n <= m else ("right", right)
    lonely = np.flatnonzero(counts == 0)
    if len(lonely):
        exc = Infeasible(
            f"no matching covers every {side} participant: {side} participant(s) {short_list(lonely)} "
            f"cannot be matched: they have no allowed partner; allow some pairs for them or pass "
            f"require_complete=False",
            culprits=[f"{side} {i}" for i in lonely.tolist()],
        )
        exc.side = side
        exc.unmatched = lonely
        exc.hall_set = lonely
        exc.partners = np.zeros(0, dtype=np.int64)
        raise exc


def _solve_sparse_with_duals(
    rows: np.ndarray,
    cols: np.ndarray,
    vals: np.ndarray,
    shape: tuple[int, int],
    *,
    maximize: bool = True,
    require_complete: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact assignment restricted to the given pairs, with dual potentials.

    Parameters
    ----------
    rows, cols, vals : ndarray
        The allowed pairs (left index, right index, score); every other pair
        is impossible.  Duplicated pairs keep their first score.
    shape : (int, int)
    maximize, require_complete : bool
        As in :func:`solve_assignment`.

    Returns
    -------
    pairs : ndarray of shape (k, 2), int64
    left_potential, right_potential : ndarray
        Score-convention potentials: ``left[i] + right[j] >= s`` (maximize;
        ``<=`` when minimizing) on every given pair, equality on matched
        pairs, 0 on participants that may and do stay unmatched.  Build a
        pricing loop on them with :func:`_solve_with_pricing`.

    Raises
    ------
    matching.errors.Infeasible
        ``require_complete`` and the given pairs admit no complete matching.
    """
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    vals = np.asarray(vals, dtype=np.float64)
    n, m = shape
    if n == 0 or m == 0:
        return np.zeros((0, 2), dtype=np.int64), np.zeros(n), np.zeros(m)
    keys, first = np.unique(rows * m + cols, return_index=True)
    r, c, s = keys // m, keys % m, vals[first]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(r, minlength=n), out=indptr[1:])
    sign = -1.0 if maximize else 1.0
    csc_order = np.lexsort((r, c))

    def neighbours(i: int, left: bool) -> np.ndarray:
        if left:
            return c[indptr[i]:indptr[i + 1]]
        return r[csc_order][c[csc_order] == i]

    pairs, left, right, _ = _solve_with_pricing(
        shape, r, c, s, _csr_pricer(indptr, c, s, sign), maximize=maximize,
        require_complete=require_complete, scale=float(np.max(np.abs(s), initial=0.0)), neighbours=neighbours,
    )
    return pairs, left, right
