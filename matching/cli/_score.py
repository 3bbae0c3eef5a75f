"""`matching score`: a participant's best partners, with the reasons.

``matching score PARTICIPANTS --rules PROGRAMME --id ID`` prints the top-k
partners of one participant (from the other side of the round) with their
scores and the reasons in Japanese or English; ``--out FILE`` instead writes
the top-k candidates of every participant, both directions, as CSV, without
ever holding the full score matrix (with a progress bar).
"""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from .._cluster import check_cluster
from .._memory import release_free_memory
from ..errors import FieldError, InvalidInput
from ..features import Scorer, explain
from ..io import neutralize_cell, write_csv_rows
from ._collector import participants_kept, unfrozen

__all__ = ["register", "run", "write_candidates"]

#: Above this many pairs the progress bar is shown by default (on a terminal).
PROGRESS_PAIRS = 2_000_000

_EPILOG = """\
examples:
  matching score smes.csv --rules design.toml --id sme-001
  matching score smes.csv --rules design.toml --id des-014 --k 5 --lang en --json
  matching score fair.xlsx --rules fair.toml --out candidates.csv --k 20
  matching score fair.xlsx --rules fair.toml --out candidates.csv --cluster tcp://10.0.0.5:8786

Scores are explained component by component (tags, keywords, languages,
region, stage, budget, wishes); impossible partners (vetoes, conflicts,
excluded pairs, no common language, roles the round does not pair) are
never listed.
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "score",
        help="a participant's top-k partners with scores and reasons (or everyone's, to a file)",
        description=(
            "Score every pair of a round with the round's weights and hard rules and print one "
            "participant's best partners with the reasons, or write every participant's top-k "
            "candidates (both directions) to a CSV file."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("participants", metavar="PARTICIPANTS", help="participant file: .csv, .json or .xlsx")
    parser.add_argument("--rules", metavar="PROGRAMME", required=True, help="programme file (.toml or .json)")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--id", metavar="PARTICIPANT_ID", help="whose partners to list (left or right side)")
    target.add_argument("--out", metavar="FILE", help="write everyone's top-k candidates as CSV (left_id,right_id,score)")
    parser.add_argument("--k", type=int, default=10, help="how many partners (default: 10)")
    parser.add_argument("--round", type=int, default=0, metavar="N", help="round index in the programme (default: 0)")
    parser.add_argument("--lang", choices=("ja", "en"), default="ja", help="language of the reasons (default: ja)")
    parser.add_argument("--format", choices=("csv", "json", "xlsx"), help="participant file format (default: from the extension)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text (with --id)")
    parser.add_argument("--cluster", metavar="local|ADDRESS",
                        help="with --out: score the blocks on a Dask cluster ('local', or a scheduler such as "
                             "tcp://10.0.0.5:8786; needs pip install 'sme-matching[dask]'); same candidates")
    bar = parser.add_mutually_exclusive_group()
    bar.add_argument("--progress", dest="progress", action="store_true", default=None, help="always show a progress bar")
    bar.add_argument("--no-progress", dest="progress", action="store_false", help="never show a progress bar")
    parser.set_defaults(func=run)


def _progress(args: argparse.Namespace, pairs: int) -> Any:
    show = args.progress if args.progress is not None else (pairs >= PROGRESS_PAIRS and sys.stderr.isatty())
    if not show:
        return nullcontext(None)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(file=sys.stderr),
        transient=False,
    )


def _load(args: argparse.Namespace):
    from ..io import load_event

    with participants_kept():
        event = load_event(args.participants, args.rules, format=args.format)
    rounds = event.programme.rounds
    if not 0 <= args.round < len(rounds):
        raise InvalidInput([FieldError("--round", args.round, f"expected 0 to {len(rounds) - 1} (the programme has {len(rounds)} round(s))")])
    left, right = event.sides(args.round)
    return event, rounds[args.round], left, right


def run(args: argparse.Namespace) -> int:
    with unfrozen():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    if args.k < 1:
        raise InvalidInput([FieldError("--k", args.k, "expected a whole number >= 1")])
    if args.cluster is not None and not args.out:
        raise InvalidInput([FieldError("--cluster", args.cluster, "only with --out (one participant's partners need no cluster)")])
    check_cluster(args.cluster, "--cluster")
    event, rnd, left, right = _load(args)
    if not left or not right:
        raise InvalidInput(
            [FieldError("rounds", rnd.name, f"round {args.round} has {len(left)} left and {len(right)} right participant(s); both sides are needed")]
        )
    pairs = len(left) * len(right)
    with _progress(args, pairs) as progress:
        task = progress.add_task("fitting features", total=None) if progress else None
        scorer = Scorer.from_round(rnd, dtype="float64" if pairs <= 10**8 else "float32").fit(left, right)
        if progress:
            progress.update(task, description="scoring pairs", total=pairs, completed=0)

        def advance(done: int, total: int) -> None:
            if progress:
                progress.update(task, completed=done, total=total)

        if args.out:
            # the blocks read the scorer's weighted factors, ids and rules: the participants' objects and the
            # per-participant component vectors (which only pair-by-pair scores read) can go
            del event, left, right
            scorer.release_pair_features()
            release_free_memory()
            return _write_all(args, scorer, advance)
        names = {p.id: p.organization for p in event.participants}
        return _print_one(args, rnd, scorer, names, advance)


def _write_all(args: argparse.Namespace, scorer: Scorer, advance) -> int:
    top = scorer.top_k(args.k, direction="both", progress=advance, cluster=args.cluster)
    path = Path(args.out)
    count = write_candidates(path, scorer, top)
    print(f"wrote {count} candidate pairs (top {args.k} of {scorer.n_left_} left and {scorer.n_right_} right participants) to {path}")
    return 0


def write_candidates(path: Path, scorer: Scorer, top: Any) -> int:
    """Write :meth:`Scorer.top_k`'s candidates as ``left_id,right_id,score`` rows (by left, then right); the count."""
    top.sort_indices()  # rows, then columns: the order of the file
    rows = np.repeat(np.arange(top.shape[0]), np.diff(top.indptr))
    # every id is neutralized once, not once per candidate; the scores are numbers (never neutralized)
    left_cells = [neutralize_cell(pid) for pid in scorer.left_ids_]
    right_cells = [neutralize_cell(pid) for pid in scorer.right_ids_]

    def lines() -> Iterator[tuple[str, str, str]]:
        for s in range(0, top.nnz, _WRITE_CHUNK):  # Python objects for one chunk of candidates at a time
            yield from zip(map(left_cells.__getitem__, rows[s:s + _WRITE_CHUNK].tolist()),
                           map(right_cells.__getitem__, top.indices[s:s + _WRITE_CHUNK].tolist()),
                           map("{:.6f}".format, top.data[s:s + _WRITE_CHUNK].tolist()))

    return write_csv_rows(path, ["left_id", "right_id", "score"], lines(), neutralized=True)


