"""`matching quality`: the quality report of a match result (scores, coverage, fairness, stability, truth)."""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path
from typing import Any

__all__ = ["register", "run", "read_pairs", "load_truth"]


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "quality",
        help="quality report of a match result: scores, coverage, fairness, stability, ground truth",
        description=(
            "Recompute the quality figures of a result from the participants and rules it was made from: "
            "total, mean, minimum and percentiles of the pair scores; coverage and minimums met per side; "
            "Gini of partners per participant; blocking pairs and envy under the score-induced preferences; "
            "rank of each partner in one's own list; coverage by region, size class and role; and, with "
            "--truth, precision/recall against the planted good pairs, precision@k, recall@k and NDCG@k of "
            "the top-k recommendations, and the expected and simulated meeting success. "
            "Formulas and references: matching/METRICS.md."
        ),
        epilog=(
            "example:\n"
            "  matching generate overseas --seed 1 --out gen\n"
            "  matching match gen/participants.json --rules gen/programme.toml --out res\n"
            "  matching quality res --participants gen/participants.json --rules gen/programme.toml --truth gen"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("result", type=Path, metavar="RESULT_DIR_OR_PAIRS",
                        help="directory written by `matching match --out` (its pairs.json or pairs.csv), "
                             "or a pairs file (.json or .csv with left_id and right_id)")
    parser.add_argument("--participants", type=Path, required=True, help="participants file the result was made from (.csv, .json or .xlsx)")
    parser.add_argument("--rules", type=Path, required=True, help="programme rules the result was made from (.toml or .json)")
    parser.add_argument("--round", type=int, default=0, help="0-based round index (default 0)")
    parser.add_argument("--truth", type=Path, help="synthetic programme directory (or its ground_truth.npz) with the planted ground truth")
    parser.add_argument("--k", type=int, default=5, help="cut-off of the top-k figures (default 5)")
    parser.add_argument("--groups", default="region,size_class,role", help="participant attributes for group coverage, comma-separated (default region,size_class,role)")
    parser.add_argument("--outcome-round", type=int, default=0, help="round of the simulated meeting outcomes (default 0)")
    parser.add_argument("--format", choices=("text", "json", "md"), default="text", help="output format (default text)")
    parser.set_defaults(func=run)


def read_pairs(path: Path) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    """(left id, right id) pairs of a result directory or pairs file, and the result's summary.json (or {}).

    Raises
    ------
    InvalidInput
        No pairs file, an unreadable one, or a row without left_id/right_id.
    """
    from ..errors import FieldError, InvalidInput
    from ..io import csv_dict_rows

    summary: dict[str, Any] = {}
    if path.is_dir():
        if (path / "summary.json").is_file():
            summary = json.loads((path / "summary.json").read_text(encoding="utf-8"))
        candidates = [path / "pairs.json", path / "pairs.csv"]
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            raise InvalidInput([FieldError("result", str(path), "has no pairs.json or pairs.csv: expected a directory written by `matching match --out`")])
        path = found
    elif not path.is_file():
        raise InvalidInput([FieldError("result", str(path), "no such file or directory")])
    try:
        if path.suffix.lower() == ".json":
            rows = json.loads(path.read_text(encoding="utf-8"))
        elif path.suffix.lower() == ".csv":
            with open(path, encoding="utf-8-sig", newline="") as handle:
                rows = list(csv_dict_rows(handle))
        else:
            raise InvalidInput([FieldError("result", str(path), "expected a .json or .csv pairs file")])
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, csv.Error) as exc:
        raise InvalidInput([FieldError("result", str(path), f"cannot be read: {exc}")]) from None
    if not isinstance(rows, list):
        raise InvalidInput([FieldError("result", str(path), "expected a list of pairs")])
    pairs, errors = [], []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or not row.get("left_id") or not row.get("right_id"):
            errors.append(FieldError("pairs", row if not isinstance(row, dict) else sorted(row), "expected left_id and right_id", row=number))
            continue
        pairs.append((str(row["left_id"]), str(row["right_id"])))
    if errors:
        raise InvalidInput(errors, f"{path}: {len(errors)} pair(s) without left_id/right_id")
    return pairs, summary


def load_truth(path: Path) -> Any:
    """The planted ground truth of a synthetic programme directory or ground_truth.npz file."""
    import numpy as np

    from datasets.synthetic import GroundTruth

    from ..errors import FieldError, InvalidInput

    npz = path / "ground_truth.npz" if path.is_dir() else path
    if not npz.is_file():
        raise InvalidInput([FieldError("truth", str(path), "has no ground_truth.npz: expected a directory written by `matching generate`")])
    try:
        with np.load(npz, allow_pickle=False) as archive:
            return GroundTruth.from_arrays({name: archive[name] for name in archive.files})
    except (OSError, ValueError) as exc:
        raise InvalidInput([FieldError("truth", str(npz), f"cannot be read as a ground truth: {exc}")]) from None


def run(args: argparse.Namespace) -> int:
    from ..io import load_event
    from ..metrics import format_report, quality_from_event

    pairs, summary = read_pairs(args.result)
    event = load_event(args.participants, args.rules)
    truth = load_truth(args.truth) if args.truth is not None else None
    groups = tuple(g.strip() for g in args.groups.split(",") if g.strip())
    report = quality_from_event(
        event, pairs, round_index=args.round, truth=truth, k=args.k, groups=groups,
        outcome_round=args.outcome_round, objective=summary.get("objective"), solver=summary.get("solver"),
    )
    print(format_report(report, args.format), end="")
    return 0
