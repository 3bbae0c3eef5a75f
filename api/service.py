"""Plain functions the routes (and the web pages) call: one organizer's data, always filtered by owner.

Every lookup takes the caller's ``organizer_id`` and answers
:func:`api.problems.not_found` both for a missing id and for an id that
belongs to another organizer, with the same words.  Functions add to the
session and flush; the caller commits (so that an idempotency record can be
stored in the same transaction).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from matching.errors import FieldError, ImportRejected, InvalidInput
from matching.io import programme_from_mapping, programme_to_mapping, read_participants_bytes
from matching.model import Event, Participant, Programme

from .auth import SCOPES, hash_token, new_id, new_token
from .models import (
    ACTIVE_STATES,
    ApiToken,
    EventRow,
    FeedbackRow,
    JobRow,
    LockRow,
    Organizer,
    PairRow,
    ParticipantRow,
    ResultRow,
    utcnow,
)
from .problems import Problem, limit_exceeded, not_found
from .settings import Settings

__all__ = [
    "Page",
    "page_bounds",
    "create_organizer",
    "create_token",
    "list_tokens",
    "revoke_token",
    "default_programme",
    "parse_programme",
    "create_event",
    "get_event",
    "list_events",
    "update_event",
    "delete_event",
    "event_public",
    "set_rules",
    "import_participants",
    "list_participants",
    "get_participant",
    "update_participant",
    "delete_participant",
    "participant_public",
    "issue_link",
    "participant_by_link",
    "load_participants",
    "build_event",
    "create_lock",
    "list_locks",
    "delete_lock",
    "lock_public",
    "record_feedback",
    "list_feedback",
    "feedback_public",
    "round_sizes",
]

DEFAULT_SLOTS = 14
DEFAULT_SLOT_MINUTES = 20
JST = timezone(timedelta(hours=9))


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int


def page_bounds(settings: Settings, limit: int | None, offset: int | None, default: int = 50) -> Page:
    """Checked paging parameters; a limit above ``max_page_size`` is a limit-exceeded problem."""
    limit = min(default, settings.max_page_size) if limit is None else limit
    offset = 0 if offset is None else offset
    if limit > settings.max_page_size:
        raise limit_exceeded("max_page_size", settings.max_page_size,
                             f"limit={limit} is above the maximum page size {settings.max_page_size}; page with offset")
    if limit < 1:
        raise Problem("invalid-input", f"limit must be at least 1, got {limit}", code="invalid_values", params={"count": 1},
                      errors=[FieldError.coded("limit", limit, "field.page_min", {"minimum": 1})])
    if offset < 0:
        raise Problem("invalid-input", f"offset must be >= 0, got {offset}", code="invalid_values", params={"count": 1},
                      errors=[FieldError.coded("offset", offset, "field.page_min", {"minimum": 0})])
    return Page(limit, offset)


def paged(items: list[Any], total: int, page: Page) -> dict[str, Any]:
    return {"items": items, "total": total, "limit": page.limit, "offset": page.offset}


__all__ += ["paged"]


# --- organizers and tokens -------------------------------------------------------------------

def create_organizer(session: Session, name: str, *, scopes: Sequence[str] = ("read", "write", "run"),
                     label: str = "first token") -> tuple[Organizer, str]:
    """A new organizer and its first API token (returned in clear, once)."""
    organizer = Organizer(id=new_id("org"), name=name, created_at=utcnow())
    session.add(organizer)
    session.flush()
    _, token = create_token(session, organizer.id, scopes, label=label)
    return organizer, token


def create_token(session: Session, organizer_id: str, scopes: Sequence[str], *, label: str = "") -> tuple[ApiToken, str]:
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise Problem("invalid-input", f"unknown or no scopes {unknown}; expected some of {list(SCOPES)}", code="invalid_values",
                      params={"count": 1}, errors=[FieldError.coded("scopes", list(scopes), "field.some_of", {"expected": list(SCOPES)})])
    token = new_token("mt")
    row = ApiToken(id=new_id("tok"), organizer_id=organizer_id, token_hash=hash_token(token),
                   scopes=sorted(set(scopes), key=SCOPES.index), label=label, created_at=utcnow())
    session.add(row)
    session.flush()
    return row, token


def token_public(row: ApiToken) -> dict[str, Any]:
    return {"id": row.id, "scopes": list(row.scopes), "label": row.label, "created_at": row.created_at,
            "revoked": row.revoked_at is not None}


def list_tokens(session: Session, organizer_id: str) -> list[dict[str, Any]]:
    rows = session.scalars(select(ApiToken).where(ApiToken.organizer_id == organizer_id, ApiToken.revoked_at.is_(None))
                           .order_by(ApiToken.created_at, ApiToken.id)).all()
    return [token_public(r) for r in rows]


def revoke_token(session: Session, organizer_id: str, token_id: str) -> None:
    row = session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.organizer_id == organizer_id,
                                                ApiToken.revoked_at.is_(None)))
    if row is None:
        raise not_found("token", token_id)
    row.revoked_at = utcnow()


__all__ += ["token_public"]


# --- events and rules ------------------------------------------------------------------------

def default_programme(event_id: str, name: str, day: date | None = None) -> dict[str, Any]:
    """One round SMEs × startups (capacities 0..1 and 0..13), 14 twenty-minute slots from 09:00 JST at 8 tables.

    ``day`` defaults to two weeks from today.
    """
    day = day or (datetime.now(timezone.utc).date() + timedelta(days=14))
    start = datetime(day.year, day.month, day.day, 9, 0, tzinfo=JST)
    slots = []
    for k in range(DEFAULT_SLOTS):
        begin = start + timedelta(minutes=DEFAULT_SLOT_MINUTES * k)
        slots.append({"id": f"s{k + 1:02d}", "start": begin.isoformat(),
                      "end": (begin + timedelta(minutes=DEFAULT_SLOT_MINUTES)).isoformat()})
    return {
        "id": event_id,
        "name": name,
        "kind": "custom",
        "rounds": [{
            "name": "Meetings",
            "left_roles": ["sme"],
            "right_roles": ["startup"],
            "left_capacity": {"min": 0, "max": 1},
            "right_capacity": {"min": 0, "max": 13},
            "objective": "max-total",
            "slots": slots,
            "tables": 8,
        }],
    }


def parse_programme(mapping: Any, *, source: str = "programme") -> Programme:
    return programme_from_mapping(mapping, source=source)


def _programme_json(programme: Programme) -> dict[str, Any]:
    return programme_to_mapping(programme, json_ready=True)


def create_event(session: Session, organizer_id: str, name: str, programme: dict[str, Any] | None = None,
                 day: date | None = None) -> EventRow:
    event_id = new_id("ev")
    mapping = programme if programme is not None else default_programme(event_id, name, day)
    parsed = parse_programme(mapping)
    row = EventRow(id=event_id, organizer_id=organizer_id, name=name, programme=_programme_json(parsed),
                   created_at=utcnow(), updated_at=utcnow())
    session.add(row)
    session.flush()
    return row


def get_event(session: Session, organizer_id: str, event_id: str) -> EventRow:
    row = session.scalar(select(EventRow).where(EventRow.id == event_id, EventRow.organizer_id == organizer_id))
    if row is None:
        raise not_found("event", event_id)
    return row


def _count_participants(session: Session, event_id: str) -> int:
    return int(session.scalar(select(func.count()).select_from(ParticipantRow).where(ParticipantRow.event_id == event_id)) or 0)


def event_public(session: Session, row: EventRow) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "programme": row.programme,
            "participants": _count_participants(session, row.id), "created_at": row.created_at,
            "updated_at": row.updated_at}


def list_events(session: Session, organizer_id: str, page: Page) -> dict[str, Any]:
    query = select(EventRow).where(EventRow.organizer_id == organizer_id)
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = session.scalars(query.order_by(EventRow.created_at, EventRow.id).limit(page.limit).offset(page.offset)).all()
    return paged([event_public(session, r) for r in rows], total, page)


def update_event(session: Session, row: EventRow, *, name: str | None = None, programme: dict[str, Any] | None = None) -> EventRow:
    if programme is not None:
        set_rules(session, row, programme)
    if name is not None:
        row.name = name
    row.updated_at = utcnow()
    session.flush()
    return row


def delete_event(session: Session, row: EventRow) -> None:
    result_ids = select(ResultRow.id).where(ResultRow.event_id == row.id)
    session.execute(delete(PairRow).where(PairRow.result_id.in_(result_ids)))
    for table in (ResultRow, JobRow, LockRow, FeedbackRow, ParticipantRow):
        session.execute(delete(table).where(table.event_id == row.id))
    session.delete(row)
    session.flush()


def load_participants(session: Session, event_id: str) -> list[Participant]:
    rows = session.scalars(select(ParticipantRow).where(ParticipantRow.event_id == event_id)
                           .order_by(ParticipantRow.position, ParticipantRow.id)).all()
    return [Participant.model_validate(r.data) for r in rows]


def build_event(session: Session, row: EventRow, programme: Programme | None = None) -> Event:
    """The event as the engine sees it (checked as a whole)."""
    programme = programme if programme is not None else parse_programme(row.programme)
    return Event.build(programme, load_participants(session, row.id))


def set_rules(session: Session, row: EventRow, mapping: Any) -> EventRow:
    """Replace the event's programme, checked against its participants (all or nothing)."""
    programme = parse_programme(mapping, source="rules")
    build_event(session, row, programme)
    _check_locks_fit(session, row.id, programme)
    row.programme = _programme_json(programme)
    row.updated_at = utcnow()
    session.flush()
    return row


