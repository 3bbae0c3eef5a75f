"""Timetable planners: brute force on tiny fairs, the independent checker on random ones."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.errors import Infeasible, InvalidInput
from matching.timetable import (
    FairProblem,
    LockedMeeting,
    Meeting,
    Table,
    TimeSlot,
    Timetable,
    bipartite_edge_colouring,
    check_timetable,
    colouring_applies,
    dual_bound,
    plan_colouring,
    plan_greedy,
    plan_heuristic,
    plan_milp,
    plan_timetable,
    random_fair_problem,
)
from matching.timetable._colouring import balance_colours


# --------------------------------------------------------------- brute force
def brute_force(problem: FairProblem) -> float:
    """Best total score by trying every (pair -> no meeting | start slot) choice.

    Feasibility is written out here from the raw fields, sharing nothing
    with the planners.  Tables: a count (general tables only).
    """
    n_slots, length = problem.n_slots, problem.meeting_length
    pairs = [(int(a), int(b), float(s)) for a, b, s in zip(problem.left, problem.right, problem.score)]
    past = {tuple(p) for p in problem.past_pairs.tolist()}
    options = []
    for a, b, _ in pairs:
        starts = [None]
        if (a, b) not in past:
            for s in range(n_slots - length + 1):
                window = range(s, s + length)
                if all(problem.left_available[a, t] and problem.right_available[b, t] for t in window):
                    starts.append(s)
        options.append(starts)
    locks = {(lk.left, lk.right): lk.slot for lk in problem.locked}
    best = -np.inf
    for choice in itertools.product(*options):
        busy_l, busy_r, per_slot = set(), set(), [0] * n_slots
        count_l = [0] * problem.n_left
        count_r = [0] * problem.n_right
        ok, total = True, 0.0
        for (a, b, score), s in zip(pairs, choice):
            if (a, b) in locks and s != locks[a, b]:
                ok = False
                break
            if s is None:
                continue
            total += score
            count_l[a] += 1
            count_r[b] += 1
            for t in range(s, s + length):
                if (a, t) in busy_l or (b, t) in busy_r:
                    ok = False
                busy_l.add((a, t))
                busy_r.add((b, t))
                per_slot[t] += 1
        if not ok:
            continue
        if problem.tables is not None and max(per_slot) > problem.tables:
            continue
        if any(not lo <= c <= hi for c, lo, hi in zip(count_l, problem.left_min, problem.left_max)):
            continue
        if any(not lo <= c <= hi for c, lo, hi in zip(count_r, problem.right_min, problem.right_max)):
            continue
        best = max(best, total)
    return best


@st.composite
def tiny_fairs(draw: st.DrawFn) -> FairProblem:
    n_left = draw(st.integers(1, 3))
    n_right = draw(st.integers(1, 3))
    n_slots = draw(st.integers(1, 3))
    all_pairs = [(a, b) for a in range(n_left) for b in range(n_right)]
    chosen = draw(st.lists(st.sampled_from(all_pairs), min_size=1, max_size=6, unique=True))
    scores = draw(st.lists(st.integers(-2, 9), min_size=len(chosen), max_size=len(chosen)))
    avail = st.lists(st.lists(st.booleans(), min_size=n_slots, max_size=n_slots), min_size=1, max_size=1)
    left_available = np.array([draw(avail)[0] for _ in range(n_left)], dtype=bool)
    right_available = np.array([draw(avail)[0] for _ in range(n_right)], dtype=bool)
    length = draw(st.integers(1, min(2, n_slots)))
    left_max = draw(st.lists(st.integers(0, 3), min_size=n_left, max_size=n_left))
    right_max = draw(st.lists(st.integers(0, 3), min_size=n_right, max_size=n_right))
    left_min = [draw(st.integers(0, min(1, m))) for m in left_max]
    past = draw(st.lists(st.sampled_from(chosen), max_size=1))
    return FairProblem(
        n_left, n_right, [a for a, _ in chosen], [b for _, b in chosen], scores,
        slots=n_slots, left_available=left_available, right_available=right_available,
        tables=draw(st.sampled_from([None, 1, 2])), meeting_length=length,
        left_min=left_min, left_max=left_max, right_max=right_max, past_pairs=past,
    )


@settings(max_examples=60, deadline=None)
@given(tiny_fairs())
def test_milp_matches_brute_force_and_bounds_hold(problem: FairProblem) -> None:
    best = brute_force(problem)
    if best == -np.inf:
        with pytest.raises(Infeasible, match="relax"):
            plan_milp(problem)
        return
    exact = plan_milp(problem)
    assert check_timetable(problem, exact) == []
    assert exact.objective == pytest.approx(best)
    assert exact.status.value == "optimal"
    # Every bound the heuristics report must be a true upper bound.
    assert dual_bound(problem) >= best - 1e-9
    relaxed = None
    for planner in (plan_heuristic, plan_greedy):
        timetable = planner(problem)
        assert check_timetable(problem, timetable, check_min=False) == []
        if check_timetable(problem, timetable) == []:
            assert timetable.objective <= best + 1e-9
        else:  # a heuristic may miss a minimum; then it competes with the fair without minimums
            relaxed = brute_force(problem.replace(left_min=0, right_min=0)) if relaxed is None else relaxed
            assert timetable.objective <= relaxed + 1e-9
        assert timetable.upper_bound >= best - 1e-9


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.sampled_from([None, 1, 2]), st.integers(0, 10_000))
def test_colouring_is_exact_with_full_availability(n_left: int, n_right: int, n_slots: int, tables: int | None, seed: int) -> None:
    problem = random_fair_problem(n_left, n_right, n_slots, density=0.8, tables=tables, seed=seed)
    assert colouring_applies(problem)
    timetable = plan_colouring(problem)
    assert check_timetable(problem, timetable) == []
    assert timetable.objective == pytest.approx(brute_force(problem) if problem.n_candidates <= 7 else plan_milp(problem).objective)


@pytest.mark.parametrize("seed", range(6))
def test_exact_methods_agree_on_random_fairs(seed: int) -> None:
    problem = random_fair_problem(8, 12, 5, density=0.6, tables=4, seed=seed)
    a, b = plan_colouring(problem), plan_milp(problem)
    assert check_timetable(problem, a) == [] and check_timetable(problem, b) == []
    assert a.objective == pytest.approx(b.objective)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("length", [1, 2])
def test_every_method_passes_the_checker_on_partial_availability(seed: int, length: int) -> None:
    problem = random_fair_problem(15, 30, 6, density=0.5, availability=(0.5, 0.9), tables=8,
                                  meeting_length=length, left_max=4, right_max=3, seed=seed)
    exact = plan_milp(problem)
    assert check_timetable(problem, exact) == []
    for planner in (plan_heuristic, plan_greedy):
        timetable = planner(problem)
        assert check_timetable(problem, timetable) == []
        assert timetable.objective <= exact.objective + 1e-6
        assert timetable.upper_bound >= exact.objective - 1e-6
    assert plan_timetable(problem).objective == pytest.approx(exact.objective)


def test_heuristic_is_close_to_its_bound_on_a_mid_size_fair() -> None:
    problem = random_fair_problem(60, 200, 8, availability=(0.6, 0.9), tables=40, seed=3)
    timetable = plan_heuristic(problem)
    assert check_timetable(problem, timetable) == []
    assert timetable.gap < 0.02
    assert timetable.upper_bound == pytest.approx(timetable.objective / (1 - timetable.gap))


def named_tables_problem(seed: int) -> FairProblem:
    rng = np.random.default_rng(seed)
    base = random_fair_problem(6, 10, 4, density=0.7, availability=(0.6, 1.0), seed=seed)
    interpreter = [("en" if rng.random() < 0.3 else None) for _ in range(base.n_candidates)]
    tables = (Table("G1"), Table("G2"), Table("I-en", "interpreter", language="en"), Table("B0", "booth", fixed_to=0))
    return base.replace(tables=tables, interpreter=interpreter)


@pytest.mark.parametrize("seed", range(5))
def test_table_kinds_are_respected(seed: int) -> None:
    problem = named_tables_problem(seed)
    for planner in (plan_milp, plan_heuristic, plan_greedy):
        timetable = planner(problem)
        assert check_timetable(problem, timetable) == []
        for m in timetable.meetings:
            c = problem.candidate_index(m.left, m.right)
            if problem.interpreter[c]:
                assert m.table == "I-en"
            elif m.left == 0:
                assert m.table == "B0"
            else:
                assert m.table in ("G1", "G2")


def test_interpreter_pair_without_table_is_reported() -> None:
    problem = FairProblem(1, 2, [0, 0], [0, 1], [5.0, 1.0], slots=2, tables=(Table("G1"),), interpreter=["th", None])
    timetable = plan_milp(problem)
    assert [(m.left, m.right) for m in timetable.meetings] == [(0, 1)]
    assert "interpreter for 'th'" in timetable.unplaced[0].reason


def test_locks_are_kept_even_against_the_score() -> None:
    problem = random_fair_problem(5, 6, 4, density=1.0, tables=3, seed=1)
    lock = LockedMeeting(0, 0, 2, "T3")
    locked = problem.replace(locked=(lock,))
    for planner in (plan_milp, plan_heuristic, plan_greedy):
        timetable = planner(locked)
        assert check_timetable(locked, timetable) == []
        kept = [m for m in timetable.meetings if (m.left, m.right) == (0, 0)]
        assert kept and (kept[0].slot, kept[0].table, kept[0].locked) == (2, "T3", True)


def test_lock_outside_availability_is_invalid() -> None:
    with pytest.raises(InvalidInput, match="outside a participant's availability"):
        FairProblem(1, 1, [0], [0], [1.0], slots=2, left_available=[[True, False]], locked=(LockedMeeting(0, 0, 1),))


def test_past_pairs_never_meet_again() -> None:
    problem = random_fair_problem(4, 4, 3, seed=2).replace(past_pairs=[[0, 0], [1, 1]])
    for planner in (plan_milp, plan_heuristic, plan_colouring):
        timetable = planner(problem)
        assert check_timetable(problem, timetable) == []
        assert not {(0, 0), (1, 1)} & {(m.left, m.right) for m in timetable.meetings}
    reasons = {(u.left, u.right): u.reason for u in plan_milp(problem).unplaced}
    assert reasons[0, 0] == "met in an earlier round"


def test_meetings_of_two_slots_need_back_to_back_slots() -> None:
    from datetime import datetime

    day = datetime(2026, 11, 18)
    slots = (TimeSlot("a", day.replace(hour=10), day.replace(hour=11)),
             TimeSlot("b", day.replace(hour=11), day.replace(hour=12)),
             TimeSlot("c", day.replace(hour=13), day.replace(hour=14)))  # lunch break before c
    problem = FairProblem(1, 2, [0, 0], [0, 1], [2.0, 1.0], slots=slots, meeting_length=2)
    timetable = plan_milp(problem)
    assert [m.slot for m in timetable.meetings] == [0]
    assert timetable.objective == 2.0
    assert problem.contiguous.tolist() == [True, False]


def test_infeasible_minimum_names_the_participant() -> None:
    problem = FairProblem(1, 2, [0, 0], [0, 1], [1.0, 1.0], slots=2, left_available=[[True, False]], left_min=2,
                          left_ids=["exh-1"], right_ids=["b1", "b2"])
    with pytest.raises(Infeasible, match="exh-1") as info:
        plan_milp(problem)
    assert any("exh-1" in c for c in info.value.culprits)


def test_minimum_forces_a_low_score_meeting() -> None:
    problem = FairProblem(2, 1, [0, 1], [0, 0], [5.0, -1.0], slots=2, right_max=1, left_min=[0, 1])
    timetable = plan_milp(problem)
    assert [(m.left, m.right) for m in timetable.meetings] == [(1, 0)]
    assert check_timetable(problem, timetable) == []


def test_priority_gives_everyone_a_meeting_where_possible() -> None:
    # Two buyers want the same exhibitor; one slot, one table each time: coverage first.
    problem = FairProblem(2, 2, [0, 0, 1], [0, 1, 1], [10.0, 9.0, 0.5], slots=1, right_priority=[True, True],
                          left_priority=[True, True])
    for planner in (plan_milp, plan_heuristic):
        timetable = planner(problem)
        assert check_timetable(problem, timetable) == []
        assert {(m.left, m.right) for m in timetable.meetings} == {(0, 0), (1, 1)}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"left": [0, 3]}, "expected indices in 0 .. 1"),
        ({"right": [0, -1]}, "expected indices in 0 .. 1"),
        ({"score": [1.0]}, "same length"),
        ({"score": [1.0, np.nan]}, "finite"),
        ({"left": [0, 0], "right": [1, 1]}, "appears twice"),
        ({"slots": 0}, "at least one slot"),
        ({"meeting_length": 3}, "expected 1 .. 2"),
        ({"left_available": [[True]]}, "shape"),
        ({"left_min": [3, 0], "left_max": 2}, "min exceeds max"),
        ({"tables": (Table("x"), Table("x"))}, "unique"),
        ({"tables": (Table("i", "interpreter"),)}, "needs a language"),
        ({"tables": (Table("b", "booth", fixed_to=7),)}, "booth needs a left participant"),
        ({"tables": -1}, ">= 0"),
        ({"interpreter": ["en"]}, "one entry per candidate"),
        ({"locked": (LockedMeeting(0, 0, 5),)}, "start slot"),
        ({"locked": (LockedMeeting(0, 0, 0, "nope"),), "tables": (Table("G"),)}, "not a table of the kind"),
        ({"slots": (TimeSlot("a"), TimeSlot("a"))}, "unique"),
    ],
)
def test_invalid_problems_are_rejected(kwargs: dict, message: str) -> None:
    base = {"n_left": 2, "n_right": 2, "left": [0, 1], "right": [0, 1], "score": [1.0, 2.0], "slots": 2}
    base.update(kwargs)
    with pytest.raises(InvalidInput, match=message):
        FairProblem(**base)


def test_unknown_method_is_rejected() -> None:
    problem = random_fair_problem(2, 2, 2, seed=0)
    with pytest.raises(InvalidInput, match="unknown planning method"):
        plan_timetable(problem, method="simplex")


def test_colouring_refuses_partial_availability() -> None:
    problem = random_fair_problem(3, 3, 3, availability=(0.3, 0.6), seed=0)
    with pytest.raises(ValueError, match="full availability"):
        plan_colouring(problem)


# ----------------------------------------------------------- the checker
def _timetable(problem: FairProblem, meetings: list[Meeting]) -> Timetable:
    return Timetable(problem, tuple(meetings), (), sum(m.score for m in meetings), 100.0, 0.0, "feasible", "hand", 0.0)


@pytest.mark.parametrize(
    ("meetings", "message"),
    [
        ([Meeting(0, 0, 0, "T1", 1.0), Meeting(0, 1, 0, "T2", 2.0)], "left participant double-booked"),
        ([Meeting(0, 0, 0, "T1", 1.0), Meeting(1, 0, 0, "T2", 3.0)], "right participant double-booked"),
        ([Meeting(0, 0, 0, "T1", 1.0), Meeting(1, 1, 0, "T1", 4.0)], "holds two meetings"),
        ([Meeting(1, 1, 1, "T1", 4.0)], "not available"),
        ([Meeting(0, 0, 0, "T9", 1.0)], "does not exist"),
        ([Meeting(1, 0, 1, "T1", 1.0)], "not a candidate"),
        ([Meeting(0, 0, 0, "T1", 7.0)], "differs from the candidate"),
        ([Meeting(0, 0, 0, "T1", 1.0), Meeting(0, 0, 1, "T1", 1.0)], "meets twice"),
        ([Meeting(0, 0, 5, "T1", 1.0)], "out of range"),
    ],
)
def test_checker_finds_broken_timetables(meetings: list[Meeting], message: str) -> None:
    problem = FairProblem(2, 2, [0, 0, 1], [0, 1, 1], [1.0, 2.0, 4.0], slots=2, tables=2,
                          right_available=[[True, True], [True, False]])
    assert any(message in p for p in check_timetable(problem, _timetable(problem, meetings)))


def test_checker_finds_table_overflow_missing_lock_past_pair_and_minimum() -> None:
    problem = FairProblem(2, 2, [0, 1], [0, 1], [1.0, 1.0], slots=1, tables=1, left_min=[0, 1],
                          locked=(LockedMeeting(1, 1, 0),), past_pairs=[[0, 0]])
    found = check_timetable(problem, _timetable(problem, [Meeting(0, 0, 0, "T1", 1.0)]))
    assert any("met in an earlier round" in p for p in found)
    assert any("is not kept" in p for p in found)
    assert any("min 1" in p for p in found)
    late = FairProblem(1, 1, [0], [0], [1.0], slots=2, first_slot=1)
    assert any("before the first slot still open" in p for p in check_timetable(late, _timetable(late, [Meeting(0, 0, 0, "T1", 1.0)])))
    over = FairProblem(2, 2, [0, 1], [0, 1], [1.0, 1.0], slots=1, tables=1)
    found = check_timetable(over, _timetable(over, [Meeting(0, 0, 0, "T1", 1.0), Meeting(1, 1, 0, "T2", 1.0)]))
    assert any("2 meetings for 1 tables" in p for p in found)


def test_checker_finds_wrong_table_kind_and_bad_objective() -> None:
    tables = (Table("G"), Table("I", "interpreter", language="en"), Table("B", "booth", fixed_to=1))
    problem = FairProblem(2, 2, [0, 0, 1], [0, 1, 0], [1.0, 1.0, 1.0], slots=2, tables=tables, interpreter=["en", None, None])
    bad = [Meeting(0, 0, 0, "G", 1.0), Meeting(0, 1, 1, "I", 1.0), Meeting(1, 0, 1, "G", 1.0)]
    found = check_timetable(problem, _timetable(problem, bad))
    assert any("needs an interpreter table" in p for p in found)
    assert any("needs no interpreter" in p for p in found)
    assert any("has a booth" in p for p in found)
    lying = Timetable(problem, (), (), 5.0, 1.0, 0.0, "feasible", "hand", 0.0)
    found = check_timetable(problem, lying)
    assert any("not the sum" in p for p in found) and any("below the objective" in p for p in found)


# ---------------------------------------------------------- edge colouring
@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), max_size=40), st.integers(0, 3))
def test_edge_colouring_uses_max_degree_colours_and_balances(edges: list[tuple[int, int]], extra: int) -> None:
    degree: dict[tuple[str, int], int] = {}
    for u, v in edges:
        degree["l", u] = degree.get(("l", u), 0) + 1
        degree["r", v] = degree.get(("r", v), 0) + 1
    n_colours = max(degree.values(), default=0) + extra
    if not edges:
        return
    colour = bipartite_edge_colouring(edges, 6, n_colours)
    for side, k in ((0, "l"), (1, "r")):
        seen = set()
        for e, (u, v) in enumerate(edges):
            key = ((u, v)[side], colour[e])
            assert key not in seen
            seen.add(key)
    assert max(colour) < n_colours
    limit = -(-len(edges) // n_colours)
    balanced = balance_colours(edges, 6, colour, n_colours, limit)
    assert np.bincount(balanced, minlength=n_colours).max() <= limit
    for side in (0, 1):
        assert len({((u, v)[side], balanced[e]) for e, (u, v) in enumerate(edges)}) == len(edges)
