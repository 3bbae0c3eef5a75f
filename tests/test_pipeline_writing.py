"""`write_match` streams pairs.csv and pairs.json a chunk of pairs at a time: what one dump of every row holds."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pydantic_core
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datasets.synthetic import generate
from matching import pipeline
from matching.io import csv_text
from matching.io._json_list import JsonListWriter
from matching.model import CapacityRange, Event, Participant, Programme, Round
from matching.pipeline import match_round, match_rows, write_match

_FIELDS = ["left_id", "left_organization", "right_id", "right_organization", "score", "rank_for_left", "rank_for_right",
           "required", "reasons_ja", "reasons_en"]


def _whole_json(rows: list) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"


def _whole_csv(rows: list) -> str:
    return csv_text(_FIELDS, ({**row, "reasons_ja": " / ".join(row["reasons_ja"]),
                                "reasons_en": " / ".join(row["reasons_en"])} for row in rows))


def _layout(text: str) -> list[str]:
    """Each line of a JSON text with its numbers blanked: the indenting and the keys, not how a number is spelled."""
    return [re.sub(r"-?(\d[\d.eE+-]*|NaN|Infinity)", "#", line) for line in text.splitlines()]


def _same_json(text: str, items: list) -> None:
    """``text`` holds ``items`` (numbers equal, NaN as NaN) laid out as one standard ``indent=2`` dump."""
    assert text.endswith("\n")
    whole = _whole_json(items)
    assert _layout(text) == _layout(whole)
    assert json.dumps(json.loads(text), allow_nan=True) == json.dumps(json.loads(whole), allow_nan=True)


@pytest.mark.parametrize("items", [
    [],
    [1],
    [{}, [], "", None, True, 1.5, float("nan"), float("-inf")],
    [{"name": "大和木工所\n株式会社", "list": ["a\nb", {"deep": [1, {"x": []}]}], "empty": {}}, "=1+2"],
    [{"contributions": [{"component": "text", "value": 7.074449517128212e-05, "neutral": False}]}] * 5,
])
@pytest.mark.parametrize("chunk", [1, 2, 7])
def test_json_list_written_in_chunks_is_one_dump_of_the_list(items: list, chunk: int) -> None:
    handle = io.StringIO()
    writer = JsonListWriter(handle)
    for start in range(0, len(items), chunk):
        writer.extend(items[start:start + chunk])
    writer.extend([])  # an empty chunk writes nothing
    writer.close()
    _same_json(handle.getvalue(), items)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**63 - 1) | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=100, deadline=None)
@given(items=st.lists(_JSON, max_size=6), chunk=st.integers(1, 3))
def test_json_list_holds_the_values_of_one_standard_dump(items: list, chunk: int) -> None:
    handle = io.StringIO()
    writer = JsonListWriter(handle)
    for start in range(0, len(items), chunk):
        writer.extend(items[start:start + chunk])
    writer.close()
    _same_json(handle.getvalue(), items)


def test_json_list_refuses_a_value_json_has_no_form_for() -> None:
    with pytest.raises(pydantic_core.PydanticSerializationError, match="numpy.int64"):
        JsonListWriter(io.StringIO()).extend([{"rank": np.int64(3)}])


@pytest.mark.parametrize("path", ["dense", "factors"])
def test_write_match_streams_the_files_one_dump_of_match_rows_gives(path: str, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    data = generate("overseas", seed=12, n_left=25, n_right=40)
    event = Event.build(data.programme, list(data.participants))
    match = match_round(event, path=path)
    rows = match_rows(match)
    assert len(rows) > 7
    monkeypatch.setattr(pipeline, "_ROWS_STEP", 7)  # several chunks, the last one short
    seen = []
    paths = write_match(match, tmp_path, progress=lambda stage, done, total: seen.append((stage, done, total)))
    _same_json(paths["pairs.json"].read_text(encoding="utf-8"), rows)
    assert paths["pairs.csv"].read_bytes().decode("utf-8") == _whole_csv(rows)
    writing = [(done, total) for stage, done, total in seen if stage == "writing"]
    assert writing == [(min(done, len(rows)), len(rows)) for done in range(7, len(rows) + 7, 7)]


def test_write_match_without_pairs_writes_empty_lists(tmp_path: Path) -> None:
    people = [Participant(id="s1", role="sme", organization="A", seeks=("saas",), languages=("ja",)),
              Participant(id="t1", role="startup", organization="T1", offers=("saas",), languages=("en",))]
    rnd = Round(name="r", left_roles=("sme",), right_roles=("startup",), left_capacity=CapacityRange(min=0, max=1),
                right_capacity=CapacityRange(min=0, max=1))
    match = match_round(Event.build(Programme(id="p", name="P", rounds=(rnd,)), people))
    assert len(match.result.pairs) == 0
    seen = []
    paths = write_match(match, tmp_path, progress=lambda stage, done, total: seen.append((stage, done, total)))
    assert paths["pairs.json"].read_text(encoding="utf-8") == "[]\n" == _whole_json(match_rows(match))
    assert paths["pairs.csv"].read_text(encoding="utf-8") == ",".join(_FIELDS) + "\n"
    assert ("writing", 0, 0) in seen


def test_a_failure_while_explaining_leaves_no_half_written_pairs_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = generate("overseas", seed=12, n_left=25, n_right=40)
    match = match_round(Event.build(data.programme, list(data.participants)))
    real = pipeline.explain_pairs
    calls = []

    def explain_twice(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("explaining failed")
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "_ROWS_STEP", 5)
    monkeypatch.setattr(pipeline, "explain_pairs", explain_twice)
    with pytest.raises(RuntimeError, match="explaining failed"):
        write_match(match, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == []
