"""The one result type every solver returns, and its certificates."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np

__all__ = ["Status", "DualCertificate", "StabilityCertificate", "GapCertificate", "MatchResult"]


class Status(str, Enum):
    """How a solve ended."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    TIME_LIMIT = "time_limit"


@dataclass(frozen=True)
class DualCertificate:
    """Dual potentials proving optimality of a (capacitated) assignment.

    For a maximization with scores ``s``: ``left_potential[i] +
    right_potential[j] >= s[i, j]`` for every allowed pair (dual
    feasibility) with equality on every matched pair (complementary
    slackness); potentials of unmatched participants are 0 where they may
    stay unmatched.  Minimization flips the inequality.  ``max_violation`` is
    the largest violation found when the certificate was checked against
    ``pairs_checked`` pairs, after ``pricing_rounds`` rounds of pricing.
    """

    left_potential: np.ndarray
    right_potential: np.ndarray
    max_violation: float = 0.0
    pairs_checked: int = 0
    pricing_rounds: int = 0


@dataclass(frozen=True)
class StabilityCertificate:
    """A stable matching's proof: the blocking pairs found (k×2, empty when stable)."""

    blocking_pairs: np.ndarray

    @property
    def stable(self) -> bool:
        return len(self.blocking_pairs) == 0


@dataclass(frozen=True)
class GapCertificate:
    """A bound on how far a heuristic or fair solution is from an optimum."""

    upper_bound: float
    gap: float


Certificate = DualCertificate | StabilityCertificate | GapCertificate | None


@dataclass(frozen=True)
class MatchResult:
    """A matching and its proof.

    Attributes
    ----------
    pairs : ndarray of shape (k, 2), int64
        Matched (left index, right index) pairs, sorted by left then right.
    objective : float
        Sum of the scores of ``pairs``, recomputed from the input.
    status : Status
    solver : str
        Name of the algorithm that produced the pairs.
    wall_time : float
        Seconds spent in the solver.
    shape : (int, int)
        Number of left and right participants.
    maximize : bool
    certificate : DualCertificate | StabilityCertificate | GapCertificate | None
    info : mapping
        Solver-specific figures (bottleneck value, iterations, ...).
    """

    pairs: np.ndarray
    objective: float
    status: Status
    solver: str
    wall_time: float
    shape: tuple[int, int]
    maximize: bool = True
    certificate: Certificate = None
    info: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        pairs = np.asarray(self.pairs, dtype=np.int64).reshape(-1, 2)
        if len(pairs):
            pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
        pairs.setflags(write=False)
        object.__setattr__(self, "pairs", pairs)
        object.__setattr__(self, "status", Status(self.status))
        object.__setattr__(self, "info", MappingProxyType(dict(self.info)))

    @property
    def n_pairs(self) -> int:
        return len(self.pairs)

    def partners_of_left(self, i: int) -> np.ndarray:
        return self.pairs[self.pairs[:, 0] == i, 1]

    def partners_of_right(self, j: int) -> np.ndarray:
        return self.pairs[self.pairs[:, 1] == j, 0]
