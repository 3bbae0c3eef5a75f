"""Candidate meetings from ranked wishes or from a solver's matching, and timetables read back."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from ..errors import FieldError, InvalidInput
from ..io import csv_dict_rows
from ..solvers import Status
from ._problem import FairProblem, Timetable, make_timetable

__all__ = ["candidates_from_wishes", "candidates_from_matching", "read_timetable", "timetable_from_rows"]


def candidates_from_wishes(
    n_left: int,
    n_right: int,
    left_wishes: Mapping[int, Sequence[int]],
    right_wishes: Mapping[int, Sequence[int]],
    *,
    mutual_bonus: float = 0.5,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Turn ranked wishes of both sides into scored candidates.

    A wish at rank ``r`` (0 = first choice) in a list of ``k`` is worth
    ``(k - r) / k`` to the side that made it; a pair scores the sum of both
    sides' values, plus ``mutual_bonus`` when both sides asked.

    Parameters
    ----------
    n_left, n_right : int
    left_wishes : mapping left index -> right indices, best first
    right_wishes : mapping right index -> left indices, best first
    mutual_bonus : float

    Returns
    -------
    (left, right, score) arrays, sorted by pair.

    Raises
    ------
    InvalidInput
        An index out of range or a repeated wish.

    Examples
    --------
    >>> left, right, score = candidates_from_wishes(2, 2, {0: [1, 0]}, {1: [0]})
    >>> [(int(a), int(b), float(s)) for a, b, s in zip(left, right, score)]
    [(0, 0, 0.5), (0, 1, 2.5)]
    """
    value: dict[tuple[int, int], float] = {}
    asked: dict[tuple[int, int], int] = {}
    for side, wishes, n_me, n_other in (("left", left_wishes, n_left, n_right), ("right", right_wishes, n_right, n_left)):
        for me, ranked in wishes.items():
            ranked = list(ranked)
            if not 0 <= me < n_me:
                raise InvalidInput([FieldError(f"{side}_wishes", me, f"expected a {side} index in 0 .. {n_me - 1}")])
            if len(set(ranked)) != len(ranked):
                raise InvalidInput([FieldError(f"{side}_wishes[{me}]", ranked, "a partner is wished twice")])
            for rank, other in enumerate(ranked):
                if not 0 <= other < n_other:
                    raise InvalidInput([FieldError(f"{side}_wishes[{me}]", other, f"expected indices in 0 .. {n_other - 1}")])
                pair = (me, other) if side == "left" else (other, me)
                value[pair] = value.get(pair, 0.0) + (len(ranked) - rank) / len(ranked)
                asked[pair] = asked.get(pair, 0) + 1
    pairs = sorted(value)
    left = np.array([a for a, _ in pairs], dtype=np.int64)
    right = np.array([b for _, b in pairs], dtype=np.int64)
    score = np.array([value[p] + (mutual_bonus if asked[p] == 2 else 0.0) for p in pairs])
    return left, right, score


def candidates_from_matching(result: Any, scores: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pairs of a solver's :class:`~matching.solvers.MatchResult` with their scores.

    ``scores`` is the dense matrix the solver was given.
    """
    pairs = np.asarray(result.pairs, dtype=np.int64).reshape(-1, 2)
    scores = np.asarray(scores, dtype=float)
    return pairs[:, 0].copy(), pairs[:, 1].copy(), scores[pairs[:, 0], pairs[:, 1]]


def read_timetable(problem: FairProblem, path: str | Path) -> Timetable:
    """Read a timetable back from the ``agendas.csv`` that :func:`write_agendas` wrote.

    The problem must be the one it was planned for (same ids, slots,
    candidates); scores come from the problem.  The upper bound is
    :func:`dual_bound` of the problem.

    Raises
    ------
    InvalidInput
        A row naming an unknown participant, slot or pair.
    """
    with Path(path).open(encoding="utf-8", newline="") as handle:
        return timetable_from_rows(problem, csv_dict_rows(handle), source=str(path))


def timetable_from_rows(problem: FairProblem, rows: Iterable[Mapping[str, Any]], *, source: str = "<rows>") -> Timetable:
    """A timetable from agenda rows (``participant_id``, ``side``, ``partner_id``, ``slot``, ``table``; see
    :func:`read_timetable`); only the ``left`` rows are read, and rows are numbered from 2 as in a CSV file."""
    from ._bound import dual_bound

    t0 = time.perf_counter()
    left_pos = {problem.label("left", k): k for k in range(problem.n_left)}
    right_pos = {problem.label("right", k): k for k in range(problem.n_right)}
    slot_pos = {s.id: k for k, s in enumerate(problem.slots)}
    placed = []
    errors = []
    for line, row in enumerate(rows, start=2):
        if row.get("side") != "left":
            continue
        a, b, slot = row.get("participant_id"), row.get("partner_id"), row.get("slot")
        if a not in left_pos or b not in right_pos or slot not in slot_pos:
            errors.append(FieldError("participant_id/partner_id/slot", [a, b, slot], "names no participant or slot of this fair", row=line))
            continue
        c = problem.candidate_indices([left_pos[a]], [right_pos[b]])[0]
        if c < 0:
            errors.append(FieldError("participant_id/partner_id", [a, b], "is not a candidate pair of this fair", row=line))
            continue
        placed.append((int(c), slot_pos[slot], row.get("table", "")))
    if errors:
        raise InvalidInput(errors, f"{source}: {len(errors)} row(s) do not fit this fair")
    return make_timetable(problem, placed, upper_bound=dual_bound(problem), status=Status.FEASIBLE, solver="read",
                          wall_time=time.perf_counter() - t0)
