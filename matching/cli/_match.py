"""`matching match`: score a round, solve it, verify, write explained pairs."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

__all__ = ["register", "run"]


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "match",
        help="score, solve and verify a round; write pairs with explanations",
        description=(
            "Score the round's left and right participants, solve with the objective the rules "
            "choose (or --objective), check the result with the independent verifiers and write "
            "pairs.csv, pairs.json (with reasons in Japanese and English), unmatched.csv and "
            "summary.json under --out."
        ),
    )
    parser.add_argument("participants", type=Path, help="participants file (.csv, .json or .xlsx)")
    parser.add_argument("--rules", type=Path, required=True, help="programme rules (.toml or .json)")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--round", type=int, default=0, help="0-based round index (default 0)")
    parser.add_argument("--objective", help="override the round's objective: max-total, fair, stable, greedy or random")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random baseline")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..io import load_event
    from ..pipeline import match_round, summary, write_match

    event = load_event(args.participants, args.rules)
    match = match_round(event, args.round, objective=args.objective, seed=args.seed)
    paths = write_match(match, args.out)
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
