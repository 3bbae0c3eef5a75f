"""Solver benchmark against peer libraries: ``python -m benchmarks.solvers``.

Compares this repository's solvers (``matching.solvers``) with scipy,
lap, lapx (all its LAPJV variants), OR-Tools, POT, networkx and the PyPI
``matching`` library on seeded instances:

=============== ========================================================
case            instance
=============== ========================================================
dense_uniform   n × n uniform scores, n = 500, 1000, 2000, 4000, 8000
dense_cosine    n × n cosine similarity of rank-16 embeddings, in [0, 1]
rectangular     2,000 × 20,000 uniform scores (lap pads to a square)
sparse_topk     20,000 × 20,000, the top k = 20 uniform scores of each row
capacitated     2,000 SMEs × 200 startups, capacity 1 and 10, cosine scores
stable          2,000 × 200 many-to-one, capacity 10, independent uniform
                preferences of each side, the left side proposing
=============== ========================================================

``--quick`` keeps n = 500 and 1000 and shrinks the fixed-size cases to a
quarter of each side (``--fixed-scale``).  Every solve runs in a fresh
process (see :mod:`benchmarks._peers`); peers with an import-name clash
get their own virtualenv under ``out/bench/venvs/``.  The table reports
the median time of ``--repeat`` runs, the solve's own peak RSS and the
ratio peer time / our time; every peer's objective is recomputed from the
instance and checked against ours (1e-6 relative; integer-cost peers
within their rounding, ``n_pairs / 1e6``).  Results go to
``out/bench/solvers.json`` and ``out/bench/solvers.png``.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from . import _measure, _peers
from ._peer_worker import INTEGER_SCALE

__all__ = [
    "Family",
    "Case",
    "FAMILIES",
    "FULL_SIZES",
    "QUICK_SIZES",
    "build_cases",
    "make_instance",
    "run_benchmark",
    "write_plot",
    "main",
]

FULL_SIZES = (500, 1000, 2000, 4000, 8000)
QUICK_SIZES = (500, 1000)
QUICK_FIXED_SCALE = 0.25
QUICK_TIMEOUT = 30.0

_LAPX_VARIANTS = ("lapjv", "lapjvx", "lapjvxa", "lapjvc", "lapjvs", "lapjvsa", "lapjvr", "lapjvh")
_DENSE_ASSIGNMENT = (
    ("ours", "solve_assignment"),
    ("scipy", "linear_sum_assignment"),
    ("lap", "lapjv"),
    *(("lapx", variant) for variant in _LAPX_VARIANTS),
    ("ortools", "linear_sum_assignment"),
    ("pot", "emd"),
    ("networkx", "max_weight_matching"),
)

#: Solvers whose objective is computed on integer costs (scores × 1e6).
_INTEGER_PEERS = {("ortools", "linear_sum_assignment"), ("ortools", "min_cost_flow"), ("networkx", "network_simplex")}

#: A solve slower than this is not repeated (its single time is reported).
_NO_REPEAT_ABOVE_S = 30.0

#: (peer, method) -> largest n·m attempted; beyond it the run is skipped.
_SIZE_GUARDS = {
    ("networkx", "max_weight_matching"): 4_000_000,
    ("networkx", "network_simplex"): 4_000_000,
}


@dataclass(frozen=True)
class Family:
    """A family of benchmark cases: instance kind, solvers, sizes.

    Attributes
    ----------
    name : str
    kind : str
        Instance kind the worker understands.
    description : str
    methods : tuple of (peer, method)
        Our solver first, then the peers.
    scalable : bool
        True when the family runs at every ``--sizes`` n; False when it has
        one fixed shape (scaled by ``--fixed-scale``).
    base_shape : (int, int)
        Fixed shape (scalable families ignore it).
    params : mapping
        Extra parameters (``k``, ``capacity``).
    """

    name: str
    kind: str
    description: str
    methods: tuple[tuple[str, str], ...]
    scalable: bool
    base_shape: tuple[int, int] = (0, 0)
    params: Mapping[str, Any] = field(default_factory=dict)


FAMILIES: dict[str, Family] = {
    "dense_uniform": Family(
        "dense_uniform", "assignment", "n × n, scores uniform on [0, 1)", _DENSE_ASSIGNMENT, True
    ),
    "dense_cosine": Family(
        "dense_cosine", "assignment", "n × n, (1 + cosine of rank-16 Gaussian embeddings) / 2",
        _DENSE_ASSIGNMENT, True, params={"rank": 16},
    ),
    "rectangular": Family(
        "rectangular", "assignment", "rectangular, scores uniform on [0, 1)",
        (*_DENSE_ASSIGNMENT, ("ortools", "min_cost_flow")), False, (2000, 20000),
    ),
    "sparse_topk": Family(
        "sparse_topk", "sparse_assignment", "sparse: each row keeps its top-k of n uniform scores (CSR)",
        (
            ("ours", "solve_assignment"),
            ("scipy", "min_weight_full_bipartite_matching"),
            ("lap", "lapmod"),
            ("lapx", "lapmod"),
            ("ortools", "linear_sum_assignment"),
        ),
        False, (20000, 20000), {"k": 20},
    ),
    "capacitated": Family(
        "capacitated", "capacitated", "SMEs × startups, capacity 1 × 10, cosine scores in [0, 1]",
        (
            ("ours", "solve_capacitated"),
            ("scipy", "linear_sum_assignment_expanded"),
            ("pot", "emd"),
            ("ortools", "min_cost_flow"),
            ("networkx", "network_simplex"),
        ),
        False, (2000, 200), {"left_capacity": 1, "right_capacity": 10, "rank": 16},
    ),
    "stable": Family(
        "stable", "stable", "many-to-one stable matching, capacity 10, independent uniform preferences",
        (("ours", "stable_matching"), ("matching", "HospitalResident"),
         ("matching", "HospitalResident_deep_recursion")),
        False, (2000, 200), {"right_capacity": 10},
    ),
}


@dataclass(frozen=True)
class Case:
    """One benchmark instance: a family at one shape, with its seed."""

    family: str
    shape: tuple[int, int]
    seed: int
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def size(self) -> int:
        """The x-axis value of the plot: the number of left participants."""
        return self.shape[0]

    @property
    def label(self) -> str:
        extras = "".join(f", {key}={value}" for key, value in self.params.items() if key != "rank")
        return f"{self.shape[0]}×{self.shape[1]}{extras}"


def build_cases(
    families: Sequence[str],
    sizes: Sequence[int] = FULL_SIZES,
    *,
    fixed_scale: float = 1.0,
    seed: int = 20240601,
) -> list[Case]:
    """The cases to run, in order: each family at its sizes.

    Raises
    ------
    KeyError
        For an unknown family name.
    ValueError
        If a size or ``fixed_scale`` is not positive.
    """
    if fixed_scale <= 0:
        raise ValueError(f"fixed_scale must be positive, got {fixed_scale}")
    if any(size <= 0 for size in sizes):
        raise ValueError(f"sizes must be positive, got {list(sizes)}")
    cases = []
    for name in families:
        try:
            family = FAMILIES[name]
        except KeyError:
            raise KeyError(f"unknown case {name!r}; expected one of {sorted(FAMILIES)}") from None
        if family.scalable:
            for size in sorted(sizes):
                cases.append(Case(name, (size, size), seed + size, dict(family.params)))
            continue
        rows, cols = (max(2, round(side * fixed_scale)) for side in family.base_shape)
        params = dict(family.params)
        if "k" in params:
            params["k"] = min(params["k"], cols)
        cases.append(Case(name, (rows, cols), seed + rows, params))
    return cases


# --------------------------------------------------------------------- instances


def _cosine_scores(rng: np.random.Generator, n_left: int, n_right: int, rank: int) -> np.ndarray:
    left = rng.standard_normal((n_left, rank))
    right = rng.standard_normal((n_right, rank))
    left /= np.linalg.norm(left, axis=1, keepdims=True)
    right /= np.linalg.norm(right, axis=1, keepdims=True)
    return (1.0 + left @ right.T) / 2.0


def _sparse_topk(rng: np.random.Generator, n: int, k: int) -> dict[str, np.ndarray]:
    """Each row keeps its k largest of n uniform scores; rows are drawn in chunks."""
    indices = np.empty(n * k, dtype=np.int32)
    data = np.empty(n * k)
    chunk = max(1, 2_000_000 // n)
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        block = rng.random((stop - start, n))
        top = np.sort(np.argpartition(block, n - k, axis=1)[:, n - k:], axis=1)
        indices[start * k: stop * k] = top.ravel()
        data[start * k: stop * k] = np.take_along_axis(block, top, axis=1).ravel()
    indptr = np.arange(0, n * k + 1, k, dtype=np.int64)
    from scipy.sparse import csr_array
    from scipy.sparse.csgraph import maximum_bipartite_matching

    matched = maximum_bipartite_matching(csr_array((data, indices, indptr), shape=(n, n)), perm_type="column")
    if (matched < 0).any():
        raise RuntimeError(f"the sparse top-{k} instance of size {n} has no perfect matching; change --seed")
    return {"data": data, "indices": indices, "indptr": indptr, "shape": np.array([n, n])}


def make_instance(case: Case) -> dict[str, np.ndarray]:
    """The seeded arrays of a case, as the worker reads them."""
    family = FAMILIES[case.family]
    rng = np.random.default_rng(case.seed)
    rows, cols = case.shape
    arrays: dict[str, np.ndarray]
    if case.family in ("dense_uniform", "rectangular"):
        arrays = {"scores": rng.random((rows, cols))}
    elif case.family == "dense_cosine":
        arrays = {"scores": _cosine_scores(rng, rows, cols, case.params["rank"])}
    elif case.family == "sparse_topk":
        arrays = _sparse_topk(rng, rows, case.params["k"])
    elif case.family == "capacitated":
        arrays = {
            "scores": _cosine_scores(rng, rows, cols, case.params["rank"]),
            "left_capacity": np.full(rows, case.params["left_capacity"], dtype=np.int64),
            "right_capacity": np.full(cols, case.params["right_capacity"], dtype=np.int64),
        }
    elif case.family == "stable":
        arrays = {
            "left_scores": rng.random((rows, cols)),
            "right_scores": rng.random((cols, rows)),
            "right_capacity": np.full(cols, case.params["right_capacity"], dtype=np.int64),
        }
    else:  # pragma: no cover - FAMILIES and this function change together
        raise KeyError(f"no generator for case {case.family!r}")
    return {"kind": np.array(family.kind), **arrays}


# --------------------------------------------------------------------- running


def _solver_name(peer: str, method: str) -> str:
    return f"{peer}.{method}"


def _tolerance(peer: str, method: str, reference: float, n_pairs: int, reference_integer: bool) -> float:
    tolerance = 1e-6 * max(1.0, abs(reference))
    if (peer, method) in _INTEGER_PEERS or reference_integer:
        tolerance += n_pairs / INTEGER_SCALE
    return tolerance


def _summarise(case: Case, peer: str, method: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    record: dict[str, Any] = {
        "case": case.family,
        "kind": FAMILIES[case.family].kind,
        "size": case.size,
        "shape": list(case.shape),
        "params": dict(case.params),
        "seed": case.seed,
        "peer": peer,
        "method": method,
        "solver": _solver_name(peer, method),
    }
    ok = [run for run in runs if run.get("status") == "ok"]
    last = runs[-1]
    if not ok or len(ok) < len(runs):
        failed = next(run for run in runs if run.get("status") != "ok")
        record.update({key: failed.get(key) for key in ("status", "error", "message")})
        record["versions"] = failed.get("versions", {})
        record["repeats"] = len(runs)
        return record
    first = ok[0]
    record.update({
        "status": "ok",
        "repeats": len(ok),
        "times_s": [run["time_s"] for run in ok],
        "time_s": _measure.median([run["time_s"] for run in ok]),
        "peak_mb": _measure.median([run["peak_mb"] for run in ok]),
        "total_peak_mb": max(run["total_peak_mb"] for run in ok),
        "peak_reset": all(run.get("peak_reset") for run in ok),
        "objective": first["objective"],
        "reported_objective": first.get("reported_objective"),
        "n_pairs": first["n_pairs"],
        "valid": all(run["valid"] for run in ok),
        "problems": first["problems"],
        "notes": last.get("notes", {}),
        "versions": first.get("versions", {}),
    })
    for extra in ("blocking_pairs", "right_objective"):
        if extra in first:
            record[extra] = first[extra]
    return record


def _compare(records: list[dict[str, Any]], family: Family) -> None:
    """Fill reference, objective differences and time ratios in place."""
    ok = {record["solver"]: record for record in records if record.get("status") == "ok"}
    ours = next((ok[_solver_name(*m)] for m in family.methods if m[0] == "ours" and _solver_name(*m) in ok), None)
    reference = ours
    if reference is None:  # fall back to the first exact peer that solved it
        reference = next(
            (ok[_solver_name(*m)] for m in family.methods
             if _solver_name(*m) in ok and m not in _INTEGER_PEERS and ok[_solver_name(*m)]["valid"]),
            None,
        )
    for record in records:
        if record.get("status") != "ok":
            continue
        if ours is not None:
            record["ratio_to_ours"] = record["time_s"] / ours["time_s"] if ours["time_s"] > 0 else None
        if record["reported_objective"] is not None and record["objective"] is not None:
            drift = abs(record["reported_objective"] - record["objective"])
            record["reported_objective_matches"] = drift <= 1e-6 * max(1.0, abs(record["objective"]))
        if reference is None or record["objective"] is None:
            continue
        reference_integer = (reference["peer"], reference["method"]) in _INTEGER_PEERS
        tolerance = _tolerance(record["peer"], record["method"], reference["objective"], record["n_pairs"],
                               reference_integer)
        difference = record["objective"] - reference["objective"]
        record["reference"] = reference["solver"]
        record["objective_diff"] = difference
        record["tolerance"] = tolerance
        record["objective_match"] = abs(difference) <= tolerance


def run_benchmark(
    cases: Sequence[Case],
    peers: Sequence[str],
    *,
    repeat: int = 3,
    timeout: float = 300.0,
    venv_root: str | Path = "out/bench/venvs",
    rebuild_venvs: bool = False,
    memory_limit_bytes: int | None = None,
    in_process: bool = False,
    include_ours: bool = True,
    log: Callable[[str], None] = lambda message: None,
    on_case: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Run every selected solver on every case.

    Parameters
    ----------
    cases : sequence of Case
    peers : sequence of str
        Keys of :data:`benchmarks._peers.PEERS` to compare.
    repeat : int
        Runs per solver and case (each in a fresh process); the median
        time is reported.  A failed or timed-out run, or one slower than
        30 s, stops the repeats.
    timeout : float
        Seconds per run; a solver that times out (or runs out of memory)
        is skipped at the larger sizes of the same case.
    venv_root : path
        Folder of the peers' virtualenvs.
    rebuild_venvs : bool
    memory_limit_bytes : int, optional
        Address-space limit per run.
    in_process : bool
        Run main-interpreter peers in this process (tests only: no
        timeout, no memory isolation); other peers are then reported
        ``unavailable``.
    include_ours : bool
        Run our solvers too (the reference of every comparison).
    log : callable
        Receives progress messages.
    on_case : callable, optional
        Receives the report so far after every case (to save partial
        results of a long run).

    Returns
    -------
    dict
        ``peers`` (environment per peer), ``results`` (one record per
        case and solver) and ``mismatches``.

    Raises
    ------
    KeyError
        For an unknown peer.
    ValueError
        If ``repeat`` < 1 or ``timeout`` <= 0.
    """
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, got {repeat}")
    if timeout <= 0:
        raise ValueError(f"timeout must be positive, got {timeout}")
    wanted = {*peers, *(("ours",) if include_ours else ())}
    for peer in wanted:
        if peer not in _peers.PEERS:
            raise KeyError(f"unknown peer {peer!r}; expected one of {sorted(_peers.PEERS)}")
    needed = sorted({peer for case in cases for peer, _ in FAMILIES[case.family].methods} & wanted)
    environments: dict[str, _peers.Environment] = {}
    for peer in needed:
        if in_process and _peers.PEERS[peer].own_venv:
            environments[peer] = _peers.Environment(peer, None, "unavailable: in-process run (no virtualenvs)")
            continue
        environments[peer] = _peers.ensure_environment(peer, venv_root, rebuild=rebuild_venvs, log=log)
        log(f"peer {peer}: {environments[peer].status}")
    results: list[dict[str, Any]] = []
    stopped: dict[str, str] = {}  # "family/solver" -> why larger sizes are skipped
    with tempfile.TemporaryDirectory(prefix="bench-solvers-") as workdir:
        worker = _peers.stage_worker(workdir)
        for case in cases:
            family = FAMILIES[case.family]
            started = time.perf_counter()
            instance_path = Path(workdir) / f"{case.family}-{case.shape[0]}x{case.shape[1]}.npz"
            np.savez(instance_path, **make_instance(case))
            log(f"{case.family} {case.label}: instance ready in {time.perf_counter() - started:.1f} s")
            records = []
            for peer, method in family.methods:
                if peer not in wanted:
                    continue
                record = _run_one(case, peer, method, environments[peer], instance_path, worker, stopped,
                                  repeat=repeat, timeout=timeout, memory_limit_bytes=memory_limit_bytes,
                                  in_process=in_process)
                log(f"  {record['solver']}: {_status_text(record)}")
                records.append(record)
            instance_path.unlink()
            _compare(records, family)
            results.extend(records)
            if on_case is not None:
                on_case(_assemble(environments, results))
    return _assemble(environments, results)


