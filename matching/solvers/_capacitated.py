"""Capacitated many-to-many matching: bipartite b-matching with lower and upper bounds.

The problem is the linear program

    maximize    sum_ij s_ij x_ij
    subject to  left_min[i]  <= sum_j x_ij <= left_capacity[i]
                right_min[j] <= sum_i x_ij <= right_capacity[j]
                0 <= x_ij <= 1 on allowed pairs, x_ij = 1 on required pairs,

whose constraint matrix (the incidence matrix of a bipartite graph) is
totally unimodular, so every vertex is integral and the answer is an exact
0/1 matching.  Without minimums it is a min-cost flow, solved by successive
shortest paths (:mod:`._flow`, compiled); with minimums it is solved by
HiGHS through :func:`scipy.optimize.linprog`.  Either solver runs on a
*candidate* subset of the pairs (the best few per participant), then the
duals are priced: every allowed pair gets a reduced cost, pairs that would
improve the objective are added and the subset is solved again, until no
pair outside it has a positive reduced cost.  The answer is therefore
optimal over all allowed pairs, not only the candidates.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog
from scipy.sparse.csgraph import breadth_first_order, maximum_flow

from ..errors import Infeasible
from ._constraints import bound_array, check_min_le_max, invalid, pair_array
from ._flow import FlowWarmStart, ssp_bmatching
from ._input import ScoreInput, as_scores
from ._result import DualCertificate, MatchResult, Status

__all__ = ["solve_capacitated"]

#: Below this many allowed pairs every pair is given to the solver at once (no pricing).
_PRICING_FROM = 20_000
#: Candidates per participant beyond its capacity.
_EXTRA_CANDIDATES = 6
#: HiGHS methods tried in turn until the answer is integral.
_METHODS = ("highs", "highs-ds")


@dataclass(frozen=True)
class BMatching:
    """One b-matching problem over its allowed pairs, in maximization form.

    ``weights`` are the scores when maximizing and their negatives when
    minimizing, so the solver always maximizes.  An unlimited capacity is
    stored as the size of the other side.  ``full_grid`` is True when the
    pairs are every ``(i, j)`` in row-major order (then each per-pair array
    reshapes to ``shape``, which lets the pricing work on the dense table).
    """

    shape: tuple[int, int]
    rows: np.ndarray
    cols: np.ndarray
    weights: np.ndarray
    left_cap: np.ndarray
    right_cap: np.ndarray
    left_min: np.ndarray
    right_min: np.ndarray
    required: np.ndarray  # bool per allowed pair
    full_grid: bool = False

    @property
    def n_pairs(self) -> int:
        return len(self.rows)

    def restricted(self, keep: np.ndarray) -> "BMatching":
        """The same problem over the pairs where ``keep`` is True (required pairs must be kept)."""
        return BMatching(
            self.shape, self.rows[keep], self.cols[keep], self.weights[keep],
            self.left_cap, self.right_cap, self.left_min, self.right_min, self.required[keep],
        )


@dataclass(frozen=True)
class BSolution:
    """An optimal 0/1 solution of a :class:`BMatching` and its folded duals."""

    chosen: np.ndarray  # bool per allowed pair
    left_potential: np.ndarray
    right_potential: np.ndarray
    rounds: int
    lp_variables: int
    method: str = "highs-lp"
    max_violation: float = 0.0
    dual_bound: float = 0.0


def prepare(
    scores: Any,
    *,
    left_capacity: Any,
    right_capacity: Any,
    left_min: Any = None,
    right_min: Any = None,
    forbidden: Any = None,
    required: Any = None,
    maximize: bool = True,
) -> tuple[ScoreInput, BMatching]:
    """Validate the inputs of a capacitated solver; see :func:`solve_capacitated`."""
    si = as_scores(scores, forbidden=forbidden)
    n, m = si.shape
    if si.dense is not None and len(si.forbidden_pairs) == 0:
        rows = np.repeat(np.arange(n, dtype=np.int64), m)  # every pair allowed, row-major
        cols = np.tile(np.arange(m, dtype=np.int64), n)
        vals = si.dense.ravel()
    else:
        rows, cols, vals = si.allowed_coo()
    lcap = bound_array(left_capacity, n, "left_capacity", default=1, unlimited=max(m, 0))
    rcap = bound_array(right_capacity, m, "right_capacity", default=1, unlimited=max(n, 0))
    lmin = bound_array(left_min, n, "left_min", default=0, unlimited=-1)
    rmin = bound_array(right_min, m, "right_min", default=0, unlimited=-1)
    check_min_le_max(lmin, lcap, "left_min", "left_capacity")
    check_min_le_max(rmin, rcap, "right_min", "right_capacity")
    req_pairs = pair_array(required, (n, m), "required")
    req_mask = np.zeros(len(rows), dtype=bool)
    if len(req_pairs):
        fp = si.forbidden_pairs
        if len(fp):
            fkeys = fp[:, 0] * m + fp[:, 1]
            hit = np.isin(req_pairs[:, 0] * m + req_pairs[:, 1], fkeys)
            if hit.any():
                i, j = (int(v) for v in req_pairs[np.flatnonzero(hit)[0]])
                raise invalid("required", (i, j), f"required pair ({i}, {j}) is forbidden")
        keys = rows * m + cols  # sorted by row then column
        want = req_pairs[:, 0] * m + req_pairs[:, 1]
        at = np.searchsorted(keys, want)
        found = at < len(keys)
        found[found] = keys[at[found]] == want[found]
        if not found.all():
            i, j = (int(v) for v in req_pairs[np.flatnonzero(~found)[0]])
            raise invalid(
                "required", (i, j),
                f"required pair ({i}, {j}) is not an allowed pair (it is missing from the sparse scores)",
            )
        req_mask[at] = True
    weights = vals if maximize else -vals
    full_grid = si.dense is not None and len(si.forbidden_pairs) == 0
    bm = BMatching(
        (n, m), rows, cols, np.asarray(weights, dtype=np.float64), lcap, rcap, lmin, rmin, req_mask, full_grid
    )
    return si, bm


# ----------------------------------------------------------------------------------------------
# The LP and its pricing loop


def _lp(bm: BMatching, sel: np.ndarray, min_pairs: int | None) -> BSolution | None:
    """Solve the LP over the pairs ``sel``; ``None`` when it is infeasible."""
    n, m = bm.shape
    k = len(sel)
    lmin_rows = np.flatnonzero(bm.left_min > 0)
    rmin_rows = np.flatnonzero(bm.right_min > 0)
    if k == 0:
        if len(lmin_rows) or len(rmin_rows) or (min_pairs or 0) > 0:
            return None
        return BSolution(np.zeros(0, bool), np.zeros(n), np.zeros(m), 1, 0)
    r = bm.rows[sel]
    c = bm.cols[sel]
    var = np.arange(k)
    ones = np.ones(k)
    a_left = sp.csr_array((ones, (r, var)), shape=(n, k))
    a_right = sp.csr_array((ones, (c, var)), shape=(m, k))
    blocks = [a_left, a_right]
    rhs = [bm.left_cap, bm.right_cap]
    if len(lmin_rows):
        blocks.append(-a_left[lmin_rows])
        rhs.append(-bm.left_min[lmin_rows])
    if len(rmin_rows):
        blocks.append(-a_right[rmin_rows])
        rhs.append(-bm.right_min[rmin_rows])
    if min_pairs is not None:
        blocks.append(sp.csr_array(-np.ones((1, k))))
        rhs.append(np.array([-min_pairs]))
    a_ub = sp.vstack(blocks, format="csr")
    b_ub = np.concatenate(rhs).astype(np.float64)
    bounds = np.column_stack([bm.required[sel].astype(np.float64), ones])
    x = None
    for method in _METHODS:
        res = linprog(-bm.weights[sel], A_ub=a_ub, b_ub=b_ub, bounds=bounds, method=method)
        if res.status == 2:
            return None
        if res.status != 0:  # pragma: no cover - HiGHS failure on a bounded problem
            raise RuntimeError(f"HiGHS failed on the b-matching LP: {res.message}")
        x = np.rint(res.x)
        if np.max(np.abs(res.x - x)) <= 1e-6:
            break
    else:  # pragma: no cover - a basic solution of a TU system is integral
        raise RuntimeError("the b-matching LP returned a fractional solution")
    marg = res.ineqlin.marginals
    p = -marg[:n].copy()
    q = -marg[n : n + m].copy()
    at = n + m
    p[lmin_rows] += marg[at : at + len(lmin_rows)]
    at += len(lmin_rows)
    q[rmin_rows] += marg[at : at + len(rmin_rows)]
    return BSolution(x > 0.5, p, q, 1, k)


def _top_per_group(group: np.ndarray, weights: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """Positions of the ``limit[g]`` heaviest entries of every group ``g`` (ties by position)."""
    if len(group) == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((-weights, group))
    g = group[order]
    start = np.searchsorted(g, g, side="left")
    rank = np.arange(len(order)) - start
    return order[rank < limit[g]]


def _top_dense(table: np.ndarray, limit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) of the ``limit[row]`` largest finite entries of every row of ``table``."""
    n_rows, n_cols = table.shape
    kmax = min(int(limit.max(initial=0)), n_cols)
    if kmax <= 0 or n_rows == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    if kmax < n_cols:
        idx = np.argpartition(-table, kmax - 1, axis=1)[:, :kmax]
    else:
        idx = np.broadcast_to(np.arange(n_cols), (n_rows, n_cols))
    vals = np.take_along_axis(table, idx, axis=1)
    keep = np.isfinite(vals)
    if np.any(limit < kmax):
        order = np.argsort(-vals, axis=1, kind="stable")
        idx = np.take_along_axis(idx, order, axis=1)
        keep = np.take_along_axis(keep, order, axis=1) & (np.arange(kmax) < limit[:, None])
    rows = np.broadcast_to(np.arange(n_rows)[:, None], idx.shape)
    return rows[keep].astype(np.int64), idx[keep].astype(np.int64)


