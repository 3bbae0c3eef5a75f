"""Run one solver on one benchmark instance and write what it cost as JSON.

Usage (the harness copies this file and ``_measure.py`` to a temporary
directory and runs it with ``-I`` from there, so that nothing of our
repository is importable unless the interpreter's own site-packages has it)::

    <venv>/bin/python -I _peer_worker.py PEER METHOD INSTANCE.npz OUT.json

The worker loads the instance, converts it to the solver's input format
(untimed: negating scores, scaling them to integers, building preference
dictionaries), solves a tiny instance of the same kind once (so that
just-in-time compilation is not timed), then times the library calls that go from that input to a
solution (``time_s``; for libraries that build a model first, such as
OR-Tools arcs or the ``matching`` library's players, the model building is
included and also reported alone as ``build_s``).  Peak RSS is measured
around the same calls (see ``_measure``).  The objective is recomputed from
the instance (sum of the scores of the returned pairs), and the pairs are
checked for feasibility (capacities, allowed pairs, blocking pairs for
stable matchings).

Instance kinds (``.npz`` with a ``kind`` entry):

``assignment``
    ``scores`` (n, m) float64; maximise the sum of matched scores, every
    row or column (the shorter side) matched.
``sparse_assignment``
    CSR ``data``, ``indices`` (sorted within each row), ``indptr``,
    ``shape``; a perfect matching on the stored entries maximising the sum.
``capacitated``
    ``scores`` (n, m), ``left_capacity`` (n,), ``right_capacity`` (m,);
    a maximum-score b-matching where capacities are upper bounds.
``stable``
    ``left_scores`` (n, m), ``right_scores`` (m, n), ``right_capacity``
    (m,); preferences rank partners by descending score; the left side
    proposes (resident-optimal stable matching).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from typing import Any, Callable

import numpy as np

if __package__:
    from . import _measure
else:  # run as a script from a temporary directory
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import _measure

__all__ = [
    "INTEGER_SCALE",
    "METHODS",
    "NotApplicable",
    "NotAvailable",
    "load_instance",
    "check_solution",
    "warmup_instance",
    "run",
    "main",
]

#: Scores are multiplied by this and rounded for integer-cost solvers
#: (OR-Tools, networkx network simplex).
INTEGER_SCALE = 1_000_000


class NotAvailable(Exception):
    """The solver cannot be imported (library not installed, function missing)."""


class NotApplicable(Exception):
    """The solver does not handle this kind or shape of instance."""


# --------------------------------------------------------------------- instances


def load_instance(path: str) -> dict[str, Any]:
    """Load an instance written by the harness (``.npz``)."""
    with np.load(path, allow_pickle=False) as archive:
        instance = {key: archive[key] for key in archive.files}
    instance["kind"] = str(instance["kind"])
    return instance


def _sparse_scores_at(instance: dict[str, Any], pairs: np.ndarray) -> np.ndarray:
    """Scores of ``pairs`` in a CSR instance; NaN where a pair is not stored."""
    n_rows, n_cols = (int(v) for v in instance["shape"])
    indptr, indices, data = instance["indptr"], instance["indices"], instance["data"]
    rows_of_entries = np.repeat(np.arange(n_rows, dtype=np.int64), np.diff(indptr))
    keys = rows_of_entries * n_cols + indices.astype(np.int64)
    wanted = pairs[:, 0].astype(np.int64) * n_cols + pairs[:, 1].astype(np.int64)
    position = np.clip(np.searchsorted(keys, wanted), 0, max(len(keys) - 1, 0))
    found = len(keys) > 0
    values = np.full(len(pairs), np.nan)
    if found:
        hit = keys[position] == wanted
        values[hit] = data[position[hit]]
    return values


def _count_blocking_pairs(instance: dict[str, Any], pairs: np.ndarray) -> int:
    """Blocking pairs of a many-to-one matching under score-ranked preferences."""
    left_scores, right_scores = instance["left_scores"], instance["right_scores"]
    capacity = instance["right_capacity"].astype(np.int64)
    n_left, n_right = left_scores.shape
    # Score each left participant gives its own partner (-inf when unmatched).
    left_current = np.full(n_left, -np.inf)
    left_current[pairs[:, 0]] = left_scores[pairs[:, 0], pairs[:, 1]]
    # Each right participant's worst accepted score (-inf when it has room).
    right_worst = np.full(n_right, np.inf)
    np.minimum.at(right_worst, pairs[:, 1], right_scores[pairs[:, 1], pairs[:, 0]])
    load = np.bincount(pairs[:, 1], minlength=n_right)
    right_worst[load < capacity] = -np.inf
    left_wants = left_scores > left_current[:, None]
    right_wants = right_scores.T > right_worst[None, :]
    blocking = left_wants & right_wants
    blocking[pairs[:, 0], pairs[:, 1]] = False
    return int(blocking.sum())


def check_solution(instance: dict[str, Any], pairs: np.ndarray) -> dict[str, Any]:
    """Objective (from the instance) and feasibility of ``pairs``."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    kind = instance["kind"]
    problems: list[str] = []
    if kind == "sparse_assignment":
        n_left, n_right = (int(v) for v in instance["shape"])
    elif kind == "stable":
        n_left, n_right = instance["left_scores"].shape
    else:
        n_left, n_right = instance["scores"].shape
    if len(pairs) and (pairs.min() < 0 or pairs[:, 0].max() >= n_left or pairs[:, 1].max() >= n_right):
        return {"objective": None, "n_pairs": len(pairs), "valid": False, "problems": ["index out of range"]}
    if len(np.unique(pairs[:, 0] * n_right + pairs[:, 1])) != len(pairs):
        problems.append("duplicate pairs")
    left_load = np.bincount(pairs[:, 0], minlength=n_left)
    right_load = np.bincount(pairs[:, 1], minlength=n_right)
    extra: dict[str, Any] = {}
    if kind in ("assignment", "sparse_assignment"):
        if left_load.max(initial=0) > 1 or right_load.max(initial=0) > 1:
            problems.append("a participant matched twice")
        if kind == "assignment":
            expected = min(n_left, n_right)
            objective = float(instance["scores"][pairs[:, 0], pairs[:, 1]].sum())
        else:
            expected = n_left
            values = _sparse_scores_at(instance, pairs)
            if np.isnan(values).any():
                problems.append(f"{int(np.isnan(values).sum())} pairs not in the sparse input")
            objective = float(np.nansum(values))
        if len(pairs) != expected:
            problems.append(f"expected {expected} pairs, got {len(pairs)}")
    elif kind == "capacitated":
        if (left_load > instance["left_capacity"]).any():
            problems.append("left capacity exceeded")
        if (right_load > instance["right_capacity"]).any():
            problems.append("right capacity exceeded")
        objective = float(instance["scores"][pairs[:, 0], pairs[:, 1]].sum())
    elif kind == "stable":
        if left_load.max(initial=0) > 1:
            problems.append("a left participant matched twice")
        if (right_load > instance["right_capacity"]).any():
            problems.append("right capacity exceeded")
        objective = float(instance["left_scores"][pairs[:, 0], pairs[:, 1]].sum())
        extra["right_objective"] = float(instance["right_scores"][pairs[:, 1], pairs[:, 0]].sum())
        extra["blocking_pairs"] = _count_blocking_pairs(instance, pairs)
        if extra["blocking_pairs"]:
            problems.append(f"{extra['blocking_pairs']} blocking pairs")
    else:
        raise ValueError(f"unknown instance kind {kind!r}")
    return {"objective": objective, "n_pairs": len(pairs), "valid": not problems, "problems": problems, **extra}


