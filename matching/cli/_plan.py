"""`matching plan`: a fair's timetable, agendas, grid and unplaced meetings."""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np

from ..errors import FieldError, InvalidInput
from ..io import restore_cell

__all__ = ["register", "run"]


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "plan",
        help="place a fair's meetings in slots at tables; write agendas (CSV, JSON, .ics) and the grid",
        description=(
            "Score the round (or read --scores), choose and place meetings in the round's slots at its "
            "tables so that nobody is double-booked, availability, table counts and min/max meetings hold, "
            "and the total score is as high as possible. Writes agendas.csv, agendas.json, ics/<id>.ics, "
            "grid.html, grid.png, unplaced.csv (every wished meeting not placed, with its reason) and "
            "summary.json under --out, and checks the timetable with the independent checker."
        ),
    )
    parser.add_argument("participants", type=Path, help="participants file (.csv, .json or .xlsx)")
    parser.add_argument("--rules", type=Path, required=True, help="programme rules (.toml or .json) with the round's slots and tables")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--round", type=int, default=0, help="0-based round index (default 0)")
    parser.add_argument("--scores", type=Path, help="CSV with left_id,right_id,score (default: score with matching.features.Scorer)")
    parser.add_argument("--method", default="auto", choices=("auto", "colouring", "milp", "heuristic", "greedy"),
                        help="auto (default): exact colouring with full availability, exact MILP for mid sizes, "
                             "else the fast heuristic with its gap to an upper bound; greedy is a baseline")
    parser.add_argument("--fairness", default="none", choices=("none", "coverage"),
                        help="coverage: first give every participant a meeting where possible, then maximise the score")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds for the exact methods (default 60)")
    tables = parser.add_mutually_exclusive_group()
    tables.add_argument("--tables", type=int, help="override the round's table count")
    tables.add_argument("--tables-file", type=Path, metavar="CSV",
                        help="named tables: columns name, kind (general, interpreter or booth), language "
                             "(interpreter tables), fixed_to (the exhibitor id a booth belongs to)")
    parser.add_argument("--locked", type=Path, metavar="CSV",
                        help="meetings fixed by hand: columns left_id, right_id, slot, table (table may be empty)")
    parser.add_argument("--met-before", type=Path, metavar="CSV",
                        help="pairs that met in earlier rounds and must not meet again: columns left_id, right_id")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    day = parser.add_argument_group(
        "on the day", "re-plan a published timetable: held and locked meetings stay, no-shows' meetings are "
        "cancelled, freed slots are filled from the candidates (the --standby pairs with them); "
        "writes changes.json (per participant)")
    day.add_argument("--replan", type=Path, metavar="AGENDAS_CSV", help="the agendas.csv of the timetable to repair")
    day.add_argument("--no-show", action="append", default=[], metavar="ID", help="participant id that did not come (repeatable)")
    day.add_argument("--now", metavar="SLOT", help="id of the first slot that has not started (default: the first slot)")
    day.add_argument("--standby", type=Path, metavar="CSV", help="left_id,right_id,score pairs waiting for a free slot")
    day.add_argument("--move-future", action="store_true", help="let unlocked future meetings move (default: they stay)")
    parser.set_defaults(func=run)


