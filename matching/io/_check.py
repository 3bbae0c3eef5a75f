"""All-or-nothing validation of parsed participant records.

Every record is validated (row by row, so every bad row is reported), then
the rows are checked against each other: unique ids, and wishes, vetoes and
conflicts that name participants of the file.  With a programme, the
availability slots and the must/never pairs are checked too (the rules of
:func:`matching.model.event_errors`).  Any problem refuses the whole file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import ValidationError

from ..errors import FieldError, ImportRejected
from ..model import Participant, Programme, event_errors, field_errors
from ._columns import RawRecord

__all__ = ["check_records", "sort_errors", "refused"]


def refused(source: str, errors: Iterable[FieldError], summary: str | None = None) -> ImportRejected:
    """The :class:`ImportRejected` for ``errors``, worded for file-level errors too."""
    errors = list(errors)
    if summary is None and all(e.row is None for e in errors):
        summary = f"{source}: import refused, nothing was imported: {len(errors)} error(s)"
    return ImportRejected(source, errors, summary)


def sort_errors(errors: Iterable[FieldError]) -> list[FieldError]:
    """Errors by line (file-level errors first), stable within a line."""
    return sorted(errors, key=lambda e: -1 if e.row is None else e.row)


def _readable(error: FieldError) -> FieldError:
    """A missing field's value is the whole record in pydantic; say "missing"."""
    if error.message == "Field required":
        return FieldError.coded(error.field, None, "field.required", row=error.row, participant=error.participant)
    return error


def check_records(
    records: Iterable[RawRecord],
    *,
    source: str,
    extra_tags: Iterable[str] = (),
    programme: Programme | None = None,
    header_errors: Iterable[FieldError] = (),
) -> list[Participant]:
    """Validate every record and the references between them.

    ``records`` is read once, in order; of each record only its line and
    id are kept once it is validated (a parser may hand them over one at a
    time, so that the raw rows of a large file are never all held).

    Returns
    -------
    list of Participant
        In file order, only when nothing is wrong.

    Raises
    ------
    ImportRejected
        Listing every problem of every row (nothing is returned).
    """
    tags = {extra_tags} if isinstance(extra_tags, str) else set(extra_tags)
    if programme is not None:
        tags |= set(programme.extra_tags)
    context = {"extra_tags": tags}
    errors: list[FieldError] = list(header_errors)
    valid: list[tuple[int, Participant]] = []
    # Ids of rows that failed validation still count as known, so one bad row
    # does not make every reference to it an error too.
    first_row: dict[str, int] = {}
    for record in records:
        row_errors = list(record.errors)
        if record.validate:
            try:
                participant = Participant.model_validate(record.values, context=context)
            except ValidationError as exc:
                row_errors.extend(_readable(e) for e in field_errors(exc, row=record.row, participant=record.participant))
            else:
                if not row_errors:
                    valid.append((record.row, participant))
        errors.extend(row_errors)
        pid = record.participant
        if pid is None:
            continue
        if pid in first_row:
            errors.append(
                FieldError.coded("id", pid, "field.duplicate_id", {"first_row": first_row[pid]}, row=record.row, participant=pid)
            )
        else:
            first_row[pid] = record.row

    # Cross-row checks.
    for row, participant in valid:
        for name in ("wishes", "vetoes", "conflicts"):
            for other in getattr(participant, name):
                if other not in first_row:
                    errors.append(
                        FieldError.coded(name, other, "field.unknown_participant", row=row, participant=participant.id)
                    )
    if programme is not None:
        errors.extend(_programme_errors(programme, valid, known=set(first_row)))
    if errors:
        raise refused(source, sort_errors(errors))
    return [participant for _, participant in valid]


def _programme_errors(
    programme: Programme, valid: Sequence[tuple[int, Participant]], *, known: set[str]
) -> list[FieldError]:
    """The event cross-references that need the programme, with line numbers."""
    row_of = {p.id: row for row, p in valid}
    participants = [p for _, p in valid]
    valid_ids = set(row_of)
    out = []
    for error in event_errors(programme, participants):
        if error.field == "availability":
            out.append(
                FieldError(error.field, error.value, error.message, row=row_of.get(error.participant or ""), participant=error.participant)
            )
        elif error.field.startswith("rounds["):
            # A pair naming a participant whose row is itself invalid is
            # already reported by that row.
            pair = error.value if isinstance(error.value, list) else []
            if "names no participant" in error.message and any(p in known and p not in valid_ids for p in pair):
                continue
            out.append(error)
    return out
