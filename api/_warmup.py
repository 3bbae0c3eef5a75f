"""What an API process does before it takes its first request.

Measured with ``benchmarks/service.py`` (60 users arriving at once on 4 fresh
processes): the first requests of a process paid for what every later one
finds ready — a database connection opened per request slot, and the first
``agenda.ics`` imported ``icalendar`` (about 0.2–0.4 s, holding the import
lock, so the process's other requests waited too).  They were the slowest
percent of the whole run.  :func:`warm_up` pays both before the process
serves.
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

__all__ = ["warm_up"]

log = logging.getLogger("api")


def warm_up(engine: Engine, connections: int) -> int:
    """Import what requests import lazily and open ``connections`` pooled connections; returns how many opened.

    A database that cannot be reached is logged, not raised: the requests
    (and ``/readyz``) report it, and the pool opens connections on demand.
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
    return len(held)
