"""Fast planning for large fairs: select by LP, place, repair, backfill.

1. **Select**: the capacitated selection LP (see :mod:`._bound`) over a
   pruned candidate set (each participant's best ``prune x capacity + 5``
   candidates) picks which meetings to hold, ignoring slots.
2. **Place**: exhibitors, most constrained first, get their selected
   meetings assigned to free common slots by a small assignment problem
   (:func:`scipy.optimize.linear_sum_assignment`) per exhibitor.
3. **Repair**: a meeting that found no slot takes one where its two sides
   are blocked by movable meetings, which are moved to other free slots
   (depth-one Kempe-style exchanges).
4. **Cover**: participants below their minimum (or priority participants
   without a meeting) get one, evicting a partner's weakest meeting when
   needed.
5. **Backfill and improve**: free slots are filled greedily by score from
   all candidates, then single swaps replace an exhibitor's weakest meeting
   by a better one where that raises the total.

The gap is measured against :func:`._bound.dual_bound` evaluated at the
LP's duals, a bound valid for the full (unpruned) problem.
"""

from __future__ import annotations

import time

import numpy as np
from scipy.optimize import linear_sum_assignment

from ..solvers import Status
from ._bound import dual_bound, participant_capacity, selection_lp
from ._groups import Grouped
from ._place import Occupancy, assign_tables, bits
from ._problem import FairProblem, Timetable, make_timetable

__all__ = ["plan_heuristic", "plan_greedy"]


