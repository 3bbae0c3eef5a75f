"""Loading a large event in a command without the cyclic garbage collector's passes over it.

Reading 100,000 participants per side makes millions of small objects
that live until the command ends.  Each of the collector's full passes
walks all of them: at 100,000 per side they took about a third of the
loading CPU time (18 s instead of 13).  :func:`participants_kept` reads
without the collector and then freezes what was read (moves it out of the
collector's generations); :func:`unfrozen` gives it back when the command
ends, since a command may run in-process (tests, the service's demo).
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator

__all__ = ["participants_kept", "unfrozen"]


@contextmanager
def participants_kept() -> Iterator[None]:
    """Run the block without the collector, then keep what it made out of the collector's passes."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


@contextmanager
def unfrozen() -> Iterator[None]:
    """Give back to the collector, when the block ends, what :func:`participants_kept` froze in it."""
    try:
        yield
    finally:
        gc.unfreeze()
