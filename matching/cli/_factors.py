"""`matching match-factors`: exact one-to-one (or capacitated) matching from left and right vectors.

``matching match-factors LEFT.npy RIGHT.npy --out DIR`` solves the matching
whose pair scores are ``left[i] @ W @ right[j] (+ biases)`` with
:func:`matching.solvers.solve_factors`, never holding the ``n × m`` score
matrix beyond the memory bound ``--memory-mb``, with a progress bar, and
writes ``pairs.csv`` and ``certificate.json`` (status, objective, the dual
potentials and how many pairs they were checked against).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np

from .._cluster import check_cluster
from ..errors import FieldError, InvalidInput
from ..io import write_csv_rows

__all__ = ["register", "run", "synthetic_vectors"]

#: Above this many pairs the progress bar is shown by default (on a terminal).
PROGRESS_PAIRS = 10_000_000

_EPILOG = """\
vectors:
  LEFT and RIGHT are .npy files (numpy.save) or .csv/.txt files of numbers, one participant per row;
  row i of LEFT is left participant i.  Any embedding works: save it with numpy, e.g.
    numpy.save("left.npy", model.encode(left_texts))          # sentence embeddings
    numpy.save("left.npy", transformer.transform(left))       # a matching.features transformer's output
  (a learned bilinear weighting goes to --weights, per-participant offsets to --bias-left/--bias-right),
  or let this command write random unit embeddings for a try-out:
    matching match-factors --synthetic 100000 --dim 64 --seed 0 --out run/   # writes run/left.npy, run/right.npy

examples:
  matching match-factors left.npy right.npy --out run/
  matching match-factors left.npy right.npy --weights w.npy --bias-left bl.npy --out run/ --memory-mb 512
  matching match-factors left.npy right.npy --right-capacity 3 --forbidden vetoes.csv --out run/
  matching match-factors left.npy right.npy --right-capacity 13 --left-min 1 --required fixed.csv --out run/
  matching match-factors --synthetic 20000 --out run/ --require-complete
  matching match-factors left.npy right.npy --out run/ --cluster tcp://10.0.0.5:8786   # passes on a Dask cluster