#: Largest n_left * n_right for which candidates are picked on a dense table.
_DENSE_CANDIDATES = 10_000_000


def _candidates(bm: BMatching) -> np.ndarray:
    """A pair subset likely to hold an optimum: the best few per participant, plus required pairs."""
    n, m = bm.shape
    keep = np.zeros(bm.n_pairs, dtype=bool)
    lim_left = bm.left_cap + _EXTRA_CANDIDATES
    lim_right = bm.right_cap + _EXTRA_CANDIDATES
    if bm.full_grid:
        table = bm.weights.reshape(n, m)
        useful = (table > 0) | (bm.left_min > 0)[:, None] | (bm.right_min > 0)[None, :]
        table = np.where(useful, table, -np.inf)
        for rows, cols in (_top_dense(table, lim_left), _top_dense(table.T, lim_right)[::-1]):
            keep[rows * m + cols] = True
        keep |= bm.required
        return np.flatnonzero(keep)
    useful = (bm.weights > 0) | (bm.left_min[bm.rows] > 0) | (bm.right_min[bm.cols] > 0)
    if n * m <= _DENSE_CANDIDATES:
        if bm.n_pairs == n * m:
            table = np.where(useful, bm.weights, -np.inf).reshape(n, m)
            position = None  # every pair allowed: pair (i, j) is number i * m + j
        else:
            table = np.full((n, m), -np.inf)
            table[bm.rows[useful], bm.cols[useful]] = bm.weights[useful]
            position = np.full(n * m, -1, dtype=np.int64)
            position[bm.rows * m + bm.cols] = np.arange(bm.n_pairs)
        for rows, cols in (_top_dense(table, lim_left), _top_dense(table.T, lim_right)[::-1]):
            flat = rows * m + cols
            keep[flat if position is None else position[flat]] = True
    else:
        idx = np.flatnonzero(useful)
        keep[idx[_top_per_group(bm.rows[idx], bm.weights[idx], lim_left)]] = True
        keep[idx[_top_per_group(bm.cols[idx], bm.weights[idx], lim_right)]] = True
    keep |= bm.required
    return np.flatnonzero(keep)


