"""What a fitted :class:`~matching.features.Scorer` hands out: contributions, best partners, pair scores, factors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from ._rules import Violation

__all__ = ["BestPartners", "Contribution", "PairScore", "ScoreFactors"]


@dataclass(frozen=True)
class Contribution:
    """One component's part of a pair's score.

    ``value`` is the raw component value, ``weight`` the normalised weight,
    ``contribution = weight * value``; ``neutral`` is true when data was
    missing and the value is the component's neutral value.  The wish bonus
    appears as component ``"wish"`` with weight 1.
    """

    component: str
    value: float
    weight: float
    contribution: float
    neutral: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "component": self.component,
            "value": self.value,
            "weight": self.weight,
            "contribution": self.contribution,
            "neutral": self.neutral,
        }


@dataclass(frozen=True)
class BestPartners:
    """One participant's best possible partners (:meth:`Scorer.best_partners`)."""

    side: str  # "left" or "right": the participant's own side
    index: int  # the participant's row (left) or column (right)
    partners: np.ndarray  # partner indices on the other side, best first (ties: lower index first)
    scores: np.ndarray  # their scores
    n_candidates: int  # possible partners in all
    n_impossible: int  # partners the hard rules exclude


@dataclass(frozen=True)
class ScoreFactors:
    """A fitted round's scores as factors in the canonical order (:meth:`Scorer.factors`)."""

    left: np.ndarray  # (n_left, d): weighted dense factors
    right: np.ndarray  # (n_right, d)
    sparse_left: sp.csr_array | None  # (n_left, p): exact text (weighted) and the wish bonus
    sparse_right: sp.csr_array | None  # (n_right, p)
    left_class: np.ndarray  # (n_left,) language-and-role class
    right_class: np.ndarray  # (n_right,)
    class_table: np.ndarray | None  # impossible class pairs; None when none is
    forbidden: np.ndarray  # (k, 2) listed impossible pairs (canonical positions)
    left_order: np.ndarray  # canonical position -> left index
    right_order: np.ndarray  # canonical position -> right index


@dataclass(frozen=True)
class PairScore:
    """A pair's score as the sum of its contributions (``math.fsum``)."""

    left: int
    right: int
    score: float
    contributions: tuple[Contribution, ...]
    impossible: tuple[Violation, ...] = ()

    def __getitem__(self, name: str) -> Contribution:
        for c in self.contributions:
            if c.component == name:
                return c
        raise KeyError(f"no component {name!r}; known: {[c.component for c in self.contributions]}")