Writes DIR/pairs.csv (left,right,score; 0-based row numbers) and DIR/certificate.json: status,
objective, the left and right dual potentials and how many pairs of the full problem they were
checked against (every allowed pair: the optimum is proven, not estimated).  --memory-mb bounds
the score block held at once (the factors and candidates come on top).
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "match-factors",
        help="exact matching of two sets of vectors (scores = dot products), with a certificate",
        description=(
            "Solve the maximum-total matching whose pair scores are products of left and right vectors "
            "(left[i] @ W @ right[j] + biases) exactly, up to 100,000 per side, without building the "
            "score matrix; write the pairs and the optimality certificate."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("vectors", nargs="*", metavar="LEFT RIGHT", help="left and right vector files (.npy, .csv, .txt)")
    parser.add_argument("--out", required=True, metavar="DIR", help="output directory (created if needed)")
    parser.add_argument("--weights", metavar="W.npy", help="weighting matrix of shape (left dim, right dim)")
    parser.add_argument("--bias-left", metavar="FILE", help="per-left-participant score offsets")
    parser.add_argument("--bias-right", metavar="FILE", help="per-right-participant score offsets")
    parser.add_argument("--forbidden", metavar="FILE", help="pairs that may not be matched: rows 'left,right' (.csv/.npy)")
    parser.add_argument("--left-capacity", default="1", metavar="N|FILE", help="partners per left participant (default 1)")
    parser.add_argument("--right-capacity", default="1", metavar="N|FILE", help="partners per right participant (default 1)")
    parser.add_argument("--left-min", default="0", metavar="N|FILE", help="fewest partners per left participant (default 0)")
    parser.add_argument("--right-min", default="0", metavar="N|FILE", help="fewest partners per right participant (default 0)")
    parser.add_argument("--required", metavar="FILE", help="pairs that must be matched: rows 'left,right' (.csv/.npy)")
    parser.add_argument("--minimize", action="store_true", help="minimize the total (costs) instead of maximizing")
    parser.add_argument("--require-complete", action="store_true",
                        help="one-to-one: match every participant of the smaller side")
    parser.add_argument("--k", type=int, default=16, help="candidates per participant (default 16)")
    parser.add_argument("--memory-mb", type=int, default=256, help="largest score block held at once, MB (default 256)")
    parser.add_argument("--synthetic", type=int, metavar="N",
                        help="instead of LEFT RIGHT: write N random unit vectors per side to DIR and match them")
    parser.add_argument("--dim", type=int, default=64, help="dimension of --synthetic vectors (default 64)")
    parser.add_argument("--seed", type=int, default=0, help="seed of --synthetic vectors (default 0)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--cluster", metavar="local|ADDRESS",
                        help="run the candidate and pricing passes on a Dask cluster: 'local' (this machine's cores) "
                             "or a scheduler such as tcp://10.0.0.5:8786 (needs pip install 'sme-matching[dask]'); "
                             "same result")
    bar = parser.add_mutually_exclusive_group()
    bar.add_argument("--progress", dest="progress", action="store_true", default=None, help="always show a progress bar")
    bar.add_argument("--no-progress", dest="progress", action="store_false", help="never show a progress bar")
    parser.set_defaults(func=run)


def synthetic_vectors(n: int, dim: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` left and ``n`` right random unit vectors of dimension ``dim`` (float64), reproducible from ``seed``."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, dim))
    y = rng.standard_normal((n, dim))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    y /= np.linalg.norm(y, axis=1, keepdims=True)
    return x, y


def _load_array(path: str, option: str) -> np.ndarray:
    file = Path(path)
    if not file.is_file():
        raise InvalidInput([FieldError(option, path, "expected an existing .npy, .csv or .txt file; no such file")])
    suffix = file.suffix.lower()
    try:
        if suffix == ".npy":
            return np.load(file, allow_pickle=False)
        if suffix in (".csv", ".txt"):
            return np.loadtxt(file, delimiter="," if suffix == ".csv" else None, ndmin=2, dtype=np.float64)
    except (ValueError, OSError) as exc:
        raise InvalidInput([FieldError(option, path, f"expected a numeric array, could not read it: {exc}")]) from None
    raise InvalidInput([FieldError(option, path, f"expected a .npy, .csv or .txt file, got {suffix or 'no extension'}")])


def _capacity(value: str, option: str) -> Any:
    try:
        return int(value)
    except ValueError:
        return _load_array(value, option).ravel()


def _progress_bar(args: argparse.Namespace, pairs: int) -> Any:
    show = args.progress if args.progress is not None else (pairs >= PROGRESS_PAIRS and sys.stderr.isatty())
    if not show:
        return nullcontext(None)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("rows"), TimeElapsedColumn(),
        console=Console(file=sys.stderr), transient=False,
    )


def _callback(progress: Any):
    """``progress(stage, done, total)`` for :func:`solve_factors`: one bar per pass over the rows."""
    if progress is None:
        return None
    tasks: dict[str, Any] = {}
    passes: dict[str, int] = {}
    last: dict[str, int] = {}

    def report(stage: str, done: int, total: int) -> None:
        if stage not in passes or done <= last[stage]:  # a new pass
            passes[stage] = passes.get(stage, 0) + 1
            tasks[stage] = progress.add_task(f"{stage} pass {passes[stage]}", total=total)
        last[stage] = done
        progress.update(tasks[stage], completed=done, total=total)

    return report


def run(args: argparse.Namespace) -> int:
    from ..solvers import solve_factors

    out = Path(args.out)
    if args.synthetic is not None:
        if args.vectors:
            raise InvalidInput([FieldError("--synthetic", args.synthetic, "expected either LEFT RIGHT files or --synthetic N, got both")])
        if args.synthetic < 1 or args.dim < 1:
            raise InvalidInput([FieldError("--synthetic", args.synthetic, "expected N >= 1 and --dim >= 1")])
        left, right = synthetic_vectors(args.synthetic, args.dim, args.seed)
        out.mkdir(parents=True, exist_ok=True)
        np.save(out / "left.npy", left)
        np.save(out / "right.npy", right)
    elif len(args.vectors) != 2:
        raise InvalidInput([FieldError("LEFT RIGHT", " ".join(args.vectors),
                                       f"expected two vector files (left and right), got {len(args.vectors)}")])
    else:
        left = _load_array(args.vectors[0], "LEFT")
        right = _load_array(args.vectors[1], "RIGHT")
    check_cluster(args.cluster, "--cluster")
    if args.memory_mb < 1:
        raise InvalidInput([FieldError("--memory-mb", args.memory_mb, "expected a whole number of megabytes >= 1")])
    if args.k < 1:
        raise InvalidInput([FieldError("--k", args.k, "expected a whole number >= 1")])
    options: dict[str, Any] = {
        "weighting": None if args.weights is None else _load_array(args.weights, "--weights"),
        "bias_left": None if args.bias_left is None else _load_array(args.bias_left, "--bias-left").ravel(),
        "bias_right": None if args.bias_right is None else _load_array(args.bias_right, "--bias-right").ravel(),
        "forbidden": None if args.forbidden is None else _load_array(args.forbidden, "--forbidden").astype(np.int64),
        "left_capacity": _capacity(args.left_capacity, "--left-capacity"),
        "right_capacity": _capacity(args.right_capacity, "--right-capacity"),
        "left_min": _capacity(args.left_min, "--left-min"),
        "right_min": _capacity(args.right_min, "--right-min"),
        "required": None if args.required is None else _load_array(args.required, "--required").astype(np.int64),
    }
    for name in ("forbidden", "required"):
        if options[name] is not None and options[name].size == 0:
            options[name] = None
    pairs_total = int(np.shape(left)[0]) * int(np.shape(right)[0]) if np.ndim(left) == 2 and np.ndim(right) == 2 else 0
    started = time.perf_counter()
    with _progress_bar(args, pairs_total) as progress:
        result = solve_factors(
            left, right, maximize=not args.minimize, require_complete=args.require_complete, k=args.k,
            max_block_bytes=args.memory_mb * 2**20, progress=_callback(progress), cluster=args.cluster, **options,
        )
    elapsed = time.perf_counter() - started
    out.mkdir(parents=True, exist_ok=True)
    scores = _pair_scores(left, right, options, result.pairs)
    write_csv_rows(out / "pairs.csv", ["left", "right", "score"],
                   ([i, j, repr(float(s))] for (i, j), s in zip(result.pairs.tolist(), scores.tolist())))
    cert = result.certificate
    summary = {
        "status": result.status.value,
        "objective": result.objective,
        "pairs": result.n_pairs,
        "shape": list(result.shape),
        "maximize": result.maximize,
        "solver": result.solver,
        "wall_time_s": result.wall_time,
        "memory_mb": args.memory_mb,
        "pairs_checked": int(cert.pairs_checked),
        "max_violation": float(cert.max_violation),
        "pricing_rounds": int(cert.pricing_rounds),
        "info": {key: (value.item() if isinstance(value, np.generic) else value) for key, value in result.info.items()},
    }
    document = dict(summary, left_potential=cert.left_potential.tolist(), right_potential=cert.right_potential.tolist())
    (out / "certificate.json").write_text(json.dumps(document), encoding="utf-8")
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    n, m = result.shape
    print(
        f"{n:,} × {m:,}: {result.n_pairs:,} pairs, total score {result.objective:.6f} ({result.status.value}, "
        f"{result.solver}) in {elapsed:.1f} s; certificate checked {cert.pairs_checked:,} pairs, largest violation "
        f"{cert.max_violation:.2e}, {cert.pricing_rounds} pricing round(s)"
    )
    print(f"wrote {out / 'pairs.csv'} and {out / 'certificate.json'}")
    return 0


def _pair_scores(left: Any, right: Any, options: dict[str, Any], pairs: np.ndarray) -> np.ndarray:
    """The score of every matched pair, in float64, from the inputs."""
    if len(pairs) == 0:
        return np.zeros(0)
    a = np.asarray(left, dtype=np.float64)[pairs[:, 0]]
    b = np.asarray(right, dtype=np.float64)[pairs[:, 1]]
    if options["weighting"] is not None:
        b = b @ np.asarray(options["weighting"], dtype=np.float64).T
    s = np.einsum("ij,ij->i", a, b)
    if options["bias_left"] is not None:
        s = s + np.asarray(options["bias_left"], dtype=np.float64)[pairs[:, 0]]
    if options["bias_right"] is not None:
        s = s + np.asarray(options["bias_right"], dtype=np.float64)[pairs[:, 1]]
    return s
