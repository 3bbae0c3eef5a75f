"""Re-planning on the day: no-shows, held and locked meetings, standby backfill."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Iterable, Literal

import numpy as np

from ..errors import FieldError, InvalidInput
from ._problem import LockedMeeting, Meeting, Timetable
from ._solve import plan_timetable

__all__ = ["Change", "Replan", "replan"]


@dataclass(frozen=True)
class Change:
    """What changed for one participant: a meeting cancelled, moved or added."""

    side: Literal["left", "right"]
    participant: int
    kind: Literal["cancelled", "moved", "added"]
    partner: int
    before: Meeting | None
    after: Meeting | None


@dataclass(frozen=True)
class Replan:
    """A re-planned timetable and every change, per participant."""

    timetable: Timetable
    changes: tuple[Change, ...]

    def by_participant(self) -> dict[str, dict[str, list[str]]]:
        """``{participant label: {"cancelled": [...], "moved": [...], "added": [...]}}`` in words."""
        problem = self.timetable.problem
        out: dict[str, dict[str, list[str]]] = {}
        for ch in self.changes:
            other = "right" if ch.side == "left" else "left"
            entry = out.setdefault(problem.label(ch.side, ch.participant), {"cancelled": [], "moved": [], "added": []})
            partner = problem.name(other, ch.partner)

            def where(m: Meeting | None) -> str:
                return "" if m is None else f"{problem.slots[m.slot].id}@{m.table}"

            if ch.kind == "moved":
                entry["moved"].append(f"{partner}: {where(ch.before)} -> {where(ch.after)}")
            else:
                entry[ch.kind].append(f"{partner}: {where(ch.before if ch.kind == 'cancelled' else ch.after)}")
        return out


def _participants(timetable: Timetable, no_shows: Iterable[Any]) -> tuple[set[int], set[int]]:
    problem = timetable.problem
    left_ids = {v: k for k, v in enumerate(problem.left_ids or ())}
    right_ids = {v: k for k, v in enumerate(problem.right_ids or ())}
    left, right = set(), set()
    for item in no_shows:
        if isinstance(item, tuple) and len(item) == 2 and item[0] in ("left", "right"):
            side, index = item
            n = problem.n_left if side == "left" else problem.n_right
            if not 0 <= int(index) < n:
                raise InvalidInput([FieldError("no_shows", item, f"{side} index out of range 0 .. {n - 1}")])
            (left if side == "left" else right).add(int(index))
        elif isinstance(item, str) and item in left_ids:
            left.add(left_ids[item])
        elif isinstance(item, str) and item in right_ids:
            right.add(right_ids[item])
        else:
            raise InvalidInput([FieldError("no_shows", item, "expected ('left', index), ('right', index) or a participant id of the fair")])
    return left, right


def replan(timetable: Timetable, *, no_shows: Iterable[Any] = (), now_slot: int, standby: Any = None,
           keep_future: bool = True, method: str = "auto", time_limit: float = 30.0, **options: Any) -> Replan:
    """Re-plan what has not happened yet.

    Rules:

    * meetings that started before ``now_slot`` are *held*: kept as they are;
    * locked meetings are kept, except those of a no-show (they cannot
      happen and are reported cancelled);
    * every other future meeting of a no-show is cancelled;
    * with ``keep_future=True`` (the default: printed agendas stay valid)
      all other future meetings stay where they are and only the freed
      slots are filled; with ``keep_future=False`` unlocked future meetings
      may move;
    * freed slots are filled from ``standby`` pairs and all other
      candidates, by the chosen method; minimums are not enforced any more.

    Parameters
    ----------
    timetable : Timetable
    no_shows : iterable
        ``("left", index)``, ``("right", index)`` or participant ids.
    now_slot : int
        The first slot that has not started.
    standby : (left, right, score) arrays or iterable of triples, optional
        Pairs waiting for a free slot; new pairs become candidates.
    keep_future : bool
    method, time_limit, **options
        Passed to :func:`plan_timetable`.

    Returns
    -------
    Replan
    """
    problem = timetable.problem
    if not 0 <= now_slot <= problem.n_slots:
        raise InvalidInput([FieldError("now_slot", now_slot, f"expected 0 .. {problem.n_slots}")])
    gone_left, gone_right = _participants(timetable, no_shows)
    locked_pairs = {(lk.left, lk.right) for lk in problem.locked}
    keep: list[LockedMeeting] = []
    for m in timetable.meetings:
        gone = m.left in gone_left or m.right in gone_right
        if m.slot < now_slot:
            keep.append(LockedMeeting(m.left, m.right, m.slot, m.table))
        elif gone:
            continue
        elif (m.left, m.right) in locked_pairs or keep_future:
            keep.append(LockedMeeting(m.left, m.right, m.slot, m.table))

    left_available = problem.left_available.copy()
    right_available = problem.right_available.copy()
    left_available[sorted(gone_left), now_slot:] = False
    right_available[sorted(gone_right), now_slot:] = False
    for m in timetable.meetings:  # a held meeting may run past now_slot
        if m.slot < now_slot:
            covered = slice(m.slot, m.slot + problem.meeting_length)
            left_available[m.left, covered] |= problem.left_available[m.left, covered]
            right_available[m.right, covered] |= problem.right_available[m.right, covered]

    left, right, score = problem.left, problem.right, problem.score
    interpreter, requested = list(problem.interpreter), problem.requested.copy()
    if standby is not None:
        if isinstance(standby, tuple) and len(standby) == 3 and all(hasattr(a, "__len__") for a in standby):
            s_left, s_right, s_score = (np.asarray(a) for a in standby)
        else:
            rows = list(standby)
            s_left = np.array([r[0] for r in rows], dtype=np.int64)
            s_right = np.array([r[1] for r in rows], dtype=np.int64)
            s_score = np.array([r[2] for r in rows], dtype=float)
        found = problem.candidate_indices(s_left, s_right)
        requested[found[found >= 0]] = True
        new = found < 0
        left = np.concatenate([left, s_left[new].astype(np.int64)])
        right = np.concatenate([right, s_right[new].astype(np.int64)])
        score = np.concatenate([score, s_score[new].astype(float)])
        interpreter += [None] * int(new.sum())
        requested = np.concatenate([requested, np.ones(int(new.sum()), dtype=bool)])
    fresh = problem.replace(
        left=left, right=right, score=score, interpreter=interpreter, requested=requested,
        left_available=left_available, right_available=right_available,
        locked=tuple(keep), first_slot=now_slot, left_min=0, right_min=0,
    )
    new_timetable = plan_timetable(fresh, method=method, time_limit=time_limit, **options)
    # A no-show's meetings are not placed because they cannot happen, not for want of a slot.
    unplaced = tuple(
        dataclasses.replace(u, reason="no-show") if u.left in gone_left or u.right in gone_right else u
        for u in new_timetable.unplaced
    )
    if unplaced != new_timetable.unplaced:
        new_timetable = dataclasses.replace(new_timetable, unplaced=unplaced)

    before = {(m.left, m.right): m for m in timetable.meetings}
    after = {(m.left, m.right): m for m in new_timetable.meetings}
    changes = []
    for pair in sorted(set(before) | set(after)):
        old, new_m = before.get(pair), after.get(pair)
        if old is not None and new_m is not None:
            if (old.slot, old.table) == (new_m.slot, new_m.table):
                continue
            kind = "moved"
        else:
            kind = "cancelled" if new_m is None else "added"
        changes.append(Change("left", pair[0], kind, pair[1], old, new_m))
        changes.append(Change("right", pair[1], kind, pair[0], old, new_m))
    return Replan(new_timetable, tuple(changes))
