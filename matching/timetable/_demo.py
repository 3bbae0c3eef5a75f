"""The industry-fair timetable of ``matching demo``: plan, write, check, re-plan a no-show."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

__all__ = ["plan_event_demo"]


def plan_event_demo(out_dir: str | Path, *, seed: int = 1, say: Callable[..., Any] = print,
                    n_left: int | None = None, n_right: int | None = None) -> dict[str, Any]:
    """Generate the ``industry-fair`` preset, plan its timetable, write everything, re-plan one no-show.

    Steps: generate (``datasets.synthetic``), write and read back the
    participants and rules through the importer, score with
    :class:`~matching.features.Scorer`, plan with :func:`plan_timetable`
    (``auto``), check with :func:`check_timetable`, write agendas (CSV,
    JSON, .ics), the grid (HTML, PNG), ``unplaced.csv`` and ``summary.json``
    under ``out_dir/plan``; then the busiest buyer does not show up at the
    fourth slot: :func:`replan` (held and locked meetings kept, freed slots
    refilled) writes ``out_dir/replan`` with ``changes.json``.

    Parameters
    ----------
    out_dir : path
    seed : int
    say : callable
        Receives each line of the summary.
    n_left, n_right : int, optional
        Smaller fairs for quick runs (default: the preset's 647 x 2,000).

    Returns
    -------
    dict
        JSON-ready figures: sizes, plan summary, checks, re-plan summary.
    """
    from datasets.synthetic import generate, write_programme

    from ..features import Scorer
    from ..io import load_event
    from ._adapter import fair_problem_from_event
    from ._check import check_timetable
    from ._output import write_plan
    from ._replan import replan
    from ._solve import plan_timetable

    out = Path(out_dir)
    started = time.perf_counter()
    data = generate("industry-fair", seed=seed, n_left=n_left, n_right=n_right)
    write_programme(data, out / "data")
    event = load_event(out / "data" / "participants.csv", out / "data" / "programme.toml")
    rnd = event.programme.rounds[0]
    left, right = event.sides(0)
    scorer = Scorer.from_round(rnd).fit(left, right)
    problem = fair_problem_from_event(event, scorer.score_matrix(), scorer.impossible_mask(), 0)
    prepared = time.perf_counter() - started
    timetable = plan_timetable(problem)
    problems = check_timetable(problem, timetable)
    summary = write_plan(timetable, out / "plan", title=f"{event.programme.name}")
    per = summary["meetings_per_participant"]
    say(f"## industry-fair: {event.programme.name}")
    say("")
    say(f"{problem.n_left} exhibitors x {problem.n_right} buyers, {problem.n_slots} slots of "
        f"{rnd.slots[0].end - rnd.slots[0].start}, {problem.tables} tables, {problem.n_candidates:,} candidate pairs, "
        f"{int(problem.requested.sum())} wished pairs (data and scores ready in {prepared:.1f} s)")
    say(f"Timetable: {summary['meetings']} meetings, total score {summary['objective']:.3f}, upper bound "
        f"{summary['upper_bound']:.3f} (gap {100 * summary['gap']:.3f}%), {summary['status']} by {summary['solver']} "
        f"in {summary['wall_time_s']:.2f} s")
    say(f"Meetings per participant min/median/max {per['min']}/{per['median']}/{per['max']}; "
        f"exhibitors {summary['meetings_per_left']['median']} median, buyers {summary['meetings_per_right']['median']} median; "
        f"{summary['participants_without_meeting']} without a meeting; {summary['unplaced']} wished meetings unplaced "
        f"({', '.join(f'{k}: {v}' for k, v in summary['unplaced_reasons'].items())})")
    say(f"Checks (independent checker): {'ok' if not problems else f'{len(problems)} problem(s): ' + problems[0]}")

    result: dict[str, Any] = {"sizes": {"n_left": problem.n_left, "n_right": problem.n_right, "slots": problem.n_slots,
                                        "tables": problem.tables, "candidates": problem.n_candidates},
                              "plan": summary, "checks": problems[:20]}
    _, right_counts = timetable.meetings_per_participant()
    now = min(3, problem.n_slots - 1)
    if timetable.n_meetings and right_counts.max() > 0:
        busiest = int(np.argmax(right_counts))
        repaired = replan(timetable, no_shows=[("right", busiest)], now_slot=now)
        again = check_timetable(repaired.timetable.problem, repaired.timetable, check_min=False)
        changed = repaired.by_participant()
        replan_summary = write_plan(repaired.timetable, out / "replan", title=f"{event.programme.name} (re-planned)")
        (out / "replan" / "changes.json").write_text(json.dumps(changed, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        kinds = {k: sum(1 for c in repaired.changes if c.kind == k and c.side == "left") for k in ("cancelled", "moved", "added")}
        say(f"No-show: buyer {problem.label('right', busiest)} misses slot {problem.slots[now].id} onwards -> "
            f"{kinds['cancelled']} meetings cancelled, {kinds['added']} added in freed slots, {kinds['moved']} moved; "
            f"{len(changed)} participants notified; total score {replan_summary['objective']:.3f}; "
            f"checks {'ok' if not again else 'FAILED'}")
        result["replan"] = {"no_show": problem.label("right", busiest), "now_slot": problem.slots[now].id,
                            "changes": kinds, "participants_changed": len(changed), "summary": replan_summary,
                            "checks": again[:20]}
    say(f"Files: {out / 'plan'} (agendas.csv, agendas.json, ics/, grid.html, grid.png, unplaced.csv, summary.json), "
        f"{out / 'replan'} (+ changes.json)")
    say(f"({time.perf_counter() - started:.1f} s)")
    say("")
    return result
