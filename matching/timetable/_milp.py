"""Exact planning: a MILP over (candidate pair, start slot) through HiGHS."""

from __future__ import annotations

import time

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from ..errors import Infeasible
from ..solvers import Status
from ._place import assign_tables
from ._problem import FairProblem, Timetable, make_timetable

__all__ = ["plan_milp", "diagnose_infeasible", "NoSolutionInTime"]


class NoSolutionInTime(Infeasible):
    """HiGHS hit its time limit before finding any timetable (not a proof of infeasibility)."""


def _variables(problem: FairProblem) -> tuple[np.ndarray, np.ndarray]:
    starts = problem.candidate_starts
    keep = problem.score > 0
    if problem.left_min.any() or problem.right_min.any() or problem.left_priority.any() or problem.right_priority.any():
        keep = np.ones(problem.n_candidates, dtype=bool)
    for lock in problem.locked:
        keep[problem.candidate_index(lock.left, lock.right)] = True
    var_c, var_s = np.nonzero(starts & keep[:, None])
    return var_c.astype(np.int64), var_s.astype(np.int64)


def diagnose_infeasible(problem: FairProblem) -> list[str]:
    """Participants whose minimum cannot be met even alone, in an organizer's words."""
    culprits = []
    starts = problem.candidate_starts
    for side, lo, idx, avail in (("left", problem.left_min, problem.left, problem.left_starts),
                                 ("right", problem.right_min, problem.right, problem.right_starts)):
        n = len(lo)
        partners = np.bincount(idx[starts.any(axis=1)], minlength=n)
        windows = avail[:, problem.first_slot:].sum(axis=1)
        for p in np.flatnonzero(lo > 0):
            limit = min(int(partners[p]), int(windows[p]) if problem.meeting_length == 1 else int(windows[p]))
            if lo[p] > limit:
                culprits.append(f"{side} participant {problem.label(side, int(p))}: min {int(lo[p])} meetings, "
                                f"at most {limit} possible (partners with a common free slot: {int(partners[p])})")
    return culprits


