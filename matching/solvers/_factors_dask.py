"""The blockwise passes of :func:`~matching.solvers.solve_factors` as Dask tasks.

Imported only when a ``cluster`` is given.  The factors (and the forbidden
pairs) are sent to the cluster once, as results of tasks (:func:`hold`):
workers fetch them from one another, and a worker killed with the only
copy makes Dask rebuild it from the scheduler's copy.  Panels are asked
of the workers in turn (``allow_other_workers``): left to itself the
scheduler keeps every task next to the one copy of the factors.  A task is a
*panel* of consecutive row blocks of the single-process pass
(:mod:`._factors_panels`, which the threads of one process run too).  The
client folds the tasks' results as they complete (``as_completed``):

- candidates: a panel's row heaps are final; its column heaps are merged
  into the running ones by (cost, row) (:func:`._factors_kernels.merge_heaps`),
  which is exactly the heap one pass over every row keeps;
- pricing: each block's violators, worst violation and margins, put back
  in block order, so the pricing loop sees exactly what one process sees.

The sparse exact solve stays on the client, and so does the completion
step of ``require_complete`` (best partners among the participants left
unmatched, a pass over those rows only).  Tasks are pure functions of
their arguments, so a worker lost mid-pass only delays the pass: Dask runs
its tasks again elsewhere.  A task holds one score block (at most
``max_block_bytes``), its rows' heaps and one column heap per right
participant; nothing of size ``n × m`` is gathered.
Each worker process copies the factors once into memory numpy allocated
(:func:`_resident`): the buffers of Dask's transfers are mapped in small
pages, which made the same tasks cost a fifth more CPU.

A pass has about :data:`._factors_panels.TASKS_PER_THREAD` panels per
worker thread (pricing panels shrink along the pass,
:func:`._factors_panels.panels`), and each worker thread has
:data:`QUEUED` of them asked of it at a time, the next one when one
completes: the fast take more.
"""

from __future__ import annotations

import dataclasses
import warnings
import weakref
from typing import Any, Callable

import numpy as np
import scipy.sparse as sp

from .._cluster import connect
from . import _factors_kernels as FK
from ._factors import _Factors, _sub_csr
from ._factors_panels import largest_panel, panels, price_panel, top_k_panel
from ._factors_extras import Extras
from ._result import MatchResult

__all__ = ["QUEUED", "ClusterPasses", "hold", "results", "solve_on_cluster"]

#: panels asked of each worker thread at a time: the next one is queued there when one completes
QUEUED = 2


def solve_on_cluster(cluster: Any, solve: Callable[[Callable[[_Factors], Any]], MatchResult]) -> MatchResult:
    """Run ``solve(attach)`` with its blockwise passes on ``cluster``.

    ``attach(f)`` gives the :class:`ClusterPasses` of the problem ``f``
    (None when the whole product fits one block: it is computed once on
    the client).  The result's ``info["cluster"]`` says what moved.
    """
    runners: list[ClusterPasses] = []
    with connect(cluster) as client:
        def attach(f: _Factors) -> ClusterPasses | None:
            if f.cached:
                return None
            runner = ClusterPasses(client, f)
            runners.append(runner)
            return runner

        try:
            result = solve(attach)
        finally:
            for runner in runners:
                runner.close()
        workers = len(client.scheduler_info().get("workers", {}))
    stats = {"workers": workers, "tasks": 0, "bytes_to_workers": 0, "bytes_from_workers": 0, "panel_rows": 0}
    for runner in runners:
        for key in ("tasks", "bytes_to_workers", "bytes_from_workers"):
            stats[key] += runner.stats[key]
        stats["panel_rows"] = runner.panel_rows
    return dataclasses.replace(result, info={**result.info, "cluster": stats})


def hold(client: Any, value: Any) -> Any:
    """A future of ``value`` that Dask can always rebuild: the result of a task that returns it.

    Scattered data (``client.scatter``) is lost for good with the last
    worker holding it, and Dask's memory manager drops the replicas of a
    broadcast between passes; a task's result is recomputed from the
    scheduler's copy of its arguments, so a killed worker costs time only.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sending large graph", category=UserWarning)
        return client.submit(_same, value, pure=False)


def _same(value: Any) -> Any:
    return value


def results(completed: Any):
    """``(future, result)`` from a ``distributed.as_completed`` iterator; a task's error is raised here."""
    for future in completed:
        yield future, future.result()


