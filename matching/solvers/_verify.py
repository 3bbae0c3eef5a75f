"""Independent checkers for every solver's result.

These functions re-derive everything from the caller's input with plain
numpy and scipy.sparse; they import nothing from the solvers, so a bug in a
solver cannot hide itself.  Each ``verify_*`` returns a
:class:`VerificationReport` (``ok`` and a list of ``problems`` in words);
each ``check_*`` runs the same test and raises :class:`AssertionError`
listing the problems.  The service runs them before publishing a result.

Conventions shared with the solvers: a dense score matrix allows every pair
except the ``forbidden`` ones; a sparse one allows exactly its stored
entries; capacities may be scalars or one value per participant, ``inf``
meaning no limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import numpy as np
import scipy.sparse as sp

from ._result import DualCertificate, MatchResult

__all__ = [
    "VerificationReport",
    "verify_feasible",
    "verify_objective",
    "verify_duals",
    "verify_stable",
    "blocking_pairs",
    "check_feasible",
    "check_objective",
    "check_duals",
    "check_stable",
]

_MAX_LISTED = 20


@dataclass(frozen=True)
class VerificationReport:
    """What one check found.

    Attributes
    ----------
    check : str
        Which check ran (``"feasible"``, ``"objective"``, ``"duals"``, ``"stable"``).
    problems : tuple of str
        Every problem found, in words; empty when the check passed.
    figures : dict
        Numbers the check computed (e.g. ``dual_bound``, ``gap``, ``n_blocking``).
    """

    check: str
    problems: tuple[str, ...] = ()
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def raise_if_failed(self) -> None:
        """Raise :class:`AssertionError` listing the problems, if any."""
        if self.problems:
            raise AssertionError(f"{self.check} check failed:\n  " + "\n  ".join(self.problems))


class _Problems(list):
    """A list of problem strings that stops growing after a few of one kind."""

    def add_many(self, template: str, items: list, total: int) -> None:
        for item in items[:_MAX_LISTED]:
            self.append(template.format(*item) if isinstance(item, tuple) else template.format(item))
        if total > _MAX_LISTED:
            self.append(f"... and {total - _MAX_LISTED} more like the above")


# ----------------------------------------------------------------------------------------------
# Reading the input, independently of the solvers


class _Scores:
    """The allowed pairs and their scores, re-derived from the raw input."""

    def __init__(self, scores: Any, forbidden: Any, shape: tuple[int, int] | None = None):
        if scores is None:
            if shape is None:
                raise ValueError("scores or shape is needed")
            self.shape = tuple(int(v) for v in shape)
            self.dense = None
            self.sparse = None
        elif sp.issparse(scores):
            a = sp.csr_array(scores, dtype=np.float64, copy=True)
            a.sum_duplicates()
            a.sort_indices()
            self.shape = (int(a.shape[0]), int(a.shape[1]))
            self.sparse = a
            self.dense = None
        else:
            self.dense = np.asarray(scores, dtype=np.float64)
            if self.dense.ndim != 2:
                raise ValueError(f"expected a 2-D score matrix, got {self.dense.ndim}-D")
            self.shape = (int(self.dense.shape[0]), int(self.dense.shape[1]))
            self.sparse = None
        n, m = self.shape
        self.forbidden_keys = np.unique(_pairs(forbidden, self.shape) @ np.array([max(m, 1), 1], dtype=np.int64))

    def _stored(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        a = self.sparse
        m = max(self.shape[1], 1)
        keys = np.repeat(np.arange(a.shape[0], dtype=np.int64), np.diff(a.indptr)) * m + a.indices
        want = rows * m + cols
        at = np.searchsorted(keys, want)
        found = at < len(keys)
        found[found] = keys[at[found]] == want[found]
        return found

    def allowed(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        m = max(self.shape[1], 1)
        ok = ~np.isin(rows * m + cols, self.forbidden_keys)
        if self.sparse is not None:
            ok &= self._stored(rows, cols)
        return ok

    def value(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        if self.dense is not None:
            return self.dense[rows, cols]
        if self.sparse is not None:
            return np.asarray(self.sparse[rows, cols], dtype=np.float64).ravel()
        raise ValueError("no scores given")

    def all_allowed(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every allowed pair as (rows, cols, scores)."""
        n, m = self.shape
        if self.sparse is not None:
            a = self.sparse
            rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(a.indptr))
            cols = a.indices.astype(np.int64)
            vals = a.data
        else:
            rows = np.repeat(np.arange(n, dtype=np.int64), m)
            cols = np.tile(np.arange(m, dtype=np.int64), n)
            vals = self.dense.ravel()
        keep = ~np.isin(rows * max(m, 1) + cols, self.forbidden_keys)
        return rows[keep], cols[keep], vals[keep]


