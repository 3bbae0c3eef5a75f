"""Cold start of a sparse square assignment whose rows must all be matched: a forward auction.

Epsilon scaling (Bertsekas): rows bid for their best column at a price
raised by the gap to their second best plus epsilon; epsilon shrinks by a
factor each phase down to a last value so small that the prices are nearly
optimal duals.  The shortest augmenting paths of :mod:`._assignment` then
have only short paths left to find.  The auction gives up (returns False)
after a budget of bids; its caller then starts from the column reduction.

References
----------
D. P. Bertsekas, "The auction algorithm: a distributed relaxation method
for the assignment problem", *Annals of Operations Research* 14 (1988).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["auction_start"]

#: first and last epsilon (times the largest |score|), the factor between them,
#: and the bids allowed per pair before giving up
_AUCTION_EPS = 0.05
_AUCTION_EPS_FINAL = 1e-7
_AUCTION_FACTOR = 8.0
_AUCTION_BIDS = 10

_INF = np.inf


def auction_start(indptr, indices, cost, dummy, scale, col4row, row4col, u, v, mcost) -> bool:
    """Run the auction on the CSR problem ``(indptr, indices, cost)`` in place; False if it gave up.

    ``scale`` is the largest |score|; the matching and the duals are written
    to ``col4row / row4col / u / v`` (see :class:`._assignment._Sap`).
    """
    return bool(_auction(
        indptr, indices, cost, dummy, _AUCTION_EPS * scale, _AUCTION_EPS_FINAL * scale, _AUCTION_FACTOR,
        _AUCTION_BIDS * (len(indices) + len(indptr) - 1), col4row, row4col, u, v, mcost,
    ))


@njit(cache=True)
def _auction(
    indptr, indices, cost, dummy, eps0, eps_final, factor, max_bids, col4row, row4col, u, v, mcost
):  # pragma: no cover - compiled
    """Cold start of a square problem whose rows must all be matched: forward auction, then duals.

    Bertsekas' forward auction with epsilon scaling (``eps0`` divided by
    ``factor`` each phase down to ``eps_final``) on the real columns, in
    the cost convention (a bid lowers the column potential).  The
    eps-optimal matching is then turned into a valid start for
    :func:`sap_augment`: ``u`` is each row's least reduced cost, a matched
    column's potential is raised until its pair is tight, and a row that
    this leaves with a negative reduced cost is freed (its potential
    lowered to its least reduced cost).  Returns False, leaving the arrays
    to be reset by the caller, when a row has no pair or the bids exceed
    ``max_bids`` (e.g. the pairs admit no complete matching).
    """
    n = indptr.shape[0] - 1
    m = row4col.shape[0] - n
    for j in range(m + n):
        v[j] = 0.0
    queue = np.empty(n, np.int64)
    bids = 0
    eps = eps0
    while True:
        for j in range(m + n):
            row4col[j] = -1
        for i in range(n):
            col4row[i] = -1
            queue[i] = i
        head = 0
        nq = n
        while nq > 0:
            i = queue[head]
            head += 1
            if head == n:
                head = 0
            nq -= 1
            bids += 1
            if bids > max_bids:
                return False
            r1 = _INF
            r2 = _INF
            j1 = -1
            p1 = -1
            for p in range(indptr[i], indptr[i + 1]):
                r = cost[p] - v[indices[p]]
                if r < r2:
                    if r < r1:
                        r2 = r1
                        r1 = r
                        j1 = indices[p]
                        p1 = p
                    else:
                        r2 = r
            if j1 < 0:
                return False
            if r2 == _INF:
                r2 = r1 + dummy[i]
            v[j1] -= r2 - r1 + eps
            prev = row4col[j1]
            row4col[j1] = i
            col4row[i] = j1
            mcost[i] = cost[p1]
            if prev >= 0:
                col4row[prev] = -1
                tail = head + nq
                if tail >= n:
                    tail -= n
                queue[tail] = prev
                nq += 1
        if eps <= eps_final:
            break
        eps = max(eps / factor, eps_final)
    # duals for the shortest augmenting paths: reduced costs >= 0, 0 on matched pairs
    for i in range(n):
        best = dummy[i]
        for p in range(indptr[i], indptr[i + 1]):
            r = cost[p] - v[indices[p]]
            if r < best:
                best = r
        u[i] = best
    for i in range(n):
        j = col4row[i]
        v[j] = mcost[i] - u[i]
        u[i] = mcost[i] - v[j]
    for i in range(n):
        best = dummy[i] - v[m + i]
        for p in range(indptr[i], indptr[i + 1]):
            r = cost[p] - v[indices[p]]
            if r < best:
                best = r
        if best < u[i]:
            j = col4row[i]
            row4col[j] = -1
            col4row[i] = -1
            u[i] = best
    return True
