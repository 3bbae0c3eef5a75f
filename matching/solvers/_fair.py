"""Fair matchings: the best worst pair (bottleneck) and a minimum coverage per group.

Both return the fair optimum and, as a :class:`GapCertificate`, what
fairness costs: ``upper_bound`` is the best total without the fairness rule
(the least total when minimizing) and ``gap`` how far the fair total is
from it.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any, Hashable, Mapping

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse.csgraph import maximum_bipartite_matching, maximum_flow

from ..errors import Infeasible
from ._capacitated import BMatching, diagnose_infeasible, prepare, solve_bmatching
from ._constraints import invalid
from ._result import GapCertificate, MatchResult, Status

__all__ = ["solve_bottleneck", "solve_min_coverage"]


def _max_pairs(bm: BMatching, keep: np.ndarray) -> int:
    """Largest number of pairs among those where ``keep`` holds (required pairs always kept), within the bounds.

    -1 when the bounds cannot hold on those pairs.  Capacities only: a
    maximum bipartite matching or a max flow; with minimums or required
    pairs: the b-matching solver with every weight 1.
    """
    if bm.required.any() or bm.left_min.any() or bm.right_min.any():
        sub = bm.restricted(keep | bm.required)
        sub = dataclasses.replace(sub, weights=np.ones(sub.n_pairs))
        try:
            return int(solve_bmatching(sub).chosen.sum())
        except Infeasible:
            return -1
    n, m = bm.shape
    ok = keep & (bm.left_cap[bm.rows] > 0) & (bm.right_cap[bm.cols] > 0)
    rows, cols = bm.rows[ok], bm.cols[ok]
    if len(rows) == 0:
        return 0
    if bm.left_cap.max() <= 1 and bm.right_cap.max() <= 1:
        graph = sp.csr_array((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n, m))
        return int(np.sum(maximum_bipartite_matching(graph, perm_type="column") >= 0))
    source, sink = 0, n + m + 1
    heads = np.concatenate([np.zeros(n, np.int64), 1 + rows, 1 + n + np.arange(m)])
    tails = np.concatenate([1 + np.arange(n), 1 + n + cols, np.full(m, sink)])
    caps = np.concatenate([bm.left_cap, np.ones(len(rows), np.int64), bm.right_cap]).astype(np.int32)
    graph = sp.csr_array((caps, (heads, tails)), shape=(n + m + 2, n + m + 2))
    graph.sum_duplicates()
    return int(maximum_flow(graph, source, sink, method="dinic").flow_value)


def _unconstrained_total(bm: BMatching) -> float:
    sol = solve_bmatching(bm)
    return float(np.sum(bm.weights[sol.chosen]))


def solve_bottleneck(
    scores: Any,
    *,
    left_capacity: Any = 1,
    right_capacity: Any = 1,
    n_pairs: int | None = None,
    left_min: Any = None,
    right_min: Any = None,
    forbidden: Any = None,
    required: Any = None,
    maximize: bool = True,
) -> MatchResult:
    """Maximize the worst matched score, then the total.

    Among matchings with at least ``n_pairs`` pairs (default: as many as
    the capacities and allowed pairs permit), find the largest value ``t``
    such that every pair can score at least ``t`` (binary search over the
    distinct scores, each step a maximum cardinality matching or max flow),
    then the largest total among matchings whose pairs all score ``>= t``
    with at least ``n_pairs`` pairs (an exact LP; with the cardinality row it
    is still a network flow, so integral).  With ``maximize=False`` scores
    are costs: minimize the worst (largest) cost, then the total.

    Parameters
    ----------
    scores : array-like of shape (n_left, n_right) or scipy.sparse matrix
    left_capacity, right_capacity : int, inf or array-like of int, default 1
        One-to-one by default; larger capacities give the capacitated version.
    n_pairs : int, optional
        Number of pairs the matching must have at least.
    left_min, right_min : None, int or array-like of int
        Smallest number of partners, as for :func:`solve_capacitated`.
    forbidden : None, bool mask or iterable of (left, right) pairs
    required : None, bool mask or iterable of (left, right) pairs
        Pairs that must be matched; they are exempt from the threshold (the
        reported bottleneck still counts them).
    maximize : bool

    Returns
    -------
    MatchResult
        ``status`` OPTIMAL (lexicographic optimum), ``solver``
        ``"bottleneck-search+lp"``, ``info["bottleneck"]`` the worst matched
        score, ``info["n_pairs_required"]``, ``info["max_cardinality"]``,
        ``info["searches"]``; a :class:`GapCertificate` against the best
        total without the bottleneck rule and cardinality.

    Raises
    ------
    matching.errors.InvalidInput
        Malformed scores, capacities or ``n_pairs``.
    matching.errors.Infeasible
        ``n_pairs`` exceeds the largest possible number of pairs, or the
        minimums and required pairs cannot hold (the message says why).

    Examples
    --------
    >>> r = solve_bottleneck([[10, 9], [8, 1]])
    >>> r.pairs.tolist(), r.info["bottleneck"], r.objective
    ([[0, 1], [1, 0]], 8.0, 17.0)

    References
    ----------
    R. S. Garfinkel, "An improved algorithm for the bottleneck assignment
    problem", Operations Research 19 (1971) 1747-1751.
    """
    start = time.perf_counter()
    si, bm = prepare(
        scores, left_capacity=left_capacity, right_capacity=right_capacity, left_min=left_min,
        right_min=right_min, forbidden=forbidden, required=required, maximize=maximize,
    )
    sign = 1.0 if maximize else -1.0
    everything = np.ones(bm.n_pairs, dtype=bool)
    most = _max_pairs(bm, everything)
    if most < 0:
        raise diagnose_infeasible(bm)
    if n_pairs is None:
        need = most
    else:
        if isinstance(n_pairs, bool) or not isinstance(n_pairs, (int, np.integer)) or n_pairs < 0:
            raise invalid("n_pairs", n_pairs, f"expected a non-negative integer, got {n_pairs!r}")
        need = int(n_pairs)
        if need > most:
            raise Infeasible(
                f"{need} pairs are required but the capacities and allowed pairs admit at most {most}",
                ["n_pairs"],
                code="infeasible.pairs_over_possible",
                params={"need": need, "most": most},
            )
    upper = _unconstrained_total(bm)
    searches = 0
    if need == 0 and not (bm.required.any() or bm.left_min.any() or bm.right_min.any()):
        chosen = np.zeros(bm.n_pairs, dtype=bool)
        threshold = None
    else:
        levels = np.unique(bm.weights[~bm.required])[::-1]  # best first
        if len(levels) == 0:  # every allowed pair is required
            levels = np.array([np.inf])
        lo, hi = 0, len(levels) - 1  # levels[hi] is feasible (all pairs); find the smallest feasible index
        while lo < hi:
            mid = (lo + hi) // 2
            searches += 1
            if _max_pairs(bm, bm.weights >= levels[mid]) >= need:
                hi = mid
            else:
                lo = mid + 1
        threshold = float(levels[lo])
        keep = (bm.weights >= threshold) | bm.required
        sub = bm.restricted(keep)
        sol = solve_bmatching(sub, min_pairs=need)
        chosen = np.zeros(bm.n_pairs, dtype=bool)
        chosen[np.flatnonzero(keep)[sol.chosen]] = True
    pairs = np.column_stack([bm.rows[chosen], bm.cols[chosen]])
    objective = si.total(pairs)
    worst = float(np.min(bm.weights[chosen])) * sign if chosen.any() else None
    return MatchResult(
        pairs=pairs,
        objective=objective,
        status=Status.OPTIMAL,
        solver="bottleneck-search+lp",
        wall_time=time.perf_counter() - start,
        shape=si.shape,
        maximize=maximize,
        certificate=GapCertificate(upper_bound=sign * upper, gap=max(0.0, upper - sign * objective)),
        info={
            "bottleneck": worst,
            "n_pairs_required": need,
            "max_cardinality": most,
            "searches": searches,
        },
    )


def _needs(groups: Any, min_partners: Any, size: int, side: str) -> tuple[np.ndarray, dict[int, Hashable]]:
    """Minimum partners of every participant of ``side`` from the group labels, and each one's group."""
    label_of: dict[int, Hashable] = {}
    if isinstance(groups, Mapping):
        for label, members in groups.items():
            for k in np.asarray(list(members), dtype=np.int64).ravel().tolist():
                if not 0 <= k < size:
                    raise invalid("groups", k, f"group {label!r} names {side} participant {k}, but {side} indices run from 0 to {size - 1}")
                if k in label_of and label_of[k] != label:
                    raise invalid("groups", k, f"{side} participant {k} is in two groups: {label_of[k]!r} and {label!r}")
                label_of[k] = label
    else:
        if isinstance(groups, (str, bytes)) or not hasattr(groups, "__len__"):
            raise invalid("groups", type(groups).__name__, f"expected a label per {side} participant or a mapping label -> indices")
        if len(groups) != size:
            raise invalid("groups", len(groups), f"expected {size} labels (one per {side} participant), got {len(groups)}")
        for k, label in enumerate(groups):
            if label is not None and not (isinstance(label, float) and np.isnan(label)):
                label_of[k] = label.item() if isinstance(label, np.generic) else label
    need = np.zeros(size, dtype=np.int64)
    for k, label in label_of.items():
        if isinstance(min_partners, Mapping):
            value = min_partners.get(label, 0)
        else:
            value = min_partners
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise invalid("min_partners", value, f"expected a non-negative integer for group {label!r}, got {value!r}")
        need[k] = int(value)
    return need, label_of