def _assemble(environments: Mapping[str, _peers.Environment], results: list[dict[str, Any]]) -> dict[str, Any]:
    mismatches = [
        record for record in results
        if record.get("status") == "ok" and (record.get("objective_match") is False or not record["valid"]
                                             or record.get("reported_objective_matches") is False)
    ]
    return {
        "peers": {
            peer: {"status": env.status, "python": env.python, "requirements": list(env.requirements),
                   "versions": env.versions, "summary": _peers.PEERS[peer].summary}
            for peer, env in environments.items()
        },
        "results": results,
        "mismatches": [
            {key: record.get(key) for key in ("case", "shape", "solver", "objective", "reference", "objective_diff",
                                              "tolerance", "valid", "problems", "reported_objective")}
            for record in mismatches
        ],
    }


def _run_one(
    case: Case,
    peer: str,
    method: str,
    environment: _peers.Environment,
    instance_path: Path,
    worker: Path,
    stopped: dict[str, str],
    *,
    repeat: int,
    timeout: float,
    memory_limit_bytes: int | None,
    in_process: bool,
) -> dict[str, Any]:
    key = f"{case.family}/{_solver_name(peer, method)}"
    guard = _SIZE_GUARDS.get((peer, method))
    skip_reason = None
    if not environment.available:
        skip_reason = ("unavailable", environment.status.removeprefix("unavailable: "))
    elif key in stopped:
        skip_reason = ("skipped", stopped[key])
    elif guard is not None and case.shape[0] * case.shape[1] > guard:
        skip_reason = ("skipped", f"not attempted above n·m = {guard:.0e} (pure Python)")
    if skip_reason is not None:
        return _summarise(case, peer, method, [{"status": skip_reason[0], "message": skip_reason[1]}])
    runs = []
    for _ in range(repeat):
        if in_process:
            run = _peers.run_in_process(peer, method, instance_path)
        else:
            run = _peers.run_worker(environment.python, peer, method, instance_path, worker=worker,
                                    timeout=timeout, memory_limit_bytes=memory_limit_bytes)
        runs.append(run)
        if run.get("status") != "ok" or run["time_s"] > _NO_REPEAT_ABOVE_S:
            break
    status = runs[-1].get("status")
    error = runs[-1].get("error")
    if status == "timeout" or error in ("MemoryError", "SIGKILL"):
        stopped[key] = f"{status if status == 'timeout' else error} at {case.label}"
    return _summarise(case, peer, method, runs)


