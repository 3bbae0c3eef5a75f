"""Why a requested meeting is not in the timetable."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ._problem import FairProblem, Meeting, Unplaced

__all__ = ["unplaced_reasons"]


def unplaced_reasons(problem: FairProblem, meetings: Sequence[Meeting]) -> tuple[Unplaced, ...]:
    """One :class:`Unplaced` per requested candidate not placed, with the first reason that applies.

    Reasons, in this order: the pair met in an earlier round; it needs a
    table kind the fair lacks; the two have no common available slot (at
    or after ``first_slot``); one side is fully booked; their free slots
    (or the free tables) do not line up; the score is not positive; else
    higher-scoring meetings were preferred (table capacity, fairness).
    """
    from ._bound import participant_capacity

    placed = np.zeros(problem.n_candidates, dtype=bool)
    length = problem.meeting_length
    left_busy = np.zeros((problem.n_left, problem.n_slots), dtype=bool)
    right_busy = np.zeros((problem.n_right, problem.n_slots), dtype=bool)
    class_used = np.zeros((len(problem.class_capacity), problem.n_slots))
    left_count = np.zeros(problem.n_left, dtype=np.int64)
    right_count = np.zeros(problem.n_right, dtype=np.int64)
    index = problem.candidate_indices([m.left for m in meetings], [m.right for m in meetings])
    for m, c in zip(meetings, index.tolist()):
        placed[c] = True
        w = slice(m.slot, m.slot + length)
        left_busy[m.left, w] = True
        right_busy[m.right, w] = True
        class_used[problem.table_class[c], w] += 1
        left_count[m.left] += 1
        right_count[m.right] += 1
    left_cap, right_cap = participant_capacity(problem)
    todo = np.flatnonzero(problem.requested & ~placed)
    if not len(todo):
        return ()
    left, right, cls = problem.left[todo], problem.right[todo], problem.table_class[todo]
    starts = problem.candidate_starts[todo]
    any_start = starts.any(axis=1)
    past = problem.past_mask[todo]
    left_full = left_count[left] >= left_cap[left]
    right_full = right_count[right] >= right_cap[right]
    free = np.zeros(len(todo), dtype=bool)
    cfree = class_used < problem.class_capacity[:, None]
    for s in range(problem.n_slots - length + 1):
        w = slice(s, s + length)
        ok = starts[:, s] & (~left_busy[:, w]).all(axis=1)[left] & (~right_busy[:, w]).all(axis=1)[right]
        ok &= cfree[:, w].all(axis=1)[np.maximum(cls, 0)]
        free |= ok
    score = problem.score[todo]
    code = np.select([past, cls < 0, ~any_start, left_full, right_full, ~free, score <= 0],
                     [0, 1, 2, 3, 4, 5, 6], default=7)
    fixed = {0: "met in an earlier round",
             2: "no common available slot" + (" left" if problem.first_slot else ""),
             5: "no common free slot (their free slots, or free tables, do not line up)",
             6: "score is not positive",
             7: "not chosen (higher-scoring meetings or fairness took the places)"}
    booked_left: dict[int, str] = {}
    booked_right: dict[int, str] = {}
    out = []
    for n, (c, a, b, k) in enumerate(zip(todo.tolist(), left.tolist(), right.tolist(), code.tolist())):
        if k == 3:
            reason = booked_left.get(a)
            if reason is None:
                reason = booked_left[a] = f"fully booked ({problem.label('left', a)} has {int(left_count[a])} meetings, all it can take)"
        elif k == 4:
            reason = booked_right.get(b)
            if reason is None:
                reason = booked_right[b] = f"fully booked ({problem.label('right', b)} has {int(right_count[b])} meetings, all it can take)"
        elif k == 1:
            reason = f"needs an interpreter for {problem.interpreter[c]!r} and the fair has no such table"
        else:
            reason = fixed[k]
        out.append(Unplaced(a, b, float(score[n]), reason))
    return tuple(out)
