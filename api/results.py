"""Reading results: summaries, explained pairs, unmatched, quality, timetables, agendas (.ics), the participant portal."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterator

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, defer

from matching.errors import FieldError, InvalidInput
from matching.io import csv_text

from . import service
from ._timetables import TIMETABLES
from .models import EventRow, FeedbackRow, PairRow, ParticipantRow, ResultRow
from .problems import Problem, not_found

__all__ = [
    "PAIR_SORTS",
    "get_result",
    "result_public",
    "list_results",
    "pair_rows",
    "pairs_csv",
    "quality",
    "timetable_of",
    "agenda",
    "agenda_ics",
    "timetable_csv",
    "portal_profile",
    "recommendations",
    "portal_agenda_result",
    "set_wishes",
]

PAIR_SORTS = {
    "score": (PairRow.score.asc(), PairRow.position),
    "-score": (PairRow.score.desc(), PairRow.position),
    "left": (PairRow.left_id, PairRow.right_id),
    "right": (PairRow.right_id, PairRow.left_id),
    "position": (PairRow.position,),
}


def get_result(session: Session, organizer_id: str, result_id: str) -> tuple[ResultRow, EventRow]:
    """The organizer's result and its event; 404 when it is not theirs.  Its timetable is read when used (:func:`timetable_of`)."""
    found = session.execute(select(ResultRow, EventRow).join(EventRow, EventRow.id == ResultRow.event_id)
                            .where(ResultRow.id == result_id, EventRow.organizer_id == organizer_id)
                            .options(defer(ResultRow.timetable))).first()
    if found is None:
        raise not_found("result", result_id)
    return found[0], found[1]


def result_public(row: ResultRow) -> dict[str, Any]:
    summary = dict(row.summary)
    if "round" in summary:
        summary["round_name"] = summary.pop("round")
    return {**summary, "id": row.id, "event_id": row.event_id, "job_id": row.job_id, "kind": row.kind, "round": row.round,
            "objective": row.objective, "created_at": row.created_at}


def list_results(session: Session, event: EventRow, page: service.Page, kind: str | None = None) -> dict[str, Any]:
    query = select(ResultRow).where(ResultRow.event_id == event.id)
    if kind is not None:
        query = query.where(ResultRow.kind == kind)
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = session.scalars(query.order_by(ResultRow.created_at.desc(), ResultRow.id).limit(page.limit).offset(page.offset)).all()
    return service.paged([result_public(r) for r in rows], total, page)


def _pair_public(stored: dict[str, Any], lang: str) -> dict[str, Any]:
    """A pair row's stored data with ``reasons`` (and a learned part's) in ``lang``."""
    data = dict(stored)
    data["reasons"] = data.get(f"reasons_{lang}", [])
    if data.get("learned"):  # a round planned with learning: the learned part's reasons too
        data["learned"] = {**data["learned"], "reasons": data["learned"].get(f"reasons_{lang}", [])}
    return data


def _check_lang(lang: str) -> None:
    if lang not in ("ja", "en"):
        raise InvalidInput([FieldError("lang", lang, "expected 'ja' or 'en'")])


def pair_rows(session: Session, result: ResultRow, *, lang: str = "ja", sort: str = "-score", page: service.Page,
              participant: str | None = None) -> dict[str, Any]:
    """The result's pairs with their reasons in ``lang``, paged and sorted."""
    _check_lang(lang)
    if sort not in PAIR_SORTS:
        raise InvalidInput([FieldError("sort", sort, f"expected one of {list(PAIR_SORTS)}")])
    where = [PairRow.result_id == result.id]
    if participant is not None:
        where.append(or_(PairRow.left_id == participant, PairRow.right_id == participant))
    # one query for the page and the total (a window count over every row the filter keeps), of the data column
    # alone (no ORM objects): it was a count, then the rows as ORM objects (benchmarks/service_cpu.py)
    rows = session.execute(select(PairRow.data, func.count().over()).where(*where)
                           .order_by(*PAIR_SORTS[sort]).limit(page.limit).offset(page.offset)).all()
    if rows:
        total = int(rows[0][1])
    else:  # a page past the end: count apart
        total = int(session.scalar(select(func.count()).select_from(PairRow).where(*where)) or 0)
    return service.paged([_pair_public(data, lang) for data, _ in rows], total, page)


