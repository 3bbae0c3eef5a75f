"""Scores → an optimal matching.

Every solver is a plain function returning one frozen :class:`MatchResult`
that carries its own proof (dual potentials, blocking pairs, or a gap).
"""

from ._result import DualCertificate, GapCertificate, MatchResult, StabilityCertificate, Status
from ._input import ScoreInput, as_scores
from ._assignment import solve_assignment
from ._capacitated import solve_capacitated
from ._factors import solve_factors
from ._stable import preferences_from_scores, stable_matching
from ._fair import solve_bottleneck, solve_min_coverage
from ._baselines import greedy_matching, random_matching
from ._verify import (
    VerificationReport,
    blocking_pairs,
    check_duals,
    check_feasible,
    check_objective,
    check_stable,
    verify_duals,
    verify_feasible,
    verify_objective,
    verify_stable,
)

__all__ = [
    "DualCertificate",
    "GapCertificate",
    "MatchResult",
    "StabilityCertificate",
    "Status",
    "ScoreInput",
    "as_scores",
    "solve_assignment",
    "solve_capacitated",
    "solve_factors",
    "stable_matching",
    "preferences_from_scores",
    "solve_bottleneck",
    "solve_min_coverage",
    "greedy_matching",
    "random_matching",
    "VerificationReport",
    "blocking_pairs",
    "check_duals",
    "check_feasible",
    "check_objective",
    "check_stable",
    "verify_duals",
    "verify_feasible",
    "verify_objective",
    "verify_stable",
]
