"""A large round without a score matrix: solve, verify, rank and count on the scorer's factors.

:func:`matching.pipeline.match_round` takes this path above
:data:`FACTOR_PATH_MIN_PAIRS` pairs (or when asked): the scorer's fitted
factors (:meth:`matching.features.Scorer.factors`) go to
:func:`matching.solvers.solve_factors`, which proves optimality by pricing
every allowed pair block by block.  What the dense path reads off the
matrix is computed here from blocks or per pair:

* the checks: feasibility against the hard rules looked up per matched pair,
  the objective recomputed from each pair's components
  (:meth:`~matching.features.Scorer.score_pairs`, not the factor product),
  and the solver's dual certificate held against an independent count of
  the allowed pairs;
* each matched partner's rank in the other's list (:mod:`._factor_ranks`);
* each participant's number of allowed partners (from class counts).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

import numpy as np
import scipy.sparse as sp

from ._factor_ranks import partner_ranks
from .features import Scorer
from .solvers import MatchResult, VerificationReport, solve_factors, verify_feasible, verify_objective
from .solvers import DualCertificate

__all__ = ["FACTOR_PATH_MIN_PAIRS", "allowed_partners", "factor_checks", "impossible_pairs", "partner_ranks",
           "solve_round_factors"]

#: ``path="auto"`` solves on the factors from this many pairs (left × right) on: 5,000 × 5,000.
FACTOR_PATH_MIN_PAIRS = 25_000_000

Progress = Callable[[str, int, int], Any]


def solve_round_factors(scorer: Scorer, bounds: dict[str, np.ndarray], required: np.ndarray, *,
                        progress: Progress | None = None, cluster: Any = None) -> MatchResult:
    """Maximum total score of a round on the scorer's factors, in participant indices.

    ``bounds`` holds ``left_capacity``, ``right_capacity``, ``left_min`` and
    ``right_min`` by participant index; ``required`` the must pairs.  The
    problem is solved in the scorer's canonical order and mapped back
    (pairs and dual potentials).  ``cluster``: run the blockwise passes on
    Dask (see :func:`~matching.solvers.solve_factors`).
    """
    f = scorer.factors()
    left_rank, right_rank = scorer.left_rank_, scorer.right_rank_
    canonical = {
        "left_capacity": bounds["left_capacity"][f.left_order],
        "right_capacity": bounds["right_capacity"][f.right_order],
        "left_min": bounds["left_min"][f.left_order],
        "right_min": bounds["right_min"][f.right_order],
    }
    required_c = np.column_stack([left_rank[required[:, 0]], right_rank[required[:, 1]]]) if len(required) else None
    sparse = None if f.sparse_left is None else (f.sparse_left, f.sparse_right)
    classes = None if f.class_table is None else (f.left_class, f.right_class, f.class_table)
    result = solve_factors(
        f.left, f.right, forbidden=f.forbidden if len(f.forbidden) else None, required=required_c,
        sparse_vectors=sparse, forbidden_classes=classes, progress=progress, cluster=cluster, **canonical,
    )
    pairs = np.column_stack([f.left_order[result.pairs[:, 0]], f.right_order[result.pairs[:, 1]]]) if len(result.pairs) \
        else np.zeros((0, 2), np.int64)
    cert = result.certificate
    cert = replace(cert, left_potential=np.asarray(cert.left_potential)[left_rank],
                   right_potential=np.asarray(cert.right_potential)[right_rank])
    return replace(result, pairs=pairs, certificate=cert)


def impossible_pairs(scorer: Scorer, pairs: np.ndarray) -> np.ndarray:
    """Whether each pair ``(i, j)`` (participant indices) breaks a hard rule, looked up pair by pair."""
    if len(pairs) == 0:
        return np.zeros(0, dtype=bool)
    i, j = pairs[:, 0], pairs[:, 1]
    out = scorer.language_impossible_[scorer.language_left_[i], scorer.language_right_[j]]
    out |= scorer.role_impossible_[scorer.role_left_[i], scorer.role_right_[j]]
    out |= np.asarray(scorer.forbidden_[i, j]).ravel().astype(bool)
    return out


def allowed_partners(scorer: Scorer) -> tuple[np.ndarray, np.ndarray]:
    """How many partners each left and each right participant may meet under the hard rules.

    From class counts (language state × role) and the listed impossible
    pairs; nothing of size ``n_left × n_right`` is built.
    """
    n_roles = len(scorer.roles_)
    left_class = scorer.language_left_ * n_roles + scorer.role_left_
    right_class = scorer.language_right_ * n_roles + scorer.role_right_
    k = len(scorer.language_impossible_) * n_roles
    table = (scorer.language_impossible_[:, None, :, None] | scorer.role_impossible_[None, :, None, :]).reshape(k, k)
    count_left = np.bincount(left_class, minlength=k)
    count_right = np.bincount(right_class, minlength=k)
    allowed_left = scorer.n_right_ - (table.astype(np.int64) @ count_right)[left_class]
    allowed_right = scorer.n_left_ - (count_left @ table.astype(np.int64))[right_class]
    listed = scorer.forbidden_.tocoo()
    only_listed = ~table[left_class[listed.row], right_class[listed.col]]
    allowed_left = allowed_left - np.bincount(listed.row[only_listed], minlength=scorer.n_left_)
    allowed_right = allowed_right - np.bincount(listed.col[only_listed], minlength=scorer.n_right_)
    return allowed_left.astype(np.int64), allowed_right.astype(np.int64)


def factor_checks(scorer: Scorer, result: MatchResult, bounds: dict[str, np.ndarray],
                  required: np.ndarray | None) -> tuple[VerificationReport, ...]:
    """Feasibility, objective and the dual certificate of a factor-path result, without a score matrix."""
    pairs = result.pairs
    impossible = pairs[impossible_pairs(scorer, pairs)]
    reports = [verify_feasible(result, forbidden=impossible if len(impossible) else None, required=required, **bounds)]
    values = scorer.score_pairs(pairs[:, 0], pairs[:, 1]) if len(pairs) else np.zeros(0)
    scores = sp.csr_array((values, (pairs[:, 0], pairs[:, 1])), shape=result.shape)
    reports.append(verify_objective(result, scores, rtol=1e-7))
    problems = []
    cert = result.certificate
    allowed = int(allowed_partners(scorer)[0].sum())
    if not isinstance(cert, DualCertificate):
        problems.append(f"expected dual potentials, got {type(cert).__name__}")
    else:
        if cert.pairs_checked != allowed:
            problems.append(f"the pricing checked {cert.pairs_checked} pairs but {allowed} pairs are allowed")
        tolerance = float(result.info.get("tolerance", 1e-9))
        if not cert.max_violation <= tolerance:
            problems.append(f"a pair violates the dual potentials by {cert.max_violation!r} (tolerance {tolerance!r})")
    if result.status.value != "optimal":
        problems.append(f"status is {result.status.value}, not optimal")
    reports.append(VerificationReport("duals (priced)", tuple(problems), {"allowed_pairs": allowed}))
    return tuple(reports)
