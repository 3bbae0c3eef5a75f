"""JSON participant files: a list of participant objects, or
``{"participants": [...]}``; the row of an error is the 1-based position."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ..errors import FieldError
from ..model import Participant, personal_fields
from ..vocabulary import suggest
from ._check import refused
from ._columns import RawRecord
from ._encoding import decode

__all__ = ["parse_json", "write_json", "participant_json"]

_FIELDS = tuple(Participant.model_fields)


def parse_json(data: bytes, *, source: str) -> tuple[list[RawRecord], list[FieldError]]:
    """Records of a JSON participant file and its file-level errors.

    Raises
    ------
    ImportRejected
        If the text is not JSON or not a list of participants.
    """
    text, _ = decode(data, source=source)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise refused(
            source, [FieldError("(json)", None, f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")]
        ) from None
    if isinstance(document, dict):
        unknown = sorted(set(document) - {"participants"})
        if "participants" not in document or unknown:
            raise refused(
                source,
                [
                    FieldError(
                        "(document)",
                        sorted(document),
                        "expected a list of participants or an object with exactly one key, 'participants'",
                    )
                ],
            )
        document = document["participants"]
    if not isinstance(document, list):
        raise refused(
            source,
            [FieldError("(document)", type(document).__name__, "expected a list of participant objects")],
        )
    records: list[RawRecord] = []
    for position, item in enumerate(document, start=1):
        if not isinstance(item, dict):
            # validate=False: "field required" errors for {} would be noise.
            record = RawRecord(row=position, values={}, validate=False)
            record.errors.append(
                FieldError("(record)", item, f"expected a participant object, got {type(item).__name__}", row=position)
            )
            records.append(record)
            continue
        values = {k: v for k, v in item.items() if k in _FIELDS}
        record = RawRecord(row=position, values=values)
        for key in item:
            if key not in _FIELDS:
                record.errors.append(
                    FieldError(
                        str(key),
                        item[key],
                        f"unknown key{suggest(str(key), _FIELDS)}; expected keys from: {', '.join(_FIELDS)}",
                        row=position,
                        participant=record.participant,
                    )
                )
        records.append(record)
    return records, []


def participant_json(participant: Participant, *, include_personal: bool = True) -> dict[str, Any]:
    """One participant as a JSON-ready dict, fields in model order."""
    exclude = None if include_personal else set(personal_fields())
    return participant.model_dump(mode="json", exclude=exclude)


def write_json(participants: Iterable[Participant], *, include_personal: bool = True) -> str:
    """``{"participants": [...]}`` as UTF-8-ready text, indented, ``\\n`` ends."""
    document = {"participants": [participant_json(p, include_personal=include_personal) for p in participants]}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
