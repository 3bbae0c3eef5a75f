"""Stable matching by deferred acceptance (Gale-Shapley), one-to-one, many-to-one and many-to-many.

Preferences are ranked lists (most preferred first) or score matrices.  A
pair is acceptable only when each side lists the other.  The proposing side
gets its best stable matching (proposer-optimal), the other side its worst.
The lists are flattened into arrays, the receiver's rank of every proposal
is looked up once with a vectorized join, and the proposal loop runs
compiled (numba) in O(number of proposals x log capacity).
"""

from __future__ import annotations

import time
from itertools import chain
from typing import Any

import numpy as np
import scipy.sparse as sp
from numba import njit

from ._constraints import bound_array, invalid, pair_array
from ._heap import push_max, replace_max
from ._input import as_scores
from ._result import MatchResult, StabilityCertificate, Status
from ._verify import blocking_pairs

__all__ = ["stable_matching", "preferences_from_scores"]

_SIDES = ("left", "right")


def preferences_from_scores(scores: Any, forbidden: Any = None) -> list[list[int]]:
    """Ranked preference lists from a score matrix: one list per row, best score first.

    Parameters
    ----------
    scores : array-like of shape (n_owners, n_others) or scipy.sparse matrix
        Row ``i`` holds how much participant ``i`` values each participant of
        the other side.  Dense: every column is acceptable unless forbidden;
        sparse: only stored entries are.
    forbidden : None, bool mask or iterable of (row, column) pairs
        Pairs left out of the lists.

    Returns
    -------
    list of list of int
        Ties are broken by the lower column index, so the result is deterministic.

    Examples
    --------
    >>> preferences_from_scores([[0.5, 0.9, 0.5], [1.0, 0.0, 2.0]], forbidden=[(1, 1)])
    [[1, 0, 2], [2, 0]]
    """
    owner, other, shape = _flat_from_scores(scores, forbidden, "scores")
    ptr = np.searchsorted(owner, np.arange(shape[0] + 1))
    other_list = other.tolist()
    return [other_list[ptr[i] : ptr[i + 1]] for i in range(shape[0])]


def _flat_from_scores(scores: Any, forbidden: Any, name: str) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """(owner, other) of every acceptable pair, grouped by owner in preference order, and the shape."""
    si = as_scores(scores, forbidden=forbidden, name=name)
    n, m = si.shape
    if si.dense is not None:
        # per-row stable sort of the negated scores: best first, ties by lower index
        # quicksort is several times faster than a stable sort; redo stably only when a row has ties
        order = np.argsort(-si.dense, axis=1)
        ranked = np.take_along_axis(si.dense, order, axis=1)
        if np.any(ranked[:, 1:] == ranked[:, :-1]):
            order = np.argsort(-si.dense, axis=1, kind="stable")
        owner = np.repeat(np.arange(n, dtype=np.int64), m)
        other = order.ravel().astype(np.int64)
        fp = si.forbidden_pairs
        if len(fp):
            keep = ~np.isin(owner * max(m, 1) + other, fp[:, 0] * max(m, 1) + fp[:, 1])
            owner, other = owner[keep], other[keep]
        return owner, other, si.shape
    rows, cols, vals = si.allowed_coo()
    order = np.lexsort((cols, -vals, rows))
    return rows[order], cols[order], si.shape


def _rank_in_group(owner: np.ndarray, n_owner: int) -> np.ndarray:
    """Position of every entry within its owner's run (``owner`` sorted)."""
    counts = np.bincount(owner, minlength=n_owner)
    starts = np.cumsum(counts) - counts
    return np.arange(len(owner), dtype=np.int64) - np.repeat(starts, counts)


def _join(table_keys: np.ndarray, query_keys: np.ndarray) -> np.ndarray:
    """Position of every query key in ``table_keys`` (unique), -1 where absent; both sorted first for cache-friendly search."""
    t_order = np.argsort(table_keys)
    t_sorted = table_keys[t_order]
    q_order = np.argsort(query_keys)
    q_sorted = query_keys[q_order]
    at = np.searchsorted(t_sorted, q_sorted)
    ok = at < len(t_sorted)
    ok[ok] = t_sorted[at[ok]] == q_sorted[ok]
    out = np.full(len(query_keys), -1, dtype=np.int64)
    out[q_order[ok]] = t_order[at[ok]]
    return out


