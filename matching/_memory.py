"""Give freed heap memory back to the operating system (glibc), between the large steps of a run.

numpy arrays of a few megabytes (the text vectorizer's per-chunk counts,
for instance) come from the C heap once glibc has raised its mmap
threshold; freed, they leave holes that stay resident.  ``malloc_trim(0)``
returns every free page of the heap to the system.  Elsewhere (not glibc)
it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

__all__ = ["release_free_memory"]


@functools.lru_cache(maxsize=1)
def _trim():
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        return None


def release_free_memory() -> bool:
    """Return the heap's free pages to the system; whether anything could be asked (glibc only)."""
    trim = _trim()
    if trim is None:  # pragma: no cover - not glibc
        return False
    trim(0)
    return True
