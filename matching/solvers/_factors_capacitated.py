"""The capacitated loop of :func:`~matching.solvers.solve_factors`: capacities, minimums, required pairs.

The candidates go to the capacitated solver (required pairs always among
them; widened when the minimums need partners outside them): without
minimums one min-cost flow over all of them per round
(:func:`._capacitated.solve_given_pairs`; each round's flow starts from the
previous round's when the new pairs move few units, see
:class:`._flow.FlowWarmStart`), with minimums the HiGHS LP with
its own candidate loop.  Each round prices the full problem against the
solver's duals (:func:`._factors._pricer`) and adds the violated pairs;
after a full pass only the rows whose bound (their near pairs and floor at
their last pricing, :mod:`._factors_bound`) no longer clears them are
priced (:func:`_rows_to_price`).
"""

from __future__ import annotations

import functools
from time import perf_counter

import numpy as np
import scipy.sparse as sp

from .._memory import release_free_memory
from ..errors import Infeasible
from ._capacitated import solve_capacitated, solve_given_pairs
from ._flow import FlowWarmStart
from ._factors import _ADD_K, _ADD_K_MAX, _Factors, _pricer
from ._factors_bound import NEAR, RowBound, columns_check
from ._result import DualCertificate, MatchResult, Status

__all__ = ["capacitated"]

#: extra candidates per participant beyond its capacity (capacitated path)
_EXTRA = 4
#: relative tolerance of the capacitated pricing test (matches the capacitated solver's)
_CAP_TOL = 1e-7
#: pricing rounds after which the capacitated loop gives up (never reached in practice)
_MAX_CAP_ROUNDS = 200


def _with_pairs(rows, cols, vals, extra: np.ndarray, f: "_Factors"):
    """The candidates plus the pairs ``extra`` (k×2) with their exact scores, without duplicates."""
    if len(extra) == 0:
        return rows, cols, vals
    keys = rows * f.m + cols
    new = extra[~np.isin(extra[:, 0] * f.m + extra[:, 1], keys)]
    return (np.concatenate([rows, new[:, 0]]), np.concatenate([cols, new[:, 1]]),
            np.concatenate([vals, f.values(new[:, 0], new[:, 1])]))


def _candidate_matrix(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, shape: tuple[int, int]) -> sp.csr_array:
    """The candidate pairs as the sparse score matrix the capacitated solver takes (CSR, sorted, no duplicates)."""
    cand = sp.csr_array((vals, (rows, cols)), shape=shape)
    cand.sum_duplicates()
    return cand


def _rows_to_price(bound: RowBound, left: np.ndarray, right: np.ndarray,
                   candidates: tuple[np.ndarray, np.ndarray], check=None) -> np.ndarray | None:
    """Left participants that may have a violated pair under the potentials ``left, right`` (None: everyone).

    Before the first full pass everyone; then the rows whose lower bound on
    the reduced costs of their allowed non-candidate pairs (kept near pairs
    with their own column's move, the rest above a floor moved by the
    largest move of a column outside the few that moved most, which
    ``check``, :func:`._factors_bound.columns_check`, prices exactly:
    :mod:`._factors_bound`) is below 0.  A row left
    out has no violated pair, so a round whose priced rows show none proves
    the potentials optimal for the whole problem.  However many rows are
    due, only they are priced: a pass over some rows costs the same per row
    as a pass over all of them (at 20,000 per side 177-182 µs a row for
    every row, half of them at random, or the first half), and it leaves
    the rows it skipped with their bounds.
    """
    todo = bound.due(left, right, candidates, check)
    return None if todo is None or len(todo) == len(left) else todo


