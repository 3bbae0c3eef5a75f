"""Hard rules (pairs that cannot meet) and explicit wishes.

A pair (left ``i``, right ``j``) is *impossible* when any of these holds:

* ``veto``: ``i`` lists ``j``'s id in ``vetoes``, or ``j`` lists ``i``'s;
* ``conflict``: either lists the other in ``conflicts`` (competitors,
  existing ties, a conflict of interest);
* ``never``: the organizer excluded the pair (``Round.never``);
* ``self``: the same participant (same id) is on both sides of the round;
* ``language``: both list languages, they share none, and no interpreter
  language bridges them (one side speaks an interpreter language and the
  other speaks Japanese, see :func:`matching.features._language.bridged`);
* ``role``: the pair of roles is not one the round allows.

Wishes: ``i`` listing ``j`` in ``wishes`` (or ``j`` listing ``i``) raises the
pair's score by a bonus.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import scipy.sparse as sp

from ._profiles import RuleView

__all__ = ["Violation", "pair_matrix", "RULES"]

#: The hard rules, in the order explanations list them.
RULES: tuple[str, ...] = ("veto", "conflict", "never", "self", "language", "role")


@dataclass(frozen=True)
class Violation:
    """Why a pair is impossible: the rule, and who or what triggered it.

    ``by`` is ``"left"``, ``"right"``, ``"both"`` or ``"organizer"``;
    ``detail`` holds e.g. the two language lists or the two roles.
    """

    rule: str
    by: str
    detail: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {"rule": self.rule, "by": self.by, "detail": list(self.detail)}


def pair_matrix(
    left: Sequence[RuleView],
    right: Sequence[RuleView],
    left_lists: Iterable[tuple[int, Iterable[str]]],
    right_lists: Iterable[tuple[int, Iterable[str]]],
) -> tuple[sp.csr_array, sp.csr_array]:
    """Two boolean (n_left, n_right) matrices of listed pairs.

    ``left_lists`` yields (left index, ids of right participants it names);
    ``right_lists`` (right index, ids of left participants).  Ids naming
    nobody on the other side are ignored (they may be on the same side or in
    another round).  Returns (named by left, named by right).
    """
    left_pos = {v.id: i for i, v in enumerate(left)}
    right_pos = {v.id: j for j, v in enumerate(right)}
    shape = (len(left), len(right))

    def build(pairs: list[tuple[int, int]]) -> sp.csr_array:
        if not pairs:
            return sp.csr_array(shape, dtype=bool)
        rows, cols = np.array(pairs, dtype=np.int64).T
        m = sp.coo_array((np.ones(len(rows), dtype=bool), (rows, cols)), shape=shape).tocsr()
        m.sum_duplicates()
        m.sort_indices()
        return m

    by_left = [(i, right_pos[x]) for i, ids in left_lists for x in ids if x in right_pos]
    by_right = [(left_pos[x], j) for j, ids in right_lists for x in ids if x in left_pos]
    return build(by_left), build(by_right)
