"""Exact planning with full availability: b-matching, then König edge colouring.

When everybody is available in every slot, meetings last one slot, tables
are interchangeable and nothing is locked, a set of meetings fits in
``n_slots`` slots with at most ``tables`` meetings per slot exactly when
every participant has at most ``n_slots`` meetings and there are at most
``tables x n_slots`` meetings: a bipartite graph of maximum degree ``d``
splits into ``d`` matchings (König, 1916), and alternating-path swaps make
the colour classes equal in size to within one.  So the optimum is the
capacitated b-matching optimum, placed by colouring.

References
----------
D. König, "Über Graphen und ihre Anwendung auf Determinantentheorie und
Mengenlehre", Math. Ann. 77 (1916) 453-465.
"""

from __future__ import annotations

import time

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from ..errors import Infeasible
from ..solvers import Status
from ._bound import class_totals, participant_capacity
from ._place import assign_tables
from ._problem import FairProblem, Timetable, make_timetable

__all__ = ["plan_colouring", "colouring_applies", "bipartite_edge_colouring", "balance_colours"]


def colouring_applies(problem: FairProblem) -> bool:
    """Whether :func:`plan_colouring` is exact for this problem."""
    return bool(
        problem.meeting_length == 1
        and not problem.locked
        and problem.first_slot == 0
        and problem.left_available.all()
        and problem.right_available.all()
        and len(problem.class_capacity) == 1
        and (problem.table_class == 0).all()
        and not problem.left_priority.any()
        and not problem.right_priority.any()
    )


def bipartite_edge_colouring(edges: list[tuple[int, int]], n_left: int, n_colours: int) -> list[int]:
    """Colour the edges of a bipartite (multi)graph with ``n_colours >= max degree`` colours.

    Right vertices are numbered after the left ones.  For each edge, take a
    colour ``a`` free at its left end and ``b`` free at its right end; if
    ``a`` is busy at the right end, swap ``a``/``b`` along the alternating
    path from the right end (it cannot reach the left end in a bipartite
    graph), then use ``a``.
    """
    at: dict[int, dict[int, int]] = {}
    colour = [-1] * len(edges)

    def ends(e: int) -> tuple[int, int]:
        u, v = edges[e]
        return u, n_left + v

    for e in range(len(edges)):
        u, v = ends(e)
        cu, cv = at.setdefault(u, {}), at.setdefault(v, {})
        a = next(c for c in range(n_colours) if c not in cu)
        b = next(c for c in range(n_colours) if c not in cv)
        if a in cv:
            path, x, c = [], v, a
            while c in at.get(x, {}):
                f = at[x][c]
                path.append(f)
                p, q = ends(f)
                x = q if x == p else p
                c = b if c == a else a
            for f in path:
                p, q = ends(f)
                del at[p][colour[f]], at[q][colour[f]]
            for f in path:
                colour[f] = b if colour[f] == a else a
                p, q = ends(f)
                at[p][colour[f]] = f
                at[q][colour[f]] = f
        colour[e] = a
        cu[a] = e
        cv[a] = e
    return colour


def balance_colours(edges: list[tuple[int, int]], n_left: int, colour: list[int], n_colours: int, limit: int) -> list[int]:
    """Swap along alternating paths until no colour class holds more than ``limit`` edges."""
    colour = list(colour)
    while True:
        counts = np.bincount(colour, minlength=n_colours)
        a, b = int(counts.argmax()), int(counts.argmin())
        if counts[a] <= limit or counts[a] - counts[b] <= 1:
            return colour
        at: dict[int, dict[int, int]] = {}
        for e, c in enumerate(colour):
            if c in (a, b):
                u, v = edges[e][0], n_left + edges[e][1]
                at.setdefault(u, {})[c] = e
                at.setdefault(v, {})[c] = e
        # A path component with more a-edges than b-edges starts and ends with a.
        for x, incident in at.items():
            if a in incident and b not in incident:
                path, y, c = [], x, a
                while c in at.get(y, {}):
                    f = at[y][c]
                    path.append(f)
                    p, q = edges[f][0], n_left + edges[f][1]
                    y = q if y == p else p
                    c = b if c == a else a
                if len(path) % 2 == 1:
                    for f in path:
                        colour[f] = b if colour[f] == a else a
                    break
        else:  # pragma: no cover - impossible when counts[a] > counts[b]
            return colour


def plan_colouring(problem: FairProblem, *, time_limit: float = 60.0) -> Timetable:
    """Plan exactly with full availability: b-matching through HiGHS, then edge colouring.

    Raises
    ------
    ValueError
        When the problem has partial availability, locks, longer meetings,
        table kinds or priorities (see :func:`colouring_applies`).
    Infeasible
        When the minimum numbers of meetings cannot be met.
    """
    if not colouring_applies(problem):
        raise ValueError("plan_colouring needs full availability, one-slot meetings, interchangeable tables, "
                         "no locks and no priorities; use method='milp' or 'heuristic'")
    t0 = time.perf_counter()
    lcap, rcap = participant_capacity(problem)
    total = class_totals(problem)[0]
    need_all = problem.left_min.any() or problem.right_min.any()
    cand = np.flatnonzero(problem.candidate_starts.any(axis=1) & ((problem.score > 0) | need_all))
    n = len(cand)
    starts: dict[int, int] = {}
    optimal, bound = True, None
    if n:
        left, right = problem.left[cand], problem.right[cand]
        rows = [sparse.csr_array((np.ones(n), (left, np.arange(n))), shape=(problem.n_left, n)),
                sparse.csr_array((np.ones(n), (right, np.arange(n))), shape=(problem.n_right, n))]
        lo = [problem.left_min.astype(float), problem.right_min.astype(float)]
        hi = [lcap.astype(float), rcap.astype(float)]
        if np.isfinite(total):
            rows.append(sparse.csr_array(np.ones((1, n))))
            lo.append(np.zeros(1))
            hi.append(np.array([total]))
        res = milp(-problem.score[cand], constraints=[LinearConstraint(sparse.vstack(rows), np.concatenate(lo), np.concatenate(hi))],
                   integrality=np.ones(n), bounds=Bounds(0, 1), options={"time_limit": float(time_limit)})
        if res.x is None:
            from ._milp import diagnose_infeasible

            culprits = diagnose_infeasible(problem)
            raise Infeasible("no set of meetings meets every minimum; relax left_min/right_min"
                             + (": " + "; ".join(culprits[:5]) if culprits else ""), culprits=culprits)
        optimal = res.status == 0
        if not optimal and getattr(res, "mip_dual_bound", None) is not None and np.isfinite(res.mip_dual_bound):
            bound = -float(res.mip_dual_bound)
        chosen = cand[res.x > 0.5]
        edges = [(int(problem.left[c]), int(problem.right[c])) for c in chosen]
        colour = bipartite_edge_colouring(edges, problem.n_left, problem.n_slots)
        if np.isfinite(total):
            colour = balance_colours(edges, problem.n_left, colour, problem.n_slots, int(problem.class_capacity[0]))
        starts = {int(c): int(k) for c, k in zip(chosen, colour)}
    placed = assign_tables(problem, starts)
    value = float(problem.score[list(starts)].sum()) if starts else 0.0
    if not optimal and bound is None:
        bound = float(problem.score[problem.score > 0].sum())
    return make_timetable(problem, placed, upper_bound=value if optimal else bound,
                          status=Status.OPTIMAL if optimal else Status.TIME_LIMIT, solver="bmatching-konig",
                          wall_time=time.perf_counter() - t0, info={"candidates": n})
