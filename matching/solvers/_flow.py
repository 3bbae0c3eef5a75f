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
the LP.

References
----------
R. K. Ahuja, T. L. Magnanti and J. B. Orlin, *Network Flows* (1993), ch. 9
(successive shortest paths with reduced costs).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._heap import pop_min, push_min

__all__ = ["ssp_bmatching", "WORK_PER_ELEMENT", "WORK_FLOOR"]

#: Dijkstra steps allowed per pair or participant before the flow gives up (the caller then uses the LP):
#: successive shortest paths is fast when most units find a free place nearby, slow when every place is
#: contested and each unit has to reroute many others.
WORK_PER_ELEMENT = 200
#: Dijkstra steps always allowed, whatever the size.
WORK_FLOOR = 100_000


@njit(cache=True)
def _ssp(n, m, rows, cols, w, lptr, lidx, rptr, ridx, lcap, rcap, budget):  # pragma: no cover - compiled
    k_all = len(rows)
    sink = n + m
    n_nodes = n + m + 1
    chosen = np.zeros(k_all, dtype=np.bool_)
    unused = np.zeros(n, dtype=np.int64)
    rdeg = np.zeros(m, dtype=np.int64)
    pi = np.zeros(n_nodes)
    for i in range(n):
        best = 0.0
        for t in range(lptr[i], lptr[i + 1]):
            if w[lidx[t]] > best:
                best = w[lidx[t]]
        pi[i] = best
    dist = np.full(n_nodes, np.inf)
    done = np.zeros(n_nodes, dtype=np.bool_)
    pred = np.full(n_nodes, -1, dtype=np.int64)  # pair for a left/right node, node for the sink
    touched = np.empty(n_nodes, dtype=np.int64)
    cap_heap = 2 * (k_all + n_nodes) + 4
    heap_d = np.empty(cap_heap)
    heap_v = np.empty(cap_heap, dtype=np.int64)
    pops = 0
    for source in range(n):
        if pops > budget:
            break
        for _unit in range(lcap[source]):
            n_touched = 0
            dist[source] = 0.0
            touched[n_touched] = source
            n_touched += 1
            heap_d[0] = 0.0
            heap_v[0] = source
            size = 1
            target = np.inf
            while size > 0:
                d, v, size = pop_min(heap_d, heap_v, size)
                if done[v] or d > dist[v]:
                    continue
                done[v] = True
                pops += 1
                if v == sink:
                    target = d
                    break
                # relax the residual arcs out of v: first to the sink when v has a free place, then its pairs
                room = (unused[v] < lcap[v]) if v < n else (rdeg[v - n] < rcap[v - n])
                if room:
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
                        if nd <= d:
                            # nothing left in the heap is closer: the sink is settled now
                            target = nd
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
            # augment one unit along the path ending at the sink
            last = pred[sink]
            if last < n:
                unused[last] += 1
            else:
                rdeg[last - n] += 1
            v = last
            while v != source:
                k = pred[v]
                if v >= n:
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
    return chosen, pi, pops


def ssp_bmatching(
    shape: tuple[int, int],
    rows: np.ndarray,
    cols: np.ndarray,
    weights: np.ndarray,
    left_cap: np.ndarray,
    right_cap: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Maximum-weight b-matching over the given pairs (no minimums).

    Returns ``None`` when the search work exceeds ``WORK_PER_ELEMENT`` times
    the size of the problem, else ``(chosen, left_potential, right_potential)`` with
    ``weights - p[rows] - q[cols] <= 0`` on unchosen pairs, ``>= 0`` on chosen
    ones, ``p_i >= 0`` unless ``i`` is unmatched, ``p_i <= 0`` unless ``i`` is
    full (the same for ``q``), up to rounding.
    """
    n, m = shape
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    cols = np.ascontiguousarray(cols, dtype=np.int64)
    # push units from the side with fewer places: the other side then has room and paths stay short
    lplaces = np.minimum(left_cap, np.bincount(rows, minlength=n)).sum()
    rplaces = np.minimum(right_cap, np.bincount(cols, minlength=m)).sum()
    if lplaces > rplaces:
        out = _ssp_oriented((m, n), cols, rows, weights, right_cap, left_cap)
        return None if out is None else (out[0], out[2], out[1])
    return _ssp_oriented(shape, rows, cols, weights, left_cap, right_cap)


def _ssp_oriented(shape, rows, cols, weights, left_cap, right_cap):
    """:func:`ssp_bmatching` with units pushed from the left side."""
    n, m = shape
    lidx = np.argsort(rows, kind="stable")
    ridx = np.argsort(cols, kind="stable")
    lptr = np.searchsorted(rows[lidx], np.arange(n + 1)).astype(np.int64)
    rptr = np.searchsorted(cols[ridx], np.arange(m + 1)).astype(np.int64)
    # a left participant never uses more places than it has pairs: fewer units to push
    lcap = np.minimum(left_cap, np.diff(lptr)).astype(np.int64)
    size = len(rows) + n + m
    chosen, pi, pops = _ssp(
        n, m, rows, cols, np.ascontiguousarray(weights, dtype=np.float64), lptr, lidx.astype(np.int64),
        rptr, ridx.astype(np.int64), lcap, np.asarray(right_cap, dtype=np.int64), WORK_PER_ELEMENT * size + WORK_FLOOR,
    )
    if pops > WORK_PER_ELEMENT * size + WORK_FLOOR:
        return None
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