def _check_locks_fit(session: Session, event_id: str, programme: Programme) -> None:
    locks = session.scalars(select(LockRow).where(LockRow.event_id == event_id)).all()
    errors = [FieldError("locks", [lk.id, lk.round], f"lock {lk.id} names round {lk.round}; the programme has {len(programme.rounds)} round(s)")
              for lk in locks if lk.round >= len(programme.rounds)]
    if errors:
        raise InvalidInput(errors, "the new rules drop a round that locks refer to; delete those locks first")


# --- participants ----------------------------------------------------------------------------

def import_participants(session: Session, settings: Settings, row: EventRow, data: bytes, *, format: str,
                        mode: str = "replace", source: str = "<upload>") -> dict[str, Any]:
    """Validate a participant file as ``matching validate`` does, then store it, all or nothing.

    ``mode="replace"`` swaps the event's participants for the file's;
    ``"append"`` adds them (ids must stay unique).  Locks naming removed
    participants are deleted with them.

    Raises
    ------
    ImportRejected
        Listing every problem (rows of the file, or conflicts with the event).
    Problem
        limit-exceeded ``max_participants_per_event``.
    """
    if mode not in ("replace", "append"):
        raise Problem("invalid-input", f"mode must be 'replace' or 'append', got {mode!r}", code="invalid_values",
                      params={"count": 1}, errors=[FieldError.coded("mode", mode, "field.one_of", {"expected": "'replace' or 'append'"})])
    # One import of an event at a time (PostgreSQL: the event's row is locked until commit; SQLite writes one
    # transaction at a time anyway): a concurrent replace would otherwise insert beside this one's rows.
    session.execute(select(EventRow.id).where(EventRow.id == row.id).with_for_update())
    programme = parse_programme(row.programme)
    incoming = read_participants_bytes(data, format=format, source=source, programme=programme if mode == "replace" else None)
    existing = load_participants(session, row.id) if mode == "append" else []
    total = len(existing) + len(incoming)
    if total > settings.max_participants_per_event:
        raise limit_exceeded("max_participants_per_event", settings.max_participants_per_event,
                             f"the event would hold {total} participants; at most {settings.max_participants_per_event} are allowed")
    combined = existing + incoming
    try:
        Event.build(programme, combined)
    except InvalidInput as exc:
        raise ImportRejected(source, exc.errors, f"{source}: import refused, nothing was imported: the participants do not fit the event") from None
    if mode == "replace":
        session.execute(delete(ParticipantRow).where(ParticipantRow.event_id == row.id))
        kept = {p.id for p in incoming}
        for lock in session.scalars(select(LockRow).where(LockRow.event_id == row.id)).all():
            if lock.left not in kept or lock.right not in kept:
                session.delete(lock)
        session.flush()
    start = len(existing)
    session.add_all([
        ParticipantRow(event_id=row.id, pid=p.id, role=p.role, position=start + k, data=p.model_dump(mode="json"))
        for k, p in enumerate(incoming)
    ])
    row.updated_at = row.profiles_changed_at = utcnow()
    session.flush()
    return {"imported": len(incoming), "total": total, "mode": mode}


