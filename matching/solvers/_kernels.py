"""Compiled (numba) kernels of the assignment solver.

All kernels work in the *cost* convention: minimize ``sum c[i, j]``, with
potentials ``u`` (rows) and ``v`` (columns) such that the reduced cost
``c[i, j] - u[i] - v[j]`` is >= 0 on every allowed pair and 0 on matched
pairs.  Callers turn scores into costs with ``c = -s`` (maximize) or
``c = s`` (minimize).

Sparse problems are given in CSR form (``indptr``, ``indices``, ``cost``)
with ``n`` rows and ``m`` real columns.  Column ``m + i`` is row ``i``'s
private *dummy* column ("row i stays unmatched") of cost ``dummy[i]``
(``inf`` when row ``i`` must be matched); it never appears in ``indices``.
``row4col`` has ``m + n`` slots, ``col4row[i]`` is ``-1`` for a free row.

References
----------
R. Jonker and A. Volgenant, "A shortest augmenting path algorithm for dense
and sparse linear assignment problems", Computing 38 (1987) 325-340.
D. F. Crouse, "On implementing 2D rectangular assignment algorithms",
IEEE Trans. Aerospace and Electronic Systems 52 (2016) 1679-1696.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._heap import pop_min, push_max, push_min, replace_max

__all__ = [
    "sap_augment",
    "augmenting_row_reduction",
    "init_greedy",
    "init_column_reduction",
    "dense_candidates",
    "dense_price",
    "csr_price",
    "dense_sap",
]

_INF = np.inf


@njit(cache=True)
def sap_augment(indptr, indices, cost, dummy, todo, col4row, row4col, u, v, mcost):
    """Augment every free row of ``todo`` along a shortest augmenting path.

    Dijkstra on reduced costs from each free row to the nearest free column
    (real or its own dummy), then the usual potential update; ``u``, ``v``,
    ``col4row``, ``row4col`` and ``mcost`` (cost of each row's matched edge)
    are updated in place.  Requires reduced costs >= 0 on every edge and 0
    on matched edges.  Returns the rows for which no augmenting path exists.
    """
    n = indptr.shape[0] - 1
    ncol = row4col.shape[0]
    m = ncol - n
    dist = np.empty(ncol)
    predp = np.empty(ncol, np.int64)  # edge reaching each column; -1 - i for row i's dummy edge
    mark = np.zeros(ncol, np.int64)  # 2 * search: reached in this search, + 1: scanned
    scanned = np.empty(ncol, np.int64)
    cap = indices.shape[0] + n + 1
    hk = np.empty(cap)
    hv = np.empty(cap, np.int64)
    rowof = np.empty(indices.shape[0], np.int64)
    for i in range(n):
        for p in range(indptr[i], indptr[i + 1]):
            rowof[p] = i
    failed = np.empty(todo.shape[0], np.int64)
    nfailed = 0
    stamp = 0
    for t in range(todo.shape[0]):
        f = todo[t]
        if col4row[f] >= 0:
            continue
        stamp += 2
        seen_m = stamp
        done_m = stamp + 1
        size = 0
        nsc = 0
        i = f
        base = 0.0
        sink = -1
        last = 0.0
        while True:
            ui = base - u[i]
            for p in range(indptr[i], indptr[i + 1]):
                j = indices[p]
                mj = mark[j]
                if mj == done_m:
                    continue
                nd = ui + cost[p] - v[j]
                if mj != seen_m or nd < dist[j]:
                    mark[j] = seen_m
                    dist[j] = nd
                    predp[j] = p
                    size = push_min(hk, hv, size, nd, j)
            dc = dummy[i]
            if dc < _INF:
                j = m + i
                mj = mark[j]
                if mj != done_m:
                    nd = ui + dc - v[j]
                    if mj != seen_m or nd < dist[j]:
                        mark[j] = seen_m
                        dist[j] = nd
                        predp[j] = -1 - i
                        size = push_min(hk, hv, size, nd, j)
            found = False
            j = -1
            while size > 0:
                key, j, size = pop_min(hk, hv, size)
                if mark[j] == done_m or key > dist[j]:
                    continue
                found = True
                break
            if not found:
                break
            mark[j] = done_m
            scanned[nsc] = j
            nsc += 1
            if row4col[j] < 0:
                sink = j
                last = dist[j]
                break
            i = row4col[j]
            base = dist[j]
        if sink < 0:
            failed[nfailed] = f
            nfailed += 1
            continue
        for q in range(nsc - 1):
            j = scanned[q]
            v[j] += dist[j] - last
        j = sink
        while True:
            p = predp[j]
            if p >= 0:
                i = rowof[p]
                c = cost[p]
            else:
                i = -1 - p
                c = dummy[i]
            prev = col4row[i]
            row4col[j] = i
            col4row[i] = j
            mcost[i] = c
            if i == f:
                break
            j = prev
        for q in range(nsc):
            j = scanned[q]
            i = row4col[j]
            u[i] = mcost[i] - v[j]
    return failed[:nfailed]


@njit(cache=True)
def augmenting_row_reduction(indptr, indices, cost, dummy, col4row, row4col, u, v, mcost, passes):
    """Jonker-Volgenant augmenting row reduction: an auction-like pass over the free rows.

    Each free row takes its cheapest column, lowering that column's potential
    to the row's second-best reduced cost, and evicts the previous holder.
    Column potentials only decrease and a matched column stays matched, so
    every invariant of :func:`sap_augment` holds afterwards.  Dummy columns
    keep a potential of 0.
    """
    n = indptr.shape[0] - 1
    m = row4col.shape[0] - n
    free = np.flatnonzero(col4row < 0)
    nfree = free.shape[0]
    for _ in range(passes):
        if nfree == 0:
            break
        current = 0
        newfree = 0
        steps = 0
        limit = 4 * nfree + 16
        while current < nfree:
            i = free[current]
            current += 1
            steps += 1
            u1 = dummy[i] - v[m + i]
            j1 = m + i if u1 < _INF else -1
            c1 = dummy[i]
            u2 = _INF
            j2 = -1
            c2 = 0.0
            for p in range(indptr[i], indptr[i + 1]):
                j = indices[p]
                r = cost[p] - v[j]
                if r < u2:
                    if r < u1:
                        u2, j2, c2 = u1, j1, c1
                        u1, j1, c1 = r, j, cost[p]
                    else:
                        u2, j2, c2 = r, j, cost[p]
            if j1 < 0:
                continue  # no edge at all: left for the augmenting phase to report
            i0 = row4col[j1]
            lowers = j1 < m and u1 < u2 and u2 < _INF
            if steps < limit:
                if lowers:
                    v[j1] -= u2 - u1
                elif i0 >= 0 and j2 >= 0:
                    j1, c1 = j2, c2
                    i0 = row4col[j1]
                if i0 >= 0:
                    if lowers:
                        current -= 1
                        free[current] = i0
                    else:
                        free[newfree] = i0
                        newfree += 1
            elif i0 >= 0:
                free[newfree] = i0
                newfree += 1
            if i0 >= 0:
                col4row[i0] = -1
            col4row[i] = j1
            row4col[j1] = i
            mcost[i] = c1
            u[i] = c1 - v[j1]
        nfree = newfree


@njit(cache=True)
def init_greedy(indptr, indices, cost, dummy, col4row, row4col, u, v, mcost):
    """Cold start valid for every problem: ``v = 0``, row reduction, greedy tight pairs."""
    n = indptr.shape[0] - 1
    m = row4col.shape[0] - n
    v[:] = 0.0
    col4row[:] = -1
    row4col[:] = -1
    for i in range(n):
        best = dummy[i]
        bj = m + i if best < _INF else -1
        for p in range(indptr[i], indptr[i + 1]):
            if cost[p] < best:
                best = cost[p]
                bj = indices[p]
        if bj < 0:
            u[i] = 0.0
            continue
        u[i] = best
        if row4col[bj] < 0:
            row4col[bj] = i
            col4row[i] = bj
            mcost[i] = best


@njit(cache=True)
def init_column_reduction(indptr, indices, cost, dummy, free_sign, col4row, row4col, u, v, mcost):
    """Jonker-Volgenant column reduction and reduction transfer.

    With ``free_sign`` False the column potentials stay <= 0 (needed when
    columns may end unmatched); a column that is reduced but ends free then
    breaks complementary slackness, which the caller checks.
    """
    n = indptr.shape[0] - 1
    m = row4col.shape[0] - n
    col4row[:] = -1
    row4col[:] = -1
    colmin = np.full(m, _INF)
    colarg = np.full(m, -1, np.int64)
    for i in range(n):
        for p in range(indptr[i], indptr[i + 1]):
            j = indices[p]
            if cost[p] < colmin[j]:
                colmin[j] = cost[p]
                colarg[j] = i
    v[:] = 0.0
    for j in range(m):
        if colarg[j] >= 0:
            v[j] = colmin[j] if free_sign else min(colmin[j], 0.0)
    for jj in range(m):
        j = m - 1 - jj
        i = colarg[j]
        if i >= 0 and col4row[i] < 0 and colmin[j] == v[j]:
            col4row[i] = j
            row4col[j] = i
            mcost[i] = colmin[j]
    for i in range(n):
        j0 = col4row[i]
        best = dummy[i]
        for p in range(indptr[i], indptr[i + 1]):
            j = indices[p]
            if j == j0:
                continue
            r = cost[p] - v[j]
            if r < best:
                best = r
        if j0 >= 0:
            # reduction transfer: row i's second best becomes its potential
            mu = best
            if mu > mcost[i] - v[j0]:
                if mu < _INF:
                    v[j0] = mcost[i] - mu
                u[i] = mcost[i] - v[j0]
            else:  # pragma: no cover - column minimum makes the assigned edge the best
                u[i] = mcost[i] - v[j0]
        else:
            u[i] = best if best < _INF else 0.0


@njit(cache=True)
def _heap_insert_max(vals, idx, off, size, k, key, j):
    """Keep the ``k`` smallest keys in the max-heap ``vals[off:off+size]``; return the new size."""
    if size < k:
        return push_max(vals, idx, off, size, key, j)
    if key >= vals[off]:
        return size
    replace_max(vals, idx, off, size, key, j)
    return size


@njit(cache=True)
def _heap_insert_tie(vals, ties, idx, off, size, k, key, tie, j):
    """Like :func:`_heap_insert_max`, ordering by ``(key, tie)``: equal keys are kept by smallest tie."""
    if size < k:
        pos = size
        while pos > 0:
            parent = (pos - 1) >> 1
            pv = vals[off + parent]
            if pv > key or (pv == key and ties[off + parent] >= tie):
                break
            vals[off + pos] = pv
            ties[off + pos] = ties[off + parent]
            idx[off + pos] = idx[off + parent]
            pos = parent
        vals[off + pos] = key
        ties[off + pos] = tie
        idx[off + pos] = j
        return size + 1
    top = vals[off]
    if key > top or (key == top and tie >= ties[off]):
        return size
    pos = 0
    while True:
        c = 2 * pos + 1
        if c >= size:
            break
        if c + 1 < size:
            a = vals[off + c + 1]
            b = vals[off + c]
            if a > b or (a == b and ties[off + c + 1] > ties[off + c]):
                c += 1
        cv = vals[off + c]
        if cv < key or (cv == key and ties[off + c] <= tie):
            break
        vals[off + pos] = cv
        ties[off + pos] = ties[off + c]
        idx[off + pos] = idx[off + c]
        pos = c
    vals[off + pos] = key
    ties[off + pos] = tie
    idx[off + pos] = j
    return size


_B = 16  # chunk width of the vectorized scans
_ABS = np.int64(0x7FFFFFFFFFFFFFFF)


@njit(cache=True)
def _insert_row_candidates(row, sign, j0, j1, rv, rt, ri, rsize, kr, cv, ct, ci, csize, cthr, kc, i, n, fidx, fp, fe):
    """Scalar pass over ``row[j0:j1]``: row heap and column heaps; skip forbidden columns.

    Equal costs are ranked by a rotated index (row ``i`` prefers columns from
    ``i * 7919 mod m`` on, column ``j`` rows from ``j * 7919 mod n`` on), so
    that ties spread the candidates instead of piling them on the first
    columns and rows (a degenerate matrix would otherwise give a candidate
    graph without a perfect matching).
    """
    m = row.shape[0]
    for j in range(j0, j1):
        if fp < fe:
            while fp < fe and fidx[fp] < j:
                fp += 1
            if fp < fe and fidx[fp] == j:
                continue
        c = sign * row[j]
        if rsize < kr or c <= rv[0]:
            rsize = _heap_insert_tie(rv, rt, ri, 0, rsize, kr, c, (j - i * 7919) % m, j)
        if c <= cthr[j]:
            off = j * kc
            sz = _heap_insert_tie(cv, ct, ci, off, csize[j], kc, c, (i - j * 7919) % n, i)
            csize[j] = sz
            if sz == kc:
                cthr[j] = cv[off]
    return rsize


#: fast-math flags that keep NaN and inf semantics (the scans detect them)
_FM = {"reassoc", "nsz", "contract", "arcp"}


@njit(cache=True, fastmath=_FM)
def _chunk_scan(row, sign, cthr, cmins, chits):
    """Vectorizable scan of one row: per chunk of ``_B`` columns, the smallest
    cost and whether some cost beats its column's threshold.  Returns NaN when
    the row holds a NaN or an infinite value, else 0."""
    m = row.shape[0]
    nq = cmins.shape[0]
    acc = 0.0
    for q in range(nq):
        j0 = q * _B
        j1 = min(j0 + _B, m)
        lo = np.inf
        hit = 0
        a = 0.0
        for j in range(j0, j1):
            c = sign * row[j]
            lo = min(lo, c)
            hit += c <= cthr[j]
            a += c * 0.0
        cmins[q] = lo
        chits[q] = hit
        acc += a
    return acc


@njit(cache=True)
def dense_candidates(s, sign, k_row, k_col, fptr, fidx):
    """The ``k_row`` cheapest allowed pairs of every row and ``k_col`` of every column, in one pass.

    ``c = sign * s``; forbidden pairs are ``fidx[fptr[i]:fptr[i+1]]`` (sorted)
    for row ``i``.  Returns ``(rows, cols, absmax)``: the pairs, with
    duplicates (a pair may be in both a row's and a column's top-k), and the
    largest ``|s|`` seen (``inf`` or ``nan`` when some value is not finite:
    the caller must then check the input and raise).
    """
    n, m = s.shape
    kr = min(k_row, m)
    kc = min(k_col, n)
    rv = np.empty(max(kr, 1))
    rt = np.empty(max(kr, 1), np.int64)
    ri = np.empty(max(kr, 1), np.int64)
    cv = np.empty(m * max(kc, 1))
    ct = np.empty(m * max(kc, 1), np.int64)
    ci = np.empty(m * max(kc, 1), np.int64)
    csize = np.zeros(m, np.int64)
    cthr = np.full(m, _INF)
    nq = (m + _B - 1) // _B
    cmins = np.empty(nq)
    chits = np.zeros(nq, np.int64)
    qv = np.empty(max(kr, 1))
    qi = np.empty(max(kr, 1), np.int64)
    out_r = np.empty(n * kr + m * kc, np.int64)
    out_c = np.empty(n * kr + m * kc, np.int64)
    t = 0
    bad = 0.0
    scalar = 0
    for i in range(n):
        row = s[i]
        bad += _chunk_scan(row, sign, cthr, cmins, chits)
        fp = fptr[i]
        fe = fptr[i + 1]
        rsize = 0
        if fe > fp:
            # rows with forbidden pairs: plain scalar pass
            rsize = _insert_row_candidates(
                row, sign, 0, m, rv, rt, ri, rsize, kr, cv, ct, ci, csize, cthr, kc, i, n, fidx, fp, fe
            )
        else:
            # the kr-th smallest chunk minimum bounds the row's kr-th smallest cost
            qsize = 0
            for q in range(nq):
                qsize = _heap_insert_max(qv, qi, 0, qsize, kr, cmins[q], q)
            thr = qv[0] if qsize == kr else _INF
            for q in range(nq):
                if cmins[q] <= thr or chits[q] != 0:
                    scalar += 1
                    j0 = q * _B
                    rsize = _insert_row_candidates(
                        row, sign, j0, min(j0 + _B, m), rv, rt, ri, rsize, kr, cv, ct, ci, csize, cthr, kc, i, n,
                        fidx, fp, fe,
                    )
        for q in range(rsize):
            out_r[t] = i
            out_c[t] = ri[q]
            t += 1
    for j in range(m):
        for q in range(csize[j]):
            out_r[t] = ci[j * kc + q]
            out_c[t] = j
            t += 1
    return out_r[:t], out_c[:t], bad == 0.0, scalar


@njit(cache=True, fastmath=True)
def _price_scan(row, sign, v, cmins):
    m = row.shape[0]
    nq = cmins.shape[0]
    for q in range(nq):
        j0 = q * _B
        j1 = min(j0 + _B, m)
        lo = np.inf
        for j in range(j0, j1):
            lo = min(lo, sign * row[j] - v[j])
        cmins[q] = lo


@njit(cache=True, nogil=True)
def dense_price(s, sign, u, v, tol, k, fptr, fidx, rows, cptr, cidx):
    """Price every allowed pair of the given ``rows`` of a dense matrix.

    Reduced cost ``r = sign * s[i, j] - u[i] - v[j]``.  Candidate pairs
    (``cidx[cptr[i]:cptr[i+1]]``, sorted; pass ``cptr`` of zeros for none)
    are skipped except for the violation measure.  Returns, per priced row
    ``rows[t]``: up to ``k`` most negative non-candidate pairs with ``r <
    -tol`` (``cols[t, :counts[t]]``), the largest violation ``max(0, -r)``
    over all its allowed pairs, and its *margin*, the smallest ``r`` over
    its allowed non-candidate pairs (``inf`` if none): while the row's
    potential rises by less than the margin it cannot gain a violated pair.
    """
    n, m = s.shape
    kk = max(k, 1)
    nr = rows.shape[0]
    cols = np.empty(nr * kk, np.int64)
    keys = np.empty(nr * kk)
    counts = np.zeros(nr, np.int64)
    worst = np.zeros(nr)
    margin = np.empty(nr)
    nq = (m + _B - 1) // _B
    for t in range(nr):
        i = rows[t]
        row = s[i]
        ui = u[i]
        fp = fptr[i]
        fe = fptr[i + 1]
        cp = cptr[i]
        ce = cptr[i + 1]
        cmins = np.empty(nq)
        _price_scan(row, sign, v, cmins)
        size = 0
        w = 0.0
        thr = -tol
        mg = _INF
        for q in range(nq):
            if cmins[q] - ui >= max(mg, 0.0):
                continue
            j0 = q * _B
            for j in range(j0, min(j0 + _B, m)):
                r = sign * row[j] - ui - v[j]
                if r < mg or r < 0.0:
                    if fp < fe:
                        while fp < fe and fidx[fp] < j:
                            fp += 1
                        if fp < fe and fidx[fp] == j:
                            continue
                    if -r > w:
                        w = -r
                    if cp < ce:
                        while cp < ce and cidx[cp] < j:
                            cp += 1
                        if cp < ce and cidx[cp] == j:
                            continue
                    if r < mg:
                        mg = r
                    if r < thr:
                        size = _heap_insert_max(keys, cols, t * kk, size, kk, r, j)
                        if size == kk:
                            thr = min(keys[t * kk], -tol)
        counts[t] = size
        worst[t] = w
        margin[t] = mg
    return cols.reshape(nr, kk), counts, worst, margin


@njit(cache=True, nogil=True)
def csr_price(indptr, indices, data, sign, u, v, tol, k):
    """Like :func:`dense_price` over the stored entries of a CSR matrix."""
    n = indptr.shape[0] - 1
    kk = max(k, 1)
    cols = np.empty(n * kk, np.int64)
    keys = np.empty(n * kk)
    counts = np.zeros(n, np.int64)
    worst = np.zeros(n)
    for i in range(n):
        ui = u[i]
        size = 0
        w = 0.0
        for p in range(indptr[i], indptr[i + 1]):
            j = indices[p]
            r = sign * data[p] - ui - v[j]
            if -r > w:
                w = -r
            if r < -tol:
                size = _heap_insert_max(keys, cols, i * kk, size, kk, r, j)
        counts[i] = size
        worst[i] = w
    return cols.reshape(n, kk), counts, worst


@njit(cache=True)
def dense_sap(c, dummy, col4row, row4col, u, v):
    """Shortest augmenting paths on a dense cost matrix (Crouse's variant of Jonker-Volgenant).

    ``c`` has shape (n, m) with n <= m; ``inf`` marks a forbidden pair.
    ``dummy[i]`` is the cost of leaving row ``i`` unmatched (``inf``: not
    allowed); a row left unmatched gets ``col4row[i] = m + i``.  Starts from
    any state with reduced costs >= 0 and tight matched pairs (e.g. all
    free, ``u = v = 0`` when costs may be negative only if ``v`` stays 0 on
    free columns).  Returns the rows with no augmenting path.
    """
    n, m = c.shape
    shortest = np.empty(m)
    path = np.empty(m, np.int64)
    remaining = np.empty(m, np.int64)
    scanned_cols = np.empty(m, np.int64)
    visited_rows = np.empty(n, np.int64)
    failed = np.empty(n, np.int64)
    nfailed = 0
    for f in range(n):
        if col4row[f] >= 0:
            continue
        for j in range(m):
            shortest[j] = _INF
            remaining[j] = m - 1 - j
        nrem = m
        nsc = 0
        nvr = 0
        i = f
        min_val = 0.0
        sink = -1
        dummy_best = _INF
        dummy_row = -1
        while True:
            visited_rows[nvr] = i
            nvr += 1
            if dummy[i] < _INF:
                d = min_val + dummy[i] - u[i]
                if d < dummy_best:
                    dummy_best = d
                    dummy_row = i
            lowest = _INF
            index = -1
            ui = u[i]
            for it in range(nrem):
                j = remaining[it]
                r = min_val + c[i, j] - ui - v[j]
                if r < shortest[j]:
                    path[j] = i
                    shortest[j] = r
                sj = shortest[j]
                if sj < lowest or (sj == lowest and row4col[j] < 0):
                    lowest = sj
                    index = it
            if dummy_best <= lowest:
                min_val = dummy_best
                sink = m + dummy_row
                break
            if lowest == _INF:
                break
            min_val = lowest
            j = remaining[index]
            scanned_cols[nsc] = j
            nsc += 1
            nrem -= 1
            remaining[index] = remaining[nrem]
            if row4col[j] < 0:
                sink = j
                break
            i = row4col[j]
        if sink < 0:
            failed[nfailed] = f
            nfailed += 1
            continue
        # potentials (rows reached through their matched column got shortest[col] on arrival)
        u[f] += min_val
        for q in range(1, nvr):
            i = visited_rows[q]
            u[i] += min_val - shortest[col4row[i]]
        for q in range(nsc):
            j = scanned_cols[q]
            if j != sink:
                v[j] -= min_val - shortest[j]
        if sink >= m:
            dr = sink - m
            j = col4row[dr]
            col4row[dr] = sink
            if dr == f:
                continue
        else:
            j = sink
        while True:
            i = path[j]
            row4col[j] = i
            prev = col4row[i]
            col4row[i] = j
            if i == f:
                break
            j = prev
    return failed[:nfailed]
