"""Outcome records and the outcomes CSV (matching.features._outcomes)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.errors import ImportRejected, InvalidInput
from matching.features._outcomes import Outcomes, read_outcomes_csv, write_outcomes_csv

LEFT = ["s1", "s2", "s3"]
RIGHT = ["d1", "d2"]
HEADER = "round,left_id,right_id,left_yes,right_yes,deal\n"


def _random_outcomes(seed: int, k: int = 40) -> Outcomes:
    rng = np.random.default_rng(seed)
    left_yes = rng.random(k) < 0.5
    right_yes = rng.random(k) < 0.5
    return Outcomes(
        rng.integers(0, len(LEFT), k), rng.integers(0, len(RIGHT), k),
        left_yes=left_yes, right_yes=right_yes, deal=left_yes & right_yes & (rng.random(k) < 0.5),
        round=rng.integers(0, 4, k),
    )


def test_mutual_is_both_sides_yes():
    o = _random_outcomes(0)
    assert np.array_equal(o.mutual, o.left_yes & o.right_yes)
    assert o.target("deal") is o.deal
    assert set(o.rounds) <= {0, 1, 2, 3}


def test_arrays_are_read_only():
    o = _random_outcomes(1)
    with pytest.raises(ValueError, match="read-only"):
        o.left_idx[0] = 2


@pytest.mark.parametrize("seed", range(5))
def test_csv_round_trip(seed):
    o = _random_outcomes(seed)
    text = write_outcomes_csv(o, left_ids=LEFT, right_ids=RIGHT)
    back = read_outcomes_csv(text.encode(), left_ids=LEFT, right_ids=RIGHT)
    for name in ("left_idx", "right_idx", "left_yes", "right_yes", "deal", "round"):
        assert np.array_equal(getattr(back, name), getattr(o, name)), name


def test_csv_reads_words_any_column_order_and_shift_jis(tmp_path):
    text = "deal,right_id,left_id,round,left_yes,right_yes,memo\nはい,d2,s3,1,yes,Y,良い商談\n,d1,s1,0,no,0,\n"
    path = tmp_path / "outcomes.csv"
    path.write_bytes(text.encode("cp932"))
    o = read_outcomes_csv(path, left_ids=LEFT, right_ids=RIGHT)
    assert o.left_idx.tolist() == [2, 0] and o.right_idx.tolist() == [1, 0]
    assert o.deal.tolist() == [True, False] and o.mutual.tolist() == [True, False]
    assert o.round.tolist() == [1, 0]


def test_select_and_concat():
    o = _random_outcomes(2)
    late = o.of_rounds([2, 3])
    early = o.of_rounds([0, 1])
    assert len(late) + len(early) == len(o)
    both = Outcomes.concat([early, late])
    assert sorted(zip(both.round.tolist(), both.left_idx.tolist())) == sorted(zip(o.round.tolist(), o.left_idx.tolist()))
    assert len(Outcomes.concat([])) == 0


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ("0,s1,d9,1,1,0\n", r"line 2: right_id: names no right participant .*'d9'"),
        ("0,s1,d1,1,1,0\n0,zz,d1,1,1,0\n", r"line 3: left_id: names no left participant .*'zz'"),
        ("0,s1,d1,maybe,1,0\n", r"line 2: left_yes: expected yes/no"),
        ("0,s1,d1,1,1,0\n\n-1,s1,d1,1,1,0\n", r"line 4: round: expected a non-negative integer"),
        ("x,s1,d1,1,1,0\n", r"line 2: round: expected a non-negative integer"),
        ("0,s1,d1,1,0,1\n", r"line 2: deal: a deal needs both sides to say yes"),
        ('0,s1,"d1,1,1,0\n', r"line 2: \(csv\): malformed CSV"),
    ],
)
def test_csv_errors_name_the_line(body, match):
    with pytest.raises(ImportRejected, match=match) as info:
        read_outcomes_csv((HEADER + body).encode(), left_ids=LEFT, right_ids=RIGHT)
    assert all(e.row is not None for e in info.value.errors)


def test_csv_missing_column_names_header_line():
    with pytest.raises(ImportRejected, match=r"line 1: \(header\): missing column\(s\) \['right_yes'\]"):
        read_outcomes_csv(b"round,left_id,right_id,left_yes\n0,s1,d1,1\n", left_ids=LEFT, right_ids=RIGHT)


def test_csv_empty_file():
    with pytest.raises(ImportRejected, match="the file is empty"):
        read_outcomes_csv(b"\n\n", left_ids=LEFT, right_ids=RIGHT)


def test_csv_collects_every_bad_line():
    body = "0,s1,d9,1,1,0\n0,s1,d1,1,1,0\n0,q,d1,1,1,0\n"
    with pytest.raises(ImportRejected) as info:
        read_outcomes_csv((HEADER + body).encode(), left_ids=LEFT, right_ids=RIGHT)
    assert [e.row for e in info.value.errors] == [2, 4]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(left_idx=[0, 1], right_idx=[0], left_yes=[1, 1], right_yes=[1, 1]), "right_idx: expected 2 entries"),
        (dict(left_idx=[-1], right_idx=[0], left_yes=[1], right_yes=[1]), "left_idx: expected non-negative"),
        (dict(left_idx=[0.5], right_idx=[0], left_yes=[1], right_yes=[1]), "left_idx: expected integers"),
        (dict(left_idx=[0], right_idx=[0], left_yes=[2], right_yes=[1]), "left_yes: expected booleans"),
        (dict(left_idx=[[0]], right_idx=[0], left_yes=[1], right_yes=[1]), "left_idx: expected a 1-D array"),
        (dict(left_idx=[0], right_idx=[0], left_yes=[1], right_yes=[1], round=-2), "round: expected a non-negative integer"),
    ],
)
def test_outcomes_validation(kwargs, match):
    left_idx, right_idx = kwargs.pop("left_idx"), kwargs.pop("right_idx")
    with pytest.raises(InvalidInput, match=match):
        Outcomes(left_idx, right_idx, **kwargs)


def test_unknown_target_and_out_of_range_sizes():
    o = _random_outcomes(3)
    with pytest.raises(InvalidInput, match="target: expected one of"):
        o.target("maybe")
    with pytest.raises(InvalidInput, match=r"right_idx: meeting #\d+ names index 1, expected < 1"):
        o.check_sizes(3, 1)

_meeting = st.tuples(
    st.integers(0, 9), st.integers(0, len(LEFT) - 1), st.integers(0, len(RIGHT) - 1), st.booleans(), st.booleans(), st.booleans()
)


@settings(max_examples=40, deadline=None)
@given(st.lists(_meeting, max_size=30))
def test_csv_round_trip_property(meetings):
    rows = [(r, i, j, ly, ry, d and ly and ry) for r, i, j, ly, ry, d in meetings]
    table = np.array(rows, dtype=np.int64).reshape(-1, 6)
    o = Outcomes(table[:, 1], table[:, 2], left_yes=table[:, 3].astype(bool), right_yes=table[:, 4].astype(bool),
                 deal=table[:, 5].astype(bool), round=table[:, 0])
    back = read_outcomes_csv(write_outcomes_csv(o, left_ids=LEFT, right_ids=RIGHT).encode(), left_ids=LEFT, right_ids=RIGHT)
    assert len(back) == len(o)
    for name in ("left_idx", "right_idx", "left_yes", "right_yes", "deal", "round"):
        assert np.array_equal(getattr(back, name), getattr(o, name)), name
    assert np.array_equal(back.mutual, o.left_yes & o.right_yes)