def _status_text(record: dict[str, Any]) -> str:
    if record.get("status") == "ok":
        return f"{record['time_s']:.3f} s, peak {record['peak_mb']:.0f} MB, objective {record['objective']:.6f}"
    detail = record.get("error") or ""
    message = record.get("message") or ""
    return f"{record.get('status')} {detail} {message}".strip()


# --------------------------------------------------------------------- reporting


def _machine_info() -> dict[str, Any]:
    info = _measure.machine_info()
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            total_kb = int(meminfo.readline().split()[1])
        info["memory_gb"] = round(total_kb / 2**20, 1)
    except (OSError, ValueError, IndexError):
        pass
    try:
        info["git_commit"] = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10,
            cwd=Path(__file__).resolve().parent, check=False,
        ).stdout.strip() or None
    except OSError:
        info["git_commit"] = None
    info["threads"] = dict(_peers.SINGLE_THREAD_ENV)
    return info


def _library_versions(results: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    versions: dict[str, dict[str, str]] = {}
    for record in results:
        if record.get("versions"):
            versions.setdefault(record["peer"], {}).update(record["versions"])
    return versions


def _format_time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _format_mb(megabytes: float) -> str:
    return f"{megabytes:.1f}" if megabytes < 10 else f"{megabytes:.0f}"


def print_table(report: dict[str, Any], console: Any = None) -> None:
    """Print one rich table per case, then the peers and any mismatch."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    by_case: dict[tuple[str, tuple[int, ...]], list[dict[str, Any]]] = {}
    for record in report["results"]:
        by_case.setdefault((record["case"], tuple(record["shape"])), []).append(record)
    for (family, shape), records in by_case.items():
        params = records[0]["params"]
        extras = ", ".join(f"{key}={value}" for key, value in params.items())
        table = Table(title=f"{family} {shape[0]}×{shape[1]}" + (f" ({extras})" if extras else ""),
                      title_justify="left")
        for column, justify in (("solver", "left"), ("time (median)", "right"), ("peak MB", "right"),
                                ("total peak MB", "right"), ("peer / ours", "right"), ("objective", "right"),
                                ("check", "left")):
            table.add_column(column, justify=justify)
        for record in records:
            if record.get("status") != "ok":
                detail = " ".join(part for part in (record.get("error"), record.get("message")) if part)
                reason = f"{record.get('status')}: {detail}"
                table.add_row(record["solver"], "-", "-", "-", "-", "-", f"[yellow]{reason[:90]}[/yellow]")
                continue
            ratio = record.get("ratio_to_ours")
            check = _check_text(record)
            table.add_row(
                record["solver"],
                _format_time(record["time_s"]),
                _format_mb(record["peak_mb"]),
                _format_mb(record["total_peak_mb"]),
                "-" if ratio is None else f"{ratio:.2f}×",
                f"{record['objective']:.6f}",
                check,
            )
        console.print(table)
    if report["mismatches"]:
        console.print(f"[bold red]OBJECTIVE MISMATCH or infeasible result in {len(report['mismatches'])} run(s):[/bold red]")
        for mismatch in report["mismatches"]:
            console.print(f"[red]  {mismatch}[/red]")


def _check_text(record: dict[str, Any]) -> str:
    if not record["valid"]:
        return f"[bold red]INFEASIBLE: {'; '.join(record['problems'])}[/bold red]"
    if record.get("reported_objective_matches") is False:
        return f"[bold red]REPORTED OBJECTIVE {record['reported_objective']:.6f} ≠ RECOMPUTED[/bold red]"
    if record.get("objective_match") is None:
        return "no reference"
    if record["objective_match"] is False:
        return f"[bold red]MISMATCH Δ={record['objective_diff']:+.3g} vs {record['reference']}[/bold red]"
    if record["solver"] == record.get("reference"):
        return "reference"
    return f"= {record['reference']}"


def write_plot(report: dict[str, Any], path: str | Path) -> Path | None:
    """Time vs n per solver (log-log) for the scalable cases, bars for the others.

    Returns the path written, or None when matplotlib is missing or there
    is nothing to plot.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import matplotlib.ticker
    except ImportError:
        return None
    ok = [record for record in report["results"] if record.get("status") == "ok"]
    scalable = [name for name in FAMILIES if FAMILIES[name].scalable and any(r["case"] == name for r in ok)]
    fixed = [name for name in FAMILIES if not FAMILIES[name].scalable and any(r["case"] == name for r in ok)]
    panels = len(scalable) + (1 if fixed else 0)
    if panels == 0:
        return None
    palette = plt.get_cmap("tab20")
    markers = ("o", "s", "^", "v", "D", "P", "X", "*")
    figure, axes = plt.subplots(1, panels, figsize=(6.5 * panels, 5.5), squeeze=False)
    for axis, name in zip(axes[0], scalable):
        solvers = sorted({r["solver"] for r in ok if r["case"] == name}, key=lambda s: (not s.startswith("ours"), s))
        for index, solver in enumerate(solvers):
            points = sorted((r["size"], r["time_s"]) for r in ok if r["case"] == name and r["solver"] == solver)
            if solver.startswith("ours"):
                style = {"linewidth": 3, "color": "black", "marker": "o"}
            else:
                style = {"linewidth": 1.2, "color": palette(index % 20), "marker": markers[index % len(markers)],
                         "linestyle": ("-", "--", ":")[index % 3]}
            axis.plot([p[0] for p in points], [max(p[1], 1e-6) for p in points], label=solver, **style)
        axis.set_xscale("log")
        axis.set_yscale("log")
        sizes = sorted({r["size"] for r in ok if r["case"] == name})
        axis.set_xticks(sizes, [str(size) for size in sizes])
        axis.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        axis.set_xlabel("n (n × n scores)")
        axis.set_ylabel("solve time (s, median)")
        axis.set_title(f"{name}: {FAMILIES[name].description}", fontsize=9)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=7, ncol=2)
    if fixed:
        axis = axes[0][-1]
        labels, values, colours, hatches = [], [], [], []
        timeout = report.get("settings", {}).get("timeout_s")
        peers = sorted(_peers.PEERS)
        for name in fixed:
            for record in (r for r in report["results"] if r["case"] == name):
                timed_out = record.get("status") == "timeout" and timeout
                if record.get("status") != "ok" and not timed_out:
                    continue
                label = f"{name} {record['shape'][0]}×{record['shape'][1]}: {record['solver']}"
                labels.append(label + (" (timeout)" if timed_out else ""))
                values.append(timeout if timed_out else max(record["time_s"], 1e-6))
                hatches.append("//" if timed_out else "")
                colours.append("black" if record["peer"] == "ours" else palette(peers.index(record["peer"]) * 2 % 20))
        positions = np.arange(len(labels))
        bars = axis.barh(positions, values, color=colours)
        for bar, hatch in zip(bars, hatches):
            if hatch:
                bar.set_hatch(hatch)
                bar.set_alpha(0.4)
        axis.set_yticks(positions, labels, fontsize=7)
        axis.invert_yaxis()
        axis.set_xscale("log")
        axis.set_xlabel("solve time (s, median)")
        axis.set_title("fixed-size cases", fontsize=9)
        axis.grid(True, axis="x", which="both", alpha=0.3)
    figure.suptitle(f"Solver benchmark ({report['machine'].get('date_utc', '')}, "
                    f"{report['machine'].get('cpu_count')} CPUs, single-threaded solves)", fontsize=10)
    figure.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


