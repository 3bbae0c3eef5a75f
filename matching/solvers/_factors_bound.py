"""Which rows a capacitated pricing round of :func:`~matching.solvers.solve_factors` must price again.

Pricing a row costs a product against every right participant; after the
first pass most rows hold no violated pair, and the later rounds should
price only the rows that may.  A pass records, per priced row ``i`` and
with the potentials ``u0, v0`` of that pass (in cost terms: ``u = sign *
left``, ``v = sign * right``; reduced cost ``r_ij = sign * s_ij - u_i -
v_j``, violated when ``< -tol``):

* its *near pairs*: the :data:`NEAR` allowed non-candidate pairs of
  smallest reduced cost, with those reduced costs ``r0_ij``;
* its *floor* ``delta_i``: a lower bound on ``r0_ij`` of every other
  allowed non-candidate pair (the largest near reduced cost when the row
  has more than :data:`NEAR` such pairs, ``+inf`` otherwise).

Since then ``r_ij = r0_ij - (u_i - u0_i) - (v_j - v0_j)`` and candidates
were only added, every allowed non-candidate pair of the row has

    ``r_ij >= min(delta_i - du_i - max_j dv_j,  min over near j not yet candidates of r0_ij - du_i - dv_j)``

(``du, dv`` the moves since the row's pass; the maximum runs over the
columns outside ``M`` below).  A row whose bound is ``>= 0``
holds no violated pair and is skipped; the others are priced, and their
near pairs and floor are taken again at the current potentials (each row
keeps the pass it was last priced in: the column potentials of every pass
still referred to are kept).

Only the ``NEAR`` stored pairs see their own column's move; the rest of the
row sees the largest move of any column, and between the early rounds the
right potentials move broadly (at 20,000 per side, between the second and
third round, a few columns by 0.08 while the rows' floors have a median of
0.04).  So the few columns that moved most, ``M``, are left out of that
largest move and priced exactly instead: one float64 product of the rows
the bound clears against ``M``, skipping forbidden, impossible and candidate
pairs (:func:`columns_check`); a row with a reduced cost ``< 0`` there is
priced.  ``M`` is the prefix of the columns ordered by their largest move
that minimizes the rows priced times ``m`` plus :data:`_CHECK_COST` times
the pairs checked (:meth:`RowBound.moved_columns`; often none).

Exactness: the bound never exceeds the smallest reduced cost of a row's
allowed non-candidate pairs (the float32 pass reads against row potentials
raised by its rounding bound, so its stored reduced costs are lower bounds
of the exact ones too; a skipped row is one whose bound is ``>= 0``, a
tolerance ``tol`` more than pricing asks), so a skipped row has no violated pair; a round in which the
priced rows show no violation therefore proves every allowed pair
unviolated, as a full pass would; the moved columns' check reads exact
reduced costs, and its rows are priced whole.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._heap import push_max, replace_max
from ._kernels import _B, _price_scan

__all__ = ["NEAR", "RowBound", "columns_check", "near_price"]

#: near pairs kept per priced row (the bound's exact part)
NEAR = 32


@njit(cache=True, inline="always")
def _keep_smallest(keys, cols, off, size, k, key, j):  # pragma: no cover - compiled
    """Keep the ``k`` smallest keys in the max-heap ``keys[off:off+size]``; return the new size."""
    if size < k:
        return push_max(keys, cols, off, size, key, j)
    if key < keys[off]:
        replace_max(keys, cols, off, size, key, j)
    return size


@njit(cache=True, nogil=True)
def near_price(s, sign, u, v, tol, k, near, fptr, fidx, rows, cptr, cidx):  # pragma: no cover - compiled
    """:func:`._kernels.dense_price`, plus each row's ``near`` smallest non-candidate reduced costs.

    Returns ``(cols, counts, worst, margin, near_cols, near_keys, floor)``:
    the first four as :func:`._kernels.dense_price` returns them; per priced
    row ``rows[t]`` its ``near`` allowed non-candidate pairs of smallest
    reduced cost (``near_cols[t]``, ``near_keys[t]``; unused slots column
    -1, key ``inf``) and ``floor[t]``, a lower bound on the reduced cost of
    its other allowed non-candidate pairs (``inf``: it has no other).
    ``near = 0`` gives what :func:`._kernels.dense_price` gives, a third
    slower (the one-to-one path calls ``dense_price``, see
    :func:`._factors._scan`); 32 near pairs double the scan
    (about a tenth of a float32 pricing pass at 20,000 per side: the chunks
    holding pairs below the 32nd smallest so far are scanned, not only those
    below the smallest).
    """
    n, m = s.shape
    kk = max(k, 1)
    nr = rows.shape[0]
    cols = np.empty(nr * kk, np.int64)
    keys = np.empty(nr * kk)
    counts = np.zeros(nr, np.int64)
    worst = np.zeros(nr)
    margin = np.empty(nr)
    near_cols = np.full(nr * near, -1, np.int64)
    near_keys = np.full(nr * near, np.inf)
    floor = np.full(nr, np.inf)
    nq = (m + _B - 1) // _B
    cmins = np.empty(nq)
    for t in range(nr):
        i = rows[t]
        row = s[i]
        ui = u[i]
        fp = fptr[i]
        fe = fptr[i + 1]
        cp = cptr[i]
        ce = cptr[i + 1]
        _price_scan(row, sign, v, cmins)
        size = 0
        nsize = 0
        w = 0.0
        thr = -tol
        mg = np.inf
        top = np.inf  # the largest near key once the near heap is full (the margin without near pairs)
        off = t * near
        for q in range(nq):
            if cmins[q] - ui >= max(top, 0.0):
                continue
            j0 = q * _B
            for j in range(j0, min(j0 + _B, m)):
                r = sign * row[j] - ui - v[j]
                if r < top or r < 0.0:
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
                        if near == 0:  # no near pairs: only a new margin counts, as in dense_price
                            top = mg
                    if near > 0 and r < top:
                        nsize = _keep_smallest(near_keys, near_cols, off, nsize, near, r, j)
                        if nsize == near:
                            top = min(top, near_keys[off])
                    if r < thr:
                        size = _keep_smallest(keys, cols, t * kk, size, kk, r, j)
                        if size == kk:
                            thr = min(keys[t * kk], -tol)
        # every pair left out of a full near heap (pushed out, or skipped at or above ``top``, which
        # only falls) lies at or above the heap's final largest key; a heap not full holds them all
        if near > 0:
            floor[t] = top
        counts[t] = size
        worst[t] = w
        margin[t] = mg
    return (cols.reshape(nr, kk), counts, worst, margin, near_cols.reshape(nr, near), near_keys.reshape(nr, near),
            floor)


@njit(cache=True, nogil=True)
def _bounds(ref, du, dv, top_dv, near_cols, near_keys, floor, cptr, cidx):  # pragma: no cover - compiled
    """Per row the lower bound of the module's docstring (``top_dv[g]``: the largest move of a column
    outside the moved set since pass ``g``)."""
    n = du.shape[0]
    near = near_cols.shape[1]
    out = np.empty(n)
    for i in range(n):
        g = ref[i]
        d = du[i]
        b = floor[i] - d - top_dv[g]
        cp, ce = cptr[i], cptr[i + 1]
        for t in range(near):
            j = near_cols[i, t]
            if j < 0:
                continue
            r = near_keys[i, t] - d - dv[g, j]
            if r >= b:
                continue
            # a pair that has since become a candidate is the flow's business, not pricing's
            lo, hi = cp, ce
            while lo < hi:
                mid = (lo + hi) >> 1
                if cidx[mid] < j:
                    lo = mid + 1
                else:
                    hi = mid
            if lo < ce and cidx[lo] == j:
                continue
            b = r
        out[i] = b
    return out


@njit(cache=True, nogil=True)
def _columns_min(block, sign, u_rows, v_cols, cols, rows, fptr, fidx, cptr, cidx):  # pragma: no cover - compiled
    """Per row ``rows[t]`` the smallest reduced cost ``sign * block[t, c] - u_rows[t] - v_cols[c]`` over
    the sorted columns ``cols`` that are neither forbidden nor candidates (``inf``: none)."""
    nr, nc = block.shape
    out = np.full(nr, np.inf)
    for t in range(nr):
        i = rows[t]
        fp, fe = fptr[i], fptr[i + 1]
        cp, ce = cptr[i], cptr[i + 1]
        best = np.inf
        for c in range(nc):
            r = sign * block[t, c] - u_rows[t] - v_cols[c]
            if r >= best:
                continue
            j = cols[c]
            while fp < fe and fidx[fp] < j:
                fp += 1
            if fp < fe and fidx[fp] == j:
                continue
            while cp < ce and cidx[cp] < j:
                cp += 1
            if cp < ce and cidx[cp] == j:
                continue
            best = r
        out[t] = best
    return out


#: largest block of the moved columns' check: a block of ``max_block_bytes`` (256 MiB) held beside the
#: pricing's added 0.27 GB to the peak at 20,000 per side; 32 MiB blocks keep the product as fast
_CHECK_BLOCK_BYTES = 32 << 20


def columns_check(f, sign: float):
    """``check(rows, cols, u, v, candidates)``: per row of ``rows`` its smallest exact (float64) reduced cost
    over the allowed non-candidate pairs with the sorted columns ``cols`` (cost terms ``u``, ``v``), for the
    factor problem ``f`` (:class:`._factors._Factors`), in row blocks of at most its ``max_block_bytes`` and
    :data:`_CHECK_BLOCK_BYTES`."""

    def check(rows: np.ndarray, cols: np.ndarray, u: np.ndarray, v: np.ndarray,
              candidates: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        out = np.empty(len(rows))
        step = max(1, min(f.max_block_bytes, _CHECK_BLOCK_BYTES) // (8 * max(len(cols), 1)))
        b_cols = np.ascontiguousarray(f.b[cols])
        v_cols = np.ascontiguousarray(v[cols])
        for s in range(0, len(rows), step):
            chunk = rows[s:s + step]
            block = f.extras.finish(f.a[chunk] @ b_cols.T, chunk, sign, cols=cols)
            out[s:s + len(chunk)] = _columns_min(block, sign, np.ascontiguousarray(u[chunk]), v_cols, cols, chunk,
                                                 f.fptr, f.fidx, *candidates)
        return out

    return check


#: cost of one pair of the moved columns' exact check relative to one pair of a pricing pass
_CHECK_COST = 2.0


class RowBound:
    """The near pairs and floors of every row at its last pricing, and the rows a round must price.

    Empty until the first full pass (:meth:`update` with ``rows=None``).
    """

    def __init__(self, n: int, m: int, sign: float):
        self.n, self.m, self.sign = n, m, float(sign)
        self.ready = False
        self.ref = np.zeros(n, np.int64)  # which kept pass each row was last priced in
        self.u0 = np.zeros(n)
        self.near_cols = np.full((n, NEAR), -1, np.int64)
        self.near_keys = np.full((n, NEAR), np.inf)
        self.floor = np.full(n, -np.inf)
        self.passes: list[np.ndarray] = []  # the column potentials (cost terms) of the passes kept

    def update(self, rows: np.ndarray | None, left: np.ndarray, right: np.ndarray, near_cols: np.ndarray,
               near_keys: np.ndarray, floor: np.ndarray) -> None:
        """Record a pass over ``rows`` (None: every row) at the potentials ``left, right``."""
        if rows is None:
            rows = np.arange(self.n, dtype=np.int64)
            self.passes = []
            self.ready = True
        elif not self.ready:
            return
        self.passes.append(self.sign * np.asarray(right, np.float64))
        self.ref[rows] = len(self.passes) - 1
        self.u0[rows] = self.sign * np.asarray(left, np.float64)[rows]
        self.near_cols[rows] = near_cols
        self.near_keys[rows] = near_keys
        self.floor[rows] = floor
        # drop the passes no row refers to any more (renumbering the rows' references)
        used = np.zeros(len(self.passes), bool)
        used[self.ref] = True
        if not used.all():
            renumber = np.cumsum(used) - 1
            self.passes = [p for p, keep in zip(self.passes, used) if keep]
            self.ref = renumber[self.ref]

    def _moves(self, left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        du = self.sign * np.asarray(left, np.float64) - self.u0
        dv = np.stack([self.sign * np.asarray(right, np.float64) - p for p in self.passes])
        return du, dv

    def bounds(self, left: np.ndarray, right: np.ndarray, candidates: tuple[np.ndarray, np.ndarray],
               moved: np.ndarray | None = None) -> np.ndarray:
        """Each row's lower bound on the reduced costs of its allowed non-candidate pairs now, leaving
        out the columns ``moved`` (checked exactly apart) from the floor's column move."""
        du, dv = self._moves(left, right)
        rest = dv if moved is None or not len(moved) else np.delete(dv, moved, axis=1)
        top_dv = rest.max(axis=1, initial=-np.inf)
        cptr, cidx = candidates
        return _bounds(self.ref, du, np.ascontiguousarray(dv), top_dv, self.near_cols, self.near_keys, self.floor,
                       cptr, cidx)

    def moved_columns(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """The columns best checked exactly: those whose moves since the rows' passes push the most rows'
        floors below 0, as many as make the check cheaper than pricing those rows (sorted, maybe none)."""
        du, dv = self._moves(left, right)
        order = np.argsort(-dv.max(axis=0), kind="stable")
        # per kept pass, the largest move of the columns after the first t of ``order``
        suffix = np.maximum.accumulate(dv[:, order[::-1]], axis=1)[:, ::-1]
        slack = self.floor - du
        sizes = np.unique(np.r_[0, np.geomspace(16, max(self.m // 4, 16), 24).astype(np.int64)])
        sizes = sizes[sizes < self.m]
        best, best_cost = 0, np.inf
        for t in sizes:
            with np.errstate(invalid="ignore"):
                due = int(np.count_nonzero(~(slack - suffix[self.ref, t] >= 0.0)))
            cost = due * self.m + _CHECK_COST * t * (self.n - due)
            if cost < best_cost:
                best, best_cost = int(t), cost
        return np.sort(order[:best]).astype(np.int64)

    def due(self, left: np.ndarray, right: np.ndarray, candidates: tuple[np.ndarray, np.ndarray],
            check=None) -> np.ndarray | None:
        """The rows that may hold a violated pair; None before the first full pass.

        ``check`` (:func:`columns_check`): the columns that moved most are
        checked exactly for the rows the bound clears, and left out of the
        bound's floor term; None: the bound alone.
        """
        if not self.ready:
            return None
        moved = self.moved_columns(left, right) if check is not None else np.zeros(0, np.int64)
        with np.errstate(invalid="ignore"):
            clear = self.bounds(left, right, candidates, moved) >= 0.0
        if len(moved):
            rows = np.flatnonzero(clear).astype(np.int64)
            u = self.sign * np.asarray(left, np.float64)
            v = self.sign * np.asarray(right, np.float64)
            with np.errstate(invalid="ignore"):
                clear[rows] = check(rows, moved, u, v, candidates) >= 0.0
        return np.flatnonzero(~clear).astype(np.int64)