def _add_violators(bm: BMatching, in_sel: np.ndarray, reduced: np.ndarray, tol: float) -> np.ndarray | None:
    """Pairs to add to the LP: per participant its most violating pairs; ``None`` when there is none."""
    violating = np.flatnonzero(~in_sel & (reduced > tol))
    if len(violating) == 0:
        return None
    r = reduced[violating]
    add = np.zeros(len(violating), dtype=bool)
    add[_top_per_group(bm.rows[violating], r, bm.left_cap + _EXTRA_CANDIDATES)] = True
    add[_top_per_group(bm.cols[violating], r, bm.right_cap + _EXTRA_CANDIDATES)] = True
    return violating[add]


def reduced_costs(bm: BMatching, p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``w_ij - p_i - q_j`` on every allowed pair (maximization form)."""
    if bm.full_grid:  # the same arithmetic on the dense table, without gathering p and q per pair
        n, m = bm.shape
        return (bm.weights.reshape(n, m) - p[:, None] - q[None, :]).ravel()
    return bm.weights - p[bm.rows] - q[bm.cols]


def solve_bmatching(bm: BMatching, *, min_pairs: int | None = None, pricing: bool | None = None,
                    warm: FlowWarmStart | None = None) -> BSolution:
    """Solve a :class:`BMatching` exactly; raise :class:`Infeasible` with the reason when it has no solution.

    Without minimums the problem is a min-cost flow, solved by successive
    shortest paths (:mod:`._flow`); with minimums or ``min_pairs`` (the
    solution then holds at least that many pairs and its duals do not
    certify it) it goes to the HiGHS LP.  Either way on a candidate subset
    of the pairs, priced against the duals until no other pair improves;
    each flow solve after the first starts from the previous one's flow
    (``warm``, kept by a caller whose own loop adds pairs between calls).
    """
    n_all = bm.n_pairs
    if pricing is None:
        pricing = n_all > _PRICING_FROM and min_pairs is None
    use_flow = min_pairs is None and not bm.left_min.any() and not bm.right_min.any()
    if pricing:
        sel = _candidates(bm)
    else:
        sel = np.arange(n_all)
    scale = max(1.0, float(np.max(np.abs(bm.weights)))) if n_all else 1.0
    tol = 1e-7 * scale
    rounds = 0
    reduced = None  # reduced costs of the last solution, when the pricing computed them
    if warm is None:
        warm = FlowWarmStart()
    while True:
        rounds += 1
        reduced = None
        sol = _flow_solve(bm, sel, warm) if use_flow else _lp(bm, sel, min_pairs)
        if sol is _GAVE_UP:  # the flow found every place contested: the LP copes better
            use_flow = False
            sol = _lp(bm, sel, min_pairs)
        if sol is None:
            if len(sel) == n_all:
                raise diagnose_infeasible(bm, min_pairs=min_pairs)
            sel = np.arange(n_all)
            continue
        chosen = np.zeros(n_all, dtype=bool)
        chosen[sel[sol.chosen]] = True
        if len(sel) == n_all:
            break
        in_sel = np.zeros(n_all, dtype=bool)
        in_sel[sel] = True
        reduced = reduced_costs(bm, sol.left_potential, sol.right_potential)
        new = _add_violators(bm, in_sel, reduced, tol)
        if new is None:
            break
        in_sel[new] = True
        sel = np.flatnonzero(in_sel)
    chosen = _drop_zero_pairs(bm, chosen, min_pairs or 0)
    figures = certificate_figures(bm, chosen, sol.left_potential, sol.right_potential, reduced)
    if use_flow and figures[0] > 1e3 * tol:  # pragma: no cover - rounding in the flow's potentials
        lp = _lp(bm, sel, None)
        chosen = np.zeros(n_all, dtype=bool)
        chosen[sel[lp.chosen]] = True
        chosen = _drop_zero_pairs(bm, chosen, 0)
        sol, use_flow = lp, False
        figures = certificate_figures(bm, chosen, sol.left_potential, sol.right_potential)
    return BSolution(
        chosen, sol.left_potential, sol.right_potential, rounds, len(sel), "ssp-flow" if use_flow else "highs-lp", *figures
    )


#: What :func:`_flow_solve` returns when the flow ran out of its work budget.
_GAVE_UP = object()


def _flow_solve(bm: BMatching, sel: np.ndarray, warm: FlowWarmStart | None = None) -> BSolution | None | object:
    """Min-cost flow over the pairs ``sel`` (no minimums); required pairs are fixed first."""
    n, m = bm.shape
    # every pair (a caller that priced them already): the arrays as they are, no copy by ``sel``
    every = len(sel) == bm.n_pairs
    rows, cols, weights = (bm.rows, bm.cols, bm.weights) if every else (bm.rows[sel], bm.cols[sel], bm.weights[sel])
    req = bm.required.copy() if every else bm.required[sel]
    lcap = bm.left_cap - np.bincount(rows[req], minlength=n)
    rcap = bm.right_cap - np.bincount(cols[req], minlength=m)
    if (lcap < 0).any() or (rcap < 0).any():
        return None
    useful = ~req & (weights > 0)  # a pair that cannot raise the total is never needed
    out = ssp_bmatching(bm.shape, rows[useful], cols[useful], weights[useful], lcap, rcap, warm)
    if out is None:
        return _GAVE_UP
    chosen_useful, p, q = out
    chosen = req
    chosen[np.flatnonzero(useful)[chosen_useful]] = True
    return BSolution(chosen, p, q, 1, len(sel))


def _drop_zero_pairs(bm: BMatching, chosen: np.ndarray, min_pairs: int) -> np.ndarray:
    """Unmatch pairs of weight exactly 0 that no bound or requirement needs (same objective)."""
    zero = np.flatnonzero(chosen & (bm.weights == 0) & ~bm.required)
    if len(zero) == 0:
        return chosen
    n, m = bm.shape
    ldeg = np.bincount(bm.rows[chosen], minlength=n)
    rdeg = np.bincount(bm.cols[chosen], minlength=m)
    chosen = chosen.copy()
    spare = int(chosen.sum()) - min_pairs
    for k in zero.tolist():
        i, j = bm.rows[k], bm.cols[k]
        if spare > 0 and ldeg[i] > bm.left_min[i] and rdeg[j] > bm.right_min[j]:
            spare -= 1
            chosen[k] = False
            ldeg[i] -= 1
            rdeg[j] -= 1
    return chosen


def certificate_figures(
    bm: BMatching, chosen: np.ndarray, p: np.ndarray, q: np.ndarray, reduced: np.ndarray | None = None
) -> tuple[float, float]:
    """(largest complementary-slackness violation, dual bound) in maximization form.

    ``reduced`` may pass ``reduced_costs(bm, p, q)`` when it is at hand.

    The dual bound ``sum_pairs max(r, 0) (r itself on required pairs) +
    sum_i (cap_i p_i if p_i > 0 else min_i p_i) + (same for j)`` is an upper
    bound on the objective of every feasible matching, for any ``p, q``.
    """
    n, m = bm.shape
    r = reduced_costs(bm, p, q) if reduced is None else reduced
    any_required = bool(bm.required.any())
    worst = 0.0
    if bm.n_pairs:
        matched = chosen & ~bm.required if any_required else chosen
        worst = max(
            worst,
            float(np.max(-r[matched], initial=0.0)),
            float(np.max(np.where(chosen, -np.inf, r), initial=0.0)),
        )
    ldeg = np.bincount(bm.rows[chosen], minlength=n)
    rdeg = np.bincount(bm.cols[chosen], minlength=m)
    for pot, deg, cap, low in ((p, ldeg, bm.left_cap, bm.left_min), (q, rdeg, bm.right_cap, bm.right_min)):
        worst = max(
            worst,
            float(np.max(pot[deg < cap], initial=0.0)),
            float(np.max(-pot[deg > low], initial=0.0)),
        )
    bound = float(np.sum(np.where(bm.required, r, np.maximum(r, 0.0)) if any_required else np.maximum(r, 0.0)))
    bound += float(np.sum(np.where(p > 0, bm.left_cap * p, bm.left_min * p)))
    bound += float(np.sum(np.where(q > 0, bm.right_cap * q, bm.right_min * q)))
    return worst, bound


# ----------------------------------------------------------------------------------------------
# Why a problem is infeasible


def _count(k: int, noun: str) -> str:
    return f"{k} {noun}" if k == 1 else f"{k} {noun}s"


def _names(side: str, idx: np.ndarray, limit: int = 12) -> str:
    idx = [int(v) for v in idx]
    shown = ", ".join(str(v) for v in idx[:limit])
    more = f" and {len(idx) - limit} more" if len(idx) > limit else ""
    word = "participant" if len(idx) == 1 else "participants"
    return f"{side} {word} {shown}{more}"


def diagnose_infeasible(bm: BMatching, *, min_pairs: int | None = None) -> Infeasible:
    """The simplest reason why the bounds of ``bm`` cannot all hold, as an :class:`Infeasible`.

    Checks, in order: a participant with more required pairs than its
    capacity; a participant whose minimum exceeds its number of allowed
    partners (with capacity); the sum of one side's minimums against the
    other side's capacities; then a Hall-type violation for a group of
    participants, found as a minimum cut of a max-flow network.  For a
    bipartite graph with unit pair capacities the feasibility conditions
    split into one family per side (Hoffman's circulation theorem), so a
    max flow per side finds every violation.
    """
    n, m = bm.shape
    req = bm.required
    lreq = np.bincount(bm.rows[req], minlength=n)
    rreq = np.bincount(bm.cols[req], minlength=m)
    for side, cnt, cap in (("left", lreq, bm.left_cap), ("right", rreq, bm.right_cap)):
        over = np.flatnonzero(cnt > cap)
        if len(over):
            k = int(over[0])
            msg = f"{side} participant {k} has {_count(int(cnt[k]), 'required partner')} but capacity {int(cap[k])}"
            return Infeasible(msg, [f"{side} participant {k}"], code="infeasible.required_over_capacity",
                              params={"side": side, "participant": k, "required": int(cnt[k]), "capacity": int(cap[k])})
    for side, group, other_cap, low in (
        ("left", bm.rows, bm.right_cap[bm.cols], bm.left_min),
        ("right", bm.cols, bm.left_cap[bm.rows], bm.right_min),
    ):
        size = n if side == "left" else m
        reachable = np.bincount(group[other_cap > 0], minlength=size)
        short = np.flatnonzero(low > reachable)
        if len(short):
            k = int(short[0])
            have = int(reachable[k])
            allowed = int(np.sum(group == k))
            noun = "partner exists" if have == 1 else "partners exist"
            full = "" if have == allowed else " with capacity above 0"
            msg = (
                f"{side} participant {k} needs at least {_count(int(low[k]), 'partner')} "
                f"but only {have} allowed {noun}{full}"
            )
            return Infeasible(msg, [f"{side} participant {k}"], code="infeasible.too_few_allowed",
                              params={"side": side, "participant": k, "minimum": int(low[k]), "allowed": have})
    for side, low, other, cap in (("left", bm.left_min, "right", bm.right_cap), ("right", bm.right_min, "left", bm.left_cap)):
        if low.sum() > cap.sum():
            msg = f"sum of {side} minimums ({int(low.sum())}) exceeds sum of {other} capacities ({int(cap.sum())})"
            return Infeasible(msg, [f"{side} minimums", f"{other} capacities"], code="infeasible.minimums_over_capacities",
                              params={"side": side, "other": other, "minimums": int(low.sum()), "capacities": int(cap.sum())})
    for side in ("left", "right"):
        found = _hall_violation(bm, side)
        if found is not None:
            return found
    if min_pairs is not None:
        return Infeasible(
            f"at least {min_pairs} pairs are required but the capacities and allowed pairs admit fewer",
            ["number of pairs"],
            code="infeasible.min_pairs",
            params={"min_pairs": min_pairs},
        )
    return Infeasible("the bounds cannot all hold", [])  # pragma: no cover - the checks above are complete


def _hall_violation(bm: BMatching, side: str) -> Infeasible | None:
    """A group on ``side`` whose minimums the other side cannot serve (min cut of a max flow)."""
    n, m = bm.shape
    req = bm.required
    free = ~req
    if side == "left":
        own, other, own_n, other_n = bm.rows, bm.cols, n, m
        low, other_cap = bm.left_min, bm.right_cap
        other_side = "right"
    else:
        own, other, own_n, other_n = bm.cols, bm.rows, m, n
        low, other_cap = bm.right_min, bm.left_cap
        other_side = "left"
    # required pairs are fixed: they serve part of the minimums and use part of the capacities
    need = np.maximum(low - np.bincount(own[req], minlength=own_n), 0)
    room = other_cap - np.bincount(other[req], minlength=other_n)
    if need.sum() == 0:
        return None
    source, sink = 0, own_n + other_n + 1
    heads = np.concatenate([np.full(own_n, source), 1 + own[free], 1 + own_n + np.arange(other_n)])
    tails = np.concatenate([1 + np.arange(own_n), 1 + own_n + other[free], np.full(other_n, sink)])
    caps = np.concatenate([need, np.ones(int(free.sum()), dtype=np.int64), room]).astype(np.int32)
    size = own_n + other_n + 2
    graph = sp.csr_array((caps, (heads, tails)), shape=(size, size))
    graph.sum_duplicates()
    flow = maximum_flow(graph, source, sink, method="dinic")
    if flow.flow_value >= need.sum():
        return None
    residual = (sp.csr_array(graph, dtype=np.int64) - sp.csr_array(flow.flow, dtype=np.int64)).tocsr()
    residual.data[residual.data < 0] = 0
    residual.eliminate_zeros()
    reach = breadth_first_order(residual, source, directed=True, return_predecessors=False)
    on_source = np.zeros(size, dtype=bool)
    on_source[reach] = True
    group = np.flatnonzero(on_source[1 : own_n + 1] & (need > 0))
    in_group = np.zeros(own_n, dtype=bool)
    in_group[group] = True
    edges = free & in_group[own]
    neighbours = np.unique(other[edges])
    saturated = neighbours[on_source[1 + own_n + neighbours]]
    is_sat = np.zeros(other_n, dtype=bool)
    is_sat[saturated] = True
    loose_pairs = int(np.sum(edges & ~is_sat[other]))
    total_need = int(need[group].sum())
    capacity = int(room[saturated].sum())
    possible = capacity + loose_pairs
    extra = ""
    if req.any() and np.any(np.bincount(own[req], minlength=own_n)[group] > 0):
        extra = " (beyond their required pairs)"
    what = _names(side, group)
    verb = "needs" if len(group) == 1 else "need"
    if len(neighbours) == 0:
        msg = f"{what} {verb} at least {_count(total_need, 'partner')} in total{extra}, but no allowed partner has free capacity"
    elif loose_pairs == 0:
        msg = (
            f"{what} {verb} at least {_count(total_need, 'partner')} in total{extra}, but their only allowed partners, "
            f"{_names(other_side, saturated)}, can take at most {capacity} in total"
        )
    else:
        msg = (
            f"{what} {verb} at least {_count(total_need, 'partner')} in total{extra}, but at most {possible} are possible: "
            f"{_names(other_side, saturated)} can take at most {capacity} of them and the other "
            f"{loose_pairs} allowed pair(s) add at most {loose_pairs}"
        )
    return Infeasible(msg, [f"{side} participant {int(k)}" for k in group] + [f"{other_side} participant {int(k)}" for k in saturated],
                      code="infeasible.group_short",
                      params={"side": side, "participants": [int(k) for k in group], "need": total_need,
                              "possible": 0 if len(neighbours) == 0 else possible})


# ----------------------------------------------------------------------------------------------
# The public solver


def solve_capacitated(
    scores: Any,
    *,
    left_capacity: Any,
    right_capacity: Any,
    left_min: Any = None,
    right_min: Any = None,
    forbidden: Any = None,
    required: Any = None,
    maximize: bool = True,
) -> MatchResult:
    """Optimal many-to-many matching with capacities, minimums, vetoes and must-pairs.

    Every allowed pair is used at most once; each participant gets between
    its minimum and its capacity partners.  With ``maximize=True`` a pair of
    negative score is used only when a minimum or a required pair needs it,
    and a pair of score exactly 0 is dropped whenever no bound needs it (it
    does not change the objective); with ``maximize=False`` the same holds
    for positive scores.

    Parameters
    ----------
    scores : array-like of shape (n_left, n_right) or scipy.sparse matrix
        Benefit of every pair.  Sparse: missing entries are impossible pairs.
    left_capacity, right_capacity : int, float('inf') or array-like of int
        Largest number of partners of each left / right participant (a
        scalar applies to all; ``inf`` means no limit).
    left_min, right_min : None, int or array-like of int
        Smallest number of partners (default 0).  Must not exceed the capacity.
    forbidden : None, bool mask or iterable of (left, right) pairs
        Pairs that may not be matched (vetoes, conflicts of interest).
    required : None, bool mask or iterable of (left, right) pairs
        Pairs that must be in the result (explicit wishes fixed by the organizer).
    maximize : bool
        Maximize the total score (default) or minimize it.

    Returns
    -------
    MatchResult
        ``status`` OPTIMAL, ``solver`` ``"ssp-flow+pricing"`` (no minimums:
        successive shortest paths) or ``"highs-lp+pricing"`` (minimums: the
        LP), and a
        :class:`DualCertificate` whose potentials ``p`` (left) and ``q``
        (right) are in the units of ``scores``.  With the reduced cost
        ``r_ij = s_ij - p_i - q_j`` (maximization; minimization flips every
        sign below):

        * every matched pair that is not required has ``r_ij >= 0`` and
          every unmatched allowed pair has ``r_ij <= 0`` (the per-pair
          bound ``x_ij <= 1`` carries the dual ``max(r_ij, 0)``);
        * ``p_i > 0`` only if participant ``i`` is at its capacity and
          ``p_i < 0`` only if it is at its minimum (a potential is 0 for a
          participant strictly between its bounds);
        * the dual bound ``sum_pairs max(r_ij, 0) (r_ij on required pairs)
          + sum_i (cap_i p_i if p_i > 0 else min_i p_i) + (same for j)``
          bounds the objective of every feasible matching and equals the
          objective here.

        ``max_violation`` is the largest violation of the first two rules
        over all ``pairs_checked`` allowed pairs; ``info`` holds
        ``dual_bound``, ``lp_variables`` (pairs in the last LP) and
        ``n_allowed_pairs``.  For one-to-one problems with minimums 0 this
        is the usual assignment certificate ``p_i + q_j >= s_ij`` with
        equality on matched pairs.  :func:`matching.solvers.verify_duals`
        checks it independently.

    Raises
    ------
    matching.errors.InvalidInput
        Malformed scores, capacities of the wrong shape, negative or
        fractional, a minimum above its capacity, a required pair that is
        forbidden or not allowed, or pairs out of range.
    matching.errors.Infeasible
        The bounds cannot all hold; the message names the smallest conflict
        found (one participant, the sums of a side, or a group found by a
        minimum cut) and ``culprits`` lists the participants involved.

    Examples
    --------
    >>> r = solve_capacitated([[3, 1], [2, 0], [1, 3]], left_capacity=1, right_capacity=2)
    >>> r.pairs.tolist(), r.objective
    ([[0, 0], [1, 0], [2, 1]], 8.0)

    References
    ----------
    A. Schrijver, *Combinatorial Optimization*, ch. 21 (b-matchings in
    bipartite graphs; total unimodularity).  A. J. Hoffman, "Some recent
    applications of the theory of linear inequalities to extremal
    combinatorial analysis" (1960) for the circulation feasibility condition.
    """
    return _solve(scores, left_capacity=left_capacity, right_capacity=right_capacity, left_min=left_min,
                  right_min=right_min, forbidden=forbidden, required=required, maximize=maximize, pricing=None)


def solve_given_pairs(scores: sp.csr_array, *, warm: FlowWarmStart | None = None, **bounds: Any) -> MatchResult:
    """:func:`solve_capacitated` over every stored pair of the sparse ``scores`` at once, without its own pricing.

    For a caller whose pairs are already a priced candidate subset of a
    larger problem (:func:`matching.solvers.solve_factors`): one solve of
    the given pairs instead of a nested candidate-and-pricing loop over them.
    The caller's pricing loop passes the same ``warm``
    (:class:`._flow.FlowWarmStart`) to every round, whose pairs include the
    previous round's (same bounds, same required pairs): each round's flow
    then starts from the previous one and only searches again for the
    participants that the new pairs concern.
    """
    return _solve(scores, pricing=False, warm=warm, **bounds)


def _solve(scores: Any, *, left_capacity: Any, right_capacity: Any, left_min: Any = None, right_min: Any = None,
           forbidden: Any = None, required: Any = None, maximize: bool = True, pricing: bool | None,
           warm: FlowWarmStart | None = None) -> MatchResult:
    start = time.perf_counter()
    si, bm = prepare(
        scores, left_capacity=left_capacity, right_capacity=right_capacity, left_min=left_min,
        right_min=right_min, forbidden=forbidden, required=required, maximize=maximize,
    )
    sol = solve_bmatching(bm, pricing=pricing, warm=warm)
    worst, bound = sol.max_violation, sol.dual_bound
    sign = 1.0 if maximize else -1.0
    pairs = np.column_stack([bm.rows[sol.chosen], bm.cols[sol.chosen]])
    cert = DualCertificate(
        left_potential=sign * sol.left_potential,
        right_potential=sign * sol.right_potential,
        max_violation=worst,
        pairs_checked=bm.n_pairs,
        pricing_rounds=sol.rounds,
    )
    return MatchResult(
        pairs=pairs,
        objective=si.total(pairs),
        status=Status.OPTIMAL,
        solver=f"{sol.method}+pricing",
        wall_time=time.perf_counter() - start,
        shape=si.shape,
        maximize=maximize,
        certificate=cert,
        info={"dual_bound": sign * bound, "lp_variables": sol.lp_variables, "n_allowed_pairs": bm.n_pairs},
    )
