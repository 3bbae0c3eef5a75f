"""What the cheaper read paths give is what the plain ones gave (benchmarks/service_cpu.py measures the cost).

* JSON columns are parsed by :func:`api.db.json_loads` (Rust), checked
  against :func:`json.loads` on floats to the last bit and on the texts it
  refuses.
"""

from __future__ import annotations

import json
import math
import random
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from api.db import json_loads, make_engine, make_sessionmaker, migrate
from api.models import EventRow, Organizer

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES, st.booleans())
def test_json_loads_gives_what_json_loads_gives(value, ascii_only: bool):
    text = json.dumps(value, ensure_ascii=ascii_only)
    assert json_loads(text) == json.loads(text)
    assert json_loads(text.encode()) == json.loads(text)


def test_json_loads_reads_every_float_to_the_last_bit():
    rng = random.Random(0)
    floats = [struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0] for _ in range(20_000)]
    floats = [f for f in floats if math.isfinite(f)] + [round(rng.random(), 6) for _ in range(5_000)]
    floats += [0.1, -0.0, 5e-324, 1.7976931348623157e308, 2.0**53 + 1]
    text = json.dumps(floats)
    assert [repr(f) for f in json_loads(text)] == [repr(f) for f in json.loads(text)]


@pytest.mark.parametrize("text", ['"\\ud800"', '["\\udfff x"]', '{"a": 1, "a": 2}', "NaN", "[Infinity, -Infinity]", "1e400",
                                  "123456789012345678901234567890"])
def test_json_loads_takes_what_json_loads_takes(text: str):
    expected, got = json.loads(text), json_loads(text)
    assert repr(got) == repr(expected)


def test_json_loads_refuses_what_json_loads_refuses():
    with pytest.raises(ValueError, match="Extra data"):
        json_loads('{"a": 1} x')


def test_a_json_column_reads_back_what_was_written(database_url: str):
    engine = make_engine(database_url)
    migrate(engine)
    programme = {"rounds": [{"weights": {"text": 0.1, "tags": 1 / 3}, "note": "地域 😀", "big": 2**70}],
                 "odd": "\ud800"}
    with make_sessionmaker(engine)() as session:
        session.add(Organizer(id="org_x", name="x"))
        session.flush()
        session.add(EventRow(id="ev_x", organizer_id="org_x", name="x", programme=programme))
        session.commit()
    with make_sessionmaker(engine)() as session:
        assert session.scalar(select(EventRow.programme).where(EventRow.id == "ev_x")) == programme
    engine.dispose()