def participant_public(row: ParticipantRow, *, include_personal: bool = True) -> dict[str, Any]:
    data = dict(row.data)
    if not include_personal:
        data.pop("contacts", None)
    data["has_link"] = row.link_hash is not None
    return data


def list_participants(session: Session, row: EventRow, page: Page, role: str | None = None) -> dict[str, Any]:
    query = select(ParticipantRow).where(ParticipantRow.event_id == row.id)
    if role is not None:
        query = query.where(ParticipantRow.role == role)
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = session.scalars(query.order_by(ParticipantRow.position, ParticipantRow.id).limit(page.limit).offset(page.offset)).all()
    return paged([participant_public(r) for r in rows], total, page)


def get_participant(session: Session, row: EventRow, participant_id: str) -> ParticipantRow:
    found = session.scalar(select(ParticipantRow).where(ParticipantRow.event_id == row.id, ParticipantRow.pid == participant_id))
    if found is None:
        raise not_found("participant", participant_id)
    return found


def update_participant(session: Session, row: EventRow, participant_id: str, changes: dict[str, Any]) -> ParticipantRow:
    """Change some fields of a participant; the event is re-checked as a whole."""
    target = get_participant(session, row, participant_id)
    if "id" in changes and changes["id"] != participant_id:
        raise InvalidInput([FieldError("id", changes["id"], "a participant's id cannot change; delete and import instead")])
    merged = {**target.data, **changes}
    from pydantic import ValidationError

    from matching.model import field_category, field_errors

    try:
        updated = Participant.model_validate(merged)
    except ValidationError as exc:
        raise InvalidInput(field_errors(exc, participant=participant_id)) from None
    others = [p if p.id != participant_id else updated for p in load_participants(session, row.id)]
    Event.build(parse_programme(row.programme), others)
    target.data = updated.model_dump(mode="json")
    target.role = updated.role
    row.updated_at = utcnow()
    if any(field_category(name) != "rule" for name in changes if name in Participant.model_fields):
        row.profiles_changed_at = row.updated_at
    session.flush()
    return target