def _nbytes(value: Any) -> int:
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, (tuple, list)):
        return sum(_nbytes(v) for v in value)
    if sp.issparse(value):
        return int(value.data.nbytes + value.indices.nbytes + value.indptr.nbytes)
    if isinstance(value, Extras):
        return sum(_nbytes(v) for v in vars(value).values())
    return 0


class ClusterPasses:
    """The candidate, pricing and scale passes of one :class:`._factors._Factors` on a Dask client."""

    def __init__(self, client: Any, f: _Factors):
        self.client, self.f = client, f
        nthreads = client.nthreads()
        threads = max(1, sum(nthreads.values()))
        #: one slot per worker thread; a slot is asked its next panel when one of its panels completes
        self.slots = [address for address in sorted(nthreads) for _ in range(nthreads[address])]
        self.threads = threads
        #: rows of the largest panel of a pass over every row
        self.panel_rows = max((hi - lo for lo, hi in self._panels(f.n, guided=False)), default=0)
        self.stats = {"tasks": 0, "bytes_to_workers": 0, "bytes_from_workers": 0}
        same = f.a_search.dtype == np.float64  # float64 search: one copy of the factors serves both
        self.data = {
            "a": self._scatter(f.a), "b": self._scatter(f.b),
            "fptr": self._scatter(f.fptr), "fidx": self._scatter(f.fidx), "extras": self._scatter(f.extras),
        }
        self.data["a_search"] = self.data["a"] if same else self._scatter(f.a_search)
        self.data["b_search"] = self.data["b"] if same else self._scatter(f.b_search)

    def _panels(self, total: int, guided: bool) -> list[tuple[int, int]]:
        """:func:`._factors_panels.panels` for this cluster's worker threads."""
        return panels(total, self.f.block_rows, self.threads, guided)

    def _scatter(self, value: Any) -> Any:
        self.stats["bytes_to_workers"] += _nbytes(value)
        return hold(self.client, value)

    def _run(self, panels: list[tuple[int, int]], task: Callable[[int, int], tuple], stage: str, total: int):
        """``(p, result)`` of the tasks ``task(lo, hi)`` of the ``panels``, as they complete.

        Each worker thread has :data:`QUEUED` panels asked of it at a time
        (any other worker may run them if that one is gone); when one of its
        panels completes it is asked the next one, so a thread that runs
        fast takes more of the pass.  Reports the rows done to ``progress``.
        """
        from distributed import as_completed

        client, f = self.client, self.f
        slots = self.slots or [None]
        todo = iter(enumerate(panels))
        futures: dict[Any, tuple[int, int, Any]] = {}
        completed = as_completed(loop=client.loop)

        def ask(slot: Any) -> None:
            nxt = next(todo, None)
            if nxt is None:
                return
            p, (lo, hi) = nxt
            args = task(lo, hi)
            self.stats["tasks"] += 1
            self.stats["bytes_to_workers"] += _nbytes(args)
            future = client.submit(*args, pure=False, workers=None if slot is None else [slot], allow_other_workers=True)
            futures[future] = (p, hi - lo, slot)
            completed.add(future)

        for _ in range(QUEUED):
            for slot in slots:
                ask(slot)
        done = 0
        for future, result in results(completed):
            p, rows, slot = futures.pop(future)
            future.release()
            ask(slot)
            self.stats["bytes_from_workers"] += _nbytes(result)
            done += rows
            if f.progress is not None:
                f.progress(stage, done, total)
            yield p, result

    def top_k(self, sign: float, k_row: int, k_col: int, heaps: tuple) -> None:
        """Fill ``heaps`` (as :meth:`._factors._Factors.candidates` holds them) from tasks over panels of rows."""
        f, d = self.f, self.data
        row_keys, row_idx, row_size, col_keys, col_idx, col_size = heaps
        panels = self._panels(f.n, guided=False)

        def task(lo: int, hi: int) -> tuple:
            # the worst key of every full merged column heap: a later panel need not keep costs above it
            seed = np.where(col_size == k_col, col_keys[::k_col], np.inf) if col_size.any() else None
            return (_top_k_task, d["a_search"], d["b_search"], d["extras"], f.sign, d["fptr"], d["fidx"],
                    lo, hi, f.block_rows, sign, k_row, k_col, seed)

        for p, (rk, ri, rs, ck, ci, cs) in self._run(panels, task, "candidates", f.n):
            lo, hi = panels[p]
            row_keys[lo * k_row:hi * k_row] = rk
            row_idx[lo * k_row:hi * k_row] = ri
            row_size[lo:hi] = rs
            FK.merge_heaps(col_keys, col_idx, col_size, k_col, ck, ci, cs)

    def price(self, todo, exact, sign, u, v, tol, k, err, cptr, cidx):
        """``(chunk, priced)`` for the row blocks of ``todo`` in order, as :func:`._factors._local_price` yields them."""
        f, d = self.f, self.data
        search = not exact or f.a_search.dtype == np.float64
        a_src, b_src = (d["a_search"], d["b_search"]) if search else (d["a"], d["b"])
        contiguous = len(todo) == f.n
        v_future = self._scatter(v)
        panels = self._panels(len(todo), guided=True)

        def task(lo: int, hi: int) -> tuple:
            rows = todo[lo:hi]
            bptr, bidx = _sub_csr(cptr, cidx, rows)
            return (_price_task, a_src, b_src, d["a"], d["b"], d["extras"], f.sign, d["fptr"], d["fidx"],
                    rows, f.block_rows, contiguous, sign, np.ascontiguousarray(u[rows]), v_future, tol, k,
                    err, exact, bptr, bidx, f.near)

        results = dict(self._run(panels, task, "pricing", len(todo)))
        v_future.release()
        for p, (lo, hi) in enumerate(panels):
            rows = todo[lo:hi]
            for s, priced in zip(range(0, len(rows), f.block_rows), results.pop(p)):
                yield rows[s:s + f.block_rows], priced

    def largest(self) -> float:
        """Largest |score| over all pairs (float64 blocks)."""
        f, d = self.f, self.data
        search = f.a_search.dtype == np.float64
        a_src, b_src = (d["a_search"], d["b_search"]) if search else (d["a"], d["b"])

        def task(lo: int, hi: int) -> tuple:
            return (_largest_task, a_src, b_src, d["extras"], f.sign, lo, hi, f.block_rows)

        return max((top for _, top in self._run(self._panels(f.n, guided=True), task, "scale", f.n)), default=0.0)

    def close(self) -> None:
        """Release the factors held on the cluster."""
        for future in {id(x): x for x in self.data.values()}.values():
            future.release()
        self.data = {}


