"""The CPU cores this process may use: what the thread pools and the local Dask cluster are sized by."""

from __future__ import annotations

import os

__all__ = ["available_cores"]


def available_cores() -> int:
    """Cores in this process's affinity mask (a container's CPU set, ``taskset``); all cores where there is none."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)
