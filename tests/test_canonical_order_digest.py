"""canonical_order sorts by the integer value of the content hash: the order of sorting the hex-prefixed strings."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

import matching.features._profiles as profiles
from matching.features._profiles import canonical_order, feature_view, record_key


def _by_strings(records, ids=None, digest=None) -> np.ndarray:
    """The order as it was first written: sort ``hex(hash) + record string (+ NUL + id)``."""
    digest = digest or (lambda k: hashlib.blake2b(k.encode("utf-8"), digest_size=8).digest())
    keys = [record_key(r) for r in records]
    hashed = [digest(k).hex() + k for k in keys]
    if ids is not None:
        hashed = [h + "\x00" + str(pid) for h, pid in zip(hashed, ids)]
    return np.array(sorted(range(len(records)), key=hashed.__getitem__), dtype=np.intp)


@pytest.fixture
def records():
    rng = np.random.default_rng(5)
    texts = ["金属加工", "design", "", "食品", "cloud ai", "精密部品 試作"]
    rows = [{"description_ja": texts[int(rng.integers(0, 6))], "employees": int(rng.integers(0, 4)),
             "offers": tuple(sorted({"ai", "iot", "saas"} - {["ai", "iot", "saas"][int(rng.integers(0, 3))]}))}
            for _ in range(300)]  # few distinct contents: many identical records
    return feature_view(rows)


@pytest.mark.parametrize("with_ids", [False, True])
def test_canonical_order_equals_sorting_the_hashed_strings(records, with_ids):
    ids = [f"p{(i * 7919) % 1000:03d}" for i in range(len(records))] if with_ids else None
    np.testing.assert_array_equal(canonical_order(records, ids), _by_strings(records, ids))


@pytest.mark.parametrize("with_ids", [False, True])
def test_equal_hashes_of_different_records_are_ordered_by_content_then_id(records, monkeypatch, with_ids):
    one_byte = lambda k: hashlib.blake2b(k.encode("utf-8"), digest_size=8).digest()[:1]  # noqa: E731 - many collisions
    monkeypatch.setattr(profiles, "_digest", lambda r: one_byte(record_key(r)))
    ids = [f"p{(i * 7919) % 1000:03d}" for i in range(len(records))] if with_ids else None
    np.testing.assert_array_equal(canonical_order(records, ids), _by_strings(records, ids, digest=one_byte))