# ----------------------------------------------------------------------------------------------
# The tasks: pure functions of their arguments


#: per worker process: ``id(array) -> (weak reference to the array, its copy)``
_RESIDENT: dict[int, tuple[Any, np.ndarray]] = {}
#: arrays smaller than this are used as they come
RESIDENT_BYTES = 4 << 20


def _resident(x: Any) -> Any:
    """``x``, or this process's copy of it in memory numpy allocated (made once, dropped with ``x``).

    The factors reach a worker as arrays over the buffers Dask's transfers
    filled, which the OS maps in 4 KiB pages.  numpy asks for transparent
    huge pages on the large arrays it allocates itself, as the
    single-process path's factors are; the tasks' reads of the factors
    (the products, and the float64 rows of every candidate pair rechecked
    in pricing) then take far fewer TLB misses.  At 100,000² on two
    single-threaded workers the copies cut the workers' CPU seconds by
    about a fifth, for one more copy of the factors per worker.
    """
    if not isinstance(x, np.ndarray) or x.flags.owndata or x.nbytes < RESIDENT_BYTES:
        return x
    key = id(x)
    held = _RESIDENT.get(key)
    if held is not None and held[0]() is x:
        return held[1]
    copy = np.array(x, order="K")
    _RESIDENT[key] = (weakref.ref(x, lambda _: _RESIDENT.pop(key, None)), copy)
    return copy


def _top_k_task(a_search, b_search, *args):
    """:func:`._factors_panels.top_k_panel` on this worker's resident copies of the factors."""
    return top_k_panel(_resident(a_search), _resident(b_search), *args)


def _price_task(a_src, b_src, a, b, *args):
    """:func:`._factors_panels.price_panel` on this worker's resident copies of the factors."""
    return price_panel(_resident(a_src), _resident(b_src), _resident(a), _resident(b), *args)


def _largest_task(a_src, b_src, *args):
    """:func:`._factors_panels.largest_panel` on this worker's resident copies of the factors."""
    return largest_panel(_resident(a_src), _resident(b_src), *args)
