"""Min-cost flow for b-matching without minimums: successive shortest paths (compiled with numba).

The network: every left participant ``i`` supplies ``capacity[i]`` units;
a unit goes either through a pair ``i -> j`` (cost ``-w_ij``, capacity 1)
and on to the sink through ``j`` (capacity ``capacity[j]``), or straight to
the sink ("unused place", cost 0).  Units are pushed one at a time along a
shortest path of the residual network (Dijkstra on reduced costs, stopped
when the sink is reached), which keeps the flow of minimum cost at every
step; node potentials ``pi`` keep every residual reduced cost
``c + pi[u] - pi[v]`` non-negative and are the dual certificate:
``p_i = pi[i] - pi[sink]`` and ``q_j = pi[sink] - pi[j]``.

Units are pushed from the side with fewer places (the problem is
transposed when that is the right side), so most units find a free place
nearby; if the searches still exceed a work budget the caller falls back to
the LP.  A cold solve first runs a forward auction (:mod:`._flow_auction`,
Bertsekas), whose epsilon-optimal flow and prices are made a pseudo-flow
with no residual arc of negative reduced cost (:func:`_repair`): the
shortest paths then only push the few units it gives up (at 20,000 per
side about 4,000 of 30,000 instead of all of them, 5 times faster).

A sequence of solves whose pairs grow (the pricing rounds of
:func:`matching.solvers.solve_factors`) can share a :class:`FlowWarmStart`:
each solve then starts from the previous flow and potentials, a
*pseudo-flow* whose nodes may hold an excess (units still to send: a left
participant whose new pairs beat its price) or a deficit (the sink, or a
full right participant that lost a unit), and pushes each excess unit to
the nearest deficit.  When the sink has no deficit left a search goes on
through it (its reverse arcs, to every participant with a unit on its arc
to the sink).

References
----------
R. K. Ahuja, T. L. Magnanti and J. B. Orlin, *Network Flows* (1993), ch. 9
(successive shortest paths with reduced costs).

D. P. Bertsekas and D. A. Castañon, "The auction algorithm for the
transportation problem", *Annals of Operations Research* 20 (1989).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._assignment import _few_ties
from ._flow_auction import auction_flow_start
from ._heap import heapify_min, pop_min, push_min

__all__ = ["ssp_bmatching", "FlowWarmStart", "WORK_PER_ELEMENT", "WORK_FLOOR"]

#: Dijkstra steps allowed per pair or participant before the flow gives up (the caller then uses the LP):
#: successive shortest paths is fast when most units find a free place nearby, slow when every place is
#: contested and each unit has to reroute many others.
WORK_PER_ELEMENT = 200
#: Dijkstra steps always allowed, whatever the size.
WORK_FLOOR = 100_000
#: A warm start moves at most this share of the units, and takes at most this share of the search steps of
#: the last cold solve (its auction's scans included, at least WORK_FLOOR; else it stops and a cold solve runs):
#: past these a cold solve is cheaper.  Since the cold solve starts from the auction, a warm one that fails costs
#: about as much as the cold one after it: at 50,000 per side a round with 805 units to move took 7.9-10.3 CPU-s
#: at 0.5 (the warm search gave up, then the cold one ran) and 4.9-6.3 at 0.1, the warm rounds after it unchanged.
WARM_SHARE = 0.05
WARM_WORK = 0.1
#: A cold solve starts from a forward auction (:mod:`._flow_auction`) instead of from nothing.
COLD_AUCTION = True
#: The auction's pair scans that cost as much as one search step (a heap pop and its relaxations): a cold solve's
#: work, the measure of a warm one's, counts both (at 20,000 per side 52 M scans took 1.0 s, 7.6 M steps 5.9 s).
AUCTION_SCANS_PER_STEP = 40
#: ``pred`` of a node reached through the sink's reverse arc (a unit taken back from its arc to the sink).
FROM_SINK = -2


@njit(cache=True)
def _ssp(n, m, rows, cols, w, lptr, lidx, rptr, ridx, lcap, rcap, chosen, unused, rdeg, pi, excess,
         budget):  # pragma: no cover - compiled
    k_all = len(rows)
    sink = n + m
    n_nodes = n + m + 1
    dist = np.full(n_nodes, np.inf)
    done = np.zeros(n_nodes, dtype=np.bool_)
    # how a node was reached: a pair for a left/right node (FROM_SINK: through the sink's reverse arc),
    # the node whose arc to the sink was used for the sink
    pred = np.full(n_nodes, -1, dtype=np.int64)
    touched = np.empty(n_nodes, dtype=np.int64)
    cap_heap = 2 * (k_all + n_nodes) + 4
    heap_d = np.empty(cap_heap)
    heap_v = np.empty(cap_heap, dtype=np.int64)
    sink_d = np.empty(n + m)
    sink_v = np.empty(n + m, dtype=np.int64)
    pops = 0
    expansions = 0
    for source in range(n):
        if pops > budget:
            break
        while excess[source] > 0 and pops <= budget:
            n_touched = 0
            dist[source] = 0.0
            touched[n_touched] = source
            n_touched += 1
            heap_d[0] = 0.0
            heap_v[0] = source
            size = 1
            target = np.inf
            end = -1
            sink_size = 0
            while size > 0 or sink_size > 0:
                # a participant reached through the sink's reverse arc joins the search when it is the closest
                while sink_size > 0 and (size == 0 or sink_d[0] <= heap_d[0]):
                    nd, u, sink_size = pop_min(sink_d, sink_v, sink_size)
                    if not done[u] and nd < dist[u]:
                        if dist[u] == np.inf:
                            touched[n_touched] = u
                            n_touched += 1
                        dist[u] = nd
                        pred[u] = FROM_SINK
                        size = push_min(heap_d, heap_v, size, nd, u)
                if size == 0:
                    break
                d, v, size = pop_min(heap_d, heap_v, size)
                if done[v] or d > dist[v]:
                    continue
                done[v] = True
                pops += 1
                if excess[v] < 0:  # a deficit: the sink, or a right participant that lost a partner
                    target = d
                    end = v
                    break
                if v == sink:
                    # the sink has no deficit left (warm starts only): go on through its reverse arcs, to the
                    # participants with a unit on their arc to the sink; they wait in a heap of their own and
                    # enter the search only when they are the closest
                    expansions += 1
                    pops += (n + m) >> 4
                    sink_size = 0
                    for u in range(n + m):
                        if done[u] or ((unused[u] == 0) if u < n else (rdeg[u - n] == 0)):
                            continue
                        c = pi[sink] - pi[u]
                        if c < 0.0:
                            c = 0.0
                        if d + c < dist[u]:
                            sink_d[sink_size] = d + c
                            sink_v[sink_size] = u
                            sink_size += 1
                    heapify_min(sink_d, sink_v, sink_size)
                    continue
                # relax the residual arcs out of v: first to the sink when v has a free place, then its pairs
                room = (unused[v] < lcap[v]) if v < n else (rdeg[v - n] < rcap[v - n])
                if room and not done[sink]:
                    c = pi[v] - pi[sink]
                    if c < 0.0:
                        c = 0.0
                    nd = d + c
                    if nd < dist[sink]:
                        if dist[sink] == np.inf:
                            touched[n_touched] = sink
                            n_touched += 1
                        dist[sink] = nd
                        pred[sink] = v
                        if nd <= d and excess[sink] < 0:
                            # nothing left in the heap is closer: the sink is settled now
                            target = nd
                            end = sink
                            done[sink] = True
                            break
                        size = push_min(heap_d, heap_v, size, nd, sink)
                # the relaxation is written out in both loops: a helper taking the work arrays, or one loop
                # over both arc directions, made this kernel 15-30% slower
                if v < n:
                    for t in range(lptr[v], lptr[v + 1]):
                        k = lidx[t]
                        if chosen[k]:
                            continue
                        u = n + cols[k]
                        if done[u]:
                            continue
                        c = -w[k] + pi[v] - pi[u]
                        if c < 0.0:
                            c = 0.0
                        nd = d + c
                        if nd < dist[u]:
                            if dist[u] == np.inf:
                                touched[n_touched] = u
                                n_touched += 1
                            dist[u] = nd
                            pred[u] = k
                            size = push_min(heap_d, heap_v, size, nd, u)
                else:
                    j = v - n
                    for t in range(rptr[j], rptr[j + 1]):
                        k = ridx[t]
                        if not chosen[k]:
                            continue
                        u = rows[k]
                        if done[u]:
                            continue
                        c = w[k] + pi[v] - pi[u]
                        if c < 0.0:
                            c = 0.0
                        nd = d + c
                        if nd < dist[u]:
                            if dist[u] == np.inf:
                                touched[n_touched] = u
                                n_touched += 1
                            dist[u] = nd
                            pred[u] = k
                            size = push_min(heap_d, heap_v, size, nd, u)
            if end < 0:  # pragma: no cover - a deficit is always reachable (through the sink)
                pops = budget + 1
                break
            # augment one unit along the path from the source to the deficit
            excess[end] += 1
            excess[source] -= 1
            v = end
            while v != source:
                if v == sink:
                    last = pred[sink]
                    if last < n:
                        unused[last] += 1
                    else:
                        rdeg[last - n] += 1
                    v = last
                    continue
                k = pred[v]
                if k == FROM_SINK:
                    if v < n:
                        unused[v] -= 1
                    else:
                        rdeg[v - n] -= 1
                    v = sink
                elif v >= n:
                    chosen[k] = True
                    v = rows[k]
                else:
                    chosen[k] = False
                    v = n + cols[k]
            # potentials of settled nodes; reset the work arrays
            for t in range(n_touched):
                u = touched[t]
                if done[u]:
                    pi[u] += dist[u] - target
                dist[u] = np.inf
                done[u] = False
                pred[u] = -1
    return pops, expansions


class FlowWarmStart:
    """What one flow solve leaves to the next one over more pairs (a pricing round's new candidates).

    Create one per sequence of solves and pass it to every solve
    (:func:`ssp_bmatching`, :func:`matching.solvers._capacitated.solve_given_pairs`):
    the first solve fills it, each later one starts from its flow and
    potentials instead of from nothing, so a round that adds few pairs costs
    little.  The later problems must keep the shape and the capacities of
    the side that receives the units (the pushing side's capacities and the
    pairs may change; a chosen pair that disappears or a capacity that drops
    only costs that participant its partners, which are searched again);
    otherwise the solve starts cold.  It also starts cold when more than
    :data:`WARM_SHARE` of the units would move, and a warm solve that takes
    more than :data:`WARM_WORK` times the search steps of the last cold one
    stops and is redone cold: a round that adds many pairs is solved faster
    from nothing (the units given up by priced participants then have to be
    routed back to them through the sink, which reaches far).

    Attributes
    ----------
    solves, warm_solves : int
        Solves done, and how many of them started warm.
    reset, moved : int
        Participants of the pushing side whose arcs the last warm start changed, and the units they pushed again.
    expansions : int
        Searches of the last solve that went on through the sink (its reverse arcs, O(n + m) each).
    work : int
        Search steps of the last solve.
    """

    def __init__(self) -> None:
        self.solves = 0
        self.warm_solves = 0
        self.reset = 0
        self.moved = 0
        self.expansions = 0
        self.work = 0
        self._state: dict | None = None

    def forget(self) -> None:
        """Start the next solve cold."""
        self._state = None


def ssp_bmatching(
    shape: tuple[int, int],
    rows: np.ndarray,
    cols: np.ndarray,
    weights: np.ndarray,
    left_cap: np.ndarray,
    right_cap: np.ndarray,
    warm: FlowWarmStart | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Maximum-weight b-matching over the given pairs (no minimums).

    Returns ``None`` when the search work exceeds ``WORK_PER_ELEMENT`` times
    the size of the problem, else ``(chosen, left_potential, right_potential)`` with
    ``weights - p[rows] - q[cols] <= 0`` on unchosen pairs, ``>= 0`` on chosen
    ones, ``p_i >= 0`` unless ``i`` is unmatched, ``p_i <= 0`` unless ``i`` is
    full (the same for ``q``), up to rounding.  ``warm``
    (:class:`FlowWarmStart`) starts from the previous solve of the same
    sequence and keeps this one for the next.
    """
    n, m = shape
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    cols = np.ascontiguousarray(cols, dtype=np.int64)
    state = None if warm is None else warm._state
    if state is not None and state["shape"] == (n, m):
        transposed = state["transposed"]
    else:
        state = None
        # push units from the side with fewer places: the other side then has room and paths stay short
        lplaces = np.minimum(left_cap, np.bincount(rows, minlength=n)).sum()
        rplaces = np.minimum(right_cap, np.bincount(cols, minlength=m)).sum()
        transposed = bool(lplaces > rplaces)
    if transposed:
        out = _ssp_oriented((m, n), cols, rows, weights, right_cap, left_cap, warm, state)
    else:
        out = _ssp_oriented(shape, rows, cols, weights, left_cap, right_cap, warm, state)
    if warm is not None:
        if out is None:
            warm._state = None
        else:
            warm._state.update(shape=(n, m), transposed=transposed)
    if out is None or not transposed:
        return out
    return out[0], out[2], out[1]


def _cold_state(n, m, rows, w):
    """Nothing chosen; every left potential its best weight (>= 0), so no residual arc has a negative cost."""
    pi = np.zeros(n + m + 1)
    np.maximum.at(pi, rows, w)
    return np.zeros(len(rows), dtype=np.bool_), np.zeros(n, dtype=np.int64), np.zeros(m, dtype=np.int64), pi


def _auction_state(n, m, rows, cols, w, lptr, lidx, lcap, rcap):
    """The auction's epsilon-optimal flow and prices (:mod:`._flow_auction`) made a valid start (None: it gave up,
    or the weights are too often tied for it).

    Returns ``chosen, unused, rdeg, pi`` and the auction's work (pairs scanned).

    A left participant's potential is its best option not held (0 at
    least); a full right participant's price is lowered (not below 0)
    until its pairs are tight under those potentials, since a unit that bid
    last holds its pair epsilon below its second best.  :func:`_repair` then
    raises the left potentials over the pairs that the lowered prices made
    better, giving up the chosen pairs and unused places they leave below.
    """
    if not _few_ties(w):  # tied weights make long price wars: the budget would run out
        return None
    out = auction_flow_start(n, m, rows, cols, w, lptr, lidx, lcap, rcap)
    if out is None:
        return None
    chosen, unused, taken, price, work = out
    full = taken >= rcap
    price[~full | (rcap == 0)] = 0.0  # one with room has a place of price 0 (and none: priced below)
    left = np.zeros(n)
    np.maximum.at(left, rows[~chosen], (w - price[cols])[~chosen])
    tight = np.full(m, np.inf)
    np.minimum.at(tight, cols[chosen], (w - left[rows])[chosen])
    price = np.where(full, np.maximum(np.minimum(price, tight), 0.0), price)
    none = rcap == 0  # no place: priced above its best pair
    np.maximum.at(price, cols[none[cols]], w[none[cols]])
    pi = np.zeros(n + m + 1)
    pi[n : n + m] = -price
    chosen, unused, rdeg, pi, _ = _repair(n, m, rows, cols, w, lcap, pi, unused, taken, chosen, np.zeros(n, dtype=bool),
                                          np.zeros(0, dtype=np.int64))
    return chosen, unused, rdeg, pi, work


def _excess(rows, cols, chosen, unused, rdeg, lcap):
    """What each node has to send (> 0) or still takes (< 0): the left units not yet placed, the places
    given up on the right that wait for a unit, and the sink's share of the rest."""
    n, m = len(lcap), len(rdeg)
    excess = np.zeros(n + m + 1, dtype=np.int64)
    excess[:n] = lcap - np.bincount(rows[chosen], minlength=n) - unused
    excess[n : n + m] = np.bincount(cols[chosen], minlength=m) - rdeg
    excess[n + m] = unused.sum() + rdeg.sum() - lcap.sum()
    return excess


def _warm_state(state, n, m, rows, cols, w, lcap, rcap):
    """The previous solve's flow and potentials carried over to the pairs ``rows, cols`` (None: start cold).

    The previous flow is optimal for its own pairs: every residual arc has a
    reduced cost ``>= 0`` under the potentials ``pi``.  A left participant
    with an arc of negative reduced cost now (a new pair better than its
    price, a capacity that grew) has its potential raised until its
    unchosen pairs are fine again; the chosen pairs and unused places that
    the raise makes too expensive are given up, and their units become
    excess to push again (a participant whose chosen pair vanished or whose
    capacity dropped gives up everything).  Each place given up on the right
    goes back to the sink, unless that participant was full and priced (its
    arc to the sink would get a negative reduced cost): then it keeps its
    flow to the sink and waits for a unit as a deficit.
    """
    if not np.array_equal(state["rcap"], rcap):
        return None
    unused = state["unused"].copy()
    crow, ccol = state["crow"], state["ccol"]
    keys = rows * m + cols
    order = np.argsort(keys, kind="stable")
    ckeys = crow * m + ccol
    at = np.searchsorted(keys[order], ckeys)
    found = at < len(keys)
    found[found] = keys[order[at[found]]] == ckeys[found]
    chosen = np.zeros(len(rows), dtype=np.bool_)
    chosen[order[at[found]]] = True
    # participants that give up everything
    full = np.zeros(n, dtype=bool)
    full[crow[~found]] = True
    full |= lcap < np.bincount(crow, minlength=n) + unused
    return _repair(n, m, rows, cols, w, lcap, state["pi"].copy(), unused, state["rdeg"].copy(), chosen, full,
                   ccol[~found])


def _repair(n, m, rows, cols, w, lcap, pi, unused, rdeg, chosen, full, lost):
    """Make every residual arc's reduced cost ``>= 0`` (in place; returns ``chosen, unused, rdeg, pi, flagged``).

    ``chosen, unused, rdeg, pi`` are a flow and potentials whose arcs may
    violate; the left participants ``full`` give up all their pairs and
    ``lost`` lists the right ends of chosen pairs that no longer exist.  The
    left potentials are raised over the violating arcs, the chosen pairs
    and unused places this makes too expensive are given up (see
    :func:`_warm_state`), and ``flagged`` counts the left participants
    looked at.
    """
    sink = pi[n + m]
    scale = max(1.0, float(np.max(np.abs(w), initial=0.0)), float(np.max(np.abs(pi), initial=0.0)))
    eps = 1e-12 * scale  # below this a negative reduced cost is rounding (the kernel reads it as 0)
    gain = w + pi[n + cols]  # what pair k offers its left participant: its reduced cost is pi[row] - gain
    reduced = pi[rows] - gain
    reduced[chosen] *= -1.0
    left = pi[:n] - sink
    flag = full | ((unused < lcap) & (left < -eps)) | ((unused > 0) & (left > eps))
    flag[rows[reduced < -eps]] = True
    raised = pi[:n].copy()
    raised[full] = sink
    mine = flag[rows] & (~chosen | full[rows])
    np.maximum.at(raised, rows[mine], gain[mine])
    unused[full | (flag & (raised > sink + eps))] = 0
    room = flag & (unused < lcap)
    raised[room] = np.maximum(raised[room], sink)
    give_up = chosen & flag[rows] & (full[rows] | (gain - raised[rows] < -eps))
    freed = np.concatenate([cols[give_up], lost])
    rdeg -= np.bincount(freed[pi[n + freed] >= sink - eps], minlength=m)
    chosen &= ~give_up
    pi[:n] = raised
    return chosen, unused, rdeg, pi, int(flag.sum())


def _ssp_oriented(shape, rows, cols, weights, left_cap, right_cap, warm=None, state=None):
    """:func:`ssp_bmatching` with units pushed from the left side."""
    n, m = shape
    w = np.ascontiguousarray(weights, dtype=np.float64)
    rcap = np.asarray(right_cap, dtype=np.int64)
    lidx = np.argsort(rows, kind="stable").astype(np.int64, copy=False)
    ridx = np.argsort(cols, kind="stable").astype(np.int64, copy=False)
    lptr = np.searchsorted(rows[lidx], np.arange(n + 1)).astype(np.int64)
    rptr = np.searchsorted(cols[ridx], np.arange(m + 1)).astype(np.int64)
    # a left participant never uses more places than it has pairs: fewer units to push
    lcap = np.minimum(left_cap, np.diff(lptr)).astype(np.int64)
    size = len(rows) + n + m
    budget = WORK_PER_ELEMENT * size + WORK_FLOOR
    start = None if state is None else _warm_state(state, n, m, rows, cols, w, lcap, rcap)
    reset = moved = n
    if start is not None:
        chosen, unused, rdeg, pi, reset = start
        excess = _excess(rows, cols, chosen, unused, rdeg, lcap)
        moved = int(excess[:n].sum())
        if moved > WARM_SHARE * lcap.sum():
            start = None
        else:
            warm_budget = int(min(budget, WARM_WORK * max(state["cold_pops"], WORK_FLOOR)))
            pops, expansions = _ssp(n, m, rows, cols, w, lptr, lidx, rptr, ridx, lcap, rcap, chosen, unused, rdeg,
                                    pi, excess, warm_budget)
            if pops > warm_budget:
                start = None
    if start is None:
        cold = _auction_state(n, m, rows, cols, w, lptr, lidx, lcap, rcap) if COLD_AUCTION else None
        auction_pops = 0
        if cold is None:
            chosen, unused, rdeg, pi = _cold_state(n, m, rows, w)
        else:
            chosen, unused, rdeg, pi, auction_work = cold
            auction_pops = auction_work // AUCTION_SCANS_PER_STEP
        excess = _excess(rows, cols, chosen, unused, rdeg, lcap)
        pops, expansions = _ssp(n, m, rows, cols, w, lptr, lidx, rptr, ridx, lcap, rcap, chosen, unused, rdeg,
                                pi, excess, budget)
    if warm is not None:
        warm.solves += 1
        warm.warm_solves += start is not None
        warm.reset, warm.moved, warm.expansions, warm.work = reset, moved, expansions, pops
    if pops > budget:
        return None
    if warm is not None:
        cold_pops = pops + auction_pops if start is None else state["cold_pops"]
        warm._state = dict(pi=pi.copy(), unused=unused, rdeg=rdeg, crow=rows[chosen], ccol=cols[chosen], rcap=rcap,
                           cold_pops=cold_pops)
    sink = pi[n + m]
    left, right = pi[:n] - sink, sink - pi[n : n + m]
    # a participant below its real capacity has potential <= 0 (it was only capped by its number of pairs,
    # all of which it then holds, so raising their reduced costs keeps them optimal)
    deg = np.bincount(rows[chosen], minlength=n)
    left[(deg < left_cap) & (left > 0)] = 0.0
    # an unmatched participant's potential may be raised to 0: it only lowers the reduced costs of
    # its pairs, all unmatched; then every potential is >= 0 and no pair of weight <= 0 is ever wanted
    left[(deg == 0) & (left < 0)] = 0.0
    rdeg = np.bincount(cols[chosen], minlength=m)
    right[(rdeg == 0) & (right < 0)] = 0.0
    return chosen, left, right