def delete_participant(session: Session, row: EventRow, participant_id: str) -> None:
    """Remove a participant, with every reference to it (wishes, vetoes, conflicts, must/never pairs, locks)."""
    target = get_participant(session, row, participant_id)
    session.delete(target)
    for other in session.scalars(select(ParticipantRow).where(ParticipantRow.event_id == row.id, ParticipantRow.pid != participant_id)).all():
        data = dict(other.data)
        changed = False
        for key in ("wishes", "vetoes", "conflicts"):
            if participant_id in data.get(key, ()):
                data[key] = [x for x in data[key] if x != participant_id]
                changed = True
        if changed:
            other.data = data
    programme = dict(row.programme)
    rounds = []
    for rnd in programme["rounds"]:
        rnd = dict(rnd)
        for key in ("must", "never"):
            rnd[key] = [pair for pair in rnd.get(key, []) if participant_id not in pair]
        rounds.append(rnd)
    programme["rounds"] = rounds
    row.programme = programme
    session.execute(delete(LockRow).where(LockRow.event_id == row.id, (LockRow.left == participant_id) | (LockRow.right == participant_id)))
    row.updated_at = row.profiles_changed_at = utcnow()
    session.flush()


def issue_link(session: Session, row: EventRow, participant_id: str) -> dict[str, str]:
    """A new personal link token for a participant; the previous one stops working."""
    target = get_participant(session, row, participant_id)
    token = new_token("pt")
    target.link_hash = hash_token(token)
    session.flush()
    return {"participant": participant_id, "token": token, "url": f"/p/{token}", "api": f"/api/v1/p/{token}"}


def participant_by_link(session: Session, token: str) -> tuple[ParticipantRow, EventRow]:
    """The participant a link token belongs to; 404 for an unknown or revoked token."""
    if not token.startswith("pt_"):
        raise not_found("link", "(token)")
    found = session.execute(select(ParticipantRow, EventRow).join(EventRow, EventRow.id == ParticipantRow.event_id)
                            .where(ParticipantRow.link_hash == hash_token(token))).first()
    if found is None:
        raise not_found("link", "(token)")
    return found[0], found[1]


def round_sizes(session: Session, row: EventRow, round_index: int) -> tuple[int, int]:
    """Numbers of left and right participants of a round (for the matrix-cell limit)."""
    rounds = row.programme["rounds"]
    if not 0 <= round_index < len(rounds):
        raise InvalidInput([FieldError("round", round_index, f"no such round; the programme has {len(rounds)} round(s)")])
    rnd = rounds[round_index]
    counts = dict(session.execute(select(ParticipantRow.role, func.count()).where(ParticipantRow.event_id == row.id)
                                  .group_by(ParticipantRow.role)).all())
    left = sum(int(counts.get(r, 0)) for r in rnd["left_roles"])
    right = sum(int(counts.get(r, 0)) for r in rnd["right_roles"])
    return left, right


