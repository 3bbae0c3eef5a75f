"""The timetable problem and its frozen result.

Everything here works on plain arrays: participants are indices
``0 .. n_left-1`` (exhibitors, SMEs: the side that may own a booth) and
``0 .. n_right-1`` (buyers), candidate meetings are three aligned arrays
(left index, right index, score), availability is a boolean matrix
(participants x slots).  The adapters in :mod:`._adapter` build a
:class:`FairProblem` from an :class:`~matching.model.Event`.

Tables
------
``tables`` is ``None`` (unlimited), a count (that many interchangeable
tables ``T1 .. Tn``) or a tuple of :class:`Table`.  Named tables have a
kind:

* ``"general"``: any meeting that needs neither an interpreter nor a booth;
* ``"interpreter"``: a table with an interpreter for ``language``; a
  meeting whose pair needs an interpreter for that language must sit at
  one, and nothing else sits there (interpreters are scarce);
* ``"booth"``: fixed to one left participant (``fixed_to``, its index):
  all of that exhibitor's meetings that need no interpreter are held at
  its booth, never at a general table.

So every candidate belongs to exactly one *table class* (general, one per
interpreter language, one per booth owner) and a slot may hold at most as
many meetings of a class as the class has tables; inside a slot, tables
of a class are interchangeable, which keeps the aggregated constraints
exact.  With a count or ``None``, interpreter needs are informative only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from types import MappingProxyType
from typing import Any, Iterable, Literal, Mapping, Sequence

import numpy as np

from ..errors import FieldError, InvalidInput
from ..solvers import Status

__all__ = [
    "TimeSlot",
    "Table",
    "LockedMeeting",
    "FairProblem",
    "Meeting",
    "Unplaced",
    "Timetable",
    "GENERAL",
]

GENERAL = 0
"""Table class index of general tables."""

TableKind = Literal["general", "interpreter", "booth"]


@dataclass(frozen=True)
class TimeSlot:
    """One time slot; ``start``/``end`` are optional (needed for .ics files)."""

    id: str
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class Table:
    """A named table: ``general``, ``interpreter`` (with ``language``) or ``booth`` (``fixed_to`` a left index)."""

    name: str
    kind: TableKind = "general"
    language: str | None = None
    fixed_to: int | None = None


@dataclass(frozen=True)
class LockedMeeting:
    """A meeting fixed by hand: pair, start slot and (optionally) table name."""

    left: int
    right: int
    slot: int
    table: str | None = None


def _invalid(field_name: str, value: Any, message: str) -> InvalidInput:
    return InvalidInput([FieldError(field_name, value, message)], f"{field_name}: {message} (got {value!r})")


def _int_vector(value: Any, n: int, name: str, default: int) -> np.ndarray:
    if value is None:
        out = np.full(n, default, dtype=np.int64)
    elif np.isscalar(value):
        out = np.full(n, int(value), dtype=np.int64)
    else:
        out = np.asarray(value, dtype=np.int64).copy()
        if out.shape != (n,):
            raise _invalid(name, list(out.shape), f"expected a scalar or an array of shape ({n},)")
    if (out < 0).any():
        raise _invalid(name, int(out.min()), "must be >= 0")
    out.setflags(write=False)
    return out


def _bool_matrix(value: Any, n: int, n_slots: int, name: str) -> np.ndarray:
    if value is None:
        out = np.ones((n, n_slots), dtype=bool)
    else:
        out = np.asarray(value)
        if out.shape != (n, n_slots):
            raise _invalid(name, list(out.shape), f"expected a boolean array of shape ({n}, {n_slots})")
        out = out.astype(bool, copy=True)
    out.setflags(write=False)
    return out


def _frozen_array(values: Any, dtype: Any) -> np.ndarray:
    out = np.array(values, dtype=dtype).reshape(-1)
    out.setflags(write=False)
    return out


def _window_starts(available: np.ndarray, length: int, contiguous: np.ndarray) -> np.ndarray:
    """``out[p, s]`` is True when a meeting of ``length`` slots may start at ``s``."""
    n, n_slots = available.shape
    out = np.zeros((n, n_slots), dtype=bool)
    for s in range(n_slots - length + 1):
        ok = available[:, s:s + length].all(axis=1)
        if length > 1 and not contiguous[s:s + length - 1].all():
            ok[:] = False
        out[:, s] = ok
    return out


@dataclass(frozen=True, eq=False)
class FairProblem:
    """A matching fair to plan: who may meet whom, when, and where.

    Parameters
    ----------
    n_left, n_right : int
        Number of left (exhibitor) and right (buyer) participants.
    left, right : array of int, shape (k,)
        Candidate meetings (one row per pair; a pair appears at most once).
    score : array of float, shape (k,)
        Value of each candidate meeting (higher is better).  Candidates with
        a score ``<= 0`` are placed only when a lock or a minimum needs them.
    slots : int or sequence of TimeSlot
        The time slots, in time order (an int ``n`` names them ``s1 .. sn``).
    left_available, right_available : bool array (n x n_slots), optional
        Availability; ``None`` means always available.
    tables : None, int or sequence of Table
        See the module docstring.
    meeting_length : int
        Slots per meeting; a meeting occupies consecutive, back-to-back slots
        (with slot times, ``end`` of one equals ``start`` of the next).
    left_min, left_max, right_min, right_max : int or array, optional
        Meetings wanted per participant.  ``max`` defaults to as many as fit.
    locked : sequence of LockedMeeting
        Meetings fixed by hand; a locked pair missing from the candidates is
        added with score 0.
    past_pairs : array (m, 2), optional
        (left, right) pairs that met in earlier rounds: never placed again.
    interpreter : sequence of str or None, shape (k,), optional
        Interpreter language each candidate pair needs (``None``: none).
    requested : bool array (k,), optional
        Candidates that were asked for (wishes, a solver's pairs): every one
        of them not placed is reported with a reason.  ``None``: all.
    left_priority, right_priority : bool array, optional
        Participants for whom getting at least one meeting comes before the
        total score (lexicographic fairness, see :func:`plan_rounds`).
    first_slot : int
        New (unlocked) meetings start at this slot or later (re-planning).
    left_ids, right_ids, left_names, right_names : sequence of str, optional
        Ids and organisation names, for agendas.
    """

    n_left: int
    n_right: int
    left: Any
    right: Any
    score: Any
    slots: Any = 1
    left_available: Any = None
    right_available: Any = None
    tables: Any = None
    meeting_length: int = 1
    left_min: Any = None
    left_max: Any = None
    right_min: Any = None
    right_max: Any = None
    locked: Sequence[LockedMeeting] = ()
    past_pairs: Any = None
    interpreter: Any = None
    requested: Any = None
    left_priority: Any = None
    right_priority: Any = None
    first_slot: int = 0
    left_ids: Sequence[str] | None = None
    right_ids: Sequence[str] | None = None
    left_names: Sequence[str] | None = None
    right_names: Sequence[str] | None = None

    def __post_init__(self) -> None:
        put = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        n_left, n_right = int(self.n_left), int(self.n_right)
        if n_left < 0 or n_right < 0:
            raise _invalid("n_left/n_right", (n_left, n_right), "must be >= 0")
        put("n_left", n_left)
        put("n_right", n_right)
        slots = self.slots
        if isinstance(slots, (int, np.integer)):
            if slots < 1:
                raise _invalid("slots", int(slots), "expected at least one slot")
            slots = tuple(TimeSlot(f"s{k + 1}") for k in range(int(slots)))
        else:
            slots = tuple(slots)
            if not slots:
                raise _invalid("slots", [], "expected at least one slot")
            for k, slot in enumerate(slots):
                if not isinstance(slot, TimeSlot):
                    raise _invalid(f"slots[{k}]", slot, "expected a TimeSlot")
                if slot.start is not None and slot.end is not None and slot.end <= slot.start:
                    raise _invalid(f"slots[{k}].end", slot.end.isoformat(), "must be after start")
            if len({s.id for s in slots}) != len(slots):
                raise _invalid("slots", [s.id for s in slots], "slot ids must be unique")
        put("slots", slots)
        n_slots = len(slots)
        length = int(self.meeting_length)
        if not 1 <= length <= n_slots:
            raise _invalid("meeting_length", length, f"expected 1 .. {n_slots} (the number of slots)")
        put("meeting_length", length)
        if not 0 <= int(self.first_slot) <= n_slots:
            raise _invalid("first_slot", self.first_slot, f"expected 0 .. {n_slots}")
        put("first_slot", int(self.first_slot))

        left = np.asarray(self.left, dtype=np.int64).reshape(-1)
        right = np.asarray(self.right, dtype=np.int64).reshape(-1)
        score = np.asarray(self.score, dtype=np.float64).reshape(-1)
        if not (len(left) == len(right) == len(score)):
            raise _invalid("left/right/score", (len(left), len(right), len(score)), "candidate arrays must have the same length")
        if len(left) and (left.min() < 0 or left.max() >= n_left):
            raise _invalid("left", int(left.max() if left.max() >= n_left else left.min()), f"expected indices in 0 .. {n_left - 1}")
        if len(right) and (right.min() < 0 or right.max() >= n_right):
            raise _invalid("right", int(right.max() if right.max() >= n_right else right.min()), f"expected indices in 0 .. {n_right - 1}")
        if not np.isfinite(score).all():
            raise _invalid("score", float(score[~np.isfinite(score)][0]), "scores must be finite")
        key = left * max(n_right, 1) + right
        unique_keys, first = np.unique(key, return_index=True)
        if len(unique_keys) != len(key):
            dup = np.setdiff1d(np.arange(len(key)), first)[0]
            raise _invalid("left/right", (int(left[dup]), int(right[dup])), "a candidate pair appears twice")

        interpreter = self.interpreter
        if interpreter is None:
            interpreter = [None] * len(left)
        interpreter = list(interpreter)
        if len(interpreter) != len(left):
            raise _invalid("interpreter", len(interpreter), f"expected one entry per candidate ({len(left)})")
        requested = np.ones(len(left), dtype=bool) if self.requested is None else np.asarray(self.requested, dtype=bool).reshape(-1)
        if len(requested) != len(left):
            raise _invalid("requested", len(requested), f"expected one entry per candidate ({len(left)})")

        locked = tuple(self.locked)
        key_index = {int(k): int(i) for i, k in enumerate(key)} if locked else {}
        extra_l, extra_r = [], []
        for n, lock in enumerate(locked):
            if not isinstance(lock, LockedMeeting):
                raise _invalid(f"locked[{n}]", lock, "expected a LockedMeeting")
            if not (0 <= lock.left < n_left and 0 <= lock.right < n_right):
                raise _invalid(f"locked[{n}]", (lock.left, lock.right), "names a participant index out of range")
            if not 0 <= lock.slot <= n_slots - length:
                raise _invalid(f"locked[{n}].slot", lock.slot, f"expected a start slot in 0 .. {n_slots - length}")
            k = lock.left * max(n_right, 1) + lock.right
            if k not in key_index:
                key_index[k] = len(left) + len(extra_l)
                extra_l.append(lock.left)
                extra_r.append(lock.right)
        if extra_l:
            left = np.concatenate([left, np.asarray(extra_l, dtype=np.int64)])
            right = np.concatenate([right, np.asarray(extra_r, dtype=np.int64)])
            score = np.concatenate([score, np.zeros(len(extra_l))])
            interpreter += [None] * len(extra_l)
            requested = np.concatenate([requested, np.ones(len(extra_l), dtype=bool)])
        if len({(lk.left, lk.right) for lk in locked}) != len(locked):
            raise _invalid("locked", [(lk.left, lk.right) for lk in locked], "a pair is locked twice")
        put("left", _frozen_array(left, np.int64))
        put("right", _frozen_array(right, np.int64))
        put("score", _frozen_array(score, np.float64))
        put("interpreter", tuple(interpreter))
        put("requested", _frozen_array(requested, bool))
        put("locked", locked)

        put("left_available", _bool_matrix(self.left_available, n_left, n_slots, "left_available"))
        put("right_available", _bool_matrix(self.right_available, n_right, n_slots, "right_available"))
        default_max = n_slots // length
        put("left_min", _int_vector(self.left_min, n_left, "left_min", 0))
        put("right_min", _int_vector(self.right_min, n_right, "right_min", 0))
        put("left_max", _int_vector(self.left_max, n_left, "left_max", default_max))
        put("right_max", _int_vector(self.right_max, n_right, "right_max", default_max))
        for side in ("left", "right"):
            lo, hi = getattr(self, f"{side}_min"), getattr(self, f"{side}_max")
            bad = np.flatnonzero(lo > hi)
            if len(bad):
                raise _invalid(f"{side}_min", int(lo[bad[0]]), f"participant {side} #{int(bad[0])}: min exceeds max ({int(hi[bad[0]])})")
        for side, n in (("left", n_left), ("right", n_right)):
            prio = getattr(self, f"{side}_priority")
            prio = np.zeros(n, dtype=bool) if prio is None else np.asarray(prio, dtype=bool).reshape(-1)
            if prio.shape != (n,):
                raise _invalid(f"{side}_priority", list(prio.shape), f"expected shape ({n},)")
            put(f"{side}_priority", _frozen_array(prio, bool))
            for attr in ("ids", "names"):
                labels = getattr(self, f"{side}_{attr}")
                if labels is not None:
                    labels = tuple(str(x) for x in labels)
                    if len(labels) != n:
                        raise _invalid(f"{side}_{attr}", len(labels), f"expected {n} entries")
                put(f"{side}_{attr}", labels)

        past = np.zeros((0, 2), dtype=np.int64) if self.past_pairs is None else np.asarray(self.past_pairs, dtype=np.int64).reshape(-1, 2)
        put("past_pairs", past)

        tables = self.tables
        if tables is not None and not isinstance(tables, (int, np.integer)):
            tables = tuple(tables)
            names = set()
            for n, table in enumerate(tables):
                if not isinstance(table, Table):
                    raise _invalid(f"tables[{n}]", table, "expected a Table")
                if table.name in names:
                    raise _invalid(f"tables[{n}].name", table.name, "table names must be unique")
                names.add(table.name)
                if table.kind not in ("general", "interpreter", "booth"):
                    raise _invalid(f"tables[{n}].kind", table.kind, "expected 'general', 'interpreter' or 'booth'")
                if table.kind == "interpreter" and not table.language:
                    raise _invalid(f"tables[{n}].language", table.language, "an interpreter table needs a language")
                if table.kind == "booth" and (table.fixed_to is None or not 0 <= table.fixed_to < n_left):
                    raise _invalid(f"tables[{n}].fixed_to", table.fixed_to, f"a booth needs a left participant index in 0 .. {n_left - 1}")
        elif tables is not None:
            tables = int(tables)
            if tables < 0:
                raise _invalid("tables", tables, "expected a count >= 0")
        put("tables", tables)

        for n, lock in enumerate(locked):
            c = key_index[lock.left * max(n_right, 1) + lock.right]
            if not self.left_starts[lock.left, lock.slot] or not self.right_starts[lock.right, lock.slot]:
                raise _invalid(f"locked[{n}]", (lock.left, lock.right, self.slots[lock.slot].id), "a locked meeting falls outside a participant's availability")
            k = self.table_class[c]
            if lock.table is not None and k >= 0 and self.class_tables[k] and lock.table not in self.class_tables[k]:
                raise _invalid(f"locked[{n}].table", lock.table, "is not a table of the kind this pair needs")
        if (self.table_class < 0)[[key_index[lk.left * max(n_right, 1) + lk.right] for lk in locked]].any():
            raise _invalid("locked", [(lk.left, lk.right) for lk in locked], "a locked pair has no table of the kind it needs")

    # ------------------------------------------------------------ derived
    @property
    def n_slots(self) -> int:
        return len(self.slots)

    @property
    def n_candidates(self) -> int:
        return len(self.left)

    @cached_property
    def contiguous(self) -> np.ndarray:
        """``contiguous[k]``: slot ``k + 1`` starts when slot ``k`` ends (True without times)."""
        out = np.ones(max(self.n_slots - 1, 0), dtype=bool)
        for k in range(self.n_slots - 1):
            a, b = self.slots[k], self.slots[k + 1]
            if a.end is not None and b.start is not None:
                out[k] = a.end == b.start
        return out

    @cached_property
    def left_starts(self) -> np.ndarray:
        """Where a meeting of ``left`` participant may start (availability + length)."""
        return _window_starts(self.left_available, self.meeting_length, self.contiguous)

    @cached_property
    def right_starts(self) -> np.ndarray:
        return _window_starts(self.right_available, self.meeting_length, self.contiguous)

    @cached_property
    def _classes(self) -> tuple[np.ndarray, np.ndarray, tuple[tuple[str, ...], ...], tuple[str, ...]]:
        k = self.n_candidates
        tables = self.tables
        if tables is None or isinstance(tables, int):
            cap = np.array([np.inf if tables is None else float(tables)])
            names = (tuple(f"T{t + 1}" for t in range(tables)) if isinstance(tables, int) else (),)
            return np.zeros(k, dtype=np.int64), cap, names, ("general",)
        labels = ["general"]
        members: list[list[str]] = [[]]
        index: dict[tuple[str, Any], int] = {("general", None): 0}
        for table in tables:
            key = (table.kind, table.language if table.kind == "interpreter" else table.fixed_to if table.kind == "booth" else None)
            if key not in index:
                index[key] = len(labels)
                labels.append(f"interpreter:{key[1]}" if table.kind == "interpreter" else f"booth:{key[1]}" if table.kind == "booth" else "general")
                members.append([])
            members[index[key]].append(table.name)
        cls = np.empty(k, dtype=np.int64)
        for c in range(k):
            lang = self.interpreter[c]
            if lang:
                cls[c] = index.get(("interpreter", lang), -1)
            else:
                cls[c] = index.get(("booth", int(self.left[c])), 0)
        cap = np.array([float(len(m)) for m in members])
        return cls, cap, tuple(tuple(m) for m in members), tuple(labels)

    @property
    def table_class(self) -> np.ndarray:
        """Table class of each candidate (-1: no table of the kind it needs)."""
        return self._classes[0]

    @property
    def class_capacity(self) -> np.ndarray:
        """Meetings of each table class a slot can hold (``inf``: unlimited)."""
        return self._classes[1]

    @property
    def class_tables(self) -> tuple[tuple[str, ...], ...]:
        """Table names of each class (empty for unlimited tables)."""
        return self._classes[2]

    @property
    def class_labels(self) -> tuple[str, ...]:
        return self._classes[3]

    @cached_property
    def past_mask(self) -> np.ndarray:
        """True for candidates that met in an earlier round."""
        if not len(self.past_pairs):
            return np.zeros(self.n_candidates, dtype=bool)
        width = max(self.n_right, 1)
        return np.isin(self.left * width + self.right, self.past_pairs[:, 0] * width + self.past_pairs[:, 1])

    @cached_property
    def candidate_starts(self) -> np.ndarray:
        """``(k, n_slots)`` bool: where each candidate may start (both available, not past, a table exists)."""
        out = self.left_starts[self.left] & self.right_starts[self.right]
        out[:, : self.first_slot] = False
        out[self.past_mask] = False
        out[self.table_class < 0] = False
        for lock in self.locked:  # a lock may sit before first_slot
            c = self.candidate_index(lock.left, lock.right)
            out[c] = False
            out[c, lock.slot] = True
        return out

    @cached_property
    def _sorted_keys(self) -> tuple[np.ndarray, np.ndarray]:
        key = self.left * max(self.n_right, 1) + self.right
        order = np.argsort(key, kind="stable")
        return key[order], order

    def candidate_indices(self, left: Any, right: Any) -> np.ndarray:
        """Candidate index of every (left, right) pair; -1 where it is not a candidate."""
        keys, order = self._sorted_keys
        query = np.asarray(left, dtype=np.int64) * max(self.n_right, 1) + np.asarray(right, dtype=np.int64)
        pos = np.minimum(np.searchsorted(keys, query), max(len(keys) - 1, 0))
        if not len(keys):
            return np.full(query.shape, -1, dtype=np.int64)
        return np.where(keys[pos] == query, order[pos], -1)

    def candidate_index(self, left: int, right: int) -> int:
        """Index of the candidate (left, right); ``KeyError`` when absent."""
        c = int(self.candidate_indices([left], [right])[0])
        if c < 0:
            raise KeyError((left, right))
        return c

    def label(self, side: str, index: int) -> str:
        ids = self.left_ids if side == "left" else self.right_ids
        return ids[index] if ids is not None else f"{side[0].upper()}{index}"

    def name(self, side: str, index: int) -> str:
        names = self.left_names if side == "left" else self.right_names
        return names[index] if names is not None else self.label(side, index)

    def table_names(self) -> tuple[str, ...]:
        return tuple(name for names in self.class_tables for name in names)

    def replace(self, **changes: Any) -> "FairProblem":
        """A copy with some fields changed (re-validated)."""
        fields = {name: getattr(self, name) for name in self.__dataclass_fields__}
        fields.update(changes)
        return FairProblem(**fields)


@dataclass(frozen=True)
class Meeting:
    """A placed meeting: pair, start slot (it lasts ``meeting_length`` slots), table, score.

    ``locked`` is true for meetings fixed by hand, and after :func:`replan`
    also for the meetings it held in place.
    """

    left: int
    right: int
    slot: int
    table: str
    score: float
    locked: bool = False


@dataclass(frozen=True)
class Unplaced:
    """A requested meeting that is not in the timetable, and why."""

    left: int
    right: int
    score: float
    reason: str


@dataclass(frozen=True, eq=False)
class Timetable:
    """A planned fair and its proof.

    Attributes
    ----------
    problem : FairProblem
    meetings : tuple of Meeting
        Sorted by slot, then table.
    unplaced : tuple of Unplaced
        Every requested candidate not placed, with its reason.
    objective : float
        Total score of ``meetings``, recomputed from the problem.
    upper_bound : float
        A proven upper bound on the best total score.
    gap : float
        ``(upper_bound - objective) / upper_bound`` (0 when the bound is 0).
    status : Status
    solver : str
    wall_time : float
    info : mapping
    """

    problem: FairProblem = field(repr=False)
    meetings: tuple[Meeting, ...]
    unplaced: tuple[Unplaced, ...]
    objective: float
    upper_bound: float
    gap: float
    status: Status
    solver: str
    wall_time: float
    info: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "meetings", tuple(sorted(self.meetings, key=lambda m: (m.slot, m.table, m.left, m.right))))
        object.__setattr__(self, "status", Status(self.status))
        object.__setattr__(self, "info", MappingProxyType(dict(self.info)))

    @property
    def n_meetings(self) -> int:
        return len(self.meetings)

    def pairs(self) -> np.ndarray:
        """(k, 2) array of the placed (left, right) pairs."""
        return np.array([(m.left, m.right) for m in self.meetings], dtype=np.int64).reshape(-1, 2)

    def meetings_per_participant(self) -> tuple[np.ndarray, np.ndarray]:
        """Number of meetings of every left and right participant."""
        pairs = self.pairs()
        return (np.bincount(pairs[:, 0], minlength=self.problem.n_left),
                np.bincount(pairs[:, 1], minlength=self.problem.n_right))

    def summary(self) -> dict[str, Any]:
        """Plain figures for reports (JSON-ready)."""
        left_counts, right_counts = self.meetings_per_participant()
        both = np.concatenate([left_counts, right_counts])

        def stats(x: np.ndarray) -> dict[str, float]:
            if not len(x):
                return {"min": 0, "median": 0, "max": 0}
            return {"min": int(x.min()), "median": float(np.median(x)), "max": int(x.max())}

        reasons: dict[str, int] = {}
        for item in self.unplaced:
            head = item.reason.split(" (")[0]
            reasons[head] = reasons.get(head, 0) + 1
        return {
            "status": self.status.value,
            "solver": self.solver,
            "meetings": self.n_meetings,
            "objective": round(self.objective, 6),
            "upper_bound": round(self.upper_bound, 6),
            "gap": round(self.gap, 6),
            "wall_time_s": round(self.wall_time, 3),
            "meetings_per_left": stats(left_counts),
            "meetings_per_right": stats(right_counts),
            "meetings_per_participant": stats(both),
            "participants_without_meeting": int((both == 0).sum()),
            "unplaced": len(self.unplaced),
            "unplaced_reasons": dict(sorted(reasons.items())),
        }


def make_timetable(
    problem: FairProblem,
    placed: Iterable[tuple[int, int, str]],
    *,
    upper_bound: float,
    status: Status | str,
    solver: str,
    wall_time: float,
    info: Mapping[str, Any] | None = None,
) -> Timetable:
    """Build a :class:`Timetable` from (candidate, start slot, table) triples."""
    from ._reasons import unplaced_reasons

    locked = {(lk.left, lk.right) for lk in problem.locked}
    meetings = []
    for c, slot, table in placed:
        a, b = int(problem.left[c]), int(problem.right[c])
        meetings.append(Meeting(a, b, int(slot), str(table), float(problem.score[c]), (a, b) in locked))
    objective = float(sum(m.score for m in meetings))
    upper_bound = float(upper_bound)
    if objective - 1e-7 * max(1.0, abs(objective)) <= upper_bound < objective:  # rounding noise only:
        upper_bound = objective  # a bound truly below the objective stays visible to the checker
    gap = 0.0 if upper_bound <= 1e-12 else max(0.0, (upper_bound - objective) / abs(upper_bound))
    return Timetable(
        problem=problem,
        meetings=tuple(meetings),
        unplaced=unplaced_reasons(problem, meetings),
        objective=objective,
        upper_bound=upper_bound,
        gap=gap,
        status=status,
        solver=solver,
        wall_time=wall_time,
        info=info or {},
    )