def warmup_instance(instance: dict[str, Any]) -> dict[str, Any]:
    """A tiny instance of the same kind, dtype and shape class (square or not).

    Solving it once before the measured solve compiles whatever a solver
    compiles on first use (numba kernels, lazy imports), so that the timing
    compares solves, not start-up costs.
    """
    kind = instance["kind"]
    if kind == "assignment":
        n_left, n_right = instance["scores"].shape
        shape = (5, 5) if n_left == n_right else ((4, 8) if n_left < n_right else (8, 4))
        shape = (min(shape[0], n_left), min(shape[1], n_right))
        return {"kind": kind, "scores": np.ascontiguousarray(instance["scores"][: shape[0], : shape[1]])}
    if kind == "sparse_assignment":
        size = int(min(5, *instance["shape"]))
        data = np.resize(instance["data"], size * size) if len(instance["data"]) else np.ones(size * size)
        return {
            "kind": kind,
            "data": data,
            "indices": np.tile(np.arange(size, dtype=instance["indices"].dtype), size),
            "indptr": np.arange(0, size * size + 1, size, dtype=instance["indptr"].dtype),
            "shape": np.array([size, size]),
        }
    if kind == "capacitated":
        rows, cols = min(6, instance["scores"].shape[0]), min(2, instance["scores"].shape[1])
        return {
            "kind": kind,
            "scores": np.ascontiguousarray(instance["scores"][:rows, :cols]),
            "left_capacity": instance["left_capacity"][:rows],
            "right_capacity": instance["right_capacity"][:cols],
        }
    if kind == "stable":
        rows, cols = min(6, instance["left_scores"].shape[0]), min(2, instance["left_scores"].shape[1])
        return {
            "kind": kind,
            "left_scores": np.ascontiguousarray(instance["left_scores"][:rows, :cols]),
            "right_scores": np.ascontiguousarray(instance["right_scores"][:cols, :rows]),
            "right_capacity": instance["right_capacity"][:cols],
        }
    raise ValueError(f"unknown instance kind {kind!r}")


