"""Re-planning on the day and several rounds."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.errors import InvalidInput
from matching.timetable import (
    LockedMeeting,
    check_timetable,
    plan_rounds,
    plan_timetable,
    random_fair_problem,
    replan,
)


def _fair(seed: int, method: str = "milp"):
    problem = random_fair_problem(10, 16, 6, density=0.7, availability=(0.6, 1.0), tables=6, left_max=4, right_max=3, seed=seed)
    first = plan_timetable(problem, method=method)
    lockable = [m for m in first.meetings if m.slot >= 3][:2]
    locks = tuple(LockedMeeting(m.left, m.right, m.slot, m.table) for m in lockable)
    problem = problem.replace(locked=locks)
    return problem, plan_timetable(problem, method=method)


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 1000), now=st.integers(0, 6), keep_future=st.booleans(),
       method=st.sampled_from(["milp", "heuristic"]), n_left_gone=st.integers(0, 2), n_right_gone=st.integers(0, 2))
def test_replan_keeps_held_and_locked_meetings(seed: int, now: int, keep_future: bool, method: str,
                                               n_left_gone: int, n_right_gone: int) -> None:
    problem, timetable = _fair(seed, method)
    rng = np.random.default_rng(seed)
    gone = [("left", int(i)) for i in rng.choice(problem.n_left, n_left_gone, replace=False)]
    gone += [("right", int(j)) for j in rng.choice(problem.n_right, n_right_gone, replace=False)]
    result = replan(timetable, no_shows=gone, now_slot=now, keep_future=keep_future, method=method)
    new = result.timetable
    assert check_timetable(new.problem, new, check_min=False) == []
    after = {(m.left, m.right): (m.slot, m.table) for m in new.meetings}
    gone_left = {i for side, i in gone if side == "left"}
    gone_right = {j for side, j in gone if side == "right"}
    locked = {(lk.left, lk.right) for lk in problem.locked}
    for m in timetable.meetings:
        pair = (m.left, m.right)
        absent = m.left in gone_left or m.right in gone_right
        if m.slot < now:  # held: untouched
            assert after.get(pair) == (m.slot, m.table)
        elif pair in locked and not absent:
            assert after.get(pair) == (m.slot, m.table)
        elif keep_future and not absent:
            assert after.get(pair) == (m.slot, m.table)
    for m in new.meetings:
        if m.slot >= now:
            assert m.left not in gone_left and m.right not in gone_right
    # A no-show's unplaced meetings say so; nobody else's do.
    for u in new.unplaced:
        assert (u.reason == "no-show") == (u.left in gone_left or u.right in gone_right)
    # Changes are exactly the difference between the two timetables.
    before = {(m.left, m.right): m for m in timetable.meetings}
    expected = {pair for pair in set(before) | set(after)
                if before.get(pair) is None or after.get(pair) is None
                or (before[pair].slot, before[pair].table) != after[pair]}
    assert {(c.participant, c.partner) for c in result.changes if c.side == "left"} == expected
    # Nothing is lost that re-planning could have kept: the score of kept meetings only drops by cancellations.
    cancelled = sum(c.before.score for c in result.changes if c.side == "left" and c.kind == "cancelled")
    assert new.objective >= timetable.objective - cancelled - 1e-9


def test_replan_backfills_freed_slots_from_standby() -> None:
    problem = random_fair_problem(2, 3, 2, density=1.0, tables=2, seed=4).replace(
        left=[0, 1], right=[0, 1], score=[5.0, 4.0], interpreter=None, requested=None)
    timetable = plan_timetable(problem, method="milp")
    assert timetable.n_meetings == 2
    meeting = next(m for m in timetable.meetings if m.right == 0)
    result = replan(timetable, no_shows=[("right", 0)], now_slot=0, standby=[(meeting.left, 2, 3.0)])
    assert check_timetable(result.timetable.problem, result.timetable) == []
    pairs = {(m.left, m.right) for m in result.timetable.meetings}
    assert (meeting.left, 2) in pairs and (meeting.left, 0) not in pairs
    kinds = {c.kind for c in result.changes}
    assert kinds == {"cancelled", "added"}
    words = result.by_participant()
    assert words["R0"]["cancelled"] and words["R2"]["added"]


def test_replan_accepts_ids_and_rejects_unknown_no_shows() -> None:
    problem = random_fair_problem(3, 3, 2, seed=1).replace(left_ids=["a", "b", "c"], right_ids=["x", "y", "z"])
    timetable = plan_timetable(problem)
    result = replan(timetable, no_shows=["a", "y"], now_slot=1)
    assert all(m.left != 0 and m.right != 1 for m in result.timetable.meetings if m.slot >= 1)
    with pytest.raises(InvalidInput, match="participant id of the fair"):
        replan(timetable, no_shows=["nobody"], now_slot=0)
    with pytest.raises(InvalidInput, match="index out of range"):
        replan(timetable, no_shows=[("left", 9)], now_slot=0)
    with pytest.raises(InvalidInput, match="now_slot"):
        replan(timetable, now_slot=7)


@pytest.mark.parametrize("method", ["milp", "heuristic"])
def test_rounds_never_repeat_a_pair(method: str) -> None:
    rounds = [random_fair_problem(6, 8, 3, density=0.8, availability=(0.6, 1.0), tables=4, seed=s) for s in (1, 1, 1)]
    # same candidates every round (seed 1), different availability is not needed to test repeats
    timetables = plan_rounds(rounds, method=method)
    seen: set[tuple[int, int]] = set()
    for problem, timetable in zip(rounds, timetables):
        assert check_timetable(timetable.problem, timetable, check_min=False) == []
        pairs = {(m.left, m.right) for m in timetable.meetings}
        assert not pairs & seen
        seen |= pairs


def test_rounds_coverage_lifts_those_left_out() -> None:
    # One popular buyer-facing exhibitor: without fairness exhibitor 1 never meets anyone.
    from matching.timetable import FairProblem

    problem = FairProblem(2, 3, [0, 0, 0, 1, 1, 1], [0, 1, 2, 0, 1, 2], [9.0, 9.0, 9.0, 1.0, 1.0, 1.0], slots=1,
                          right_max=1, tables=1)
    plain = plan_rounds([problem, problem], fairness="none", method="milp")
    fair = plan_rounds([problem, problem], fairness="coverage", method="milp")
    count = lambda tts, left: sum(m.left == left for t in tts for m in t.meetings)  # noqa: E731
    assert count(plain, 1) == 0
    assert count(fair, 1) >= 1
    for t in fair:
        assert check_timetable(t.problem, t, check_min=False) == []


def test_rounds_reject_bad_input() -> None:
    a = random_fair_problem(2, 2, 2, seed=0)
    b = random_fair_problem(3, 2, 2, seed=0)
    with pytest.raises(InvalidInput, match="same participants"):
        plan_rounds([a, b])
    with pytest.raises(InvalidInput, match="fairness"):
        plan_rounds([a], fairness="max-min")
    assert plan_rounds([]) == ()


def test_no_show_whose_held_two_slot_meeting_runs_past_now() -> None:
    from matching.timetable import FairProblem

    problem = FairProblem(1, 2, [0, 0], [0, 1], [2.0, 1.0], slots=4, meeting_length=2)
    timetable = plan_timetable(problem, method="milp")
    held = next(m for m in timetable.meetings if m.slot == 0)
    result = replan(timetable, no_shows=[("left", 0)], now_slot=1)
    assert check_timetable(result.timetable.problem, result.timetable) == []
    assert [(m.left, m.right, m.slot) for m in result.timetable.meetings] == [(held.left, held.right, 0)]
    assert [c.kind for c in result.changes] == ["cancelled", "cancelled"]
