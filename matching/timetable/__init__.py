"""Timetables for matching fairs: meetings in slots at tables, agendas, re-planning.

Core (plain arrays, no profiles needed):

* :class:`FairProblem` — candidates with scores, slots, availability,
  tables (a count or named :class:`Table` s: general, interpreter, booth),
  meeting length, min/max meetings, locks, past pairs;
* :func:`plan_timetable` — ``colouring`` (exact with full availability),
  ``milp`` (exact, HiGHS), ``heuristic`` (large fairs, with a gap to a
  proven upper bound); :func:`plan_rounds` for several rounds;
* :func:`replan` — no-shows on the day (:func:`read_timetable` reads a
  published ``agendas.csv`` back);
* inputs: :func:`candidates_from_wishes` (ranked wishes of both sides),
  :func:`candidates_from_matching` (a solver's pairs);
* :func:`check_timetable` — an independent checker;
* outputs: :func:`agenda_rows`, :func:`write_agendas` (CSV, JSON, .ics),
  :func:`write_grid` (HTML, PNG), :func:`write_unplaced`, :func:`write_plan`;
* adapter: :func:`fair_problem_from_event`; :func:`plan_event_demo` for
  ``matching demo``.
"""

from ._adapter import fair_problem_from_event
from ._bound import dual_bound
from ._check import check_timetable
from ._colouring import bipartite_edge_colouring, colouring_applies, plan_colouring
from ._demo import plan_event_demo
from ._heuristic import plan_greedy, plan_heuristic
from ._inputs import candidates_from_matching, candidates_from_wishes, read_timetable, timetable_from_rows
from ._milp import plan_milp
from ._output import agenda_ics, agenda_rows, grid_html, write_agendas, write_grid, write_plan, write_unplaced
from ._problem import FairProblem, LockedMeeting, Meeting, Table, TimeSlot, Timetable, Unplaced
from ._random import random_fair_problem
from ._replan import Change, Replan, replan
from ._rounds import FAIRNESS, plan_rounds
from ._solve import METHODS, plan_timetable

__all__ = [
    "FAIRNESS",
    "METHODS",
    "Change",
    "FairProblem",
    "LockedMeeting",
    "Meeting",
    "Replan",
    "Table",
    "TimeSlot",
    "Timetable",
    "Unplaced",
    "agenda_ics",
    "agenda_rows",
    "bipartite_edge_colouring",
    "candidates_from_matching",
    "candidates_from_wishes",
    "check_timetable",
    "colouring_applies",
    "dual_bound",
    "fair_problem_from_event",
    "grid_html",
    "plan_colouring",
    "plan_event_demo",
    "plan_greedy",
    "plan_heuristic",
    "plan_milp",
    "plan_rounds",
    "plan_timetable",
    "random_fair_problem",
    "read_timetable",
    "replan",
    "timetable_from_rows",
    "write_agendas",
    "write_grid",
    "write_plan",
    "write_unplaced",
]
