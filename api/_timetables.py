"""Parsed timetables of plan results, kept per process: a result never changes once written.

A participant's agenda (JSON or .ics) needs one participant's meetings out
of the plan's whole timetable -- for the load test's fair (200 × 400) a JSON
document of 382 kB that PostgreSQL sends and the process parsed again on
every portal agenda: 3-4 ms of CPU of the request's 8
(``benchmarks/service_cpu.py``).  A result row is written once, by the job
that computed it, and never updated (a re-plan writes a new result), so its
parsed timetable can be kept: :class:`TimetableCache` holds the last few,
each with the set of participants it has meetings for.  A result that was
deleted (with its event) is never asked for: every lookup first finds the
row in the database, by an id that is never reused.

The cached timetable is shared by every request of the process: read it,
never change it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable

__all__ = ["Timetable", "TimetableCache", "TIMETABLES"]


@dataclass(frozen=True)
class Timetable:
    """A plan result's timetable (as stored) and the ids of the participants it has meetings for."""

    data: dict[str, Any]
    participants: frozenset[str]

    @classmethod
    def of(cls, data: dict[str, Any]) -> "Timetable":
        meetings = data.get("meetings", [])
        return cls(data, frozenset(m["left"] for m in meetings) | frozenset(m["right"] for m in meetings))


class TimetableCache:
    """The ``size`` timetables asked for last, by result id (thread-safe).

    Examples
    --------
    >>> cache = TimetableCache(size=1)
    >>> cache.get("res_1", lambda: {"meetings": [{"left": "a", "right": "b"}]}).participants == {"a", "b"}
    True
    >>> cache.get("res_1", lambda: 1 / 0).data["meetings"][0]["left"]   # kept: not loaded again
    'a'
    >>> cache.get("res_2", lambda: None) is None                           # a result without a timetable
    True
    """

    def __init__(self, size: int = 8) -> None:
        if size < 1:
            raise ValueError(f"size must be at least 1, got {size}")
        self.size = size
        self._items: OrderedDict[str, Timetable] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, result_id: str, load: Callable[[], dict[str, Any] | None]) -> Timetable | None:
        """The timetable of ``result_id``; ``load()`` (the stored JSON) when it is not kept; ``None`` when it has none."""
        with self._lock:
            found = self._items.get(result_id)
            if found is not None:
                self._items.move_to_end(result_id)
                return found
        data = load()
        if data is None:
            return None
        timetable = Timetable.of(data)
        with self._lock:
            self._items[result_id] = timetable
            self._items.move_to_end(result_id)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return timetable

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


#: The process's cache (a few plans of the events being run: a fair's is a few MB parsed).
TIMETABLES = TimetableCache()
