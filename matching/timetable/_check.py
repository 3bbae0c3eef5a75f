"""An independent checker of timetables.

It reads only the raw fields of the problem (availability, slot times,
tables, candidates, locks, past pairs, min/max) and the meetings of the
timetable; it shares no code with the planners, so a planner bug cannot
hide behind it.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from ._problem import FairProblem, Timetable

__all__ = ["check_timetable"]


def check_timetable(problem: FairProblem, timetable: Timetable, *, check_min: bool = True) -> list[str]:
    """Every rule the timetable breaks, in words; empty when it is valid.

    Checks: each meeting is a candidate pair with its score, not a pair that
    met before and not repeated; it lies inside the slots on back-to-back
    slots where both participants are available; nobody has two meetings in
    one slot; tables exist, are of the kind the pair needs and hold one
    meeting per slot; at most ``tables`` meetings per slot; locked meetings
    are there, where they were locked; meetings per participant are within
    min and max; the objective is the sum of the scores and does not exceed
    the upper bound; no new meeting starts before ``first_slot``.

    Parameters
    ----------
    problem : FairProblem
    timetable : Timetable
    check_min : bool
        Also check the minimum number of meetings per participant.

    Returns
    -------
    list of str
    """
    problems: list[str] = []
    n_slots = len(problem.slots)
    length = problem.meeting_length
    candidates = {(int(a), int(b)): float(s) for a, b, s in zip(problem.left, problem.right, problem.score)}
    interpreter = {(int(a), int(b)): lang for a, b, lang in zip(problem.left, problem.right, problem.interpreter)}
    past = {(int(a), int(b)) for a, b in problem.past_pairs}
    left_busy: dict[tuple[int, int], tuple[int, int]] = {}
    right_busy: dict[tuple[int, int], tuple[int, int]] = {}
    table_busy: dict[tuple[str, int], tuple[int, int]] = {}
    per_slot = Counter()
    seen_pairs: set[tuple[int, int]] = set()
    left_count = np.zeros(problem.n_left, dtype=int)
    right_count = np.zeros(problem.n_right, dtype=int)

    tables = problem.tables
    named = {} if tables is None or isinstance(tables, int) else {t.name: t for t in tables}
    if isinstance(tables, int):
        named = {f"T{k + 1}": None for k in range(tables)}
    booth_owners = {t.fixed_to for t in named.values() if t is not None and t.kind == "booth"}

    total = 0.0
    for m in timetable.meetings:
        pair = (m.left, m.right)
        what = f"meeting {problem.label('left', m.left)}-{problem.label('right', m.right)} at slot {m.slot}"
        if pair not in candidates:
            problems.append(f"{what}: not a candidate pair")
        elif abs(candidates[pair] - m.score) > 1e-9:
            problems.append(f"{what}: score {m.score} differs from the candidate's {candidates[pair]}")
        total += m.score
        if pair in past:
            problems.append(f"{what}: this pair met in an earlier round")
        if pair in seen_pairs:
            problems.append(f"{what}: the pair meets twice")
        seen_pairs.add(pair)
        if not 0 <= m.slot <= n_slots - length:
            problems.append(f"{what}: start slot out of range")
            continue
        covered = range(m.slot, m.slot + length)
        for t in covered[:-1]:
            a, b = problem.slots[t], problem.slots[t + 1]
            if a.end is not None and b.start is not None and a.end != b.start:
                problems.append(f"{what}: spans slots {t} and {t + 1}, which are not back to back")
        left_count[m.left] += 1
        right_count[m.right] += 1
        for t in covered:
            if not problem.left_available[m.left, t]:
                problems.append(f"{what}: left participant not available in slot {t}")
            if not problem.right_available[m.right, t]:
                problems.append(f"{what}: right participant not available in slot {t}")
            if (m.left, t) in left_busy:
                problems.append(f"{what}: left participant double-booked in slot {t} (also meets {left_busy[m.left, t]})")
            left_busy[m.left, t] = pair
            if (m.right, t) in right_busy:
                problems.append(f"{what}: right participant double-booked in slot {t} (also meets {right_busy[m.right, t]})")
            right_busy[m.right, t] = pair
            if tables is not None:
                if (m.table, t) in table_busy:
                    problems.append(f"{what}: table {m.table!r} holds two meetings in slot {t}")
                table_busy[m.table, t] = pair
            per_slot[t] += 1
        if tables is None:
            continue
        if m.table not in named:
            problems.append(f"{what}: table {m.table!r} does not exist")
            continue
        table = named[m.table]
        if table is None:
            continue
        need = interpreter.get(pair)
        if need:
            if table.kind != "interpreter" or table.language != need:
                problems.append(f"{what}: needs an interpreter table for {need!r}, got {table.kind} table {m.table!r}")
        elif table.kind == "interpreter":
            problems.append(f"{what}: needs no interpreter but sits at interpreter table {m.table!r}")
        elif table.kind == "booth" and table.fixed_to != m.left:
            problems.append(f"{what}: sits at the booth {m.table!r} of another exhibitor")
        elif table.kind == "general" and m.left in booth_owners:
            problems.append(f"{what}: the exhibitor has a booth but meets at general table {m.table!r}")

    if isinstance(tables, int):
        for t, n in per_slot.items():
            if n > tables:
                problems.append(f"slot {t}: {n} meetings for {tables} tables")

    locked_pairs = {(lk.left, lk.right) for lk in problem.locked}
    for m in timetable.meetings:
        if m.slot < problem.first_slot and (m.left, m.right) not in locked_pairs:
            problems.append(f"meeting {problem.label('left', m.left)}-{problem.label('right', m.right)} starts in slot "
                            f"{m.slot}, before the first slot still open ({problem.first_slot})")
    for lock in problem.locked:
        hits = [m for m in timetable.meetings if (m.left, m.right) == (lock.left, lock.right)]
        if not hits or hits[0].slot != lock.slot or (lock.table is not None and hits[0].table != lock.table):
            problems.append(f"locked meeting {lock} is not kept")

    for side, counts, lo, hi in (("left", left_count, problem.left_min, problem.left_max),
                                 ("right", right_count, problem.right_min, problem.right_max)):
        for p in np.flatnonzero(counts > hi):
            problems.append(f"{side} participant {problem.label(side, int(p))}: {counts[p]} meetings, max {hi[p]}")
        if check_min:
            for p in np.flatnonzero(counts < lo):
                problems.append(f"{side} participant {problem.label(side, int(p))}: {counts[p]} meetings, min {lo[p]}")

    if abs(total - timetable.objective) > 1e-6 * max(1.0, abs(total)):
        problems.append(f"objective {timetable.objective} is not the sum of the scores {total}")
    if timetable.upper_bound < timetable.objective - 1e-6 * max(1.0, abs(total)):
        problems.append(f"upper bound {timetable.upper_bound} is below the objective {timetable.objective}")
    return problems

