"""Several rounds: no pair meets twice, nobody left out where avoidable."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..errors import FieldError, InvalidInput
from ._problem import FairProblem, Timetable
from ._solve import plan_timetable

__all__ = ["plan_rounds", "FAIRNESS"]

FAIRNESS = ("none", "coverage")


def plan_rounds(problems: Sequence[FairProblem], *, fairness: str = "coverage", method: str = "auto",
                time_limit: float = 60.0, **options: Any) -> tuple[Timetable, ...]:
    """Plan rounds one after the other over the same participants.

    Every pair that met in an earlier round (or in a problem's own
    ``past_pairs``) is excluded from later rounds.  With
    ``fairness="coverage"`` each round's objective is lexicographic:

    1. first, as many *priority* participants as possible get at least one
       meeting, where the priority participants of a round are those with
       no meeting in any earlier round (in the first round: everybody);
    2. then the total score.

    So nobody is left with zero meetings over the rounds while others
    have many unless no timetable can include them (exactly so with the
    MILP; the heuristic tries each of them in turn, evicting a partner's
    weakest meeting where needed).

    Parameters
    ----------
    problems : sequence of FairProblem
        One per round, with the same participants (``n_left``, ``n_right``).
    fairness : {"none", "coverage"}
    method, time_limit, **options
        Passed to :func:`plan_timetable`.

    Returns
    -------
    tuple of Timetable, one per round.

    Raises
    ------
    InvalidInput
        Unknown fairness, or rounds with different participants.
    """
    if fairness not in FAIRNESS:
        raise InvalidInput([FieldError("fairness", fairness, f"expected one of {list(FAIRNESS)}")])
    problems = list(problems)
    if not problems:
        return ()
    n_left, n_right = problems[0].n_left, problems[0].n_right
    for r, problem in enumerate(problems):
        if (problem.n_left, problem.n_right) != (n_left, n_right):
            raise InvalidInput([FieldError(f"problems[{r}]", (problem.n_left, problem.n_right),
                                           f"every round needs the same participants ({n_left} x {n_right})")])
    met = np.zeros((0, 2), dtype=np.int64)
    left_total = np.zeros(n_left, dtype=np.int64)
    right_total = np.zeros(n_right, dtype=np.int64)
    out = []
    for problem in problems:
        changes: dict[str, Any] = {"past_pairs": np.unique(np.vstack([problem.past_pairs, met]), axis=0)}
        if fairness == "coverage":
            changes["left_priority"] = problem.left_priority | (left_total == 0)
            changes["right_priority"] = problem.right_priority | (right_total == 0)
        timetable = plan_timetable(problem.replace(**changes), method=method, time_limit=time_limit, **options)
        out.append(timetable)
        pairs = timetable.pairs()
        met = np.vstack([met, pairs])
        left_total += np.bincount(pairs[:, 0], minlength=n_left)
        right_total += np.bincount(pairs[:, 1], minlength=n_right)
    return tuple(out)