PAIR_COLUMNS = ("left_id", "left_organization", "right_id", "right_organization", "score", "rank_for_left",
                "rank_for_right", "required", "locked", "reasons_ja", "reasons_en")


def pairs_csv(session: Session, result: ResultRow) -> str:
    """The result's pairs as spreadsheet-safe CSV (:func:`matching.io.csv_text`)."""
    rows = session.scalars(select(PairRow).where(PairRow.result_id == result.id).order_by(PairRow.position))
    return csv_text(PAIR_COLUMNS, ({**row.data, "reasons_ja": " / ".join(row.data.get("reasons_ja", [])),
                                    "reasons_en": " / ".join(row.data.get("reasons_en", []))} for row in rows))


def _feedback(session: Session, result: ResultRow) -> list[FeedbackRow]:
    return list(session.scalars(select(FeedbackRow).where(FeedbackRow.event_id == result.event_id, FeedbackRow.round == result.round)).all())


def quality(session: Session, result: ResultRow) -> dict[str, Any]:
    """The quality report of a match result (:mod:`matching.metrics`), plus what feedback says about its pairs.

    The round is rescored from the event as it is now (with its locks and
    the weights the job used); when that is no longer possible (a matched
    participant was removed), figures come from the stored rows alone and
    ``source`` says so.
    """
    if result.kind != "match":
        raise Problem("conflict", code="result_not_match", params={"result": result.id, "kind": result.kind})
    rows = [r.data for r in session.scalars(select(PairRow).where(PairRow.result_id == result.id).order_by(PairRow.position))]
    report: dict[str, Any] = {"result_id": result.id, "round": result.round, "objective": result.objective}
    try:
        report.update(_metrics(session, result, rows))
        report["source"] = "matching.metrics"
    except InvalidInput as exc:
        summary = result.summary
        report.update(_quality_from_rows(rows, summary["left"]["participants"], summary["right"]["participants"]))
        report["source"] = "stored rows"
        report["note"] = f"the round could not be rescored ({str(exc).splitlines()[0]}); figures come from the stored pairs"
    pairs = {(r["left_id"], r["right_id"]) for r in rows}
    answered = [f for f in _feedback(session, result) if (f.left, f.right) in pairs]
    both = [f for f in answered if f.left_yes is not None and f.right_yes is not None]
    report["feedback"] = {
        "pairs_with_feedback": len(answered),
        "mutual_yes_rate": _rate([bool(f.left_yes and f.right_yes) for f in both]),
        "left_yes_rate": _rate([f.left_yes for f in answered]),
        "right_yes_rate": _rate([f.right_yes for f in answered]),
        "deal_rate": _rate([f.deal for f in answered]),
    }
    return report


def _metrics(session: Session, result: ResultRow, rows: list[dict[str, Any]]) -> dict[str, Any]:
    from matching.metrics import quality_from_event

    from .compute import with_locks
    from .models import JobRow, LockRow

    event_row = session.get(EventRow, result.event_id)
    locks = [service.lock_public(lk) for lk in session.scalars(select(LockRow).where(LockRow.event_id == event_row.id)).all()]
    event = service.build_event(session, event_row, with_locks(service.parse_programme(event_row.programme), locks))
    job = session.get(JobRow, result.job_id)
    weights = (job.params.get("weights") if job is not None else None) or (result.summary.get("feedback_learning") or {}).get("weights")
    report = quality_from_event(event, [(r["left_id"], r["right_id"]) for r in rows], round_index=result.round,
                                weights=weights, objective=result.objective, solver=result.summary.get("solver"))
    return report.to_dict()


def _rate(values: list[bool | None]) -> float | None:
    given = [v for v in values if v is not None]
    return round(sum(given) / len(given), 6) if given else None


