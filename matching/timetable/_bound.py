"""Upper bounds on the best total score, and the capacitated selection LP.

Relaxing the slots entirely leaves a capacitated (b-)matching: every
participant meets at most ``min(max, disjoint free windows)`` partners,
each table class holds at most ``tables x slots / length`` meetings, a
pair meets once.  Its LP dual gives, for **any** ``u, v, w >= 0``,

    UB = sum_i cap_i u_i + sum_j cap_j v_j + sum_k K_k w_k
         + sum_c max(0, s_c - u_i(c) - v_j(c) - w_k(c))

over every candidate with a common window.  The planner solves the LP on
a pruned candidate set, takes its duals, then improves them by exact
coordinate steps (the best ``u_i`` for fixed ``v, w`` is the ``cap_i``-th
largest reduced score of row ``i``), so the bound is valid for the full
problem whatever was pruned.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from ._groups import Grouped
from ._problem import FairProblem

__all__ = ["participant_capacity", "class_totals", "dual_bound", "selection_lp"]


def _disjoint_windows(starts: np.ndarray, length: int) -> np.ndarray:
    if length == 1:
        return starts.sum(axis=1)
    out = np.zeros(len(starts), dtype=np.int64)
    for p in range(len(starts)):
        s, n_slots, count = 0, starts.shape[1], 0
        while s < n_slots:
            if starts[p, s]:
                count += 1
                s += length
            else:
                s += 1
        out[p] = count
    return out


def participant_capacity(problem: FairProblem) -> tuple[np.ndarray, np.ndarray]:
    """Most meetings each participant can have: min(max, disjoint free windows from first_slot on)."""
    ls = problem.left_starts.copy()
    rs = problem.right_starts.copy()
    ls[:, : problem.first_slot] = False
    rs[:, : problem.first_slot] = False
    for lock in problem.locked:  # locks may sit before first_slot
        ls[lock.left, lock.slot] = True
        rs[lock.right, lock.slot] = True
    length = problem.meeting_length
    return (np.minimum(problem.left_max, _disjoint_windows(ls, length)),
            np.minimum(problem.right_max, _disjoint_windows(rs, length)))


def class_totals(problem: FairProblem) -> np.ndarray:
    """Most meetings of each table class over the whole fair (``inf``: unlimited)."""
    return np.floor(problem.class_capacity * problem.n_slots / problem.meeting_length)


def _best_price(groups: Grouped, value: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """The u >= 0 minimising ``cap * u + sum(max(0, value - u))`` in every group."""
    kth = groups.kth_largest(value, cap)
    out = np.where(np.isnan(kth), 0.0, np.maximum(kth, 0.0))
    closed = (cap <= 0) & (groups.counts > 0)  # no capacity: price out the best pair
    if closed.any():
        out[closed] = np.maximum(groups.maximum(value)[closed], 0.0)
    return out


def dual_bound(problem: FairProblem, u: np.ndarray | None = None, v: np.ndarray | None = None,
               w: np.ndarray | None = None, *, rounds: int = 3) -> float:
    """A valid upper bound on the total score (see the module docstring)."""
    lcap, rcap = participant_capacity(problem)
    totals = class_totals(problem)
    mask = problem.candidate_starts.any(axis=1) & (problem.score > 0)
    left, right, score = problem.left[mask], problem.right[mask], problem.score[mask]
    cls = np.maximum(problem.table_class[mask], 0)
    u = np.zeros(problem.n_left) if u is None else np.maximum(np.asarray(u, dtype=float), 0)
    v = np.zeros(problem.n_right) if v is None else np.maximum(np.asarray(v, dtype=float), 0)
    w = np.zeros(len(totals)) if w is None else np.maximum(np.asarray(w, dtype=float), 0)
    w = np.where(np.isfinite(totals), w, 0.0)
    finite_totals = np.where(np.isfinite(totals), totals, 0.0)

    def value() -> float:
        slack = np.maximum(score - u[left] - v[right] - w[cls], 0.0).sum()
        return float(lcap @ u + rcap @ v + finite_totals @ w + slack)

    best = value()
    left_groups, right_groups = Grouped(left, problem.n_left), Grouped(right, problem.n_right)
    finite = np.isfinite(totals)
    class_groups = Grouped(cls, len(totals)) if finite.any() else None
    for _ in range(rounds):  # exact block minimisations: the value never rises
        if class_groups is not None:
            w = np.where(finite, _best_price(class_groups, score - u[left] - v[right], finite_totals.astype(np.int64)), 0.0)
            best = min(best, value())
        u = _best_price(left_groups, score - v[right] - w[cls], lcap)
        best = min(best, value())
        v = _best_price(right_groups, score - u[left] - w[cls], rcap)
        best = min(best, value())
    return best


def selection_lp(problem: FairProblem, candidates: np.ndarray, *, priority_weight: float = 0.0
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """Solve the capacitated selection LP over ``candidates`` (indices).

    Locked candidates are forced in.  The constraint matrix is that of a
    network flow, so the basic optimum HiGHS returns is integral.  With
    ``priority_weight > 0`` every priority participant adds that weight
    once it has a meeting (``y_p <= sum of its x``, ``y_p <= 1``); the
    point may then be fractional and is rounded (``x > 0.5``).

    Returns
    -------
    chosen : array of candidate indices with x = 1
    u, v, w : dual prices of left, right and table-class capacities
    value : LP optimum
    """
    lcap, rcap = participant_capacity(problem)
    totals = class_totals(problem)
    n = len(candidates)
    if n == 0:
        return candidates, np.zeros(problem.n_left), np.zeros(problem.n_right), np.zeros(len(totals)), 0.0
    left, right = problem.left[candidates], problem.right[candidates]
    cls = np.maximum(problem.table_class[candidates], 0)
    finite = np.flatnonzero(np.isfinite(totals))
    cls_row = np.full(len(totals), -1)
    cls_row[finite] = np.arange(len(finite))
    n_rows = problem.n_left + problem.n_right + len(finite)
    in_finite = cls_row[cls] >= 0
    rows = np.concatenate([left, problem.n_left + right, problem.n_left + problem.n_right + cls_row[cls][in_finite]])
    cols = np.concatenate([np.arange(n), np.arange(n), np.arange(n)[in_finite]])
    matrix = sparse.csr_array((np.ones(len(rows)), (rows, cols)), shape=(n_rows, n))
    b = np.concatenate([lcap, rcap, totals[finite]]).astype(float)
    lower = np.zeros(n)
    locked = {problem.candidate_index(lk.left, lk.right) for lk in problem.locked}
    if locked:
        lower[np.isin(candidates, list(locked))] = 1.0
    bounds = np.column_stack([lower, np.ones(n)])
    cost = -problem.score[candidates]
    prio = (np.flatnonzero(problem.left_priority), np.flatnonzero(problem.right_priority)) if priority_weight > 0 else (np.zeros(0, int),) * 2
    n_y = len(prio[0]) + len(prio[1])
    if n_y:
        y_rows, y_cols, x_cols = [], [], []
        base = 0
        for members, own in ((prio[0], left), (prio[1], right)):
            pos = np.full(max(problem.n_left, problem.n_right), -1)
            pos[members] = base + np.arange(len(members))
            hit = pos[own] >= 0
            y_rows.append(pos[own][hit])
            x_cols.append(np.flatnonzero(hit))
            base += len(members)
        link = sparse.csr_array(
            (np.concatenate([np.ones(n_y), -np.ones(sum(len(c) for c in x_cols))]),
             (np.concatenate([np.arange(n_y), *y_rows]), np.concatenate([n + np.arange(n_y), *x_cols]))),
            shape=(n_y, n + n_y))
        matrix = sparse.vstack([sparse.hstack([matrix, sparse.csr_array((n_rows, n_y))]), link]).tocsr()
        b = np.concatenate([b, np.zeros(n_y)])
        bounds = np.vstack([bounds, np.column_stack([np.zeros(n_y), np.ones(n_y)])])
        cost = np.concatenate([cost, np.full(n_y, -priority_weight)])
    # Interior point with crossover ends on a vertex, which is integral without
    # priorities; dual simplex is the fallback should a fractional point come back.
    res = linprog(cost, A_ub=matrix, b_ub=b, bounds=bounds, method="highs-ipm")
    if not n_y and (res.status != 0 or res.x is None or np.any(np.abs(res.x - np.round(res.x)) > 1e-6)):
        res = linprog(cost, A_ub=matrix, b_ub=b, bounds=bounds, method="highs-ds")
    if res.status != 0:
        raise RuntimeError(f"selection LP failed: {res.message}")
    duals = -np.asarray(res.ineqlin.marginals)[:n_rows]
    u = duals[: problem.n_left]
    v = duals[problem.n_left: problem.n_left + problem.n_right]
    w = np.zeros(len(totals))
    w[finite] = duals[problem.n_left + problem.n_right:]
    chosen = candidates[res.x[:n] > 0.5]
    return chosen, u, v, w, float(problem.score[candidates] @ res.x[:n])
