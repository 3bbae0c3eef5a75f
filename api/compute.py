"""The work a job does: match a round, plan a timetable, re-plan on the day.

Pure functions of an :class:`~matching.model.Event` and the job's
parameters, returning JSON-ready payloads that :mod:`api.jobs` stores in one
transaction.  ``progress(fraction, message)`` is called between stages.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from matching.errors import FieldError, InvalidInput
from matching.io import programme_from_mapping, programme_to_mapping
from matching.model import Event, Participant, Programme

__all__ = ["with_locks", "learned_weights", "run_match", "run_plan", "run_replan", "timetable_json", "Progress",
           "MIN_FEEDBACK"]

#: Meetings with both sides' answers needed before feedback changes a round's weights.
MIN_FEEDBACK = 20

Progress = Callable[[float, str], None]


def with_locks(programme: Programme, locks: Iterable[Mapping[str, Any]]) -> Programme:
    """The programme with pinned pairs added to the rounds' ``must`` and forbidden ones to ``never``.

    A lock wins over the programme's own rule for the same pair.
    """
    mapping = programme_to_mapping(programme, json_ready=True)
    for lock in locks:
        rnd = mapping["rounds"][lock["round"]]
        pair = [lock["left"], lock["right"]]
        must = [list(p) for p in rnd.get("must", []) if list(p) != pair]
        never = [list(p) for p in rnd.get("never", []) if list(p) != pair]
        (must if lock["kind"] == "pin" else never).append(pair)
        rnd["must"], rnd["never"] = must, never
    return programme_from_mapping(mapping, source="rules with locks")


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def learned_weights(event: Event, round_index: int, feedback: Sequence[Mapping[str, Any]]) -> tuple[dict[str, float] | None, dict[str, Any]]:
    """Component weights fitted to the feedback of a round's past meetings (both said yes = success).

    Returns ``(weights or None, report)``; ``None`` (the round's own
    weights are kept) with fewer than :data:`MIN_FEEDBACK` answered
    meetings, or when the fit refuses (e.g. only successes).
    """
    from matching.features import Outcomes, Scorer, fit_weights

    left, right = event.sides(round_index)
    left_pos = {p.id: k for k, p in enumerate(left)}
    right_pos = {p.id: k for k, p in enumerate(right)}
    rows = [f for f in feedback if f["left_yes"] is not None and f["right_yes"] is not None
            and f["left"] in left_pos and f["right"] in right_pos]
    if len(rows) < MIN_FEEDBACK:
        return None, {"used": False, "meetings": len(rows),
                      "reason": f"{len(rows)} meeting(s) with both answers; {MIN_FEEDBACK} are needed to learn weights"}
    outcomes = Outcomes([left_pos[f["left"]] for f in rows], [right_pos[f["right"]] for f in rows],
                        left_yes=[bool(f["left_yes"]) for f in rows], right_yes=[bool(f["right_yes"]) for f in rows],
                        deal=[bool(f["deal"]) for f in rows], round=round_index)
    scorer = Scorer.from_round(event.programme.rounds[round_index]).fit(left, right)
    try:
        fitted = fit_weights(scorer, outcomes, target="mutual", cv=min(5, max(2, len(rows) // 10)))
    except InvalidInput as exc:
        return None, {"used": False, "meetings": len(rows), "reason": str(exc).splitlines()[0]}
    if not any(fitted.weights.values()):
        return None, {"used": False, "meetings": len(rows), "reason": "no score component predicts the answers"}
    return dict(fitted.weights), _finite({"used": True, "meetings": len(rows), **fitted.as_dict()})


def run_match(event: Event, params: Mapping[str, Any], progress: Progress,
              feedback: Sequence[Mapping[str, Any]] = (), cluster: Any = None) -> dict[str, Any]:
    """Score, solve and verify one round; rows with explanations in ja and en.

    Without explicit ``weights``, the feedback of the round's past meetings
    (when there is enough of it) sets the component weights.  With
    ``learning``, the round is planned on what earlier rounds' feedback
    taught (:mod:`api.learning`).  A large round (the factor path of
    :func:`~matching.pipeline.match_round`) runs its solver's blockwise
    passes on ``cluster`` (the service's ``MATCHING_DASK_SCHEDULER``) and
    reports the rows of each pass as they finish there.
    """
    from matching.pipeline import match_round, match_rows, summary, unmatched_rows

    round_index = int(params.get("round", 0))
    if params.get("learning"):
        from .learning import run_learned_match

        return run_learned_match(event, params, progress, feedback)
    weights = params.get("weights")
    learning: dict[str, Any] = {"used": False, "reason": "weights given with the job"}
    if weights is None and params.get("learn_from_feedback", True):
        progress(0.05, "learning weights from feedback")
        weights, learning = learned_weights(event, round_index, [f for f in feedback if f.get("round", round_index) == round_index])
    progress(0.1, "scoring and solving")
    match = match_round(event, round_index, objective=params.get("objective"), weights=weights,
                        seed=int(params.get("seed", 0)), progress=_stage_progress(progress, 0.1, 0.8), cluster=cluster)
    progress(0.8, "explaining pairs")
    rows = match_rows(match)
    rnd = event.programme.rounds[round_index]
    pinned = {tuple(p) for p in rnd.must}
    for row in rows:
        row["locked"] = (row["left_id"], row["right_id"]) in pinned
    report = summary(match)
    report["feedback_learning"] = learning
    return {"kind": "match", "round": round_index, "objective": match.objective, "summary": report,
            "pairs": rows, "unmatched": unmatched_rows(match), "timetable": None, "inputs": None}


def _stage_progress(progress: Progress, low: float, high: float) -> Callable[[str, int, int], None]:
    """``progress(stage, done, total)`` of the engine as job progress between ``low`` and ``high``.

    The number of passes is not known in advance (pricing rounds), so each
    new stage (a pass over the rows, on this process or a cluster) fills
    half of what is left: the fraction never goes back.  Reported at most
    every 2% of a stage, so the job row is not written per block.
    """
    state: dict[str, Any] = {"stage": None, "done": -1, "base": low, "span": 0.0, "share": 0.0}

    def report(stage: str, done: int, total: int) -> None:
        share = done / total if total else 1.0
        if stage != state["stage"] or done < state["done"]:  # a new pass
            at = state["base"] + state["span"] * state["share"]
            state.update(stage=stage, base=at, span=(high - at) / 2, share=0.0)
        elif share - state["share"] < 0.02 and done < total:
            state["done"] = done
            return
        state.update(done=done, share=share)
        progress(state["base"] + state["span"] * share, f"{stage}: {done:,} of {total:,}")

    return report


def _scores(event: Event, round_index: int) -> tuple[np.ndarray, np.ndarray]:
    from matching.features import Scorer

    left, right = event.sides(round_index)
    scorer = Scorer.from_round(event.programme.rounds[round_index]).fit(left, right)
    return scorer.score_matrix(), scorer.impossible_mask()


def _fair_problem(event: Event, round_index: int, pairs: Sequence[Sequence[str]] | None, options: Mapping[str, Any]):  # noqa: ANN202
    """The timetable problem of a round: from a match result's pairs, or from all scored pairs (wishes first)."""
    from matching.timetable import fair_problem_from_event

    rnd = event.programme.rounds[round_index]
    if not rnd.slots:
        raise InvalidInput([FieldError(f"rounds[{round_index}].slots", [], "a timetable needs the round's time slots; add slots with PUT .../rules")])
    scores, forbidden = _scores(event, round_index)
    if pairs is None:
        problem = fair_problem_from_event(event, scores, forbidden, round_index, tables=options.get("tables"))
    else:
        left, right = event.sides(round_index)
        left_pos = {p.id: k for k, p in enumerate(left)}
        right_pos = {p.id: k for k, p in enumerate(right)}
        chosen = np.zeros_like(scores)
        for a, b in pairs:
            if a not in left_pos or b not in right_pos:
                raise InvalidInput([FieldError("result_id", [a, b], "a pair of the match result names a participant no longer in the round")])
            i, j = left_pos[a], right_pos[b]
            chosen[i, j] = max(float(scores[i, j]), 1e-6)
        problem = fair_problem_from_event(event, chosen, None, round_index, tables=options.get("tables"), requested="all")
    if options.get("fairness") == "coverage":
        problem = problem.replace(left_priority=np.ones(problem.n_left, bool), right_priority=np.ones(problem.n_right, bool))
    return problem


def timetable_json(timetable: Any, *, check_min: bool = True) -> dict[str, Any]:
    """A timetable as stored: slots, tables, meetings (with times), unplaced, summary and checks."""
    from matching.timetable import check_timetable

    problem = timetable.problem
    length = problem.meeting_length
    interpreter = list(problem.interpreter) if problem.interpreter is not None else None

    def iso(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    meetings = []
    for m in timetable.meetings:
        first, last = problem.slots[m.slot], problem.slots[m.slot + length - 1]
        need = None
        if interpreter is not None:
            c = problem.candidate_index(m.left, m.right)
            need = interpreter[c] if c >= 0 else None
        meetings.append({
            "left": problem.label("left", m.left), "left_organization": problem.name("left", m.left),
            "right": problem.label("right", m.right), "right_organization": problem.name("right", m.right),
            "slot": first.id, "slot_index": int(m.slot), "start": iso(first.start), "end": iso(last.end),
            "table": m.table, "score": round(float(m.score), 6), "locked": bool(m.locked), "interpreter": need,
        })
    unplaced = [{"left": problem.label("left", u.left), "right": problem.label("right", u.right),
                 "score": round(float(u.score), 6), "reason": u.reason} for u in timetable.unplaced]
    problems = check_timetable(problem, timetable, check_min=check_min)
    summary = timetable.summary()
    summary["checks"] = {"ok": not problems, "problems": list(problems[:20])}
    return {
        "slots": [{"id": s.id, "start": iso(s.start), "end": iso(s.end)} for s in problem.slots],
        "tables": list(problem.table_names()),
        "meeting_length": int(length),
        "meetings": meetings,
        "unplaced": unplaced,
        "summary": summary,
    }


def run_plan(event: Event, params: Mapping[str, Any], pairs: Sequence[Sequence[str]] | None, progress: Progress) -> dict[str, Any]:
    """Plan a round's timetable from a match result's pairs (or from scores and wishes)."""
    from matching.timetable import plan_timetable

    round_index = int(params.get("round", 0))
    progress(0.1, "scoring candidate meetings")
    problem = _fair_problem(event, round_index, pairs, params)
    progress(0.3, f"placing {problem.n_candidates} candidate meetings in {problem.n_slots} slots")
    timetable = plan_timetable(problem, method=params.get("method", "auto"), time_limit=float(params.get("time_limit", 60.0)))
    progress(0.9, "checking the timetable")
    stored = timetable_json(timetable)
    inputs = {
        "programme": programme_to_mapping(event.programme, json_ready=True),
        "participants": [p.model_dump(mode="json") for p in event.participants],
        "round": round_index,
        "pairs": [list(p) for p in pairs] if pairs is not None else None,
        "options": {k: params[k] for k in ("tables", "fairness") if params.get(k) is not None},
        "no_show": [],
        "source_result_id": params.get("result_id"),
    }
    return {"kind": "plan", "round": round_index, "objective": None, "summary": stored["summary"],
            "pairs": [], "unmatched": [], "timetable": stored, "inputs": inputs}


def _read_back(problem: Any, meetings: Sequence[Mapping[str, Any]]):  # noqa: ANN202
    """A stored timetable as a :class:`Timetable` of ``problem``."""
    from matching.timetable import timetable_from_rows

    rows = [{"participant_id": m["left"], "side": "left", "partner_id": m["right"], "slot": m["slot"], "table": m["table"]}
            for m in meetings]
    return timetable_from_rows(problem, rows, source="stored timetable")


def run_replan(inputs: Mapping[str, Any], stored: Mapping[str, Any], params: Mapping[str, Any], progress: Progress) -> dict[str, Any]:
    """Re-plan a stored timetable after no-shows: held meetings stay, freed slots are filled."""
    from matching.timetable import replan

    programme = programme_from_mapping(inputs["programme"], source="stored programme")
    event = Event.build(programme, [Participant.model_validate(p) for p in inputs["participants"]])
    round_index = int(inputs["round"])
    progress(0.1, "rebuilding the timetable")
    problem = _fair_problem(event, round_index, inputs.get("pairs"), inputs.get("options", {}))
    before = _read_back(problem, stored["meetings"])
    ids = set(problem.left_ids) | set(problem.right_ids)
    no_show = list(dict.fromkeys(params.get("no_show", [])))
    unknown = [pid for pid in no_show if pid not in ids]
    if unknown:
        raise InvalidInput([FieldError("no_show", pid, "names no participant of the timetable's round") for pid in unknown])
    slots = {s.id: k for k, s in enumerate(problem.slots)}
    now_slot = params.get("now_slot")
    if now_slot is not None and now_slot not in slots:
        raise InvalidInput([FieldError("now_slot", now_slot, f"is not a slot of the round; expected one of {list(slots)}")])
    now = slots[now_slot] if now_slot is not None else 0
    everyone_gone = list(dict.fromkeys(list(inputs.get("no_show", [])) + no_show))
    progress(0.3, f"re-planning from slot {now_slot or problem.slots[0].id} without {len(everyone_gone)} participant(s)")
    result = replan(before, no_shows=everyone_gone, now_slot=now, keep_future=not params.get("move_future", False),
                    method=params.get("method", "auto"), time_limit=float(params.get("time_limit", 30.0)))
    progress(0.9, "checking the timetable")
    after = timetable_json(result.timetable, check_min=False)
    label, slot_id = problem.label, problem.slots

    def where(m: Any) -> dict[str, Any] | None:
        return None if m is None else {"slot": slot_id[m.slot].id, "table": m.table}

    changes = []
    for ch in result.changes:
        other = "right" if ch.side == "left" else "left"
        me, partner = label(ch.side, ch.participant), label(other, ch.partner)
        left, right = (me, partner) if ch.side == "left" else (partner, me)
        changes.append({"participant": me, "side": ch.side, "kind": ch.kind, "left": left, "right": right,
                        "before": where(ch.before), "after": where(ch.after)})
    after["changes"] = changes
    after["no_show"] = everyone_gone
    after["now_slot"] = problem.slots[now].id if now < problem.n_slots else None
    new_inputs = dict(inputs)
    new_inputs["no_show"] = everyone_gone
    new_inputs["source_result_id"] = params.get("result_id")
    summary = dict(after["summary"])
    summary["changed_participants"] = len({c["participant"] for c in changes})
    after["summary"] = summary
    return {"kind": "replan", "round": round_index, "objective": None, "summary": summary, "pairs": [],
            "unmatched": [], "timetable": after, "inputs": new_inputs}
