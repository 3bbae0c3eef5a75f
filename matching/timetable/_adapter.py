"""From an :class:`~matching.model.Event` (profiles, rules) to a :class:`FairProblem`."""

from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np

from ..errors import FieldError, InvalidInput
from ._problem import FairProblem, LockedMeeting, Table, TimeSlot

__all__ = ["fair_problem_from_event", "interpreter_need"]


def interpreter_need(left_languages: Sequence[str], right_languages: Sequence[str], available: Sequence[str]) -> str | None:
    """The interpreter language a pair needs, or ``None`` when they share a language (or none helps).

    As in :class:`~matching.model.Round`: without a common language, a pair
    can meet with an interpreter when one side speaks Japanese and the other
    one of the interpreter languages.
    """
    if set(left_languages) & set(right_languages):
        return None
    for lang in available:
        if ("ja" in left_languages and lang in right_languages) or ("ja" in right_languages and lang in left_languages):
            return lang
    return None


def fair_problem_from_event(
    event: Any,
    scores: Any,
    forbidden: Any = None,
    round_index: int = 0,
    *,
    tables: int | Sequence[Table] | None = None,
    min_score: float = 0.0,
    locked: Iterable[tuple[str, str, str, str | None]] = (),
    past_pairs: Iterable[tuple[str, str]] = (),
    requested: str = "wishes",
) -> FairProblem:
    """Build the timetable problem of one round of an event.

    Parameters
    ----------
    event : matching.model.Event
    scores : array (n_left, n_right)
        Scores of the round's left x right participants (in
        :meth:`Event.sides` order), e.g. ``Scorer.score_matrix()``.
    forbidden : bool array (n_left, n_right), optional
        Impossible pairs (``Scorer.impossible_mask()``); the round's
        ``never`` pairs are excluded too.
    round_index : int
    tables : int or sequence of Table, optional
        Overrides the round's ``tables`` count (e.g. to name interpreter
        tables and booths).
    min_score : float
        Pairs scoring at or below it are no candidates (except must pairs).
    locked : iterable of (left id, right id, slot id, table or None)
    past_pairs : iterable of (left id, right id)
    requested : {"wishes", "all"}
        Which unplaced candidates are reported with a reason: the pairs one
        side wished for plus the round's must pairs, or every candidate.

    Returns
    -------
    FairProblem
        With ids and organisation names; availability from
        ``Participant.availability`` (empty: every slot); min/max meetings
        from ``capacity_min``/``capacity_max`` with the round's capacities
        as defaults; the interpreter language each pair needs.

    Raises
    ------
    InvalidInput
        When the round has no slots, the score matrix has the wrong shape,
        or a lock or past pair names an unknown participant or slot.
    """
    rnd = event.programme.rounds[round_index]
    if not rnd.slots:
        raise InvalidInput([FieldError(f"rounds[{round_index}].slots", [], "a timetable needs the round's time slots")])
    left, right = event.sides(round_index)
    scores = np.asarray(scores, dtype=float)
    if scores.shape != (len(left), len(right)):
        raise InvalidInput([FieldError("scores", list(scores.shape), f"expected shape ({len(left)}, {len(right)}) (left x right of the round)")])
    allowed = np.isfinite(scores) & (scores > min_score)
    if forbidden is not None:
        forbidden = np.asarray(forbidden, dtype=bool)
        if forbidden.shape != scores.shape:
            raise InvalidInput([FieldError("forbidden", list(forbidden.shape), f"expected shape {scores.shape}")])
        allowed &= ~forbidden
    left_pos = {p.id: k for k, p in enumerate(left)}
    right_pos = {p.id: k for k, p in enumerate(right)}
    for a, b in rnd.never:
        if a in left_pos and b in right_pos:
            allowed[left_pos[a], right_pos[b]] = False
    for a, b in rnd.must:
        if a in left_pos and b in right_pos:
            allowed[left_pos[a], right_pos[b]] = True
    li, ri = np.nonzero(allowed)
    wish = np.zeros(scores.shape, dtype=bool)
    for k, p in enumerate(left):
        for other in p.wishes:
            if other in right_pos:
                wish[k, right_pos[other]] = True
    for k, p in enumerate(right):
        for other in p.wishes:
            if other in left_pos:
                wish[left_pos[other], k] = True
    for a, b in rnd.must:
        if a in left_pos and b in right_pos:
            wish[left_pos[a], right_pos[b]] = True
    if requested not in ("wishes", "all"):
        raise InvalidInput([FieldError("requested", requested, "expected 'wishes' or 'all'")])

    slots = tuple(TimeSlot(s.id, s.start, s.end) for s in rnd.slots)
    slot_pos = {s.id: k for k, s in enumerate(slots)}

    def availability(people: Sequence[Any]) -> np.ndarray:
        out = np.zeros((len(people), len(slots)), dtype=bool)
        for k, p in enumerate(people):
            mine = [slot_pos[s] for s in p.availability if s in slot_pos]
            if not p.availability:
                out[k] = True
            else:
                out[k, mine] = True
        return out

    def capacities(people: Sequence[Any], default: Any) -> tuple[np.ndarray, np.ndarray]:
        lo = np.array([max(p.capacity_min, default.min) for p in people], dtype=np.int64)
        hi = np.array([default.max if p.capacity_max is None else p.capacity_max for p in people], dtype=np.int64)
        return np.minimum(lo, hi), hi

    languages = tuple(rnd.interpreter_languages)
    # Few distinct language sets: decide per (left set, right set), then index.
    left_sets = [tuple(sorted(p.languages)) for p in left]
    right_sets = [tuple(sorted(p.languages)) for p in right]
    lkinds = {v: k for k, v in enumerate(dict.fromkeys(left_sets))}
    rkinds = {v: k for k, v in enumerate(dict.fromkeys(right_sets))}
    table = np.empty((len(lkinds), len(rkinds)), dtype=object)
    for lv, lk in lkinds.items():
        for rv, rk in rkinds.items():
            table[lk, rk] = interpreter_need(lv, rv, languages)
    lcode = np.array([lkinds[v] for v in left_sets], dtype=np.int64)
    rcode = np.array([rkinds[v] for v in right_sets], dtype=np.int64)
    interpreter = table[lcode[li], rcode[ri]].tolist() if len(li) else []
    lmin, lmax = capacities(left, rnd.left_capacity)
    rmin, rmax = capacities(right, rnd.right_capacity)

    def lookup(kind: str, a: str, b: str) -> tuple[int, int]:
        if a not in left_pos or b not in right_pos:
            raise InvalidInput([FieldError(kind, [a, b], "names no left/right participant of this round")])
        return left_pos[a], right_pos[b]

    locks = []
    for a, b, slot, table in locked:
        if slot not in slot_pos:
            raise InvalidInput([FieldError("locked", [a, b, slot], f"slot {slot!r} is not a slot of this round")])
        x, y = lookup("locked", a, b)
        locks.append(LockedMeeting(x, y, slot_pos[slot], table))
    past = [lookup("past_pairs", a, b) for a, b in past_pairs]
    return FairProblem(
        len(left), len(right), li, ri, scores[li, ri],
        slots=slots,
        left_available=availability(left),
        right_available=availability(right),
        tables=rnd.tables if tables is None else tables,
        meeting_length=rnd.meeting_length,
        left_min=lmin, left_max=lmax, right_min=rmin, right_max=rmax,
        locked=tuple(locks),
        past_pairs=np.array(past, dtype=np.int64).reshape(-1, 2),
        interpreter=interpreter,
        requested=None if requested == "all" else wish[li, ri],
        left_ids=[p.id for p in left], right_ids=[p.id for p in right],
        left_names=[p.organization for p in left], right_names=[p.organization for p in right],
    )