def capacitated(a, b, fpairs, sign, maximize, bounds, k, max_block_bytes, progress, search_dtype, start, extras,
                 attach=None):
    lcap, rcap, lmin, rmin, rpairs = bounds
    n, m = len(a), len(b)
    f = _Factors(a, b, fpairs, search_dtype, max_block_bytes, progress, extras, sign)
    f.remote = attach(f) if attach is not None else None
    f.near = NEAR  # the pricing passes keep each row's near pairs for the bound
    k_row = int(min(max(k, int(lcap.max()) + _EXTRA), m))
    k_col = int(min(max(k // 2, int(rcap.max()) + _EXTRA), n))
    constraints = dict(left_capacity=lcap, right_capacity=rcap, left_min=lmin, right_min=rmin, maximize=maximize)
    # the candidates are already a priced subset: without minimums one flow over all of them beats the
    # capacitated solver's own candidate-and-pricing loop (the LP for minimums keeps it: it grows faster)
    # each round's flow starts from the previous round's (the rounds only add pairs)
    if lmin.any() or rmin.any():
        solve_candidates = solve_capacitated
    else:
        solve_candidates = functools.partial(solve_given_pairs, warm=FlowWarmStart())
    while True:
        rows, cols, vals = _with_pairs(*f.candidates(sign, k_row, k_col), rpairs, f)
        cand = _candidate_matrix(rows, cols, vals, (n, m))
        try:
            res = solve_candidates(cand, required=rpairs, **constraints)
            break
        except Infeasible:
            # the minimums may need partners outside the candidates: widen them (at worst to every pair)
            if (k_row >= m and k_col >= n) or not (lmin.any() or rmin.any()):
                raise
            k_row, k_col = min(2 * k_row, m), min(2 * k_col, n)
    initial = len(rows)
    price = _pricer(f, sign, exact=f.a_search.dtype == np.float64)
    rounds = 0
    per_row = _ADD_K
    checked = f.n_allowed()
    worst_seen = 0.0
    bound = RowBound(n, m, sign)  # each row's near pairs and floor at its last pricing
    check = columns_check(f, sign)
    full_passes = 0
    while True:
        scale = max(1.0, float(np.max(np.abs(vals), initial=0.0)))
        tol = _CAP_TOL * scale
        if rounds:
            # the last pass's blocks and the last round's matrix go before this round's solve: holes in
            # the heaps (one per pricing thread) and ~12 bytes a candidate, resident until trimmed
            del cand
            release_free_memory()
            cand = _candidate_matrix(rows, cols, vals, (n, m))
            res = solve_candidates(cand, required=rpairs, **constraints)
        p, q = res.certificate.left_potential, res.certificate.right_potential
        cptr = cand.indptr.astype(np.int64)
        cidx = cand.indices.astype(np.int64)
        todo = _rows_to_price(bound, p, q, (cptr, cidx), check)
        found = price(p, q, tol, todo, (cptr, cidx), per_row)
        del cptr, cidx  # 12 bytes a candidate, not needed by the next solve
        rounds += 1
        full_passes += todo is None
        # the violators found become candidates; the bound skips candidate pairs when it is read
        bound.update(todo, p, q, *found.priced_near)
        # the kernel's per-row worst also counts candidate pairs, whose reduced cost may be positive
        # when matched: measure the violation on the non-candidate pairs it returned instead
        if len(found.rows):
            viol = -sign * (found.scores - p[found.rows] - q[found.cols])
            worst_seen = float(np.max(viol, initial=0.0))
            bad = viol > tol
        else:
            worst_seen, bad = 0.0, np.zeros(0, bool)
        if not bad.any() or rounds >= _MAX_CAP_ROUNDS:
            break
        rows = np.concatenate([rows, found.rows[bad]])
        cols = np.concatenate([cols, found.cols[bad]])
        vals = np.concatenate([vals, found.scores[bad]])
        found = viol = None
        per_row = min(per_row * 2, _ADD_K_MAX)
    status = Status.OPTIMAL if not bad.any() else Status.FEASIBLE
    pairs = res.pairs
    total = float(np.sum(f.values(pairs[:, 0], pairs[:, 1]))) if len(pairs) else 0.0
    cert = DualCertificate(
        left_potential=p, right_potential=q,
        max_violation=max(res.certificate.max_violation, worst_seen), pairs_checked=checked, pricing_rounds=rounds,
    )
    return MatchResult(
        pairs=pairs, objective=total, status=status, solver=f"factors-{res.solver}",
        wall_time=perf_counter() - start, shape=(n, m), maximize=maximize, certificate=cert,
        info={"candidates": int(cand.nnz), "initial_candidates": initial, "block_rows": f.block_rows,
              "dual_bound": res.info["dual_bound"], "tolerance": tol, "full_pricing_passes": full_passes},
    )
