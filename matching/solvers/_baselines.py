"""Baselines: greedy (best pair first) and random maximal matchings.

Both respect capacities and forbidden pairs, return status FEASIBLE and,
when the exact optimum is cheap to compute, a :class:`GapCertificate`
against it.  They are yardsticks for the exact solvers, not answers to
publish.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from numba import njit

from ._capacitated import BMatching, prepare, solve_bmatching
from ._result import GapCertificate, MatchResult, Status

__all__ = ["greedy_matching", "random_matching"]

#: Largest number of allowed pairs for which ``certify=None`` computes the exact optimum.
_CERTIFY_PAIRS = 250_000


@njit(cache=True)
def _take_in_order(order, rows, cols, left_cap, right_cap):  # pragma: no cover - compiled
    """Walk the pairs in ``order``; keep a pair while both sides have room."""
    left_room = left_cap.copy()
    right_room = right_cap.copy()
    chosen = np.zeros(len(rows), dtype=np.bool_)
    for k in order:
        i = rows[k]
        j = cols[k]
        if left_room[i] > 0 and right_room[j] > 0:
            chosen[k] = True
            left_room[i] -= 1
            right_room[j] -= 1
    return chosen


def _result(si, bm: BMatching, chosen: np.ndarray, solver: str, maximize: bool, certify: bool | None, start: float, info: dict) -> MatchResult:
    pairs = np.column_stack([bm.rows[chosen], bm.cols[chosen]])
    objective = si.total(pairs)
    cert = None
    if certify or (certify is None and bm.n_pairs <= _CERTIFY_PAIRS):
        sign = 1.0 if maximize else -1.0
        best = float(np.sum(bm.weights[solve_bmatching(bm).chosen]))
        cert = GapCertificate(upper_bound=sign * best, gap=max(0.0, best - sign * objective))
    return MatchResult(
        pairs=pairs, objective=objective, status=Status.FEASIBLE, solver=solver,
        wall_time=time.perf_counter() - start, shape=si.shape, maximize=maximize, certificate=cert, info=info,
    )


def greedy_matching(
    scores: Any,
    *,
    left_capacity: Any = 1,
    right_capacity: Any = 1,
    forbidden: Any = None,
    maximize: bool = True,
    certify: bool | None = None,
) -> MatchResult:
    """Take pairs from the highest score down while both participants have room.

    Only pairs that improve the total are taken (positive scores when
    maximizing, negative when minimizing); ties go to the lower left, then
    right, index.  A 1/2-approximation of the optimal total (for
    non-negative scores).

    Parameters
    ----------
    scores : array-like of shape (n_left, n_right) or scipy.sparse matrix
    left_capacity, right_capacity : int, inf or array-like of int, default 1
    forbidden : None, bool mask or iterable of (left, right) pairs
    maximize : bool
    certify : bool or None
        Compute the exact optimum for the :class:`GapCertificate`; ``None``
        (default) does so when there are at most 250,000 allowed pairs.

    Returns
    -------
    MatchResult
        ``status`` FEASIBLE, ``solver`` ``"greedy"``; the certificate's
        ``upper_bound`` is the optimal total (the least total when
        minimizing) and ``gap`` how far the greedy total is from it.

    Examples
    --------
    >>> r = greedy_matching([[3, 2], [2, 0]])
    >>> r.pairs.tolist(), r.objective, r.certificate.upper_bound
    ([[0, 0]], 3.0, 4.0)
    """
    start = time.perf_counter()
    si, bm = prepare(scores, left_capacity=left_capacity, right_capacity=right_capacity, forbidden=forbidden, maximize=maximize)
    useful = np.flatnonzero(bm.weights > 0)
    order = useful[np.argsort(-bm.weights[useful], kind="stable")]
    chosen = _take_in_order(order, bm.rows, bm.cols, bm.left_cap, bm.right_cap)
    return _result(si, bm, chosen, "greedy", maximize, certify, start, {})


def random_matching(
    scores: Any,
    *,
    seed: int | np.random.Generator | None,
    left_capacity: Any = 1,
    right_capacity: Any = 1,
    forbidden: Any = None,
    maximize: bool = True,
    certify: bool | None = None,
) -> MatchResult:
    """A random maximal matching: allowed pairs in random order, kept while both sides have room.

    Scores play no part in the choice (any allowed pair may be taken); they
    only give the objective.  Same ``seed``, same matching.

    Parameters
    ----------
    scores : array-like of shape (n_left, n_right) or scipy.sparse matrix
    seed : int, numpy Generator or None
    left_capacity, right_capacity, forbidden, maximize, certify
        As for :func:`greedy_matching`.

    Returns
    -------
    MatchResult
        ``status`` FEASIBLE, ``solver`` ``"random"``, ``info["seed"]``.

    Examples
    --------
    >>> r = random_matching([[1, 2], [3, 4]], seed=0)
    >>> r.n_pairs
    2
    """
    start = time.perf_counter()
    si, bm = prepare(scores, left_capacity=left_capacity, right_capacity=right_capacity, forbidden=forbidden, maximize=maximize)
    rng = np.random.default_rng(seed)
    order = rng.permutation(bm.n_pairs)
    chosen = _take_in_order(order, bm.rows, bm.cols, bm.left_cap, bm.right_cap)
    info = {"seed": seed if isinstance(seed, (int, np.integer)) or seed is None else "generator"}
    return _result(si, bm, chosen, "random", maximize, certify, start, info)
