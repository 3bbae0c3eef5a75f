"""A match job with learning on: the round planned on what earlier rounds' feedback taught.

``{"kind": "match", "round": r, "learning": true, "learning_weight"?: w}``
fits :class:`matching.features.ReciprocalModel` on the feedback of rounds
``0..r-1`` (participants matched by id; the feedback of round ``r`` itself
is never used), reading every pair's profile score and the scorer's
components (the score alone for a round too large for the block, see
:func:`matching.next_round.match_next_round`), and plans round ``r`` on the expected mutual yeses (``w`` = 1,
the default) or on ``w · P(mutual yes) + (1 − w) · profile score``, under the
round's capacities and rules, never proposing a pair that has feedback from
an earlier round (pins excepted).  Each pair keeps its profile score and
reasons and gains ``learned``: the chance of a mutual yes from the profile
alone and with the history, and the reasons in Japanese and English.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

__all__ = ["run_learned_match"]


def run_learned_match(event: Any, params: Mapping[str, Any], progress: Callable[[float, str], None],
                      feedback: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The stored payload of a match job with ``learning`` (as :func:`api.compute.run_match` returns)."""
    from matching.next_round import match_next_round, next_round_rows, next_round_summary
    from matching.pipeline import unmatched_rows

    round_index = int(params.get("round", 0))
    progress(0.1, "learning from earlier rounds' feedback and planning")
    planned = match_next_round(event, round_index, feedback, learning_weight=float(params.get("learning_weight", 1.0)),
                               objective=params.get("objective"), weights=params.get("weights"), seed=int(params.get("seed", 0)))
    progress(0.8, "explaining pairs")
    rows = next_round_rows(planned)
    pinned = {tuple(p) for p in event.programme.rounds[round_index].must}
    for row in rows:
        row["locked"] = (row["left_id"], row["right_id"]) in pinned
    report = next_round_summary(planned)
    report["feedback_learning"] = {"used": False, "reason": "learning is on: the reciprocal model plans this round"}
    return {"kind": "match", "round": round_index, "objective": planned.match.objective, "summary": report,
            "pairs": rows, "unmatched": unmatched_rows(planned.match), "timetable": None, "inputs": None}