def solve_min_coverage(
    scores: Any,
    *,
    groups: Any,
    min_partners: Any = 1,
    left_capacity: Any = 1,
    right_capacity: Any = 1,
    forbidden: Any = None,
    side: str = "left",
    maximize: bool = True,
    time_limit: float | None = None,
) -> MatchResult:
    """Give every member of a group at least ``k`` partners where possible, then maximize the total.

    Parameters
    ----------
    scores : array-like of shape (n_left, n_right) or scipy.sparse matrix
    groups : sequence of labels (one per participant of ``side``, ``None`` for none) or mapping label -> indices
        Which participants the coverage rule applies to (e.g. digital
        maturity stage 1 SMEs).
    min_partners : int or mapping label -> int, default 1
        Partners each member of a group must get.
    left_capacity, right_capacity : int, inf or array-like of int, default 1
    forbidden : None, bool mask or iterable of (left, right) pairs
    side : {"left", "right"}
        The side the groups refer to.
    maximize : bool
    time_limit : float, optional
        Seconds for each of the two integer programs (only used when not
        everyone can be covered).

    Returns
    -------
    MatchResult
        When every group member can get its partners, the optimal matching
        under those minimums (an exact LP).  Otherwise the matching that
        covers as many members as possible and, among those, has the best
        total (two integer programs solved exactly by HiGHS; status
        TIME_LIMIT if ``time_limit`` ran out).  ``info``: ``coverage_feasible``,
        ``covered`` (number of members covered), ``members``, ``uncovered``
        (indices of members who could not get their partners) and their
        ``uncovered_groups``.  A :class:`GapCertificate` compares the total
        with the best total without the coverage rule.

    Raises
    ------
    matching.errors.InvalidInput
        Malformed scores, capacities, groups, ``min_partners`` or ``side``.

    Examples
    --------
    >>> r = solve_min_coverage([[5, 4], [3, 0]], groups=["a", "a"], right_capacity=1)
    >>> r.pairs.tolist(), r.info["uncovered"]
    ([[0, 1], [1, 0]], [])
    """
    start = time.perf_counter()
    if side not in ("left", "right"):
        raise invalid("side", side, f"expected 'left' or 'right', got {side!r}")
    si, bm = prepare(scores, left_capacity=left_capacity, right_capacity=right_capacity, forbidden=forbidden, maximize=maximize)
    n, m = bm.shape
    size = n if side == "left" else m
    need, label_of = _needs(groups, min_partners, size, side)
    sign = 1.0 if maximize else -1.0
    upper = _unconstrained_total(bm)
    members = np.flatnonzero(need > 0)
    base = dict(
        shape=bm.shape, rows=bm.rows, cols=bm.cols, weights=bm.weights, left_cap=bm.left_cap,
        right_cap=bm.right_cap, required=bm.required,
    )
    if side == "left":
        covered_bm = BMatching(**base, left_min=np.minimum(need, bm.left_cap), right_min=bm.right_min)
    else:
        covered_bm = BMatching(**base, left_min=bm.left_min, right_min=np.minimum(need, bm.right_cap))
    status = Status.OPTIMAL
    uncovered = np.zeros(0, dtype=np.int64)
    try:
        if np.any(need > (bm.left_cap if side == "left" else bm.right_cap)):
            raise Infeasible("a minimum exceeds a capacity")
        chosen = solve_bmatching(covered_bm).chosen
        feasible = True
    except Infeasible:
        feasible = False
        chosen, uncovered, status = _coverage_milp(bm, need, side, time_limit)
    pairs = np.column_stack([bm.rows[chosen], bm.cols[chosen]])
    objective = si.total(pairs)
    return MatchResult(
        pairs=pairs,
        objective=objective,
        status=status,
        solver="min-coverage-lp" if feasible else "min-coverage-milp",
        wall_time=time.perf_counter() - start,
        shape=si.shape,
        maximize=maximize,
        certificate=GapCertificate(upper_bound=sign * upper, gap=max(0.0, upper - sign * objective)),
        info={
            "coverage_feasible": feasible,
            "members": int(len(members)),
            "covered": int(len(members) - len(uncovered)),
            "uncovered": [int(k) for k in uncovered],
            "uncovered_groups": sorted({str(label_of[int(k)]) for k in uncovered}),
            "side": side,
        },
    )