# --------------------------------------------------------------------- helpers


def _import(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise NotAvailable(f"cannot import {module}: {error}") from None


def _require(instance: dict[str, Any], *kinds: str) -> None:
    if instance["kind"] not in kinds:
        raise NotApplicable(f"handles {', '.join(kinds)} instances, not {instance['kind']}")


def _pairs_from_row_mates(row_mate: np.ndarray, n_cols: int) -> np.ndarray:
    row_mate = np.asarray(row_mate, dtype=np.int64)
    rows = np.flatnonzero((row_mate >= 0) & (row_mate < n_cols))
    return np.column_stack([rows, row_mate[rows]])


def _pairs_from_rows_cols(rows: Any, cols: Any, n_rows: int, n_cols: int) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.int64).ravel()
    cols = np.asarray(cols, dtype=np.int64).ravel()
    keep = (rows >= 0) & (rows < n_rows) & (cols >= 0) & (cols < n_cols)
    return np.column_stack([rows[keep], cols[keep]])


def _capacities(instance: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    n_left, n_right = instance["scores"].shape
    if instance["kind"] == "capacitated":
        return instance["left_capacity"].astype(np.int64), instance["right_capacity"].astype(np.int64)
    return np.ones(n_left, dtype=np.int64), np.ones(n_right, dtype=np.int64)


def _integer_costs(scores: np.ndarray) -> np.ndarray:
    """Costs for a minimising integer solver: ``-round(scores * INTEGER_SCALE)``."""
    return -np.rint(scores * INTEGER_SCALE).astype(np.int64)


# A prepared solve: the timed call, a decoder from its value to pairs, and notes.
Prepared = tuple[Callable[[], Any], Callable[[Any], np.ndarray], dict[str, Any]]


# --------------------------------------------------------------------- ours


def _ours_assignment(instance: dict[str, Any]) -> Prepared:
    _require(instance, "assignment", "sparse_assignment")
    solvers = _import("matching.solvers")
    try:
        solve_assignment = solvers.solve_assignment
    except AttributeError:
        raise NotAvailable("matching.solvers.solve_assignment is not available yet") from None
    if instance["kind"] == "sparse_assignment":
        sparse = _import("scipy.sparse")
        shape = tuple(int(v) for v in instance["shape"])
        scores = sparse.csr_array((instance["data"], instance["indices"], instance["indptr"]), shape=shape)
    else:
        scores = instance["scores"]
    # Every peer matches the whole smaller side (scipy's semantics), so ours is asked for the same.
    solve = lambda: solve_assignment(scores, maximize=True, require_complete=True)  # noqa: E731
    return solve, (lambda result: result.pairs), {"require_complete": True}


def _ours_capacitated(instance: dict[str, Any]) -> Prepared:
    _require(instance, "capacitated")
    solvers = _import("matching.solvers")
    try:
        solve_capacitated = solvers.solve_capacitated
    except AttributeError:
        raise NotAvailable("matching.solvers.solve_capacitated is not available yet") from None
    scores, left, right = instance["scores"], instance["left_capacity"], instance["right_capacity"]

    def solve() -> Any:
        return solve_capacitated(scores, left_capacity=left, right_capacity=right, maximize=True)

    return solve, (lambda result: result.pairs), {}


def _preference_lists(instance: dict[str, Any]) -> tuple[list[list[int]], list[list[int]]]:
    left_prefs = np.argsort(-instance["left_scores"], axis=1, kind="stable").tolist()
    right_prefs = np.argsort(-instance["right_scores"], axis=1, kind="stable").tolist()
    return left_prefs, right_prefs


def _ours_stable(instance: dict[str, Any]) -> Prepared:
    _require(instance, "stable")
    solvers = _import("matching.solvers")
    try:
        stable_matching = solvers.stable_matching
    except AttributeError:
        raise NotAvailable("matching.solvers.stable_matching is not available yet") from None
    left_prefs, right_prefs = _preference_lists(instance)
    capacity, left_scores = instance["right_capacity"], instance["left_scores"]

    def solve() -> Any:
        return stable_matching(left_prefs, right_prefs, right_capacity=capacity, proposing="left", scores=left_scores)

    return solve, (lambda result: result.pairs), {}


# --------------------------------------------------------------------- scipy


def _scipy_lsa(instance: dict[str, Any]) -> Prepared:
    _require(instance, "assignment")
    optimize = _import("scipy.optimize")
    scores = instance["scores"]
    solve = lambda: optimize.linear_sum_assignment(scores, maximize=True)  # noqa: E731
    return solve, (lambda value: np.column_stack(value)), {}


def _scipy_lsa_expanded(instance: dict[str, Any]) -> Prepared:
    """Capacitated b-matching as an assignment on capacity-expanded copies."""
    _require(instance, "capacitated")
    optimize = _import("scipy.optimize")
    scores = instance["scores"]
    left_cap, right_cap = _capacities(instance)
    row_of = np.repeat(np.arange(len(left_cap)), left_cap)
    col_of = np.repeat(np.arange(len(right_cap)), right_cap)
    expanded = scores[np.ix_(row_of, col_of)]
    notes = {"expanded_shape": list(expanded.shape)}
    if (scores < 0).any():  # let every copy stay unmatched at score 0
        expanded = np.hstack([expanded, np.zeros((len(row_of), len(row_of)))])
        notes["slack_columns"] = len(row_of)

    def decode(value: Any) -> np.ndarray:
        rows, cols = value
        keep = cols < len(col_of)
        return np.column_stack([row_of[rows[keep]], col_of[cols[keep]]])

    return (lambda: optimize.linear_sum_assignment(expanded, maximize=True)), decode, notes


def _scipy_mwfbm(instance: dict[str, Any]) -> Prepared:
    _require(instance, "sparse_assignment")
    sparse = _import("scipy.sparse")
    csgraph = _import("scipy.sparse.csgraph")
    shape = tuple(int(v) for v in instance["shape"])
    matrix = sparse.csr_array((instance["data"], instance["indices"], instance["indptr"]), shape=shape)
    solve = lambda: csgraph.min_weight_full_bipartite_matching(matrix, maximize=True)  # noqa: E731
    return solve, (lambda value: np.column_stack(value)), {}


# --------------------------------------------------------------------- lap / lapx


def _lap_dense(function_name: str, call_style: str) -> Callable[[dict[str, Any]], Prepared]:
    """A dense LAPJV variant of ``lap`` / ``lapx`` minimising ``-scores``.

    ``call_style`` says how the function returns its assignment: ``"xy"``
    (row→column and column→row maps), ``"rows_cols"`` (aligned index
    arrays), ``"pairs"`` ((K, 2) array).
    """

    def prepare(instance: dict[str, Any]) -> Prepared:
        _require(instance, "assignment")
        lap = _import("lap")
        try:
            function = getattr(lap, function_name)
        except AttributeError:
            raise NotAvailable(f"this lap build has no {function_name}") from None
        cost = np.ascontiguousarray(-instance["scores"])
        n_rows, n_cols = cost.shape
        notes: dict[str, Any] = {}
        kwargs: dict[str, Any] = {}
        if function_name in ("lapjv", "lapjvx", "lapjvxa", "lapjvs", "lapjvsa", "lapjvr", "lapjvh"):
            kwargs["extend_cost"] = n_rows != n_cols
            if n_rows != n_cols and function_name not in ("lapjvr", "lapjvh"):
                notes["padded_to"] = [max(cost.shape)] * 2
        if function_name in ("lapjvs", "lapjvsa"):
            kwargs["prefer_float32"] = False  # float64 like every other solver
        if function_name == "lapjvs":
            kwargs["jvx_like"] = True

        def decode(value: Any) -> np.ndarray:
            if call_style == "xy":
                return _pairs_from_row_mates(value[1], n_cols)
            if call_style == "rows_cols":
                return _pairs_from_rows_cols(value[1], value[2], n_rows, n_cols)
            pairs = np.asarray(value[1], dtype=np.int64).reshape(-1, 2)
            return _pairs_from_rows_cols(pairs[:, 0], pairs[:, 1], n_rows, n_cols)

        return (lambda: function(cost, **kwargs)), decode, notes

    return prepare


def _lapmod(instance: dict[str, Any]) -> Prepared:
    """Sparse LAPJV (``lapmod``) on ``1 - scores`` (same optimum for a perfect matching)."""
    _require(instance, "sparse_assignment")
    lap = _import("lap")
    n_rows, n_cols = (int(v) for v in instance["shape"])
    if n_rows != n_cols:
        raise NotApplicable("lapmod needs a square problem")
    shift = float(instance["data"].max()) if len(instance["data"]) else 0.0
    cc = np.ascontiguousarray(shift - instance["data"], dtype=np.float64)
    first = np.ascontiguousarray(instance["indptr"], dtype=np.int32)
    kk = np.ascontiguousarray(instance["indices"], dtype=np.int32)
    notes = {"cost": f"{shift:g} - score"}
    solve = lambda: lap.lapmod(n_rows, cc, first, kk)  # noqa: E731
    return solve, (lambda value: _pairs_from_row_mates(value[1], n_cols)), notes


# --------------------------------------------------------------------- OR-Tools


def _ortools_lsa(instance: dict[str, Any]) -> Prepared:
    _require(instance, "assignment", "sparse_assignment")
    module = _import("ortools.graph.python.linear_sum_assignment")
    if instance["kind"] == "assignment":
        n_rows, n_cols = instance["scores"].shape
        if n_rows != n_cols:
            raise NotApplicable("SimpleLinearSumAssignment needs a square problem (a perfect matching)")
        tails = np.repeat(np.arange(n_rows, dtype=np.int64), n_cols)
        heads = np.tile(np.arange(n_cols, dtype=np.int64), n_rows)
        costs = _integer_costs(instance["scores"]).ravel()
    else:
        n_rows, n_cols = (int(v) for v in instance["shape"])
        tails = np.repeat(np.arange(n_rows, dtype=np.int64), np.diff(instance["indptr"]))
        heads = instance["indices"].astype(np.int64)
        costs = _integer_costs(instance["data"])
    build_seconds: list[float] = []

    def solve() -> Any:
        start = time.perf_counter()
        assignment = module.SimpleLinearSumAssignment()
        assignment.add_arcs_with_cost(tails, heads, costs)
        build_seconds.append(time.perf_counter() - start)
        status = assignment.solve()
        if status != assignment.OPTIMAL:
            raise RuntimeError(f"OR-Tools linear sum assignment ended with status {status}")
        return np.array([assignment.right_mate(i) for i in range(n_rows)], dtype=np.int64)

    notes = {"integer_scale": INTEGER_SCALE, "build_seconds": build_seconds}
    return solve, (lambda mates: _pairs_from_row_mates(mates, n_cols)), notes


def _flow_network(instance: dict[str, Any]) -> dict[str, np.ndarray]:
    """Source-free flow network of a b-matching with upper-bound capacities.

    Nodes: left ``0..n-1`` (supply = capacity), right ``n..n+m-1``, sink
    ``n+m`` (demand = total left capacity).  Arcs: left→right (capacity 1,
    cost ``-round(score * INTEGER_SCALE)``), right→sink (capacity = right
    capacity), and a slack arc left→sink (cost 0) so that anyone may stay
    unmatched.
    """
    scores = instance["scores"]
    n_left, n_right = scores.shape
    left_cap, right_cap = _capacities(instance)
    sink = n_left + n_right
    tails = np.concatenate([
        np.repeat(np.arange(n_left, dtype=np.int64), n_right),
        np.arange(n_left, n_left + n_right, dtype=np.int64),
        np.arange(n_left, dtype=np.int64),
    ])
    heads = np.concatenate([
        np.tile(np.arange(n_left, n_left + n_right, dtype=np.int64), n_left),
        np.full(n_right, sink, dtype=np.int64),
        np.full(n_left, sink, dtype=np.int64),
    ])
    capacities = np.concatenate([np.ones(n_left * n_right, dtype=np.int64), right_cap, left_cap])
    costs = np.concatenate([_integer_costs(scores).ravel(), np.zeros(n_right + n_left, dtype=np.int64)])
    supplies = np.concatenate([left_cap, np.zeros(n_right, dtype=np.int64), [-left_cap.sum()]])
    return {"tails": tails, "heads": heads, "capacities": capacities, "costs": costs, "supplies": supplies}


def _ortools_min_cost_flow(instance: dict[str, Any]) -> Prepared:
    _require(instance, "assignment", "capacitated")
    module = _import("ortools.graph.python.min_cost_flow")
    n_left, n_right = instance["scores"].shape
    network = _flow_network(instance)
    n_match_arcs = n_left * n_right
    build_seconds: list[float] = []

    def solve() -> Any:
        start = time.perf_counter()
        flow = module.SimpleMinCostFlow()
        arcs = flow.add_arcs_with_capacity_and_unit_cost(
            network["tails"], network["heads"], network["capacities"], network["costs"]
        )
        flow.set_nodes_supplies(np.arange(len(network["supplies"])), network["supplies"])
        build_seconds.append(time.perf_counter() - start)
        status = flow.solve()
        if status != flow.OPTIMAL:
            raise RuntimeError(f"OR-Tools min cost flow ended with status {status}")
        return flow.flows(arcs[:n_match_arcs])

    def decode(flows: np.ndarray) -> np.ndarray:
        used = np.flatnonzero(np.asarray(flows) > 0)
        return np.column_stack([used // n_right, used % n_right])

    notes = {"integer_scale": INTEGER_SCALE, "build_seconds": build_seconds}
    return solve, decode, notes


# --------------------------------------------------------------------- POT


def _pot_emd(instance: dict[str, Any]) -> Prepared:
    """Exact transport (network simplex) with capacities as marginals.

    A dummy row and a dummy column (score 0) carry the slack, so anyone may
    stay unmatched; with integer marginals the optimal vertex is integral.
    """
    _require(instance, "assignment", "capacitated")
    ot = _import("ot")
    scores = instance["scores"]
    n_left, n_right = scores.shape
    left_cap, right_cap = _capacities(instance)
    cost = np.zeros((n_left + 1, n_right + 1))
    cost[:n_left, :n_right] = -scores
    source = np.concatenate([left_cap, [right_cap.sum()]]).astype(np.float64)
    target = np.concatenate([right_cap, [left_cap.sum()]]).astype(np.float64)

    def decode(plan: np.ndarray) -> np.ndarray:
        return np.argwhere(np.asarray(plan)[:n_left, :n_right] > 0.5)

    solve = lambda: ot.emd(source, target, cost, numItermax=2_000_000_000)  # noqa: E731
    return solve, decode, {"marginals": "capacities + one dummy row and column for slack"}


# --------------------------------------------------------------------- networkx


def _networkx_max_weight_matching(instance: dict[str, Any]) -> Prepared:
    _require(instance, "assignment")
    nx = _import("networkx")
    scores = instance["scores"]
    n_left, n_right = scores.shape
    edges = [(i, n_left + j, w) for i, row in enumerate(scores.tolist()) for j, w in enumerate(row)]
    build_seconds: list[float] = []

    def solve() -> Any:
        start = time.perf_counter()
        graph = nx.Graph()
        graph.add_weighted_edges_from(edges)
        build_seconds.append(time.perf_counter() - start)
        return nx.max_weight_matching(graph, maxcardinality=True)

    def decode(matching: set[tuple[int, int]]) -> np.ndarray:
        pairs = [(min(u, v), max(u, v) - n_left) for u, v in matching]
        return np.array(pairs, dtype=np.int64).reshape(-1, 2)

    return solve, decode, {"build_seconds": build_seconds}


def _networkx_network_simplex(instance: dict[str, Any]) -> Prepared:
    _require(instance, "assignment", "capacitated")
    nx = _import("networkx")
    n_left, n_right = instance["scores"].shape
    network = _flow_network(instance)
    edges = [
        (tail, head, {"capacity": capacity, "weight": cost})
        for tail, head, capacity, cost in zip(
            network["tails"].tolist(), network["heads"].tolist(),
            network["capacities"].tolist(), network["costs"].tolist(),
        )
    ]
    demands = (-network["supplies"]).tolist()
    build_seconds: list[float] = []

    def solve() -> Any:
        start = time.perf_counter()
        graph = nx.DiGraph()
        graph.add_nodes_from((node, {"demand": demand}) for node, demand in enumerate(demands))
        graph.add_edges_from(edges)
        build_seconds.append(time.perf_counter() - start)
        return nx.network_simplex(graph)

    def decode(value: Any) -> np.ndarray:
        flow = value[1]
        pairs = [
            (i, j - n_left)
            for i in range(n_left)
            for j, amount in flow[i].items()
            if amount > 0 and n_left <= j < n_left + n_right
        ]
        return np.array(pairs, dtype=np.int64).reshape(-1, 2)

    notes = {"integer_scale": INTEGER_SCALE, "build_seconds": build_seconds}
    return solve, decode, notes


# --------------------------------------------------------------------- matching (PyPI)


def _with_deep_recursion(function: Callable[[], Any]) -> Callable[[], Any]:
    """Run ``function`` in a thread with a 1 GiB stack and a recursion limit of 10**6.

    The ``matching`` library deep-copies its players, which recurses once
    per link between them and fails with ``RecursionError`` beyond a few
    hundred participants under Python's default limit.
    """
    import threading

    def run() -> Any:
        outcome: dict[str, Any] = {}

        def target() -> None:
            try:
                outcome["value"] = function()
            except BaseException as error:  # noqa: BLE001 - re-raised in the caller
                outcome["error"] = error

        previous_limit, previous_stack = sys.getrecursionlimit(), threading.stack_size()
        sys.setrecursionlimit(1_000_000)
        threading.stack_size(2**30)
        try:
            thread = threading.Thread(target=target)
            thread.start()
            thread.join()
        finally:
            threading.stack_size(previous_stack)
            sys.setrecursionlimit(previous_limit)
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    return run


def _pypi_matching_hospital_resident_deep(instance: dict[str, Any]) -> Prepared:
    solve, decode, notes = _pypi_matching_hospital_resident(instance)
    return _with_deep_recursion(solve), decode, {**notes, "recursion_limit": 1_000_000, "thread_stack": "1 GiB"}


def _pypi_matching_hospital_resident(instance: dict[str, Any]) -> Prepared:
    _require(instance, "stable")
    games = _import("matching.games")
    if not hasattr(games, "HospitalResident"):
        raise NotAvailable("the importable 'matching' is not the PyPI library (no matching.games.HospitalResident)")
    left_prefs, right_prefs = _preference_lists(instance)
    resident_prefs = dict(enumerate(left_prefs))
    hospital_prefs = dict(enumerate(right_prefs))
    capacities = dict(enumerate(instance["right_capacity"].tolist()))
    build_seconds: list[float] = []

    def solve() -> Any:
        start = time.perf_counter()
        game = games.HospitalResident.create_from_dictionaries(resident_prefs, hospital_prefs, capacities)
        build_seconds.append(time.perf_counter() - start)
        return game.solve(optimal="resident")

    def decode(matching: Any) -> np.ndarray:
        pairs = [(resident.name, hospital.name) for hospital, residents in matching.items() for resident in residents]
        return np.array(pairs, dtype=np.int64).reshape(-1, 2)

    return solve, decode, {"build_seconds": build_seconds}


def _pypi_matching_stable_marriage(instance: dict[str, Any]) -> Prepared:
    _require(instance, "stable")
    games = _import("matching.games")
    if not hasattr(games, "StableMarriage"):
        raise NotAvailable("the importable 'matching' is not the PyPI library (no matching.games.StableMarriage)")
    n_left, n_right = instance["left_scores"].shape
    if n_left != n_right or (instance["right_capacity"] != 1).any():
        raise NotApplicable("StableMarriage needs a one-to-one problem with equal sides")
    left_prefs, right_prefs = _preference_lists(instance)
    suitor_prefs = dict(enumerate(left_prefs))
    reviewer_prefs = dict(enumerate(right_prefs))

    def solve() -> Any:
        return games.StableMarriage.create_from_dictionaries(suitor_prefs, reviewer_prefs).solve(optimal="suitor")

    def decode(matching: Any) -> np.ndarray:
        pairs = [(suitor.name, reviewer.name) for suitor, reviewer in matching.items() if reviewer is not None]
        return np.array(pairs, dtype=np.int64).reshape(-1, 2)

    return solve, decode, {}


# --------------------------------------------------------------------- registry

#: (peer, method) -> preparation function.  Peers name an install target
#: (see ``benchmarks._peers.PEERS``); ``ours`` is this repository.
METHODS: dict[tuple[str, str], Callable[[dict[str, Any]], Prepared]] = {
    ("ours", "solve_assignment"): _ours_assignment,
    ("ours", "solve_capacitated"): _ours_capacitated,
    ("ours", "stable_matching"): _ours_stable,
    ("scipy", "linear_sum_assignment"): _scipy_lsa,
    ("scipy", "linear_sum_assignment_expanded"): _scipy_lsa_expanded,
    ("scipy", "min_weight_full_bipartite_matching"): _scipy_mwfbm,
    ("lap", "lapjv"): _lap_dense("lapjv", "xy"),
    ("lap", "lapmod"): _lapmod,
    ("lapx", "lapjv"): _lap_dense("lapjv", "xy"),
    ("lapx", "lapjvx"): _lap_dense("lapjvx", "rows_cols"),
    ("lapx", "lapjvxa"): _lap_dense("lapjvxa", "pairs"),
    ("lapx", "lapjvc"): _lap_dense("lapjvc", "rows_cols"),
    ("lapx", "lapjvs"): _lap_dense("lapjvs", "rows_cols"),
    ("lapx", "lapjvsa"): _lap_dense("lapjvsa", "pairs"),
    ("lapx", "lapjvr"): _lap_dense("lapjvr", "rows_cols"),
    ("lapx", "lapjvh"): _lap_dense("lapjvh", "rows_cols"),
    ("lapx", "lapmod"): _lapmod,
    ("ortools", "linear_sum_assignment"): _ortools_lsa,
    ("ortools", "min_cost_flow"): _ortools_min_cost_flow,
    ("pot", "emd"): _pot_emd,
    ("networkx", "max_weight_matching"): _networkx_max_weight_matching,
    ("networkx", "network_simplex"): _networkx_network_simplex,
    ("matching", "HospitalResident"): _pypi_matching_hospital_resident,
    ("matching", "HospitalResident_deep_recursion"): _pypi_matching_hospital_resident_deep,
    ("matching", "StableMarriage"): _pypi_matching_stable_marriage,
}

_DISTRIBUTIONS = {
    "ours": ("sme-matching", "numpy", "scipy"),
    "scipy": ("scipy", "numpy"),
    "lap": ("lap", "numpy"),
    "lapx": ("lapx", "numpy"),
    "ortools": ("ortools", "numpy"),
    "pot": ("pot", "numpy", "scipy"),
    "networkx": ("networkx", "numpy"),
    "matching": ("matching", "numpy"),
}


def _versions(peer: str) -> dict[str, str]:
    from importlib import metadata

    found = {}
    for name in _DISTRIBUTIONS.get(peer, ("numpy",)):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def _warm_up(prepare: Callable[[dict[str, Any]], Prepared], instance: dict[str, Any]) -> float | None:
    """Solve a tiny instance of the same kind once; its time, or None when it failed."""
    start = time.perf_counter()
    try:
        solve, _, _ = prepare(warmup_instance(instance))
        solve()
    except Exception:  # noqa: BLE001 - the measured solve reports failures
        return None
    return time.perf_counter() - start


def run(peer: str, method: str, instance: dict[str, Any]) -> dict[str, Any]:
    """Solve ``instance`` with ``peer``'s ``method`` once and report.

    Returns
    -------
    dict
        ``status`` (``ok``, ``unavailable``, ``not_applicable`` or
        ``error``), and for ``ok``: ``time_s``, ``peak_mb`` (the solve's
        own peak RSS), ``total_peak_mb``, ``objective``, ``n_pairs``,
        ``valid``, ``problems`` and ``notes``.
    """
    report: dict[str, Any] = {"peer": peer, "method": method, "versions": _versions(peer)}
    try:
        prepare = METHODS[(peer, method)]
    except KeyError:
        known = ", ".join(f"{p}.{m}" for p, m in METHODS)
        return {**report, "status": "error", "error": "KeyError", "message": f"unknown method {peer}.{method}; known: {known}"}
    try:
        solve, decode, notes = prepare(instance)
    except NotAvailable as error:
        return {**report, "status": "unavailable", "message": str(error)}
    except NotApplicable as error:
        return {**report, "status": "not_applicable", "message": str(error)}
    warmup_seconds = _warm_up(prepare, instance)
    try:
        measurement = _measure.measure(solve)
        pairs = decode(measurement.value)
    except BaseException as error:  # noqa: BLE001 - every failure is a result here
        if isinstance(error, KeyboardInterrupt):
            raise
        return {
            **report,
            "status": "error",
            "error": type(error).__name__,
            "message": str(error)[:500],
            "traceback": traceback.format_exc(limit=4)[-2000:],
        }
    measurement_value = measurement.value
    checked = check_solution(instance, pairs)
    reported_objective = getattr(measurement_value, "objective", None)
    build = notes.pop("build_seconds", None)
    if build:
        notes["build_s"] = build[-1]
    notes["warmup_s"] = warmup_seconds
    return {
        **report,
        "status": "ok",
        "time_s": measurement.seconds,
        "peak_mb": measurement.peak_bytes / 2**20,
        "total_peak_mb": measurement.total_peak_bytes / 2**20,
        "baseline_mb": measurement.baseline_bytes / 2**20,
        "peak_reset": measurement.peak_reset,
        "reported_objective": float(reported_objective) if reported_objective is not None else None,
        "notes": notes,
        **checked,
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: ``PEER METHOD INSTANCE OUT_JSON``."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 4:
        print("usage: _peer_worker.py PEER METHOD INSTANCE.npz OUT.json", file=sys.stderr)
        return 2
    peer, method, instance_path, out_path = args
    instance = load_instance(instance_path)
    report = run(peer, method, instance)
    with open(out_path, "w", encoding="utf-8") as out:
        json.dump(report, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