class _Planner:
    def __init__(self, problem: FairProblem, prune: float):
        self.p = problem
        self.occ = Occupancy(problem)
        self.cs = problem.candidate_starts
        self.fixed: set[int] = set()
        for lock in problem.locked:
            c = problem.candidate_index(lock.left, lock.right)
            self.occ.add(c, lock.slot)
            self.fixed.add(c)
        self.viable = self.cs.any(axis=1) & (problem.score > 0)
        self.viable[list(self.fixed)] = True
        self.prune = prune
        self.info: dict[str, float] = {}

    # ----------------------------------------------------------- select
    def select(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        p = self.p
        lcap, rcap = participant_capacity(p)
        idx = np.flatnonzero(self.viable)
        keep_l = Grouped(p.left[idx], p.n_left).top(p.score[idx], (self.prune * lcap + 5).astype(np.int64))
        keep_r = Grouped(p.right[idx], p.n_right).top(p.score[idx], (self.prune * rcap + 5).astype(np.int64))
        pool = idx[keep_l | keep_r]
        pool = np.union1d(pool, np.fromiter(self.fixed, dtype=np.int64, count=len(self.fixed)))
        weight = 0.0
        if p.left_priority.any() or p.right_priority.any():
            weight = 1.0 + float(p.score[pool].max(initial=0.0))
        chosen, u, v, w, value = selection_lp(p, pool, priority_weight=weight)
        if weight:  # these duals price coverage too: start the bound from scratch
            u, v, w = None, None, None
        self.info.update(pool=len(pool), lp_value=value)
        return chosen, u, v, w

    # ------------------------------------------------------------ place
    def place(self, chosen: np.ndarray) -> list[int]:
        p, occ = self.p, self.occ
        todo = [int(c) for c in chosen if int(c) not in self.fixed]
        by_left: dict[int, list[int]] = {}
        for c in todo:
            by_left.setdefault(int(p.left[c]), []).append(c)
        free_windows = p.left_starts.sum(axis=1)
        order = sorted(by_left, key=lambda a: -len(by_left[a]) / max(1, free_windows[a]))
        failed = []
        cap = p.class_capacity
        for a in order:
            meetings = by_left[a]
            if p.meeting_length == 1:
                weight = np.full((len(meetings), p.n_slots), -1e6)
                for r, c in enumerate(meetings):
                    k = p.table_class[c]
                    for s in occ.free_starts(c):
                        load = 0.0 if np.isinf(cap[k]) else occ.class_used[k][s] / cap[k]
                        weight[r, s] = 1.0 - 0.01 * load
                rows, cols = linear_sum_assignment(weight, maximize=True)
                assigned = set()
                for r, s in zip(rows, cols):
                    if weight[r, s] > 0:
                        occ.add(meetings[r], int(s))
                        assigned.add(r)
                failed += [c for r, c in enumerate(meetings) if r not in assigned]
            else:
                for c in sorted(meetings, key=lambda c: len(occ.free_starts(c))):
                    starts = occ.free_starts(c)
                    if starts:
                        occ.add(c, occ.best_start(c, starts))
                    else:
                        failed.append(c)
        return failed

    # ----------------------------------------------------------- repair
    def try_insert(self, c: int) -> bool:
        """Place ``c`` in a free slot, or move up to two blocking meetings away to make room."""
        occ = self.occ
        if not occ.has_room(c):
            return False
        free = occ.free_starts(c)
        if free:
            occ.add(c, occ.best_start(c, free))
            return True
        starts = bits(occ.starts_mask(c))
        for s in starts:
            blocking = occ.blockers(c, s)
            if not blocking or len(blocking) > 2 or blocking & self.fixed:
                continue
            saved = {b: occ.remove(b) for b in blocking}
            if occ.fits(c, s):
                occ.add(c, s)
                moved = []
                for b in blocking:
                    free = occ.free_starts(b)
                    if not free:
                        break
                    occ.add(b, occ.best_start(b, free))
                    moved.append(b)
                if len(moved) == len(blocking):
                    return True
                for b in moved:
                    occ.remove(b)
                occ.remove(c)
            for b, t in saved.items():
                occ.add(b, t)
        return False

    def repair(self, failed: list[int]) -> None:
        for c in sorted(failed, key=lambda c: -self.p.score[c]):
            self.try_insert(c)

    # ------------------------------------------------------------ cover
    def _deficient(self) -> list[tuple[str, int]]:
        p, occ = self.p, self.occ
        out = []
        for side, count, lo, prio in (("left", occ.left_count, p.left_min, p.left_priority),
                                      ("right", occ.right_count, p.right_min, p.right_priority)):
            count = np.asarray(count)
            need = (count < lo) | (prio & (count == 0))
            out += [(side, int(q)) for q in np.flatnonzero(need)]
        return out

    def cover(self) -> None:
        p, occ = self.p, self.occ
        deficient = self._deficient()
        if not deficient:
            return
        possible = np.flatnonzero(self.cs.any(axis=1))
        lists = {}
        for side, own in (("left", p.left), ("right", p.right)):
            order = possible[np.lexsort((-p.score[possible], own[possible]))]
            cut = np.searchsorted(own[order], np.arange((p.n_left if side == "left" else p.n_right) + 1))
            lists[side] = (order, cut)
        for side, q in deficient:
            order, cut = lists[side]
            mine = order[cut[q]:cut[q + 1]]
            count = occ.left_count if side == "left" else occ.right_count
            target = max(int((p.left_min if side == "left" else p.right_min)[q]), 1)
            tries = 0
            for c in mine.tolist():
                if count[q] >= target or tries >= 3:
                    break
                if c in occ.start:
                    continue
                tries += 1
                if self.try_insert(c):
                    continue
                if self._evict_for_table(c):
                    continue
                # Evict the partner's weakest movable meeting whose other side keeps its minimum.
                partner_is_right = side == "left"
                partner = int(p.right[c] if partner_is_right else p.left[c])
                at = occ.right_at if partner_is_right else occ.left_at
                theirs = {at.get((partner, t)) for t in range(p.n_slots)} - {None} - self.fixed
                for m in sorted(theirs, key=lambda m: p.score[m])[:3]:
                    other = int(p.left[m] if partner_is_right else p.right[m])
                    other_count = occ.left_count if partner_is_right else occ.right_count
                    other_min = p.left_min if partner_is_right else p.right_min
                    other_prio = p.left_priority if partner_is_right else p.right_priority
                    if other_count[other] - 1 < max(other_min[other], int(other_prio[other])):
                        continue
                    t = occ.remove(m)
                    if self.try_insert(c):
                        break
                    occ.add(m, t)

    def _spare(self, m: int) -> bool:
        """Can meeting ``m`` go without pushing either side below its minimum (or a priority side to zero)?"""
        p, occ = self.p, self.occ
        a, b = int(p.left[m]), int(p.right[m])
        return (m not in self.fixed
                and occ.left_count[a] - 1 >= max(p.left_min[a], int(p.left_priority[a]))
                and occ.right_count[b] - 1 >= max(p.right_min[b], int(p.right_priority[b])))

    def _evict_for_table(self, c: int) -> bool:
        """Place ``c`` where both sides are free but the tables are full, evicting the weakest spare meeting."""
        p, occ = self.p, self.occ
        if not occ.has_room(c):
            return False
        a, b, k = int(p.left[c]), int(p.right[c]), int(p.table_class[c])
        window = (1 << p.meeting_length) - 1
        busy = occ.left_mask[a] | occ.right_mask[b]
        for s in bits(occ.starts_mask(c)):
            if (busy >> s) & window:
                continue
            victims = set()
            for t in range(s, s + p.meeting_length):
                if (occ.class_full[k] >> t) & 1:
                    spare = [m for m in occ.class_at.get((k, t), ()) if m not in victims and self._spare(m)]
                    if not spare:
                        break
                    victims.add(min(spare, key=lambda m: p.score[m]))
            else:
                saved = {m: occ.remove(m) for m in victims}
                if occ.fits(c, s):
                    occ.add(c, s)
                    return True
                for m, t in saved.items():
                    occ.add(m, t)
        return False

    # --------------------------------------------------------- backfill
    def backfill(self) -> None:
        p, occ = self.p, self.occ
        placed = np.zeros(p.n_candidates, dtype=bool)
        placed[list(occ.start)] = True
        left_count, right_count = occ.counts()
        room_l = left_count < p.left_max
        room_r = right_count < p.right_max
        idx = np.flatnonzero(self.viable & ~placed & room_l[p.left] & room_r[p.right] & (p.score > 0))
        if not len(idx):
            return
        length = p.meeting_length
        lfree, rfree = ~occ.left_busy, ~occ.right_busy
        cfree = occ.class_free
        any_free = np.zeros(len(idx), dtype=bool)
        for s in range(p.n_slots - length + 1):
            w = slice(s, s + length)
            ok = self.cs[idx, s] & lfree[:, w].all(axis=1)[p.left[idx]] & rfree[:, w].all(axis=1)[p.right[idx]]
            ok &= cfree[:, w].all(axis=1)[np.maximum(p.table_class[idx], 0)]
            any_free |= ok
        idx = idx[any_free]
        for c in idx[np.argsort(-p.score[idx], kind="stable")].tolist():
            if occ.has_room(c):
                free = occ.free_starts(c)
                if free:
                    occ.add(c, occ.best_start(c, free))

    # ---------------------------------------------------------- improve
    def improve(self, passes: int = 2) -> None:
        """Swap an exhibitor's weakest meeting for a better unplaced candidate where the total rises."""
        p, occ = self.p, self.occ
        order = np.lexsort((-p.score, p.left))
        bounds = np.searchsorted(p.left[order], np.arange(p.n_left + 1))
        for _ in range(passes):
            gained = 0
            for a in range(p.n_left):
                mine = [m for m in (occ.left_at.get((a, t)) for t in range(p.n_slots)) if m is not None]
                mine = sorted(set(mine) - self.fixed, key=lambda m: p.score[m])
                if not mine:
                    continue
                weakest = mine[0]
                tried = 0
                for c in order[bounds[a]:bounds[a + 1]].tolist():
                    if p.score[c] <= p.score[weakest] + 1e-12 or tried >= 5:
                        break
                    if c in occ.start or not self.viable[c]:
                        continue
                    b = int(p.right[c])
                    if occ.right_count[b] >= p.right_max[b]:
                        continue
                    tried += 1
                    if occ.left_count[a] - 1 < p.left_min[a]:
                        break
                    t = occ.remove(weakest)
                    partner = int(p.right[weakest])
                    if occ.right_count[partner] < max(p.right_min[partner], int(p.right_priority[partner])) or not self.try_insert(c):
                        occ.add(weakest, t)
                        continue
                    gained += 1
                    break
            if not gained:
                break


def plan_heuristic(problem: FairProblem, *, prune: float = 3.0, improve: bool = False) -> Timetable:
    """Plan a large fair fast and report the gap to a proven upper bound.

    Parameters
    ----------
    problem : FairProblem
    prune : float
        Each participant keeps its ``prune x capacity + 5`` best candidates
        for the selection LP (backfill and the bound use all candidates).
    improve : bool
        Run the swap local search (slower; gains are usually tiny).

    Returns
    -------
    Timetable
        Status ``feasible`` (``optimal`` when the gap is 0).
    """
    t0 = time.perf_counter()
    planner = _Planner(problem, prune)
    times = {}
    chosen, u, v, w = planner.select()
    times["select_s"] = time.perf_counter() - t0
    failed = planner.place(chosen)
    planner.info["placement_failures"] = len(failed)
    planner.repair(failed)
    planner.cover()
    planner.backfill()
    if improve:
        before = sum(problem.score[c] for c in planner.occ.start)
        planner.improve()
        planner.info["improve_gain"] = float(sum(problem.score[c] for c in planner.occ.start) - before)
        planner.backfill()
    times["place_s"] = time.perf_counter() - t0 - times["select_s"]
    t1 = time.perf_counter()
    bound = dual_bound(problem, u, v, w)
    times["bound_s"] = time.perf_counter() - t1
    placed = assign_tables(problem, planner.occ.start)
    value = float(problem.score[list(planner.occ.start)].sum()) if planner.occ.start else 0.0
    status = Status.OPTIMAL if bound - value <= 1e-9 * max(1.0, abs(bound)) else Status.FEASIBLE
    info = {**planner.info, **{k: round(t, 4) for k, t in times.items()}}
    return make_timetable(problem, placed, upper_bound=bound, status=status, solver="lp-select-place-repair",
                          wall_time=time.perf_counter() - t0, info=info)


def plan_greedy(problem: FairProblem) -> Timetable:
    """Baseline: candidates by falling score, each in its first free slot.

    Respects every constraint (locks first) but ignores minimums and
    priorities; the gap is to the same bound as :func:`plan_heuristic`.
    It is the peer the benchmark compares against.
    """
    t0 = time.perf_counter()
    occ = Occupancy(problem)
    for lock in problem.locked:
        occ.add(problem.candidate_index(lock.left, lock.right), lock.slot)
    viable = np.flatnonzero(problem.candidate_starts.any(axis=1) & (problem.score > 0))
    for c in viable[np.argsort(-problem.score[viable], kind="stable")].tolist():
        if c not in occ.start and occ.has_room(c):
            free = occ.free_starts(c)
            if free:
                occ.add(c, occ.best_start(c, free))
    bound = dual_bound(problem)
    placed = assign_tables(problem, occ.start)
    return make_timetable(problem, placed, upper_bound=bound, status=Status.FEASIBLE, solver="greedy",
                          wall_time=time.perf_counter() - t0)
