"""Shared bookkeeping of the planners: who is busy when, and table names.

Busy slots are kept as Python integer bit masks (bit ``t`` = slot ``t``),
so "can this pair start at ``s``" is a couple of integer operations.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from ..errors import Infeasible
from ._problem import FairProblem

__all__ = ["Occupancy", "assign_tables", "masks_to_bool", "bool_to_masks", "bits"]


def bool_to_masks(matrix: np.ndarray) -> list[int]:
    """Rows of a boolean matrix as integer bit masks."""
    n, width = matrix.shape
    if width <= 63:
        weights = np.left_shift(np.int64(1), np.arange(width, dtype=np.int64))
        return (matrix.astype(np.int64) @ weights).tolist()
    return [sum(1 << int(t) for t in np.flatnonzero(row)) for row in matrix]


def masks_to_bool(masks: list[int], width: int) -> np.ndarray:
    """Integer bit masks back to a boolean matrix."""
    if width <= 63:
        arr = np.asarray(masks, dtype=np.int64).reshape(-1, 1)
        return ((arr >> np.arange(width, dtype=np.int64)) & 1).astype(bool)
    return np.array([[(m >> t) & 1 for t in range(width)] for m in masks], dtype=bool).reshape(-1, width)


def bits(mask: int) -> list[int]:
    """Positions of the set bits, lowest first."""
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


class Occupancy:
    """Busy slots of every participant and used tables of every class."""

    def __init__(self, problem: FairProblem):
        self.problem = problem
        self.n_slots = problem.n_slots
        self.length = problem.meeting_length
        self.left_mask = [0] * problem.n_left
        self.right_mask = [0] * problem.n_right
        self.cap = problem.class_capacity.tolist()
        self.class_used = [[0] * self.n_slots for _ in self.cap]
        self.class_full = [0 if c > 0 else (1 << self.n_slots) - 1 for c in self.cap]
        self.left_count = [0] * problem.n_left
        self.right_count = [0] * problem.n_right
        self.left_max = problem.left_max.tolist()
        self.right_max = problem.right_max.tolist()
        self.start: dict[int, int] = {}
        self.left_at: dict[tuple[int, int], int] = {}
        self.right_at: dict[tuple[int, int], int] = {}
        self.class_at: dict[tuple[int, int], set[int]] = {}
        self._cs = problem.candidate_starts
        self._cs_masks = bool_to_masks(self._cs) if self.n_slots <= 63 else None
        self._cs_cache: dict[int, int] = {}
        self._cls = problem.table_class.tolist() if problem.n_candidates < 5_000_000 else problem.table_class
        self._left = problem.left.tolist()
        self._right = problem.right.tolist()
        self._window = (1 << self.length) - 1
        if self.length > 1:
            cut = ~((1 << problem.first_slot) - 1)
            self._left_windows = [m & cut for m in bool_to_masks(problem.left_starts)]
            self._right_windows = [m & cut for m in bool_to_masks(problem.right_starts)]

    def _windows_left(self, starts: int, busy: int) -> int:
        """Disjoint meeting windows that still fit in a participant's free time."""
        blocked = busy
        for o in range(1, self.length):
            blocked |= busy >> o
        free = starts & ~blocked
        count, s = 0, 0
        while free >> s:
            if (free >> s) & 1:
                count += 1
                s += self.length
            else:
                s += 1
        return count

    def best_start(self, c: int, starts: list[int]) -> int:
        """The start that wastes the fewest future windows of the two sides (meetings longer than a slot)."""
        if self.length == 1 or len(starts) == 1:
            return starts[0]
        a, b = self._left[c], self._right[c]
        la, rb = self._left_windows[a], self._right_windows[b]
        ma, mb = self.left_mask[a], self.right_mask[b]
        before = self._windows_left(la, ma) + self._windows_left(rb, mb)

        def waste(s: int) -> int:
            w = self._window << s
            return before - self._windows_left(la, ma | w) - self._windows_left(rb, mb | w)

        return min(starts, key=lambda s: (waste(s), s))

    def starts_mask(self, c: int) -> int:
        if self._cs_masks is not None:
            return self._cs_masks[c]
        mask = self._cs_cache.get(c)
        if mask is None:
            mask = sum(1 << int(t) for t in np.flatnonzero(self._cs[c]))
            self._cs_cache[c] = mask
        return mask

    def _blocked(self, c: int) -> int:
        busy = self.left_mask[self._left[c]] | self.right_mask[self._right[c]] | self.class_full[self._cls[c]]
        out = busy
        for o in range(1, self.length):
            out |= busy >> o
        return out

    def fits(self, c: int, s: int) -> bool:
        """Can candidate ``c`` start at ``s`` now (capacity of the pair aside)?"""
        return bool((self.starts_mask(c) >> s) & 1) and not (self._blocked(c) >> s) & 1

    def free_starts(self, c: int) -> list[int]:
        return bits(self.starts_mask(c) & ~self._blocked(c))

    def has_room(self, c: int) -> bool:
        a, b = self._left[c], self._right[c]
        return self.left_count[a] < self.left_max[a] and self.right_count[b] < self.right_max[b]

    def add(self, c: int, s: int) -> None:
        a, b, k = int(self._left[c]), int(self._right[c]), self._cls[c]
        w = self._window << s
        self.left_mask[a] |= w
        self.right_mask[b] |= w
        used = self.class_used[k]
        for t in range(s, s + self.length):
            used[t] += 1
            if used[t] >= self.cap[k]:
                self.class_full[k] |= 1 << t
            self.left_at[a, t] = c
            self.right_at[b, t] = c
            self.class_at.setdefault((k, t), set()).add(c)
        self.left_count[a] += 1
        self.right_count[b] += 1
        self.start[c] = s

    def remove(self, c: int) -> int:
        s = self.start.pop(c)
        a, b, k = int(self._left[c]), int(self._right[c]), self._cls[c]
        w = self._window << s
        self.left_mask[a] &= ~w
        self.right_mask[b] &= ~w
        used = self.class_used[k]
        for t in range(s, s + self.length):
            used[t] -= 1
            if used[t] < self.cap[k]:
                self.class_full[k] &= ~(1 << t)
            del self.left_at[a, t]
            del self.right_at[b, t]
            self.class_at[k, t].discard(c)
        self.left_count[a] -= 1
        self.right_count[b] -= 1
        return s

    def blockers(self, c: int, s: int) -> set[int]:
        """Meetings of either side of ``c`` that overlap a meeting of ``c`` starting at ``s``."""
        a, b = int(self._left[c]), int(self._right[c])
        out = set()
        for t in range(s, s + self.length):
            for hit in (self.left_at.get((a, t)), self.right_at.get((b, t))):
                if hit is not None:
                    out.add(hit)
        return out

    # Array views for vectorised passes.
    @property
    def left_busy(self) -> np.ndarray:
        return masks_to_bool(self.left_mask, self.n_slots)

    @property
    def right_busy(self) -> np.ndarray:
        return masks_to_bool(self.right_mask, self.n_slots)

    @property
    def class_free(self) -> np.ndarray:
        return ~masks_to_bool(self.class_full, self.n_slots)

    def counts(self) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(self.left_count), np.asarray(self.right_count)