def _quality_from_rows(rows: list[dict[str, Any]], n_left: int, n_right: int) -> dict[str, Any]:
    import numpy as np

    scores = np.array([r["score"] for r in rows], dtype=float)
    left_rank = np.array([r["rank_for_left"] for r in rows], dtype=float)
    right_rank = np.array([r["rank_for_right"] for r in rows], dtype=float)
    left_matched = len({r["left_id"] for r in rows})
    right_matched = len({r["right_id"] for r in rows})

    def stats(x: np.ndarray) -> dict[str, float | None]:
        if not len(x):
            return {"min": None, "mean": None, "median": None, "max": None}
        return {"min": round(float(x.min()), 6), "mean": round(float(x.mean()), 6),
                "median": round(float(np.median(x)), 6), "max": round(float(x.max()), 6)}

    return {
        "pairs": len(rows),
        "coverage": {"left": round(left_matched / n_left, 6) if n_left else None,
                     "right": round(right_matched / n_right, 6) if n_right else None},
        "score": stats(scores),
        "rank_for_left": stats(left_rank),
        "rank_for_right": stats(right_rank),
        "first_choice_rate": {"left": round(float((left_rank == 1).mean()), 6) if len(rows) else None,
                              "right": round(float((right_rank == 1).mean()), 6) if len(rows) else None},
        "with_reasons": round(sum(1 for r in rows if r.get("reasons_en")) / len(rows), 6) if rows else None,
    }


def timetable_of(result: ResultRow) -> dict[str, Any]:
    """The result's timetable (read-only: kept for the process's later requests, :mod:`api._timetables`); 409 for none."""
    found = TIMETABLES.get(result.id, lambda: result.timetable)
    if found is None:
        raise Problem("conflict", code="result_no_timetable", params={"result": result.id, "kind": result.kind})
    return found.data


def agenda(result: ResultRow, participant_id: str) -> dict[str, Any]:
    """One participant's meetings in a timetable, in time order."""
    timetable = timetable_of(result)
    meetings = []
    side = None
    organization = None
    for m in timetable["meetings"]:
        if participant_id in (m["left"], m["right"]):
            mine_left = m["left"] == participant_id
            side = "left" if mine_left else "right"
            organization = m["left_organization"] if mine_left else m["right_organization"]
            meetings.append({"slot": m["slot"], "start": m["start"], "end": m["end"], "table": m["table"],
                             "partner_id": m["right"] if mine_left else m["left"],
                             "partner_organization": m["right_organization"] if mine_left else m["left_organization"],
                             "score": m["score"], "locked": m["locked"], "interpreter": m.get("interpreter")})
    meetings.sort(key=lambda r: (r["start"] or "", r["slot"]))
    return {"result_id": result.id, "participant": participant_id, "side": side, "organization": organization,
            "meetings": meetings, "changes": [c for c in timetable.get("changes", []) if c["participant"] == participant_id]}


def agenda_ics(result: ResultRow, participant_id: str, calendar_name: str) -> bytes:
    """One participant's agenda as iCalendar (deterministic: DTSTAMP is the first slot's start)."""
    from matching.timetable import agenda_ics as calendar

    timetable = timetable_of(result)
    mine = agenda(result, participant_id)
    if any(s["start"] is None or s["end"] is None for s in timetable["slots"]):
        raise InvalidInput([FieldError("slots", [s["id"] for s in timetable["slots"]][:5], "an iCalendar agenda needs a start and end time for every slot")])
    rows = [{**m, "participant_id": participant_id, "side": mine["side"], "organization": mine["organization"]}
            for m in mine["meetings"]]
    return calendar(rows, calendar_name, first_start=datetime.fromisoformat(timetable["slots"][0]["start"]),
                    prodid="-//sme-matching//service//EN", uid=lambda left, right: f"{left}--{right}--{result.id}@sme-matching")


TIMETABLE_COLUMNS = ("slot", "start", "end", "table", "left", "left_organization", "right", "right_organization",
                     "score", "locked", "interpreter")


def timetable_csv(result: ResultRow) -> str:
    """The plan's meetings as spreadsheet-safe CSV (:func:`matching.io.csv_text`)."""
    return csv_text(TIMETABLE_COLUMNS, timetable_of(result)["meetings"])


# --- participant portal ----------------------------------------------------------------------

def portal_profile(row: ParticipantRow, event: EventRow) -> dict[str, Any]:
    """A participant's own profile (own contacts included) and the event's name."""
    return {"event": {"id": event.id, "name": event.name}, "participant": dict(row.data)}


def _current(result: ResultRow, event: EventRow) -> bool:
    """Whether ``result`` was computed from the event's present profiles (none imported, changed or deleted since)."""
    changed = event.profiles_changed_at
    return changed is None or (result.profiles_at or result.created_at) >= changed


