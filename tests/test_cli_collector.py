"""The commands read large events without the garbage collector's passes, and give back what they froze."""

from __future__ import annotations

import gc

import pytest

from matching.cli._collector import participants_kept, unfrozen


@pytest.fixture(autouse=True)
def _collector_restored():
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    (gc.enable if enabled else gc.disable)()


def test_participants_kept_reads_without_the_collector_then_freezes_what_was_read() -> None:
    gc.enable()
    before = gc.get_freeze_count()
    with participants_kept():
        assert not gc.isenabled()
        made = [{"id": str(i)} for i in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= before + len(made)
    with unfrozen():
        pass
    assert gc.get_freeze_count() == 0


def test_participants_kept_leaves_a_disabled_collector_disabled_and_unfreezes_after_an_error() -> None:
    gc.disable()
    with pytest.raises(RuntimeError, match="bad file"):
        with unfrozen():
            with participants_kept():
                raise RuntimeError("bad file")
    assert not gc.isenabled()
    assert gc.get_freeze_count() == 0