#: Largest n_left * n_right for which ranks are joined through a dense table.
_DENSE_JOIN = 50_000_000


def _flat_from_lists(prefs: Any, n_other: int, name: str, other_side: str) -> tuple[np.ndarray, np.ndarray]:
    """(owner, other) of every list entry, in list order; validates range and duplicates."""
    if isinstance(prefs, (str, bytes)) or not hasattr(prefs, "__len__"):
        raise invalid(name, type(prefs).__name__, "expected a sequence of ranked lists or a score matrix")
    arrays = _fast_concat(prefs)
    if arrays is None:
        arrays = _checked_lists(prefs, name)
    else:
        lengths, other = arrays
        owner = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
        return _check_entries(owner, other, n_other, name, other_side)
    lengths = np.fromiter((len(a) for a in arrays), dtype=np.int64, count=len(arrays))
    owner = np.repeat(np.arange(len(arrays), dtype=np.int64), lengths)
    other = np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int64)
    return _check_entries(owner, other, n_other, name, other_side)


def _fast_concat(prefs: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """(lengths, flat entries) when every list is a flat run of integers; None to take the slow, precise path."""
    try:
        lengths = np.fromiter((len(lst) for lst in prefs), dtype=np.int64, count=len(prefs))
        if len(prefs) and all(isinstance(lst, np.ndarray) for lst in prefs):
            flat = np.concatenate([lst.ravel() for lst in prefs]) if lengths.sum() else np.zeros(0, np.int64)
            if sum(lst.ndim != 1 for lst in prefs):
                return None
        else:
            flat = np.array(list(chain.from_iterable(prefs)))
    except (TypeError, ValueError):
        return None
    if len(flat) != lengths.sum() or flat.ndim != 1:
        return None
    if len(flat) == 0:
        return lengths, np.zeros(0, dtype=np.int64)
    if flat.dtype.kind in "iu":
        return lengths, flat.astype(np.int64, copy=False)
    if flat.dtype.kind == "f" and np.isfinite(flat).all() and (flat == np.round(flat)).all():
        return lengths, flat.astype(np.int64)
    return None


def _checked_lists(prefs: Any, name: str) -> list[np.ndarray]:
    """Every list as an int64 array, raising with the list's position on the first bad one."""
    arrays = []
    for k, lst in enumerate(prefs):
        if isinstance(lst, (str, bytes)):
            raise invalid(name, lst, f"{name}[{k}] is a string; expected a list of participant indices")
        try:
            arr = np.asarray(lst)
        except (TypeError, ValueError):
            raise invalid(name, type(lst).__name__, f"{name}[{k}] is not a list of participant indices") from None
        if arr.size == 0:
            arr = np.zeros(0, dtype=np.int64)
        if arr.ndim != 1:
            raise invalid(name, arr.shape, f"{name}[{k}] must be a flat list of indices, got shape {arr.shape}")
        if arr.dtype.kind not in "iu":
            if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
                arr = arr.astype(np.int64)
            else:
                raise invalid(name, str(arr.dtype), f"{name}[{k}] must hold integer indices, got dtype {arr.dtype}")
        arrays.append(arr.astype(np.int64, copy=False))
    return arrays


def _check_entries(owner: np.ndarray, other: np.ndarray, n_other: int, name: str, other_side: str):
    """Raise on an index out of range or listed twice by the same owner."""
    bad = (other < 0) | (other >= n_other)
    if bad.any():
        at = int(np.flatnonzero(bad)[0])
        k, v = int(owner[at]), int(other[at])
        raise invalid(
            name, v,
            f"{name}[{k}] names {other_side} participant {v}, but {other_side} indices run from 0 to {n_other - 1}",
        )
    keys = owner * max(n_other, 1) + other
    sorted_keys = np.sort(keys)
    dup = np.flatnonzero(sorted_keys[1:] == sorted_keys[:-1])
    if len(dup):
        key = int(sorted_keys[dup[0]])
        k, v = key // max(n_other, 1), key % max(n_other, 1)
        raise invalid(name, v, f"{name}[{k}] lists {other_side} participant {v} more than once")
    return owner, other


def _is_matrix(prefs: Any) -> bool:
    if sp.issparse(prefs):
        return True
    if isinstance(prefs, np.ndarray):
        return prefs.ndim == 2 and prefs.dtype.kind in "biuf" and prefs.dtype != object
    return False


def _flat(prefs: Any, side: str, n_owner: int | None, n_other: int | None, forbidden_t: Any):
    """Flattened preferences of one side and its (n_owner, n_other)."""
    name = f"{side}_prefs"
    other_side = "right" if side == "left" else "left"
    if _is_matrix(prefs):
        owner, other, shape = _flat_from_scores(prefs, forbidden_t, name)
        expected = (n_owner, n_other)
        if n_owner is not None and shape != expected:
            raise invalid(
                name, shape,
                f"expected a score matrix of shape {expected} (one row per {side} participant"
                + (", i.e. the transpose of the left scores" if side == "right" else "")
                + f"), got shape {shape}",
            )
        return owner, other, shape
    if n_other is None:
        raise invalid(name, type(prefs).__name__, "cannot tell the number of participants")
    owner, other = _flat_from_lists(prefs, n_other, name, other_side)
    n = len(prefs)
    if n_owner is not None and n != n_owner:
        raise invalid(name, n, f"expected {n_owner} preference lists (one per {side} participant), got {n}")
    return owner, other, (n, n_other)


@njit(cache=True)
def _deferred_acceptance(ptr, targets, recv_rank, prop_cap, recv_cap):  # pragma: no cover - compiled
    """Proposer-optimal stable matching.

    ``targets[ptr[i]:ptr[i+1]]`` are proposer ``i``'s acceptable receivers in
    preference order and ``recv_rank`` the rank each receiver gives ``i``.
    Every receiver keeps a max-heap (by rank) of the proposals it holds.
    Returns the held proposer of every heap slot (-1 when empty) and the
    slot offsets per receiver.
    """
    n_prop = len(ptr) - 1
    n_recv = len(recv_cap)
    off = np.zeros(n_recv + 1, dtype=np.int64)
    for j in range(n_recv):
        off[j + 1] = off[j] + recv_cap[j]
    heap_rank = np.empty(off[n_recv], dtype=np.int64)
    heap_who = np.full(off[n_recv], -1, dtype=np.int64)
    size = np.zeros(n_recv, dtype=np.int64)
    nxt = ptr[:-1].copy()
    held = np.zeros(n_prop, dtype=np.int64)
    stack = np.empty(n_prop, dtype=np.int64)
    in_stack = np.zeros(n_prop, dtype=np.bool_)
    top = 0
    for i in range(n_prop - 1, -1, -1):
        if prop_cap[i] > 0 and ptr[i + 1] > ptr[i]:
            stack[top] = i
            in_stack[i] = True
            top += 1
    proposals = 0
    while top > 0:
        top -= 1
        i = stack[top]
        in_stack[i] = False
        while held[i] < prop_cap[i] and nxt[i] < ptr[i + 1]:
            k = nxt[i]
            nxt[i] += 1
            proposals += 1
            j = targets[k]
            rk = recv_rank[k]
            base = off[j]
            cap = recv_cap[j]
            if cap == 0:
                continue
            if size[j] < cap:
                size[j] = push_max(heap_rank, heap_who, base, size[j], rk, i)
                held[i] += 1
            elif rk < heap_rank[base]:
                evicted = heap_who[base]
                held[evicted] -= 1
                if not in_stack[evicted]:
                    stack[top] = evicted
                    in_stack[evicted] = True
                    top += 1
                replace_max(heap_rank, heap_who, base, size[j], rk, i)
                held[i] += 1
    return heap_who, off, proposals


def stable_matching(
    left_prefs: Any,
    right_prefs: Any,
    *,
    left_capacity: Any = None,
    right_capacity: Any = None,
    proposing: str = "left",
    forbidden: Any = None,
    scores: Any = None,
) -> MatchResult:
    """Stable matching by deferred acceptance, optimal for the proposing side.

    Parameters
    ----------
    left_prefs : sequence of sequences of int, or score matrix of shape (n_left, n_right)
        Each left participant's acceptable right participants, most
        preferred first (incomplete lists allowed).  A score matrix (numpy
        array or scipy.sparse) is turned into lists by
        :func:`preferences_from_scores`: best score first, ties by lower
        index; a sparse matrix lists only its stored entries.  A 2-D numpy
        array is always read as scores: give ranked lists as a list of lists.
    right_prefs : sequence of sequences of int, or score matrix of shape (n_right, n_left)
        The same for the right side: one row per *right* participant (pass
        ``scores.T`` for a mutual score matrix).
    left_capacity, right_capacity : None, int, inf or array-like of int
        Number of partners each participant may have (default 1).  Right
        capacities > 1 give the hospitals/residents (many-to-one) problem;
        capacities > 1 on both sides give a pairwise-stable many-to-many
        matching (responsive preferences).
    proposing : {"left", "right"}
        The side that proposes and gets its best stable matching.
    forbidden : None, bool mask or iterable of (left, right) pairs
        Pairs that are unacceptable whatever the lists say.
    scores : None or array-like of shape (n_left, n_right)
        Used only for the reported objective.

    Returns
    -------
    MatchResult
        ``status`` OPTIMAL (the proposer-optimal stable matching), ``solver``
        ``"deferred-acceptance-left"`` or ``"-right"``, and a
        :class:`StabilityCertificate` whose blocking pairs are recomputed
        by :func:`matching.solvers.blocking_pairs` (independent of this
        code; empty when stable).  ``objective`` is the sum of ``scores``
        over the pairs when given, else of the left score matrix when
        ``left_prefs`` is one, else the number of pairs; ``info`` says which
        (``objective_of``) and holds ``proposals``.

    Raises
    ------
    matching.errors.InvalidInput
        A list naming an out-of-range participant or one twice, a score
        matrix of the wrong shape or with NaN / inf, a bad capacity, or an
        unknown ``proposing`` side.

    Examples
    --------
    >>> r = stable_matching([[0, 1], [0, 1]], [[1, 0], [0, 1]])
    >>> r.pairs.tolist(), r.certificate.stable
    ([[0, 1], [1, 0]], True)

    References
    ----------
    D. Gale and L. S. Shapley, "College admissions and the stability of
    marriage", American Mathematical Monthly 69 (1962) 9-15.  A. E. Roth,
    "Stability and polarization of interests in job matching",
    Econometrica 52 (1984) 47-57 (many-to-many).
    """
    start = time.perf_counter()
    if proposing not in _SIDES:
        raise invalid("proposing", proposing, f"expected 'left' or 'right', got {proposing!r}")
    # sizes: from a matrix when there is one, else from the list counts
    if _is_matrix(left_prefs):
        n_left, n_right = (int(v) for v in left_prefs.shape)
    elif _is_matrix(right_prefs):
        n_right, n_left = (int(v) for v in right_prefs.shape)
    else:
        for name, prefs in (("left_prefs", left_prefs), ("right_prefs", right_prefs)):
            if isinstance(prefs, (str, bytes)) or not hasattr(prefs, "__len__"):
                raise invalid(name, type(prefs).__name__, "expected a sequence of ranked lists or a score matrix")
        n_left, n_right = len(left_prefs), len(right_prefs)
    fp = pair_array(forbidden, (n_left, n_right), "forbidden")
    l_owner, l_other, _ = _flat(left_prefs, "left", n_left, n_right, fp if len(fp) else None)
    r_owner, r_other, _ = _flat(right_prefs, "right", n_right, n_left, fp[:, ::-1] if len(fp) else None)
    if len(fp) and not _is_matrix(left_prefs):
        keep = ~np.isin(l_owner * max(n_right, 1) + l_other, fp[:, 0] * max(n_right, 1) + fp[:, 1])
        l_owner, l_other = l_owner[keep], l_other[keep]
    if len(fp) and not _is_matrix(right_prefs):
        keep = ~np.isin(r_other * max(n_right, 1) + r_owner, fp[:, 0] * max(n_right, 1) + fp[:, 1])
        r_owner, r_other = r_owner[keep], r_other[keep]
    lcap = bound_array(left_capacity, n_left, "left_capacity", default=1, unlimited=n_right)
    rcap = bound_array(right_capacity, n_right, "right_capacity", default=1, unlimited=n_left)

    if proposing == "left":
        p_owner, p_other, q_owner, q_other, n_p, n_q, p_cap, q_cap = (
            l_owner, l_other, r_owner, r_other, n_left, n_right, lcap, rcap)
    else:
        p_owner, p_other, q_owner, q_other, n_p, n_q, p_cap, q_cap = (
            r_owner, r_other, l_owner, l_other, n_right, n_left, rcap, lcap)
    # rank each receiver gives each proposal (-1: the receiver does not list the proposer)
    q_rank = _rank_in_group(q_owner, n_q)
    if n_p * n_q <= _DENSE_JOIN:
        table = np.full((n_q, n_p), -1, dtype=np.int32 if max(n_p, n_q) < 2**31 else np.int64)
        table[q_owner, q_other] = q_rank
        recv_rank = table[p_other, p_owner].astype(np.int64)
        found = recv_rank >= 0
        p_owner, p_other, recv_rank = p_owner[found], p_other[found], recv_rank[found]
    else:
        at = _join(q_owner * max(n_p, 1) + q_other, p_other * max(n_p, 1) + p_owner)
        found = at >= 0
        p_owner, p_other = p_owner[found], p_other[found]
        recv_rank = q_rank[at[found]]
    ptr = np.searchsorted(p_owner, np.arange(n_p + 1)).astype(np.int64)
    # a receiver never holds more proposals than it has acceptable proposers
    q_cap_eff = np.minimum(q_cap, np.bincount(p_other, minlength=n_q)).astype(np.int64)
    heap_who, off, proposals = _deferred_acceptance(
        ptr, p_other.astype(np.int64), recv_rank.astype(np.int64), p_cap.astype(np.int64), q_cap_eff
    )
    slot_owner = np.repeat(np.arange(n_q, dtype=np.int64), np.diff(off))
    held = heap_who >= 0
    recv, prop = slot_owner[held], heap_who[held]
    pairs = np.column_stack([prop, recv]) if proposing == "left" else np.column_stack([recv, prop])
    pairs = pairs.astype(np.int64).reshape(-1, 2)

    if scores is not None:
        si = as_scores(scores, name="scores")
        if si.shape != (n_left, n_right):
            raise invalid("scores", si.shape, f"expected shape {(n_left, n_right)}, got {si.shape}")
        objective, objective_of = si.total(pairs), "scores"
    elif _is_matrix(left_prefs):
        objective, objective_of = as_scores(left_prefs, name="left_prefs").total(pairs), "left_prefs"
    else:
        objective, objective_of = float(len(pairs)), "number of pairs"
    block = blocking_pairs(
        pairs if len(pairs) else np.zeros((0, 2), np.int64), left_prefs, right_prefs,
        left_capacity=lcap, right_capacity=rcap, forbidden=fp if len(fp) else None,
    )
    return MatchResult(
        pairs=pairs,
        objective=objective,
        status=Status.OPTIMAL,
        solver=f"deferred-acceptance-{proposing}",
        wall_time=time.perf_counter() - start,
        shape=(n_left, n_right),
        maximize=True,
        certificate=StabilityCertificate(block),
        info={"objective_of": objective_of, "proposals": int(proposals), "proposing": proposing},
    )
