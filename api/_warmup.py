"""What an API process does before it takes its first request.

Found with ``benchmarks/service.py`` (4 API processes on PostgreSQL), by
timing each request inside the process and each garbage collection:

* The first requests of a fresh process paid for what every later one
  finds ready: a database connection opened per request slot, and the first
  ``agenda.ics`` imported ``icalendar`` (0.2-0.4 s holding the import lock,
  so the process's other requests waited too).
* An API process holds about 243,000 objects tracked by the garbage
  collector once it has imported the library (numpy, scipy, scikit-learn,
  numba: 2,200 modules).  Each full collection walked them all: about
  0.13 s of CPU holding the GIL, 0.4-0.8 s on a loaded 2-core machine,
  during which every request of that process waited -- once every 20-30 s
  per process, the load test's 1 % of reads stalled 0.5-1.5 s on every
  endpoint at once.  :func:`warm_up` ends with :func:`gc.freeze`: what
  exists after start-up (modules, classes, caches: alive until the process
  ends anyway) is left out of every later collection, which then walks only
  what requests create (well under a millisecond).
"""

from __future__ import annotations

import gc
import logging

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

__all__ = ["warm_up"]

log = logging.getLogger("api")


def warm_up(engine: Engine, connections: int) -> int:
    """Import what requests import lazily, open ``connections`` pooled connections, freeze the heap; returns how many opened.

    A database that cannot be reached is logged, not raised: the requests
    (and ``/readyz``) report it, and the pool opens connections on demand.
    Last, one full collection and :func:`gc.freeze` (process-wide: call it
    once, in a process about to serve).
    """
    import icalendar  # noqa: F401 - matching.timetable imports it on the first agenda.ics

    held = []
    try:
        for _ in range(connections):
            held.append(engine.connect())
    except SQLAlchemyError as exc:
        log.warning("warm-up: opened %d of %d database connections: %s", len(held), connections, exc)
    finally:
        for connection in held:
            connection.close()
    gc.collect()
    gc.freeze()
    return len(held)
