"""Why a one-to-one assignment that must cover a side has no solution: a Hall set, named.

When some participants of the side that must be matched stay on the dummy
column, :func:`raise_infeasible` grows from them, through their allowed
partners and those partners' current matches, a set of participants who
share fewer allowed partners than they are (Hall's condition fails) and
raises :class:`~matching.errors.Infeasible` naming both.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..errors import Infeasible
from ._input import ScoreInput

__all__ = ["neighbours_of", "raise_infeasible", "short_list"]


def raise_infeasible(sap: Any, on_dummy: np.ndarray, neighbours: Callable[[int, bool], np.ndarray] | None) -> None:
    """Name a Hall set: participants of the side that must be matched who share too few partners.

    ``sap`` needs ``transpose`` (the rows are the right side) and
    ``row4col`` (each column's current row, -1 if none); ``on_dummy`` are
    the rows left unmatched; ``neighbours(i, left)`` lists a participant's
    allowed partners (None: name the unmatched rows only).
    """
    side, other = ("right", "left") if sap.transpose else ("left", "right")
    unmatched = np.sort(on_dummy)
    hall_rows, hall_cols = set(unmatched.tolist()), set()
    if neighbours is not None:
        queue = list(unmatched.tolist())
        while queue:
            i = queue.pop()
            for j in np.asarray(neighbours(i, not sap.transpose)).tolist():
                if j in hall_cols:
                    continue
                hall_cols.add(j)
                r = int(sap.row4col[j])
                if r >= 0 and r not in hall_rows:
                    hall_rows.add(r)
                    queue.append(r)
    hall = np.array(sorted(hall_rows), dtype=np.int64)
    partners = np.array(sorted(hall_cols), dtype=np.int64)
    shown = ", ".join(str(i) for i in unmatched[:20].tolist()) + (" …" if len(unmatched) > 20 else "")
    message = (
        f"no matching covers every {side} participant: {len(unmatched)} {side} participant(s) cannot be matched "
        f"({side} {shown}); the {len(hall)} {side} participant(s) {short_list(hall)} have only "
        f"{len(partners)} allowed {other} partner(s) {short_list(partners)} between them; "
        f"allow more pairs or pass require_complete=False"
    )
    exc = Infeasible(message, culprits=[f"{side} {i}" for i in hall.tolist()])
    exc.side = side
    exc.unmatched = unmatched
    exc.hall_set = hall
    exc.partners = partners
    raise exc


def short_list(values: np.ndarray, limit: int = 20) -> str:
    """``values`` as ``[a, b, …]``, at most ``limit`` shown."""
    vals = values.tolist()
    body = ", ".join(str(x) for x in vals[:limit])
    return f"[{body}{', …' if len(vals) > limit else ''}]"


def neighbours_of(data: ScoreInput) -> Callable[[int, bool], np.ndarray]:
    """``neighbours(i, left)``: the allowed partners of left participant ``i`` (``left``) or right participant ``i``."""
    if data.sparse is not None:
        csr = data.sparse
        csc: list[Any] = []  # built on first use: only an infeasible input asks for it

        def sparse_neighbours(i: int, left: bool) -> np.ndarray:
            if not left and not csc:
                csc.append(csr.tocsc())
            a = csr if left else csc[0]
            return a.indices[a.indptr[i]:a.indptr[i + 1]]

        return sparse_neighbours
    fp = data.forbidden_pairs
    n, m = data.shape

    def dense_neighbours(i: int, left: bool) -> np.ndarray:
        if left:
            return np.setdiff1d(np.arange(m), fp[fp[:, 0] == i, 1])
        return np.setdiff1d(np.arange(n), fp[fp[:, 1] == i, 0])

    return dense_neighbours
