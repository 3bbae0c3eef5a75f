"""The blockwise passes of :func:`~matching.solvers.solve_factors` on the cores of this process.

Without a cluster, the candidate, pricing and scale passes hand their
panels (:mod:`._factors_panels`: runs of whole row blocks, the blocks of a
one-thread pass) to one thread per core.  Each thread runs its products
with one BLAS thread and folds them with the compiled kernels, which
release the GIL; one thread alone would leave a core idle while it scans a
block.  The results are folded as the Dask runner folds them
(:class:`._factors_dask.ClusterPasses`):

- candidates: a panel's row heaps are final; its column heaps are merged
  into the running ones by (cost, row) (:func:`._factors_kernels.merge_heaps`),
  exactly the heaps of one pass over every row; a panel starts from the
  worst key of every full merged column heap (a cost above it cannot enter);
- pricing: each block's violators, worst violation and margins, yielded in
  block order: the pricing loop sees what a one-thread pass gives.

Each thread holds one score block (at most ``max_block_bytes``) and, in the
candidate pass, one column heap per right participant of its panel.
"""

from __future__ import annotations

from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from .._cores import available_cores
from . import _factors_kernels as FK
from ._factors import _Factors, _sub_csr
from ._factors_panels import largest_panel, panels, price_panel, top_k_panel

__all__ = ["ThreadPasses", "local_passes"]


def local_passes(f: _Factors) -> "ThreadPasses | None":
    """The passes of ``f`` on this process's cores; None with one core, or when the whole product is one block."""
    threads = available_cores()
    if threads < 2 or f.cached or f.n <= f.block_rows:
        return None
    return ThreadPasses(f, threads)


class ThreadPasses:
    """The candidate, pricing and scale passes of one :class:`._factors._Factors` on ``threads`` threads."""

    def __init__(self, f: _Factors, threads: int):
        self.f, self.threads = f, int(threads)

    def _sources(self, exact: bool) -> tuple[np.ndarray, np.ndarray]:
        f = self.f
        search = not exact or f.a_search.dtype == np.float64
        return (f.a_search, f.b_search) if search else (f.a, f.b)

    def top_k(self, sign: float, k_row: int, k_col: int, heaps: tuple) -> None:
        """Fill ``heaps`` (as :meth:`._factors._Factors.candidates` holds them) from panels of rows."""
        f = self.f
        row_keys, row_idx, row_size, col_keys, col_idx, col_size = heaps
        todo = iter(panels(f.n, f.block_rows, self.threads, guided=False))
        done = 0
        with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(self.threads) as pool:
            running: dict[Any, tuple[int, int]] = {}

            def ask() -> None:
                nxt = next(todo, None)
                if nxt is None:
                    return
                lo, hi = nxt
                # the worst key of every full merged column heap: this panel need not keep costs above it
                seed = np.where(col_size == k_col, col_keys[::k_col], np.inf) if col_size.any() else None
                future = pool.submit(top_k_panel, f.a_search, f.b_search, f.extras, f.sign, f.fptr, f.fidx, lo, hi,
                                     f.block_rows, sign, k_row, k_col, seed)
                running[future] = (lo, hi)

            for _ in range(self.threads):
                ask()
            while running:
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    lo, hi = running.pop(future)
                    rk, ri, rs, ck, ci, cs = future.result()
                    row_keys[lo * k_row:hi * k_row] = rk
                    row_idx[lo * k_row:hi * k_row] = ri
                    row_size[lo:hi] = rs
                    FK.merge_heaps(col_keys, col_idx, col_size, k_col, ck, ci, cs)
                    done += hi - lo
                    if f.progress is not None:
                        f.progress("candidates", done, f.n)
                    ask()

    def price(self, todo, exact, sign, u, v, tol, k, err, cptr, cidx):
        """``(chunk, priced)`` for the row blocks of ``todo`` in order, as :func:`._factors._local_price` yields them."""
        f = self.f
        a_src, b_src = self._sources(exact)
        contiguous = len(todo) == f.n
        parts = panels(len(todo), f.block_rows, self.threads, guided=True)

        def task(lo: int, hi: int) -> list:
            rows = todo[lo:hi]
            bptr, bidx = _sub_csr(cptr, cidx, rows)
            return price_panel(a_src, b_src, f.a, f.b, f.extras, f.sign, f.fptr, f.fidx, rows, f.block_rows,
                               contiguous, sign, np.ascontiguousarray(u[rows]), v, tol, k, err, exact, bptr, bidx,
                               f.near)

        done = 0
        with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(self.threads) as pool:
            futures = [pool.submit(task, lo, hi) for lo, hi in parts]
            for (lo, hi), future in zip(parts, futures):
                rows = todo[lo:hi]
                for s, priced in zip(range(0, len(rows), f.block_rows), future.result()):
                    yield rows[s:s + f.block_rows], priced
                done += hi - lo
                if f.progress is not None:
                    f.progress("pricing", done, len(todo))

    def largest(self) -> float:
        """Largest |score| over all pairs (float64 blocks)."""
        f = self.f
        a_src, b_src = self._sources(exact=True)
        parts = panels(f.n, f.block_rows, self.threads, guided=False)
        with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(self.threads) as pool:
            tops = pool.map(lambda part: largest_panel(a_src, b_src, f.extras, f.sign, part[0], part[1], f.block_rows),
                            parts)
            return max(tops, default=0.0)
