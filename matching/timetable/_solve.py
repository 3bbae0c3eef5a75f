"""One entry point, an explicit registry of planning methods."""

from __future__ import annotations

from typing import Any, Callable

from ..errors import FieldError, InvalidInput
from ._colouring import colouring_applies, plan_colouring
from ._heuristic import plan_greedy, plan_heuristic
from ._milp import NoSolutionInTime, plan_milp
from ._problem import FairProblem, Timetable

__all__ = ["plan_timetable", "METHODS", "MILP_MAX_VARIABLES"]

METHODS: dict[str, Callable[..., Timetable]] = {
    "colouring": plan_colouring,
    "milp": plan_milp,
    "heuristic": plan_heuristic,
    "greedy": plan_greedy,
}
"""Planning methods by name; ``"auto"`` chooses among them."""

MILP_MAX_VARIABLES = 60_000
"""``auto`` uses the MILP up to this many (pair, slot) variables."""


def _milp_size(problem: FairProblem) -> int:
    keep = problem.score > 0
    return int((problem.candidate_starts & keep[:, None]).sum())


def plan_timetable(problem: FairProblem, *, method: str = "auto", time_limit: float = 60.0, **options: Any) -> Timetable:
    """Plan a fair: place meetings in slots at tables, maximising the total score.

    Parameters
    ----------
    problem : FairProblem
    method : {"auto", "colouring", "milp", "heuristic", "greedy"}
        ``auto``: ``colouring`` (exact) with full availability and plain
        tables, else ``milp`` (exact, HiGHS) up to
        :data:`MILP_MAX_VARIABLES` (pair, slot) variables (falling back to
        the heuristic if HiGHS finds nothing within ``time_limit``), else
        ``heuristic`` (LP selection + placement + repair, with a gap to a
        proven upper bound); ``greedy`` is a baseline.
    time_limit : float
        Seconds for the exact methods.
    **options
        Passed to the method (``prune=``, ``improve=`` for the heuristic,
        ``mip_rel_gap=`` for the MILP).

    Returns
    -------
    Timetable

    Raises
    ------
    InvalidInput
        For an unknown method.
    Infeasible
        When minimums or locks cannot all hold.

    Examples
    --------
    >>> from matching.timetable import FairProblem, plan_timetable, check_timetable
    >>> problem = FairProblem(2, 2, left=[0, 0, 1], right=[0, 1, 1], score=[3.0, 1.0, 2.0], slots=2, tables=1)
    >>> timetable = plan_timetable(problem)
    >>> timetable.objective, timetable.status.value, check_timetable(problem, timetable)
    (5.0, 'optimal', [])
    """
    if method == "auto":
        if colouring_applies(problem):
            method = "colouring"
        elif _milp_size(problem) <= MILP_MAX_VARIABLES:
            try:
                return plan_milp(problem, time_limit=time_limit, **options)
            except NoSolutionInTime:
                method = "heuristic"
        else:
            method = "heuristic"
    if method not in METHODS:
        raise InvalidInput([FieldError("method", method, f"unknown planning method; expected one of {['auto', *METHODS]}")])
    planner = METHODS[method]
    if method in ("milp", "colouring"):
        options.setdefault("time_limit", time_limit)
    return planner(problem, **options)


