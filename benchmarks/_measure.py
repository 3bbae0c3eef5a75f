"""Timing and peak-memory helpers shared by every benchmark.

This module uses the standard library only, so that the benchmark harness
can copy it next to a worker script and import it from a peer library's own
virtualenv, where neither numpy-free guarantees nor our package exist.

Peak memory is the resident set size (RSS).  On Linux the kernel's
high-water mark can be reset to the current RSS by writing ``5`` to
``/proc/self/clear_refs``; :func:`measure` does that right before the
measured call, so the reported peak belongs to that call alone.  Where the
reset is not possible it falls back to ``ru_maxrss`` minus the RSS measured
right before the call, which can only under-estimate (never over-estimate)
the call's own peak.
"""

from __future__ import annotations

import os
import platform
import resource
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Sequence

__all__ = [
    "Measurement",
    "current_rss_bytes",
    "peak_rss_bytes",
    "reset_peak_rss",
    "measure",
    "median",
    "machine_info",
]

_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
# ru_maxrss is in kibibytes on Linux and in bytes on macOS.
_MAXRSS_UNIT = 1 if sys.platform == "darwin" else 1024


@dataclass(frozen=True)
class Measurement:
    """What one measured call cost.

    Attributes
    ----------
    seconds : float
        Wall-clock time of the call (``time.perf_counter``).
    peak_bytes : int
        Peak RSS reached during the call, minus the RSS right before it:
        the memory the call itself needed.
    total_peak_bytes : int
        Peak RSS of the whole process at the end of the call.
    baseline_bytes : int
        RSS right before the call (data already loaded).
    peak_reset : bool
        Whether the kernel's high-water mark was reset before the call
        (exact per-call peak) or ``ru_maxrss`` was used (lower bound).
    value : object
        What the call returned.
    """

    seconds: float
    peak_bytes: int
    total_peak_bytes: int
    baseline_bytes: int
    peak_reset: bool
    value: Any = None


def current_rss_bytes() -> int:
    """Resident set size of this process now, in bytes (0 where unknown)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * _PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return 0


def peak_rss_bytes() -> int:
    """Peak resident set size of this process so far, in bytes."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * _MAXRSS_UNIT


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark to the current RSS.

    Returns
    -------
    bool
        True when the reset worked (Linux >= 4.0), False otherwise.
    """
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


def measure(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Measurement:
    """Call ``func(*args, **kwargs)`` once and measure its time and peak RSS.

    Parameters
    ----------
    func : callable
        The call to measure; only this call is timed.
    *args, **kwargs
        Passed to ``func``.

    Returns
    -------
    Measurement
    """
    peak_reset = reset_peak_rss()
    baseline = current_rss_bytes()
    if not peak_reset:
        baseline = max(baseline, 0)
    start = time.perf_counter()
    value = func(*args, **kwargs)
    seconds = time.perf_counter() - start
    total_peak = peak_rss_bytes()
    return Measurement(
        seconds=seconds,
        peak_bytes=max(0, total_peak - baseline),
        total_peak_bytes=total_peak,
        baseline_bytes=baseline,
        peak_reset=peak_reset,
        value=value,
    )


def median(values: Sequence[float]) -> float:
    """Median of a non-empty sequence of numbers.

    Raises
    ------
    ValueError
        If ``values`` is empty.
    """
    if not values:
        raise ValueError("median: expected at least one value, got an empty sequence")
    return float(statistics.median(values))


def machine_info() -> dict[str, Any]:
    """The machine a benchmark ran on: CPU count, OS, Python, date (UTC)."""
    try:
        affinity = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        affinity = None
    return {
        "cpu_count": os.cpu_count(),
        "cpu_affinity": affinity,
        "processor": platform.processor() or platform.machine(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "date_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
