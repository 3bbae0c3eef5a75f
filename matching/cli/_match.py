"""`matching match`: score a round, solve it, verify, write explained pairs."""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from ._collector import participants_kept, unfrozen

__all__ = ["register", "run"]


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "match",
        help="score, solve and verify a round; write pairs with explanations",
        description=(
            "Score the round's left and right participants, solve with the objective the rules "
            "choose (or --objective), check the result with the independent verifiers and write "
            "pairs.csv, pairs.json (with reasons in Japanese and English), unmatched.csv, "
            "summary.json and, for max-total, certificate.json (dual potentials) under --out. From "
            "25,000,000 pairs (5,000 x 5,000) on, the round is solved on the scorer's factors without "
            "a score matrix (--path factors), which runs max-total only."
        ),
    )
    parser.add_argument("participants", type=Path, help="participants file (.csv, .json or .xlsx)")
    parser.add_argument("--rules", type=Path, required=True, help="programme rules (.toml or .json)")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--round", type=int, default=0, help="0-based round index (default 0)")
    parser.add_argument("--objective", help="override the round's objective: max-total, fair, stable, greedy or random")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random baseline")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--cluster", metavar="local|ADDRESS",
                        help="on the factor path, run the solver's passes on a Dask cluster: 'local' or a scheduler "
                             "such as tcp://10.0.0.5:8786 (needs pip install 'sme-matching[dask]'); same result")
    parser.add_argument("--path", choices=("auto", "dense", "factors"), default="auto",
                        help="dense score matrix or factors without one (default auto: factors from 25,000,000 pairs)")
    bar = parser.add_mutually_exclusive_group()
    bar.add_argument("--progress", dest="progress", action="store_true", default=None,
                     help="always show progress bars (default: on a terminal, for the factor path)")
    bar.add_argument("--no-progress", dest="progress", action="store_false", help="never show progress bars")
    parser.set_defaults(func=run)


_STAGES = {
    "fit": "fitting features",
    "candidates": "candidates",
    "pricing": "pricing",
    "scale": "score scale",
    "ranks": "ranks",
    "writing": "explaining pairs",
}


class _Bars:
    """One rich progress bar per stage, created when the stage first reports."""

    def __init__(self, progress: Any):
        self.progress, self.tasks = progress, {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(_STAGES.get(stage, stage), total=total)
        self.progress.update(self.tasks[stage], completed=done, total=total)


def _progress(args: argparse.Namespace, event: Any) -> Any:
    from ..pipeline import FACTOR_PATH_MIN_PAIRS

    left, right = event.sides(args.round) if 0 <= args.round < len(event.programme.rounds) else ((), ())
    large = args.path == "factors" or (args.path == "auto" and len(left) * len(right) >= FACTOR_PATH_MIN_PAIRS)
    show = args.progress if args.progress is not None else (large and sys.stderr.isatty())
    if not show:
        return nullcontext(None)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    return Progress(TextColumn("{task.description:<18}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TimeRemainingColumn(), console=Console(file=sys.stderr))


def run(args: argparse.Namespace) -> int:
    with unfrozen():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from ..io import load_event
    from ..pipeline import match_round, summary, write_match

    with participants_kept():
        event = load_event(args.participants, args.rules)
    with _progress(args, event) as progress:
        bars = _Bars(progress) if progress is not None else None
        match = match_round(event, args.round, objective=args.objective, seed=args.seed, path=args.path, progress=bars,
                            cluster=args.cluster)
        paths = write_match(match, args.out, progress=bars)
    figures = summary(match)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
        return 0
    print(
        f"{figures['programme']} / {figures['round']}: {figures['pairs']} pairs, "
        f"total score {figures['total_score']:.3f} ({figures['objective']}, {figures['solver']}, "
        f"{figures['status']}, {figures['wall_time_s']:.3f} s)"
    )
    print(
        f"left matched {figures['left']['matched']}/{figures['left']['participants']}, "
        f"right matched {figures['right']['matched']}/{figures['right']['participants']}; "
        f"checks: " + ", ".join(f"{c['name']} {'ok' if c['ok'] else 'FAILED'}" for c in figures["checks"])
    )
    print("wrote " + ", ".join(str(p) for p in paths.values()))
    return 0