def _pairs(pairs: Any, shape: tuple[int, int]) -> np.ndarray:
    """(k, 2) int64 pairs from None, a boolean mask or an iterable of index pairs."""
    if pairs is None:
        return np.zeros((0, 2), dtype=np.int64)
    if sp.issparse(pairs):
        pairs = pairs.toarray() != 0
    arr = np.asarray(pairs if isinstance(pairs, np.ndarray) else list(pairs))
    if arr.dtype == bool:
        return np.argwhere(arr).astype(np.int64).reshape(-1, 2)
    return arr.astype(np.int64).reshape(-1, 2)


def _bounds(value: Any, size: int, default: float, unlimited: int) -> np.ndarray:
    """Per-participant bounds as int64; ``inf`` becomes ``unlimited``."""
    if value is None:
        value = default
    arr = np.broadcast_to(np.asarray(value, dtype=np.float64), (size,))
    return np.where(np.isfinite(arr), arr, unlimited).astype(np.int64)


def _result_pairs(result: MatchResult | Any) -> np.ndarray:
    pairs = result.pairs if isinstance(result, MatchResult) else result
    return np.asarray(pairs, dtype=np.int64).reshape(-1, 2)


# ----------------------------------------------------------------------------------------------
# Feasibility and objective


def verify_feasible(
    result: MatchResult,
    *,
    scores: Any = None,
    forbidden: Any = None,
    left_capacity: Any = 1,
    right_capacity: Any = 1,
    left_min: Any = None,
    right_min: Any = None,
    required: Any = None,
) -> VerificationReport:
    """Check that a result is a matching that respects every rule.

    Parameters
    ----------
    result : MatchResult
    scores : array-like or scipy.sparse matrix, optional
        When given, a pair must be allowed by it (a sparse matrix allows only
        its stored entries) and its shape must match ``result.shape``.
    forbidden : None, bool mask or iterable of (left, right) pairs
    left_capacity, right_capacity : int, inf or array-like, default 1
        Largest number of partners (one-to-one by default).
    left_min, right_min : None, int or array-like
        Smallest number of partners.
    required : None, bool mask or iterable of (left, right) pairs
        Pairs that must be matched.

    Returns
    -------
    VerificationReport
        Problems: pairs out of range, duplicated, forbidden or not allowed,
        participants over capacity or under their minimum, missing required pairs.
    """
    problems = _Problems()
    n, m = (int(v) for v in result.shape)
    data = _Scores(scores, forbidden, shape=(n, m))
    if data.shape != (n, m):
        problems.append(f"scores have shape {data.shape} but the result has shape {(n, m)}")
        return VerificationReport("feasible", tuple(problems))
    pairs = _result_pairs(result)
    out = (pairs[:, 0] < 0) | (pairs[:, 0] >= n) | (pairs[:, 1] < 0) | (pairs[:, 1] >= m)
    if out.any():
        bad = [tuple(int(v) for v in p) for p in pairs[out]]
        problems.add_many("pair ({}, {}) is out of range", bad, len(bad))
        pairs = pairs[~out]
    keys = pairs[:, 0] * max(m, 1) + pairs[:, 1]
    uniq, counts = np.unique(keys, return_counts=True)
    dup = uniq[counts > 1]
    problems.add_many("pair ({}, {}) appears more than once", [(int(k // m), int(k % m)) for k in dup], len(dup))
    not_allowed = ~data.allowed(pairs[:, 0], pairs[:, 1])
    bad = [tuple(int(v) for v in p) for p in pairs[not_allowed]]
    problems.add_many("pair ({}, {}) is forbidden or not an allowed pair", bad, len(bad))
    ldeg = np.bincount(pairs[:, 0], minlength=n)
    rdeg = np.bincount(pairs[:, 1], minlength=m)
    for side, deg, cap, low, other in (
        ("left", ldeg, left_capacity, left_min, m),
        ("right", rdeg, right_capacity, right_min, n),
    ):
        size = len(deg)
        cap_a = _bounds(cap, size, other, other)
        low_a = _bounds(low, size, 0, other)
        over = np.flatnonzero(deg > cap_a)
        problems.add_many(
            side + " participant {} has {} partners, above its capacity {}",
            [(int(k), int(deg[k]), int(cap_a[k])) for k in over], len(over),
        )
        under = np.flatnonzero(deg < low_a)
        problems.add_many(
            side + " participant {} has {} partners, below its minimum {}",
            [(int(k), int(deg[k]), int(low_a[k])) for k in under], len(under),
        )
    req = _pairs(required, (n, m))
    if len(req):
        missing = req[~np.isin(req[:, 0] * max(m, 1) + req[:, 1], keys)]
        problems.add_many("required pair ({}, {}) is not matched", [tuple(int(v) for v in p) for p in missing], len(missing))
    return VerificationReport("feasible", tuple(problems), {"n_pairs": int(len(pairs))})


def verify_objective(result: MatchResult, scores: Any, *, rtol: float = 1e-9) -> VerificationReport:
    """Check ``result.objective`` against the sum of the scores of its pairs, recomputed here."""
    data = _Scores(scores, None)
    pairs = _result_pairs(result)
    problems = []
    if data.shape != tuple(result.shape):
        problems.append(f"scores have shape {data.shape} but the result has shape {tuple(result.shape)}")
        return VerificationReport("objective", tuple(problems))
    values = data.value(pairs[:, 0], pairs[:, 1]) if len(pairs) else np.zeros(0)
    total = float(np.sum(values))
    scale = max(1.0, float(np.sum(np.abs(values))))
    if not abs(total - float(result.objective)) <= rtol * scale:
        problems.append(f"objective is {result.objective!r} but the pairs' scores sum to {total!r}")
    return VerificationReport("objective", tuple(problems), {"recomputed": total})


# ----------------------------------------------------------------------------------------------
# Dual certificates


def verify_duals(
    result: MatchResult,
    scores: Any,
    *,
    forbidden: Any = None,
    left_capacity: Any = 1,
    right_capacity: Any = 1,
    left_min: Any = None,
    right_min: Any = None,
    required: Any = None,
    require_complete: bool = False,
    tol: float = 1e-6,
) -> VerificationReport:
    """Check that a :class:`DualCertificate` proves the result optimal.

    With ``s`` the scores (negated when ``result.maximize`` is False, with
    the potentials), ``p``/``q`` the left/right potentials and the reduced
    cost ``r_ij = s_ij - p_i - q_j`` on every allowed pair:

    * a matched pair that is not required has ``r >= 0``; an unmatched
      allowed pair has ``r <= 0``;
    * ``p_i > 0`` only if ``i`` is at its capacity, ``p_i < 0`` only if it is
      at its minimum (the same for ``q``);
    * the dual bound ``D = sum max(r, 0) over pairs (r on required pairs) +
      sum_i (cap_i p_i if p_i > 0 else min_i p_i) + (same for j)`` is an
      upper bound on every feasible matching's total (LP weak duality, for
      any potentials) and must equal the result's total.

    For a one-to-one assignment with minimums 0 these are the familiar
    ``p_i + q_j >= s_ij`` with equality on matched pairs, and potentials 0 on
    unmatched participants.  ``require_complete=True`` (as in
    ``solve_assignment``) sets the minimum to 1 on the smaller side (both
    sides when square).  Tolerances are ``tol`` times ``max(1, max |s|)``;
    the bound may exceed the total by that times ``max(1, number of pairs)``.

    Returns
    -------
    VerificationReport
        ``figures`` holds ``dual_bound``, ``total`` and ``max_violation``.
    """
    problems = _Problems()
    cert = result.certificate
    if not isinstance(cert, DualCertificate):
        return VerificationReport("duals", (f"the result carries no dual certificate (got {type(cert).__name__})",))
    data = _Scores(scores, forbidden)
    n, m = data.shape
    if (n, m) != tuple(result.shape):
        return VerificationReport("duals", (f"scores have shape {(n, m)} but the result has shape {tuple(result.shape)}",))
    sign = 1.0 if result.maximize else -1.0
    p = sign * np.asarray(cert.left_potential, dtype=np.float64)
    q = sign * np.asarray(cert.right_potential, dtype=np.float64)
    if p.shape != (n,) or q.shape != (m,):
        return VerificationReport("duals", (f"potentials have shapes {p.shape} and {q.shape}, expected ({n},) and ({m},)",))
    if not (np.isfinite(p).all() and np.isfinite(q).all()):
        return VerificationReport("duals", ("potentials contain NaN or infinite values",))
    rows, cols, vals = data.all_allowed()
    s = sign * vals
    scale = max(1.0, float(np.max(np.abs(s), initial=0.0)))
    eps = tol * scale
    pairs = _result_pairs(result)
    mkeys = np.unique(pairs[:, 0] * max(m, 1) + pairs[:, 1])
    akeys = rows * max(m, 1) + cols
    matched = np.isin(akeys, mkeys)
    req = _pairs(required, (n, m))
    is_req = np.isin(akeys, req[:, 0] * max(m, 1) + req[:, 1]) if len(req) else np.zeros(len(akeys), bool)
    r = s - p[rows] - q[cols]
    worst = 0.0
    bad = np.flatnonzero(matched & ~is_req & (r < -eps))
    problems.add_many(
        "matched pair ({}, {}) has reduced cost {:.6g} < 0 (score minus potentials)",
        [(int(rows[k]), int(cols[k]), float(r[k])) for k in bad[np.argsort(r[bad])]], len(bad),
    )
    worst = max(worst, float(np.max(-r[matched & ~is_req], initial=0.0)))
    bad = np.flatnonzero(~matched & (r > eps))
    problems.add_many(
        "unmatched allowed pair ({}, {}) has reduced cost {:.6g} > 0: it would raise the total",
        [(int(rows[k]), int(cols[k]), float(r[k])) for k in bad[np.argsort(-r[bad])]], len(bad),
    )
    worst = max(worst, float(np.max(r[~matched], initial=0.0)))
    ldeg = np.bincount(pairs[:, 0], minlength=n)
    rdeg = np.bincount(pairs[:, 1], minlength=m)
    if require_complete:
        if left_min is None and n <= m:
            left_min = 1
        if right_min is None and m <= n:
            right_min = 1
    bound = float(np.sum(np.where(is_req, r, np.maximum(r, 0.0))))
    for side, pot, deg, cap, low, other in (
        ("left", p, ldeg, left_capacity, left_min, m),
        ("right", q, rdeg, right_capacity, right_min, n),
    ):
        size = len(pot)
        cap_a = _bounds(cap, size, other, other)
        low_a = _bounds(low, size, 0, other)
        bad = np.flatnonzero((pot > eps) & (deg < cap_a))
        problems.add_many(
            side + " participant {} has potential {:.6g} > 0 but only {} of {} partners",
            [(int(k), float(pot[k]), int(deg[k]), int(cap_a[k])) for k in bad], len(bad),
        )
        bad = np.flatnonzero((pot < -eps) & (deg > low_a))
        problems.add_many(
            side + " participant {} has potential {:.6g} < 0 but {} partners, above its minimum {}",
            [(int(k), float(pot[k]), int(deg[k]), int(low_a[k])) for k in bad], len(bad),
        )
        worst = max(worst, float(np.max(pot[deg < cap_a], initial=0.0)), float(np.max(-pot[deg > low_a], initial=0.0)))
        bound += float(np.sum(np.where(pot > 0, cap_a * pot, low_a * pot)))
    total = float(np.sum(s[matched]))
    gap = bound - total
    if gap > eps * max(1, len(pairs)):
        problems.append(
            f"the dual bound {sign * bound:.10g} differs from the total {sign * total:.10g} by {gap:.3g}: "
            "the potentials do not prove optimality"
        )
    return VerificationReport(
        "duals", tuple(problems), {"dual_bound": sign * bound, "total": sign * total, "max_violation": worst}
    )


# ----------------------------------------------------------------------------------------------
# Stability


class _Prefs:
    """One side's preferences, compared through keys: a smaller ``(primary, secondary)`` is preferred.

    Ranked lists: ``primary`` is the position in the list.  Score matrices:
    ``primary`` is minus the score and ``secondary`` the other participant's
    index (ties go to the lower index); no sorting is needed.
    """

    def __init__(self, prefs: Any, n_owner: int, n_other: int):
        self.n_owner, self.n_other = n_owner, n_other
        self.dense: np.ndarray | None = None
        self.keys: np.ndarray | None = None  # sorted owner * n_other + other of listed entries
        self.primary: np.ndarray | None = None  # per sorted key
        if sp.issparse(prefs):
            a = sp.csr_array(prefs, dtype=np.float64, copy=True)
            a.sum_duplicates()
            a.sort_indices()
            if a.shape != (n_owner, n_other):
                raise ValueError(f"expected a score matrix of shape {(n_owner, n_other)}, got {a.shape}")
            self.owner = np.repeat(np.arange(n_owner, dtype=np.int64), np.diff(a.indptr))
            self.other = a.indices.astype(np.int64)
            self.keys = self.owner * max(n_other, 1) + self.other  # canonical CSR: already sorted
            self.primary = -a.data
            self.by_index = True
        elif isinstance(prefs, np.ndarray) and prefs.ndim == 2:
            mat = np.asarray(prefs, dtype=np.float64)
            if mat.shape != (n_owner, n_other):
                raise ValueError(f"expected a score matrix of shape {(n_owner, n_other)}, got {mat.shape}")
            self.dense = -mat
            self.owner = self.other = None
            self.by_index = True
        else:
            if len(prefs) != n_owner:
                raise ValueError(f"expected {n_owner} preference lists, got {len(prefs)}")
            lengths = np.array([len(lst) for lst in prefs], dtype=np.int64)
            if len(prefs) and all(isinstance(lst, np.ndarray) for lst in prefs):
                other = np.concatenate([lst.ravel() for lst in prefs]).astype(np.int64)
            else:
                other = np.array(list(chain.from_iterable(prefs)), dtype=np.int64)
            owner = np.repeat(np.arange(n_owner, dtype=np.int64), lengths)
            rank = np.arange(len(other)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
            self.owner, self.other = owner, other
            keys = owner * max(n_other, 1) + other
            order = np.argsort(keys)
            self.keys, self.primary = keys[order], rank[order].astype(np.float64)
            self.by_index = False

    def entries(self) -> tuple[np.ndarray, np.ndarray]:
        """Every (owner, other) on a list."""
        if self.dense is not None:
            return (np.repeat(np.arange(self.n_owner, dtype=np.int64), self.n_other),
                    np.tile(np.arange(self.n_other, dtype=np.int64), self.n_owner))
        return self.owner, self.other

    def key_of(self, owner: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(primary, secondary, listed) of each (owner, other)."""
        secondary = other.astype(np.float64) if self.by_index else np.zeros(len(other))
        if self.dense is not None:
            return self.dense[owner, other], secondary, np.ones(len(owner), dtype=bool)
        want = owner * max(self.n_other, 1) + other
        order = np.argsort(want)  # sorted queries keep the binary searches in cache
        w_sorted = want[order]
        at = np.searchsorted(self.keys, w_sorted)
        found = at < len(self.keys)
        found[found] = self.keys[at[found]] == w_sorted[found]
        primary = np.full(len(want), np.inf)
        primary[order[found]] = self.primary[at[found]]
        listed = np.zeros(len(want), dtype=bool)
        listed[order[found]] = True
        return primary, secondary, listed


def _better(p1: np.ndarray, s1: np.ndarray, p2: np.ndarray, s2: np.ndarray) -> np.ndarray:
    """Is key (p1, s1) strictly preferred to (p2, s2)."""
    return (p1 < p2) | ((p1 == p2) & (s1 < s2))


def blocking_pairs(
    pairs: Any,
    left_prefs: Any,
    right_prefs: Any,
    *,
    left_capacity: Any = 1,
    right_capacity: Any = 1,
    forbidden: Any = None,
) -> np.ndarray:
    """Pairs that would both rather be matched to each other, shape (k, 2), sorted.

    Parameters
    ----------
    pairs : MatchResult or (k, 2) array of (left, right) pairs
    left_prefs : sequence of sequences of int, or score matrix of shape (n_left, n_right)
        Each left participant's acceptable right participants, most
        preferred first; a score matrix prefers higher scores, ties to the
        lower index (a sparse matrix lists only its stored entries).
    right_prefs : sequence of sequences of int, or score matrix of shape (n_right, n_left)
        The same for the right side (note the orientation: one row per right participant).
    left_capacity, right_capacity : int or array-like, default 1
    forbidden : None, bool mask or iterable of (left, right) pairs
        Pairs that are unacceptable whatever the lists say.

    Returns
    -------
    ndarray of shape (k, 2), int64
        ``(i, j)`` not matched to each other, each on the other's list, where
        ``i`` has a free place or prefers ``j`` to its worst partner and ``j``
        has a free place or prefers ``i`` to its worst partner.
    """
    n_left, n_right = _sizes(pairs, left_prefs, right_prefs)
    left, right, fkeys = _load_prefs(left_prefs, right_prefs, n_left, n_right, forbidden)
    return _blocking(_result_pairs(pairs), left, right, n_left, n_right, left_capacity, right_capacity, fkeys)


def _sizes(pairs: Any, left_prefs: Any, right_prefs: Any) -> tuple[int, int]:
    if isinstance(pairs, MatchResult):
        return int(pairs.shape[0]), int(pairs.shape[1])
    if sp.issparse(left_prefs) or isinstance(left_prefs, np.ndarray) and left_prefs.ndim == 2:
        return int(left_prefs.shape[0]), int(left_prefs.shape[1])
    return len(left_prefs), len(right_prefs)


def _load_prefs(left_prefs: Any, right_prefs: Any, n_left: int, n_right: int, forbidden: Any):
    fp = _pairs(forbidden, (n_left, n_right))
    fkeys = np.unique(fp[:, 0] * max(n_right, 1) + fp[:, 1])
    return _Prefs(left_prefs, n_left, n_right), _Prefs(right_prefs, n_right, n_left), fkeys


def _worst(owner: np.ndarray, primary: np.ndarray, secondary: np.ndarray, size: int):
    """Per owner, the least preferred key among its partners ((-inf, -inf) when none)."""
    wp = np.full(size, -np.inf)
    ws = np.full(size, -np.inf)
    if len(owner):
        order = np.lexsort((secondary, primary, owner))
        last = np.r_[owner[order][1:] != owner[order][:-1], True]
        wp[owner[order][last]] = primary[order][last]
        ws[owner[order][last]] = secondary[order][last]
    return wp, ws


def _blocking(
    pairs: np.ndarray, left: _Prefs, right: _Prefs, n_left: int, n_right: int,
    left_capacity: Any, right_capacity: Any, fkeys: np.ndarray,
) -> np.ndarray:
    lcap = _bounds(left_capacity, n_left, 1, n_right)
    rcap = _bounds(right_capacity, n_right, 1, n_left)
    m = max(n_right, 1)
    # thresholds: a free place accepts anything listed; else only what beats the worst partner
    lp, ls, l_listed = left.key_of(pairs[:, 0], pairs[:, 1])
    rp, rs, r_listed = right.key_of(pairs[:, 1], pairs[:, 0])
    lp = np.where(l_listed, lp, np.inf)  # a partner missing from the list counts as the worst
    rp = np.where(r_listed, rp, np.inf)
    lwp, lws = _worst(pairs[:, 0], lp, ls, n_left)
    rwp, rws = _worst(pairs[:, 1], rp, rs, n_right)
    lfree = np.bincount(pairs[:, 0], minlength=n_left) < lcap
    rfree = np.bincount(pairs[:, 1], minlength=n_right) < rcap
    lwp[lfree], lws[lfree] = np.inf, np.inf
    rwp[rfree], rws[rfree] = np.inf, np.inf
    i, j = left.entries()
    cp, cs, c_listed = left.key_of(i, j)
    keep = c_listed & _better(cp, cs, lwp[i], lws[i])
    i, j = i[keep], j[keep]
    dp, ds, d_listed = right.key_of(j, i)
    keep = d_listed & _better(dp, ds, rwp[j], rws[j])
    i, j = i[keep], j[keep]
    keys = i * m + j
    keep = ~np.isin(keys, pairs[:, 0] * m + pairs[:, 1])
    if len(fkeys):
        keep &= ~np.isin(keys, fkeys)
    out = np.column_stack([i[keep], j[keep]]).astype(np.int64).reshape(-1, 2)
    if len(out):
        out = out[np.lexsort((out[:, 1], out[:, 0]))]
    return out


def verify_stable(
    result: MatchResult | Any,
    left_prefs: Any,
    right_prefs: Any,
    *,
    left_capacity: Any = 1,
    right_capacity: Any = 1,
    forbidden: Any = None,
) -> VerificationReport:
    """Check that a matching is individually rational, within capacities and has no blocking pair.

    See :func:`blocking_pairs` for the arguments.  ``figures`` holds
    ``n_blocking`` and ``blocking_pairs``.
    """
    problems = _Problems()
    n_left, n_right = _sizes(result, left_prefs, right_prefs)
    left, right, fkeys = _load_prefs(left_prefs, right_prefs, n_left, n_right, forbidden)
    pairs = _result_pairs(result)
    out = (pairs[:, 0] < 0) | (pairs[:, 0] >= n_left) | (pairs[:, 1] < 0) | (pairs[:, 1] >= n_right)
    if out.any():
        problems.add_many("pair ({}, {}) is out of range", [tuple(int(v) for v in p) for p in pairs[out]], int(out.sum()))
        return VerificationReport("stable", tuple(problems))
    keys = pairs[:, 0] * max(n_right, 1) + pairs[:, 1]
    uniq, counts = np.unique(keys, return_counts=True)
    dup = uniq[counts > 1]
    problems.add_many("pair ({}, {}) appears more than once", [(int(k // n_right), int(k % n_right)) for k in dup], len(dup))
    unacceptable = ~left.key_of(pairs[:, 0], pairs[:, 1])[2] | ~right.key_of(pairs[:, 1], pairs[:, 0])[2]
    if len(fkeys):
        unacceptable |= np.isin(keys, fkeys)
    problems.add_many(
        "pair ({}, {}) is not on both preference lists", [tuple(int(v) for v in p) for p in pairs[unacceptable]],
        int(unacceptable.sum()),
    )
    for side, idx, cap, size, other in (
        ("left", pairs[:, 0], left_capacity, n_left, n_right),
        ("right", pairs[:, 1], right_capacity, n_right, n_left),
    ):
        deg = np.bincount(idx, minlength=size)
        cap_a = _bounds(cap, size, 1, other)
        over = np.flatnonzero(deg > cap_a)
        problems.add_many(
            side + " participant {} has {} partners, above its capacity {}",
            [(int(k), int(deg[k]), int(cap_a[k])) for k in over], len(over),
        )
    block = _blocking(pairs, left, right, n_left, n_right, left_capacity, right_capacity, fkeys)
    problems.add_many("blocking pair ({}, {}): both prefer each other to a current partner or a free place",
                      [tuple(int(v) for v in p) for p in block], len(block))
    return VerificationReport("stable", tuple(problems), {"n_blocking": int(len(block)), "blocking_pairs": block})


# ----------------------------------------------------------------------------------------------
# check_* variants


def check_feasible(result: MatchResult, **kwargs: Any) -> None:
    """:func:`verify_feasible`, raising :class:`AssertionError` with the problems."""
    verify_feasible(result, **kwargs).raise_if_failed()


def check_objective(result: MatchResult, scores: Any, **kwargs: Any) -> None:
    """:func:`verify_objective`, raising :class:`AssertionError` with the problems."""
    verify_objective(result, scores, **kwargs).raise_if_failed()


def check_duals(result: MatchResult, scores: Any, **kwargs: Any) -> None:
    """:func:`verify_duals`, raising :class:`AssertionError` with the problems."""
    verify_duals(result, scores, **kwargs).raise_if_failed()


def check_stable(result: MatchResult | Any, left_prefs: Any, right_prefs: Any, **kwargs: Any) -> None:
    """:func:`verify_stable`, raising :class:`AssertionError` with the problems."""
    verify_stable(result, left_prefs, right_prefs, **kwargs).raise_if_failed()
