"""Cold start of the b-matching flow (:mod:`._flow`): a forward auction.

Each left participant ``i`` has ``lcap[i]`` units, each right participant
``j`` has ``rcap[j]`` places ("similar objects": a bidder wants the
cheapest of them, and ``j``'s price ``q_j`` is the price of its cheapest
place, 0 while one was never taken); a unit takes at most one place of
each ``j`` (a pair is used once) or stays unused (value 0, its arc to the
sink).  A free unit of ``i`` bids for its best pair not already held by
``i`` (value ``w_ij - q_j``), raising that place's price by the gap to the
second best value (0, the unused option, at least) plus epsilon; a place
that was held evicts its holder, whose unit bids again.  Every held pair
is then within epsilon of its unit's best other option, and the total
within (units x epsilon) of the optimum.

There is a single phase at a small epsilon (:data:`AUCTION_EPS` of the
largest weight), without epsilon scaling: places are never freed, so a
right participant that is not full keeps a place of price 0, as the flow
needs.  Scaling phases free the units that a smaller epsilon finds too far
below their best option, which leaves priced free places behind (the
asymmetric problem, more places than units): on the design data 6,300 of
6,800 right participants with room ended priced, the auction's total 12%
below the optimum, and the flow had to push 92% of the units again, 7
times slower than from nothing.  The single phase costs 60-130 pair
scans per pair at 20,000 per side, up to 530 at 50,000 (a fifth of the
time of the flow from nothing); tied weights (small integers) make long
price wars, which the work budget (:data:`AUCTION_WORK`) cuts short, the
flow then starting from nothing (the flow does not start the auction on
such weights).

The result is turned into a pseudo-flow whose residual arcs all have
reduced costs ``>= 0`` (:func:`._flow._auction_state`: a unit that bid last
holds its pair epsilon below its second best, so a few are given up) and
the successive shortest paths of :mod:`._flow` push those units exactly.

References
----------
D. P. Bertsekas, "The auction algorithm: a distributed relaxation method
for the assignment problem", *Annals of Operations Research* 14 (1988).

D. P. Bertsekas and D. A. Castañon, "The auction algorithm for the
transportation problem", *Annals of Operations Research* 20 (1989)
(similar objects and similar persons).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._heap import _sift_down_min

__all__ = ["auction_flow_start"]

#: epsilon, times the largest |weight|
AUCTION_EPS = 1e-6
#: pairs scanned by the bids, per pair and participant, before the auction gives up
AUCTION_WORK = 2000
#: work always allowed, whatever the size
AUCTION_WORK_FLOOR = 1000


def auction_flow_start(n, m, rows, cols, w, lptr, lidx, lcap, rcap):
    """Epsilon-optimal b-matching and prices by auction; None when it ran out of its budget.

    Parameters
    ----------
    n, m : int
        Left (bidding) and right participants.
    rows, cols, w : ndarray
        The pairs (int64, int64, float64).
    lptr, lidx : ndarray
        The pairs of left participant ``i`` are ``lidx[lptr[i]:lptr[i + 1]]``.
    lcap, rcap : ndarray
        Units of each left participant (at most its number of pairs) and places of each right one.

    Returns
    -------
    chosen : ndarray of bool
        The pairs held.
    unused : ndarray of int64
        Units of each left participant that stay unused.
    taken : ndarray of int64
        Places held at each right participant.
    price : ndarray of float64
        ``q_j``, the price of ``j``'s cheapest place (held or not; infinite when ``j`` has no place).
    work : int
        Pairs scanned by the bids.
    """
    scale = float(np.max(np.abs(w), initial=0.0))
    if scale == 0.0:
        scale = 1.0
    ldeg = np.diff(lptr)
    budget = AUCTION_WORK * (len(rows) + n) + AUCTION_WORK_FLOOR
    chosen = np.zeros(len(rows), dtype=np.bool_)
    unused = np.zeros(n, dtype=np.int64)
    price = np.zeros(m)
    out = _auction(n, m, rows, cols, w, lptr, lidx, lcap, ldeg, rcap, AUCTION_EPS * scale, budget, chosen, unused,
                   price)
    taken, work = out
    if work > budget:
        return None
    return chosen, unused, taken, price, work


@njit(cache=True)
def _auction(n, m, rows, cols, w, lptr, lidx, lcap, ldeg, rcap, eps, budget, chosen, unused, q):  # pragma: no cover - compiled
    """The auction in place on ``chosen, unused, q``; returns (places taken per right participant, work).

    The places of right participant ``j`` (as many as it has pairs, at most
    ``rcap[j]``) form a min-heap by price at ``base[j]``, each with the pair
    holding it (-1: free); ``q[j]`` is the price at its root.
    """
    rdeg = np.zeros(m, dtype=np.int64)
    for k in range(len(cols)):
        rdeg[cols[k]] += 1
    base = np.zeros(m + 1, dtype=np.int64)
    for j in range(m):
        base[j + 1] = base[j] + min(rcap[j], rdeg[j])
        q[j] = 0.0 if base[j + 1] > base[j] else np.inf  # no place: never bid for
    place_price = np.zeros(base[m])
    holder = np.full(base[m], -1, dtype=np.int64)
    units = 0
    for i in range(n):
        units += lcap[i]
    queue = np.empty(units + 1, dtype=np.int64)
    size = units + 1
    head = 0
    tail = 0
    for i in range(n):
        for _ in range(lcap[i]):
            queue[tail] = i
            tail += 1
    work = 0
    while head != tail:
        i = queue[head]
        head += 1
        if head == size:
            head = 0
        work += 1 + ldeg[i]
        if work > budget:
            return rdeg, work
        b1 = 0.0
        b2 = 0.0
        k1 = -1
        for t in range(lptr[i], lptr[i + 1]):
            k = lidx[t]
            if chosen[k]:
                continue
            v = w[k] - q[cols[k]]
            if v > b2:
                if v > b1:
                    b2 = b1
                    b1 = v
                    k1 = k
                else:
                    b2 = v
        if k1 < 0:  # nothing better than staying unused
            unused[i] += 1
            continue
        j = cols[k1]
        s = base[j]
        prev = holder[s]
        if prev >= 0:
            chosen[prev] = False
            queue[tail] = rows[prev]
            tail += 1
            if tail == size:
                tail = 0
        chosen[k1] = True
        _sift_down_min(place_price[s:base[j + 1]], holder[s:base[j + 1]], 0, base[j + 1] - s,
                       q[j] + (b1 - b2) + eps, k1)
        q[j] = place_price[s]
    for j in range(m):
        held = 0
        for s in range(base[j], base[j + 1]):
            held += holder[s] >= 0
        rdeg[j] = held
    return rdeg, work