# --------------------------------------------------------------------- CLI


def _default_memory_limit_gb() -> float:
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            total_gb = int(meminfo.readline().split()[1]) / 2**20
    except (OSError, ValueError, IndexError):
        return 16.0
    return round(min(16.0, 0.6 * total_gb), 1)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.solvers",
        description=(
            "Time our assignment, capacitated and stable-matching solvers against scipy, lap, lapx, "
            "OR-Tools, POT, networkx and the PyPI matching library. Each peer with an import-name clash "
            "gets its own virtualenv under VENV_DIR (built on first use). Every solve runs in a fresh "
            "single-threaded process; the table shows the median time, the solve's own peak memory and "
            "peer time / our time, and every objective is checked against ours."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true",
                        help=f"n in {list(QUICK_SIZES)}, fixed-size cases scaled by {QUICK_FIXED_SCALE}, "
                             f"timeout {QUICK_TIMEOUT:g} s (unless given)")
    parser.add_argument("--sizes", type=int, nargs="+", metavar="N",
                        help=f"n for the dense n × n cases (default {list(FULL_SIZES)})")
    parser.add_argument("--fixed-scale", type=float, metavar="F",
                        help="scale both sides of the fixed-size cases (rectangular, sparse_topk, capacitated, "
                             "stable) by F (default 1, or 0.25 with --quick)")
    parser.add_argument("--repeat", type=int, default=3, metavar="R", help="runs per solver; the median is reported")
    parser.add_argument("--peers", nargs="+", choices=sorted(set(_peers.PEERS) - {"ours"}),
                        default=sorted(set(_peers.PEERS) - {"ours"}), metavar="PEER",
                        help=f"peers to compare, from {sorted(set(_peers.PEERS) - {'ours'})}")
    parser.add_argument("--cases", nargs="+", choices=list(FAMILIES), default=list(FAMILIES), metavar="CASE",
                        help=f"cases to run, from {list(FAMILIES)}")
    parser.add_argument("--timeout", type=float, metavar="SECONDS",
                        help="limit per solve (default 300; 120 with --quick)")
    parser.add_argument("--memory-limit-gb", type=float, default=_default_memory_limit_gb(), metavar="GB",
                        help="address-space limit per solve (0: none)")
    parser.add_argument("--seed", type=int, default=20240601, help="base seed of the instances")
    parser.add_argument("--out", default="out/bench", help="folder for solvers.json and solvers.png")
    parser.add_argument("--venv-dir", default="out/bench/venvs", help="folder of the peers' virtualenvs")
    parser.add_argument("--rebuild-venvs", action="store_true", help="recreate the peers' virtualenvs")
    parser.add_argument("--without-ours", action="store_true",
                        help="time the peers alone (checks their environments; objectives are then compared "
                             "with the first exact peer)")
    parser.add_argument("--strict", action="store_true",
                        help="exit with status 1 when an objective mismatches or a result is infeasible")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the solver benchmark; return the exit code."""
    from rich.console import Console

    args = _parser().parse_args(argv)
    console = Console()
    if not console.is_terminal:  # files and pipes get the full table, not an 80-column one
        console = Console(width=160)
    sizes = args.sizes or (QUICK_SIZES if args.quick else FULL_SIZES)
    fixed_scale = args.fixed_scale if args.fixed_scale is not None else (QUICK_FIXED_SCALE if args.quick else 1.0)
    timeout = args.timeout if args.timeout is not None else (QUICK_TIMEOUT if args.quick else 300.0)
    out = Path(args.out)
    venv_root = Path(args.venv_dir)
    try:
        cases = build_cases(args.cases, sizes, fixed_scale=fixed_scale, seed=args.seed)
    except ValueError as error:
        console.print(f"error: {error}")
        return 2
    memory_limit = int(args.memory_limit_gb * 2**30) if args.memory_limit_gb > 0 else None
    started = time.perf_counter()
    json_path = out / "solvers.json"
    settings = {
        "sizes": list(sizes),
        "fixed_scale": fixed_scale,
        "repeat": args.repeat,
        "timeout_s": timeout,
        "memory_limit_gb": args.memory_limit_gb,
        "seed": args.seed,
        "cases": args.cases,
        "peers": args.peers,
        "ours": not args.without_ours,
        "integer_scale": INTEGER_SCALE,
        "timing": f"median of the repeats (a solve over {_NO_REPEAT_ABOVE_S:g} s is not repeated); only the "
                  "library calls from solver-ready input to a solution (model building included, also reported "
                  "alone as notes.build_s), after one warm-up solve of a tiny instance; each run in a fresh process",
        "memory": "peak_mb: peak RSS during the solve minus the RSS right before it; total_peak_mb: whole process",
        "objective_check": "1e-6 relative to the reference (ours, else the first exact peer); integer-cost "
                           f"peers (scores × {INTEGER_SCALE}, rounded) also within n_pairs / {INTEGER_SCALE}",
        "python_executable": sys.executable,
        "platform": platform.platform(),
    }
    machine = _machine_info()

    def save(partial: dict[str, Any], complete: bool) -> dict[str, Any]:
        report = {
            "benchmark": "solvers",
            "complete": complete,
            "machine": {**machine, "library_versions": _library_versions(partial["results"])},
            "settings": settings,
            **partial,
            "wall_time_s": time.perf_counter() - started,
        }
        out.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(report, indent=2, default=_json_default), encoding="utf-8")
        return report

    partial = run_benchmark(
        cases, args.peers, repeat=args.repeat, timeout=timeout, venv_root=venv_root,
        rebuild_venvs=args.rebuild_venvs, memory_limit_bytes=memory_limit, include_ours=not args.without_ours,
        log=lambda message: console.print(f"[dim]{message}[/dim]"),
        on_case=lambda so_far: save(so_far, complete=False),
    )
    report = save(partial, complete=True)
    print_table(report, console)
    plot_path = write_plot(report, out / "solvers.png")
    console.print(f"wrote {json_path}" + (f" and {plot_path}" if plot_path else " (matplotlib missing: no plot)"))
    if report["mismatches"] and args.strict:
        return 1
    return 0


def _json_default(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


if __name__ == "__main__":
    sys.exit(main())