def _coverage_milp(bm: BMatching, need: np.ndarray, side: str, time_limit: float | None):
    """Cover as many members as possible, then the best total among such matchings (two exact MILPs)."""
    n, m = bm.shape
    k = bm.n_pairs
    members = np.flatnonzero(need > 0)
    nz = len(members)
    var = np.arange(k)
    own = bm.rows if side == "left" else bm.cols
    size = n if side == "left" else m
    a_left = sp.csr_array((np.ones(k), (bm.rows, var)), shape=(n, k + nz))
    a_right = sp.csr_array((np.ones(k), (bm.cols, var)), shape=(m, k + nz))
    # deg_i - need_i z_i >= 0 for every member i
    cover_rows = sp.csr_array(
        (np.concatenate([np.ones(k), -need[members].astype(float)]),
         (np.concatenate([own, members]), np.concatenate([var, k + np.arange(nz)]))),
        shape=(size, k + nz),
    )[members]
    cons = [
        LinearConstraint(a_left, bm.left_min, bm.left_cap),
        LinearConstraint(a_right, bm.right_min, bm.right_cap),
        LinearConstraint(cover_rows, 0, np.inf),
    ]
    lower = np.concatenate([bm.required.astype(float), np.zeros(nz)])
    bounds = Bounds(lower, np.ones(k + nz))
    integrality = np.ones(k + nz)
    options = {} if time_limit is None else {"time_limit": float(time_limit)}
    first = milp(np.concatenate([np.zeros(k), -np.ones(nz)]), constraints=cons, bounds=bounds, integrality=integrality, options=options)
    if first.x is None:
        raise Infeasible(f"no matching satisfies the capacities and required pairs ({first.message})",
                         code="infeasible.no_feasible_matching", params={"reason": first.message})
    best = int(round(-first.fun))
    cons.append(LinearConstraint(sp.csr_array(np.concatenate([np.zeros(k), np.ones(nz)])[None, :]), best, np.inf))
    second = milp(np.concatenate([-bm.weights, np.zeros(nz)]), constraints=cons, bounds=bounds, integrality=integrality, options=options)
    result = second if second.x is not None else first
    x = np.rint(result.x)
    chosen = x[:k] > 0.5
    deg = np.bincount(own[chosen], minlength=size)
    uncovered = members[deg[members] < need[members]]
    status = Status.OPTIMAL if first.status == 0 and second.status == 0 else Status.TIME_LIMIT
    return chosen, uncovered, status