def _candidates(session: Session, event: EventRow, kinds: tuple[str, ...]) -> Iterator[ResultRow]:
    """The event's results of ``kinds`` still current for its profiles, newest first (no big JSON column read)."""
    # None of the big JSON columns is read here (``inputs``, the whole event, is deferred in the model: parsing
    # it for every candidate made a portal agenda cost ~30 ms of CPU; benchmarks/service.py); a plan's timetable
    # is read once per process (api._timetables: parsing it was 3-4 ms of an agenda's 8; benchmarks/service_cpu.py).
    for result in session.scalars(select(ResultRow).where(ResultRow.event_id == event.id, ResultRow.kind.in_(kinds))
                                  .options(defer(ResultRow.unmatched), defer(ResultRow.summary), defer(ResultRow.timetable))
                                  .order_by(ResultRow.created_at.desc(), ResultRow.id)):
        if _current(result, event):
            yield result


def _latest_plan(session: Session, event: EventRow, participant: str) -> ResultRow | None:
    """The newest plan or re-plan with a meeting of ``participant`` that is still current for the event's profiles."""
    for result in _candidates(session, event, ("plan", "replan")):
        timetable = TIMETABLES.get(result.id, lambda: result.timetable)
        if timetable is not None and participant in timetable.participants:
            return result
    return None


def _pairs_of(session: Session, result: ResultRow, participant: str) -> list[dict[str, Any]]:
    """The stored data of ``participant``'s pairs in a match result, best score first."""
    return list(session.scalars(select(PairRow.data).where(PairRow.result_id == result.id,
                                                           or_(PairRow.left_id == participant, PairRow.right_id == participant))
                                .order_by(PairRow.score.desc())))


def recommendations(session: Session, row: ParticipantRow, event: EventRow, *, lang: str = "ja", k: int = 10) -> dict[str, Any]:
    """The participant's partners in the latest match result, or else their top-``k`` scored partners."""
    _check_lang(lang)
    me = row.pid
    for result in _candidates(session, event, ("match",)):
        pairs = _pairs_of(session, result, me)  # the newest result naming the participant: its pairs at once
        if not pairs:
            continue
        items = []
        for data in pairs:
            mine_left = data["left_id"] == me
            items.append({"partner_id": data["right_id"] if mine_left else data["left_id"],
                          "partner_organization": data["right_organization"] if mine_left else data["left_organization"],
                          "score": data["score"], "rank": data["rank_for_left"] if mine_left else data["rank_for_right"],
                          "reasons": data.get(f"reasons_{lang}", [])})
        return {"source": "match", "result_id": result.id, "items": items}
    return {"source": "scores", "result_id": None, "items": _top_scores(session, row, event, lang=lang, k=k)}


def _top_scores(session: Session, row: ParticipantRow, event: EventRow, *, lang: str, k: int) -> list[dict[str, Any]]:
    from matching.features import Scorer, explain

    engine_event = service.build_event(session, event)
    for index, rnd in enumerate(engine_event.programme.rounds):
        left, right = engine_event.sides(index)
        if row.role not in rnd.left_roles and row.role not in rnd.right_roles or not left or not right:
            continue
        scorer = Scorer.from_round(rnd).fit(left, right)
        best = scorer.best_partners(row.pid, k)
        others = right if best.side == "left" else left
        out = []
        for rank, (j, score) in enumerate(zip(best.partners.tolist(), best.scores.tolist()), start=1):
            i_left, i_right = (best.index, j) if best.side == "left" else (j, best.index)
            out.append({"partner_id": others[j].id, "partner_organization": others[j].organization,
                        "score": round(float(score), 6), "rank": rank, "round": index,
                        "reasons": list(explain(scorer, i_left, i_right, lang=lang).reasons)})
        return out
    return []


def portal_agenda_result(session: Session, row: ParticipantRow, event: EventRow) -> ResultRow:
    result = _latest_plan(session, event, row.pid)
    if result is None:
        raise not_found("agenda", row.pid)
    return result


def set_wishes(session: Session, row: ParticipantRow, event: EventRow, wishes: list[str], vetoes: list[str]) -> dict[str, Any]:
    """Replace a participant's wishes and vetoes; checked with the whole event."""
    return service.update_participant(session, event, row.pid, {"wishes": list(wishes), "vetoes": list(vetoes)}).data