def _csv_rows(path: Path, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> list[tuple[int, dict[str, str]]]:
    """The rows of a small CSV file with their line numbers; unknown or missing columns are errors."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or ())
        missing = [c for c in required if c not in header]
        unknown = [c for c in header if c not in required and c not in optional]
        if missing or unknown:
            expected = ", ".join(required + tuple(f"[{c}]" for c in optional))
            raise InvalidInput([FieldError("header", header, f"{path}: expected columns {expected}; missing {missing}, unknown {unknown}", row=1)])
        return [(line, {k: restore_cell((v or "").strip()) for k, v in row.items()}) for line, row in enumerate(reader, start=2)]


def _refused(path: Path, errors: list[FieldError]) -> None:
    if errors:
        raise InvalidInput(errors, f"{path}: {len(errors)} bad row(s), nothing was used")


def _read_scores(path: Path, left_ids: list[str], right_ids: list[str]) -> np.ndarray:
    left_pos = {v: k for k, v in enumerate(left_ids)}
    right_pos = {v: k for k, v in enumerate(right_ids)}
    scores = np.full((len(left_ids), len(right_ids)), -np.inf)
    errors = []
    for line, row in _csv_rows(path, ("left_id", "right_id", "score")):
        a, b = row["left_id"], row["right_id"]
        if a not in left_pos or b not in right_pos:
            errors.append(FieldError("left_id/right_id", [a, b], "names no left/right participant of the round", row=line))
            continue
        try:
            scores[left_pos[a], right_pos[b]] = float(row["score"])
        except ValueError:
            errors.append(FieldError("score", row["score"], "is not a number", row=line))
    _refused(path, errors)
    return scores


def _read_tables(path: Path, left_ids: list[str]) -> list:
    from ..timetable import Table

    left_pos = {v: k for k, v in enumerate(left_ids)}
    tables, errors = [], []
    for line, row in _csv_rows(path, ("name",), ("kind", "language", "fixed_to")):
        kind = row.get("kind") or "general"
        if kind not in ("general", "interpreter", "booth"):
            errors.append(FieldError("kind", kind, "expected general, interpreter or booth", row=line))
            continue
        owner = row.get("fixed_to") or None
        if owner is not None and owner not in left_pos:
            errors.append(FieldError("fixed_to", owner, "names no left participant (exhibitor) of the round", row=line))
            continue
        tables.append(Table(row["name"], kind, row.get("language") or None, left_pos[owner] if owner is not None else None))
    _refused(path, errors)
    return tables


def _read_locked(path: Path) -> list[tuple[str, str, str, str | None]]:
    return [(r["left_id"], r["right_id"], r["slot"], r.get("table") or None) for _, r in _csv_rows(path, ("left_id", "right_id", "slot"), ("table",))]


def _read_pairs(path: Path) -> list[tuple[str, str]]:
    return [(r["left_id"], r["right_id"]) for _, r in _csv_rows(path, ("left_id", "right_id"))]


def _replan(args: argparse.Namespace, problem: object) -> tuple[object, dict]:
    from ..timetable import read_timetable, replan

    slots = {s.id: k for k, s in enumerate(problem.slots)}
    if args.now is not None and args.now not in slots:
        raise InvalidInput([FieldError("--now", args.now, f"is not a slot of the round; expected one of {list(slots)}")])
    now = slots[args.now] if args.now is not None else 0
    standby = None
    if args.standby is not None:
        table = _read_scores(args.standby, list(problem.left_ids), list(problem.right_ids))
        li, ri = np.nonzero(np.isfinite(table))
        standby = (li, ri, table[li, ri])
    ids = set(problem.left_ids) | set(problem.right_ids)
    for pid in args.no_show:
        if pid not in ids:
            raise InvalidInput([FieldError("--no-show", pid, "names no participant of the round")])
    before = read_timetable(problem, args.replan)
    result = replan(before, no_shows=args.no_show, now_slot=now, standby=standby, keep_future=not args.move_future,
                    method=args.method, time_limit=args.time_limit)
    return result.timetable, result.by_participant()


def run(args: argparse.Namespace) -> int:
    from ..io import load_event
    from ..timetable import check_timetable, fair_problem_from_event, plan_timetable, write_plan

    event = load_event(args.participants, args.rules)
    if not 0 <= args.round < len(event.programme.rounds):
        raise InvalidInput([FieldError("--round", args.round, f"expected 0 .. {len(event.programme.rounds) - 1}")])
    rnd = event.programme.rounds[args.round]
    left, right = event.sides(args.round)
    forbidden = None
    if args.scores is not None:
        scores = _read_scores(args.scores, [p.id for p in left], [p.id for p in right])
    else:
        try:
            from ..features import Scorer
        except ImportError as exc:  # pragma: no cover - the scorer ships with the package
            raise InvalidInput([FieldError("--scores", None, f"no scores given and the scorer is unavailable ({exc}); pass --scores")]) from None
        scorer = Scorer.from_round(rnd).fit(left, right)
        scores = scorer.score_matrix()
        forbidden = scorer.impossible_mask()
    tables = _read_tables(args.tables_file, [p.id for p in left]) if args.tables_file else args.tables
    problem = fair_problem_from_event(
        event,
        scores,
        forbidden,
        args.round,
        tables=tables,
        locked=_read_locked(args.locked) if args.locked else (),
        past_pairs=_read_pairs(args.met_before) if args.met_before else (),
    )
    if args.fairness == "coverage":
        problem = problem.replace(left_priority=np.ones(problem.n_left, bool), right_priority=np.ones(problem.n_right, bool))
    changes = None
    if args.replan is not None:
        timetable, changes = _replan(args, problem)
        problem = timetable.problem
    else:
        if args.no_show or args.now or args.standby:
            raise InvalidInput([FieldError("--replan", None, "--no-show, --now and --standby need --replan AGENDAS_CSV")])
        timetable = plan_timetable(problem, method=args.method, time_limit=args.time_limit)
    problems = check_timetable(problem, timetable, check_min=changes is None)
    summary = write_plan(timetable, args.out, title=f"{event.programme.name} / {rnd.name}")
    summary["checks"] = {"ok": not problems, "problems": problems[:20]}
    if changes is not None:
        (args.out / "changes.json").write_text(json.dumps(changes, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        summary["changed_participants"] = len(changes)
    (args.out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        per = summary["meetings_per_participant"]
        print(f"{event.programme.name} / {rnd.name}: {summary['meetings']} meetings in {problem.n_slots} slots, "
              f"total score {summary['objective']:.3f}, upper bound {summary['upper_bound']:.3f} "
              f"(gap {100 * summary['gap']:.2f}%, {summary['solver']}, {summary['status']}, {summary['wall_time_s']:.2f} s)")
        print(f"meetings per participant min/median/max {per['min']}/{per['median']}/{per['max']}; "
              f"without a meeting: {summary['participants_without_meeting']}; unplaced wishes: {summary['unplaced']}")
        if changes is not None:
            print(f"re-planned: {len(changes)} participant(s) affected (see changes.json)")
        print(f"checks: {'ok' if not problems else f'{len(problems)} problem(s), first: ' + problems[0]}")
        print(f"wrote {args.out}")
    return 0 if not problems else 1
