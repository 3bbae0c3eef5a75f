"""``matching worker``: a process that runs jobs and serves no HTTP.

Start as many as the jobs need, on as many machines, against the API's
database: each claims jobs under a lease (:mod:`api.leases`), so no job
runs twice and a job whose worker dies is taken over by another once the
lease has expired.  SIGTERM (or Ctrl-C) stops taking jobs, waits a few
seconds for the running ones and hands the rest back to the queue without
counting the attempt.  The database must already be migrated
(``matching migrate``); a worker never upgrades it.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from typing import TextIO

from .db import make_engine, make_sessionmaker
from .health import require_current_schema
from .runner import JobRunner
from .settings import Settings

__all__ = ["run_worker"]

log = logging.getLogger("api.worker")


def run_worker(settings: Settings, *, stop: threading.Event | None = None, out: TextIO | None = None,
               shutdown_seconds: float = 5.0) -> int:
    """Run ``settings.job_workers`` job threads until SIGTERM/SIGINT (or ``stop`` is set); returns 0.

    Raises
    ------
    api.health.SchemaNotCurrent
        When the database's migrations are not at head (nothing is started).
    ValueError
        When ``settings.job_workers`` is 0.
    """
    out = out or sys.stdout
    if settings.job_workers < 1:
        raise ValueError(f"a worker needs at least one job thread; got job_workers={settings.job_workers}")
    engine = make_engine(settings.database_url, pool_size=max(4, 2 * settings.job_workers + 2))  # two per job thread
    try:
        require_current_schema(engine)
        runner = JobRunner(make_sessionmaker(engine), settings)
        stop = stop or threading.Event()
        previous = {}
        if threading.current_thread() is threading.main_thread():
            for number in (signal.SIGTERM, signal.SIGINT):
                previous[number] = signal.signal(number, lambda *_: stop.set())
        runner.start()
        where = engine.url.render_as_string(hide_password=True)
        print(f"job worker {runner.identity}: {settings.job_workers} thread(s), lease {settings.job_lease_seconds:g} s, "
              f"database {where}", file=out, flush=True)
        while not stop.wait(0.5):
            pass
        held = len(runner.held())
        runner.stop(timeout=shutdown_seconds)
        print(f"job worker {runner.identity} stopped" + (f"; {held} running job(s) finished or handed back" if held else ""),
              file=out, flush=True)
        for number, handler in previous.items():
            signal.signal(number, handler)
        return 0
    finally:
        engine.dispose()