def assign_tables(problem: FairProblem, starts: Mapping[int, int]) -> list[tuple[int, int, str]]:
    """Give every placed candidate a table of its class, keeping locked tables.

    Inside a class, tables are interchangeable; meetings are taken by start
    slot and each gets the first table free over its whole length (interval
    colouring, which never needs more tables than the slot capacities
    allow).  Unlimited tables are named ``T1, T2, ...``.

    Returns
    -------
    list of (candidate, start slot, table name)
    """
    length = problem.meeting_length
    cls = problem.table_class
    table_of: dict[int, str] = {}
    busy: set[tuple[str, int]] = set()
    for lock in problem.locked:
        if lock.table is not None:
            c = problem.candidate_index(lock.left, lock.right)
            if c in starts:
                table_of[c] = lock.table
                busy.update((lock.table, t) for t in range(lock.slot, lock.slot + length))
    pools: dict[int, list[str]] = {}
    cursor: dict[tuple[int, int], int] = {}
    for c, s in sorted(starts.items(), key=lambda item: (item[1], item[0])):
        if c in table_of:
            continue
        k = int(cls[c])
        names = problem.class_tables[k]
        unlimited = not names and np.isinf(problem.class_capacity[k])
        pool = pools.setdefault(k, list(names))
        window = range(s, s + length)
        chosen = None
        first = cursor.get((k, s), 0) if length == 1 else 0
        for position in range(first, len(pool)):
            name = pool[position]
            if all((name, t) not in busy for t in window):
                chosen = name
                if length == 1:
                    cursor[k, s] = position + 1
                break
        if chosen is None and unlimited:
            number = len(pool) + 1
            while any((f"T{number}", t) in busy for t in window):
                number += 1
            chosen = f"T{number}"
            pool.append(chosen)
        if chosen is None:
            raise Infeasible(f"no free {problem.class_labels[k]} table for the meeting of "
                             f"{problem.label('left', int(problem.left[c]))} and {problem.label('right', int(problem.right[c]))} "
                             f"at slot {problem.slots[s].id}", culprits=[problem.class_labels[k]])
        table_of[c] = chosen
        busy.update((chosen, t) for t in window)
    return [(c, s, table_of[c]) for c, s in starts.items()]