#: Candidates turned into Python cells at once by :func:`write_candidates`.
_WRITE_CHUNK = 65536


def _print_one(args: argparse.Namespace, rnd: Any, scorer: Scorer, names: dict[str, str], advance) -> int:
    try:
        best = scorer.best_partners(args.id, args.k, progress=advance)
    except KeyError:
        raise InvalidInput(
            [FieldError("--id", args.id, f"names no participant of round {args.round} ({rnd.name!r}): roles {list(rnd.left_roles)} and {list(rnd.right_roles)}")]
        ) from None
    side, i = best.side, best.index
    partners = []
    for rank, j in enumerate(best.partners, start=1):
        pair = (i, int(j)) if side == "left" else (int(j), i)
        e = explain(scorer, *pair, lang=args.lang, names=names)
        partner_id = e.right_id if side == "left" else e.left_id
        partners.append({"rank": rank, "id": partner_id, "organization": names.get(partner_id, ""), "score": e.score, "explanation": e})
    if args.json:
        out = {
            "participant": args.id,
            "side": side,
            "round": rnd.name,
            "k": args.k,
            "candidates": best.n_candidates,
            "impossible": best.n_impossible,
            "partners": [dict(p, explanation=p["explanation"].as_dict()) for p in partners],
        }
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    ja = args.lang == "ja"
    name = names.get(args.id, "")
    if ja:
        print(f"{args.id}（{name}）の相手候補 上位{len(partners)}件 — {rnd.name}：候補 {best.n_candidates}、対象外 {best.n_impossible}")
    else:
        print(f"Top {len(partners)} partners of {args.id} ({name}) — {rnd.name}: {best.n_candidates} candidates, {best.n_impossible} impossible")
    for p in partners:
        print(f"{p['rank']:>3}. {p['id']}  {p['organization']}  {'スコア' if ja else 'score'} {p['score']:.3f}")
        for reason in p["explanation"].reasons:
            print(f"       - {reason}")
    if not partners:
        print("  （相手候補がありません）" if ja else "  (no possible partner)")
    return 0