def plan_milp(problem: FairProblem, *, time_limit: float = 60.0, mip_rel_gap: float = 0.0) -> Timetable:
    """Plan the fair exactly with a mixed-integer program (HiGHS via scipy).

    One binary variable per (candidate pair, start slot) where both sides
    are available for the whole meeting; constraints: a pair meets at most
    once, a participant has at most one meeting per slot, a slot holds at
    most as many meetings of a table class as the class has tables,
    ``min <= meetings <= max`` per participant, locked meetings fixed.
    With priority participants, the objective is lexicographic: first the
    number of priority participants with at least one meeting, then the
    total score (weight ``M = 1 + sum of positive scores``).

    Parameters
    ----------
    problem : FairProblem
    time_limit : float
        Seconds for HiGHS; at the limit the best timetable found is
        returned with status ``time_limit`` and HiGHS' dual bound.
    mip_rel_gap : float
        Relative gap at which HiGHS may stop.

    Returns
    -------
    Timetable

    Raises
    ------
    Infeasible
        When the minimums, locks and tables cannot all hold, naming the
        participants whose minimum cannot be reached.
    """
    t0 = time.perf_counter()
    n_slots, length = problem.n_slots, problem.meeting_length
    var_c, var_s = _variables(problem)
    nx = len(var_c)
    prio_left = np.flatnonzero(problem.left_priority)
    prio_right = np.flatnonzero(problem.right_priority)
    ny = len(prio_left) + len(prio_right)
    n = nx + ny
    score = problem.score[var_c]
    weight = 1.0 + float(problem.score[problem.score > 0].sum())
    objective = np.concatenate([-score, np.full(ny, -weight)])

    rows, cols, vals, lower, upper = [], [], [], [], []
    next_row = 0

    def block(row_key: np.ndarray, var: np.ndarray, coef: np.ndarray | float, lo: np.ndarray | float, hi: np.ndarray | float) -> None:
        nonlocal next_row
        keys, inverse = np.unique(row_key, return_inverse=True)
        rows.append(next_row + inverse)
        cols.append(var)
        vals.append(np.broadcast_to(np.asarray(coef, dtype=float), var.shape))
        lower.append(np.broadcast_to(lo, keys.shape) if np.isscalar(lo) else np.asarray(lo)[keys])
        upper.append(np.broadcast_to(hi, keys.shape) if np.isscalar(hi) else np.asarray(hi)[keys])
        next_row += len(keys)

    xs = np.arange(nx)
    if nx:
        block(var_c, xs, 1.0, 0.0, 1.0)  # a pair meets at most once
        left, right, cls = problem.left[var_c], problem.right[var_c], problem.table_class[var_c]
        cover_x = np.concatenate([xs] * length)
        cover_t = np.concatenate([var_s + o for o in range(length)])
        block(np.concatenate([left] * length) * n_slots + cover_t, cover_x, 1.0, 0.0, 1.0)
        block(np.concatenate([right] * length) * n_slots + cover_t, cover_x, 1.0, 0.0, 1.0)
        cap = problem.class_capacity
        cover_k = np.concatenate([cls] * length)
        finite = np.isfinite(cap[cover_k])
        if finite.any():
            key = cover_k[finite] * n_slots + cover_t[finite]
            block(key, cover_x[finite], 1.0, 0.0, np.repeat(cap, n_slots))
        block(left, xs, 1.0, problem.left_min, problem.left_max)
        block(right, xs, 1.0, problem.right_min, problem.right_max)
    # Minimums of participants without any variable must still bind.
    missing = [(side, p) for side, lo, present in (
        ("left", problem.left_min, set(problem.left[var_c].tolist())),
        ("right", problem.right_min, set(problem.right[var_c].tolist())))
        for p in np.flatnonzero(lo > 0) if int(p) not in present]
    if missing:
        side, p = missing[0]
        raise Infeasible(f"{side} participant {problem.label(side, int(p))} needs at least "
                         f"{int((problem.left_min if side == 'left' else problem.right_min)[p])} meetings but has no "
                         "possible partner; relax its minimum",
                         culprits=[f"{side} participant {problem.label(side, int(q))}" for side, q in missing],
                         code="infeasible.fair_no_partner",
                         params={"side": side, "participant": problem.label(side, int(p)),
                                 "minimum": int((problem.left_min if side == 'left' else problem.right_min)[p])})
    if ny:
        yl = nx + np.arange(len(prio_left))
        yr = nx + len(prio_left) + np.arange(len(prio_right))
        for ys, prio, idx in ((yl, prio_left, problem.left[var_c]), (yr, prio_right, problem.right[var_c])):
            if not len(ys):
                continue
            pos = {int(p): k for k, p in enumerate(prio)}
            sel = np.flatnonzero(np.isin(idx, prio))
            member = np.array([pos[int(p)] for p in idx[sel]], dtype=np.int64)
            # y_p - sum(x incident to p) <= 0
            base = next_row
            rows.append(base + np.arange(len(ys)))
            cols.append(ys)
            vals.append(np.ones(len(ys)))
            rows.append(base + member)
            cols.append(sel)
            vals.append(-np.ones(len(sel)))
            lower.append(np.full(len(ys), -np.inf))
            upper.append(np.zeros(len(ys)))
            next_row += len(ys)

    lb = np.zeros(n)
    for lock in problem.locked:
        c = problem.candidate_index(lock.left, lock.right)
        hit = np.flatnonzero((var_c == c) & (var_s == lock.slot))
        lb[hit] = 1.0
    constraints = []
    if next_row:
        matrix = sparse.csr_array((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(next_row, n))
        constraints = [LinearConstraint(matrix, np.concatenate(lower).astype(float), np.concatenate(upper).astype(float))]
    if n == 0:
        return make_timetable(problem, [], upper_bound=0.0, status=Status.OPTIMAL, solver="milp-highs",
                              wall_time=time.perf_counter() - t0, info={"variables": 0})
    res = milp(objective, constraints=constraints, integrality=np.ones(n), bounds=Bounds(lb, np.ones(n)),
               options={"time_limit": float(time_limit), "mip_rel_gap": float(mip_rel_gap), "disp": False})
    if res.x is None:
        if res.status == 1:
            raise NoSolutionInTime(f"HiGHS found no timetable within the time limit ({time_limit} s); "
                             "raise the limit or use method='heuristic'")
        culprits = diagnose_infeasible(problem)
        raise Infeasible("no timetable meets every minimum, lock and table count; relax the minimum number of "
                         "meetings (left_min/right_min) or the locks" + (": " + "; ".join(culprits[:5]) if culprits else ""),
                         culprits=culprits, code="infeasible.fair_minimums",
                         params={"culprits": (": " + "; ".join(culprits[:5]) if culprits else "")})
    chosen = np.flatnonzero(res.x[:nx] > 0.5)
    covered = int(np.round(res.x[nx:]).sum()) if ny else 0
    starts = {int(var_c[v]): int(var_s[v]) for v in chosen}
    optimal = res.status == 0
    dual = getattr(res, "mip_dual_bound", None)
    value = float(problem.score[list(starts)].sum()) if starts else 0.0
    if (optimal and mip_rel_gap == 0) or dual is None or not np.isfinite(dual):
        bound = value if optimal else float(problem.score[problem.score > 0].sum())
    else:
        bound = -float(dual) - weight * covered
    placed = assign_tables(problem, starts)
    return make_timetable(problem, placed, upper_bound=bound, status=Status.OPTIMAL if optimal else Status.TIME_LIMIT,
                          solver="milp-highs", wall_time=time.perf_counter() - t0,
                          info={"variables": n, "constraints": next_row, "priority_covered": covered,
                                "highs_message": str(res.message)})