# --- locks -----------------------------------------------------------------------------------

def lock_public(row: LockRow) -> dict[str, Any]:
    return {"id": row.id, "event_id": row.event_id, "round": row.round, "left": row.left, "right": row.right,
            "kind": row.kind, "created_at": row.created_at}


def _check_pair(session: Session, row: EventRow, round_index: int, left: str, right: str, field: str = "") -> None:
    rounds = row.programme["rounds"]
    if not 0 <= round_index < len(rounds):
        raise InvalidInput([FieldError(f"{field}round", round_index, f"no such round; the programme has {len(rounds)} round(s)")])
    rnd = rounds[round_index]
    errors = []
    for side, pid, roles in (("left", left, rnd["left_roles"]), ("right", right, rnd["right_roles"])):
        found = session.scalar(select(ParticipantRow).where(ParticipantRow.event_id == row.id, ParticipantRow.pid == pid))
        if found is None:
            errors.append(FieldError(f"{field}{side}", pid, "names no participant of the event"))
        elif found.role not in roles:
            errors.append(FieldError(f"{field}{side}", pid, f"has role {found.role!r}; the round's {side} side takes {list(roles)}"))
    if errors:
        raise InvalidInput(errors)


def create_lock(session: Session, row: EventRow, *, round_index: int, left: str, right: str, kind: str) -> LockRow:
    """Pin (must meet) or forbid (never meet) a pair; a new lock on the same pair replaces the old one."""
    _check_pair(session, row, round_index, left, right)
    session.execute(delete(LockRow).where(LockRow.event_id == row.id, LockRow.round == round_index,
                                          LockRow.left == left, LockRow.right == right))
    lock = LockRow(id=new_id("lk"), event_id=row.id, round=round_index, left=left, right=right, kind=kind, created_at=utcnow())
    session.add(lock)
    session.flush()
    return lock


def list_locks(session: Session, row: EventRow) -> list[LockRow]:
    return list(session.scalars(select(LockRow).where(LockRow.event_id == row.id).order_by(LockRow.created_at, LockRow.id)).all())


def delete_lock(session: Session, row: EventRow, lock_id: str) -> None:
    lock = session.scalar(select(LockRow).where(LockRow.id == lock_id, LockRow.event_id == row.id))
    if lock is None:
        raise not_found("lock", lock_id)
    session.delete(lock)
    session.flush()


# --- feedback --------------------------------------------------------------------------------

def feedback_public(row: FeedbackRow) -> dict[str, Any]:
    return {"round": row.round, "left": row.left, "right": row.right, "left_yes": row.left_yes,
            "right_yes": row.right_yes, "deal": row.deal, "updated_at": row.updated_at}


def record_feedback(session: Session, row: EventRow, *, round_index: int, left: str, right: str,
                    left_yes: bool | None = None, right_yes: bool | None = None, deal: bool | None = None) -> FeedbackRow:
    """Record (or complete) what a pair said after meeting; given fields overwrite earlier answers."""
    _check_pair(session, row, round_index, left, right)
    found = session.scalar(select(FeedbackRow).where(FeedbackRow.event_id == row.id, FeedbackRow.round == round_index,
                                                     FeedbackRow.left == left, FeedbackRow.right == right))
    if found is None:
        found = FeedbackRow(event_id=row.id, round=round_index, left=left, right=right)
        session.add(found)
    if left_yes is not None:
        found.left_yes = left_yes
    if right_yes is not None:
        found.right_yes = right_yes
    if deal is not None:
        found.deal = deal
    found.updated_at = utcnow()
    session.flush()
    return found


def list_feedback(session: Session, row: EventRow, page: Page) -> dict[str, Any]:
    query = select(FeedbackRow).where(FeedbackRow.event_id == row.id)
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = session.scalars(query.order_by(FeedbackRow.round, FeedbackRow.left, FeedbackRow.right).limit(page.limit).offset(page.offset)).all()
    return paged([feedback_public(r) for r in rows], total, page)


def active_jobs(session: Session, organizer_id: str) -> int:
    return int(session.scalar(select(func.count()).select_from(JobRow).where(JobRow.organizer_id == organizer_id,
                                                                              JobRow.state.in_(ACTIVE_STATES))) or 0)


__all__ += ["active_jobs"]
