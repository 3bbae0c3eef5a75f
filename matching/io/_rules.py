"""Programme (rules) files in TOML or JSON.

TOML layout (JSON is the same structure)::

    id = "fair-2024-autumn"
    name = "Business matching fair, autumn 2024"
    kind = "fair"
    extra_tags = ["local-sake"]

    [[rounds]]
    name = "Meetings"
    left_roles = ["sme"]
    right_roles = ["buyer"]
    left_capacity = {min = 0, max = 6}
    right_capacity = {min = 0, max = 8}
    objective = "max-total"
    must = [["S001", "B003"]]
    never = []
    interpreter_languages = ["en"]
    tables = 40
    meeting_length = 1

    [rounds.weights]
    semantic = 1.0
    tags = 0.5

    [[rounds.slots]]
    id = "d1-0900"
    start = 2024-10-01T09:00:00+09:00
    end = 2024-10-01T09:20:00+09:00

Keys are the fields of :class:`~matching.model.Programme` and
:class:`~matching.model.Round`; unknown keys are errors.  Errors name the
key path, e.g. ``rounds[0].left_capacity.max``.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import FieldError, InvalidInput
from ..model import Event, Programme, field_errors

__all__ = [
    "load_programme",
    "dump_programme",
    "load_event",
    "programme_from_mapping",
    "programme_to_mapping",
    "PROGRAMME_FORMATS",
]

#: Programme file formats, by extension.
PROGRAMME_FORMATS: tuple[str, ...] = ("toml", "json")

_INDEX = re.compile(r"\.(\d+)(?=\.|$)")


def _key_path(field: str) -> str:
    """``rounds.0.left_capacity.max`` → ``rounds[0].left_capacity.max``."""
    previous = None
    while previous != field:
        previous, field = field, _INDEX.sub(r"[\1]", field)
    return field


def _without_echoes(errors: list[FieldError]) -> list[FieldError]:
    """Drop pydantic's "tuple should have at least 1 item after validation"
    when it only echoes an error inside that tuple (the bad item was dropped)."""

    def inside(error: FieldError) -> bool:
        return any(
            other is not error and other.field.startswith((error.field + "[", error.field + ".")) for other in errors
        )

    return [e for e in errors if not ("after validation" in e.message and inside(e))]


def programme_from_mapping(data: Any, *, source: str = "<programme>") -> Programme:
    """Validate a parsed programme document.

    Raises
    ------
    InvalidInput
        Listing every problem, each naming its key path.
    """
    if not isinstance(data, Mapping):
        raise InvalidInput(
            [FieldError("(document)", type(data).__name__, "expected a table/object with id, name and rounds")],
            f"{source}: not a programme",
        )
    try:
        return Programme.model_validate(dict(data))
    except ValidationError as exc:
        errors = _without_echoes([FieldError(_key_path(e.field), e.value, e.message) for e in field_errors(exc)])
        raise InvalidInput(errors, f"{source}: {len(errors)} invalid value(s) in the programme") from None


def _programme_format(path: Path) -> str:
    name = path.suffix.lstrip(".").lower()
    if name not in PROGRAMME_FORMATS:
        raise InvalidInput(
            [
                FieldError(
                    "format",
                    path.suffix,
                    f"unknown programme file extension {path.suffix!r} of {str(path)!r}; expected .toml or .json",
                )
            ]
        )
    return name


def load_programme(path: str | os.PathLike[str]) -> Programme:
    """Read a programme from a ``.toml`` or ``.json`` file.

    Raises
    ------
    InvalidInput
        If the file cannot be read or parsed, or breaks a rule (the error
        names the key path, e.g. ``rounds[0].left_capacity.max``).
    """
    path = Path(path)
    name = _programme_format(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput([FieldError("path", str(path), f"cannot read the file: {exc.strerror or exc}")]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            [FieldError("(encoding)", None, f"a programme file must be UTF-8: {exc.reason} at byte {exc.start}")],
            f"{path}: not UTF-8",
        ) from None
    try:
        document = tomllib.loads(text) if name == "toml" else json.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput([FieldError("(toml)", None, f"not valid TOML: {exc}")], f"{path}: not valid TOML") from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            [FieldError("(json)", None, f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")],
            f"{path}: not valid JSON",
        ) from None
    return programme_from_mapping(document, source=str(path))


def _plain(value: Any, *, json_ready: bool) -> Any:
    """Tuples → lists, mappings → dicts, ``None`` dropped; datetimes for TOML."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v, json_ready=json_ready) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_plain(v, json_ready=json_ready) for v in value]
    if isinstance(value, datetime) and json_ready:
        return value.isoformat()
    return value


def programme_to_mapping(programme: Programme, *, json_ready: bool = False) -> dict[str, Any]:
    """A programme as plain dicts and lists (``None`` values left out)."""
    return _plain(programme.model_dump(mode="python"), json_ready=json_ready)


def dump_programme(programme: Programme, path: str | os.PathLike[str]) -> Path:
    """Write a programme as ``.toml`` or ``.json``; returns the path.

    The output is deterministic and reads back equal with
    :func:`load_programme`.
    """
    path = Path(path)
    if _programme_format(path) == "toml":
        import tomli_w

        text = tomli_w.dumps(programme_to_mapping(programme))
    else:
        text = json.dumps(programme_to_mapping(programme, json_ready=True), ensure_ascii=False, indent=2) + "\n"
    path.write_bytes(text.encode("utf-8"))
    return path


def load_event(
    participants_path: str | os.PathLike[str],
    programme_path: str | os.PathLike[str],
    *,
    format: str | None = None,
    extra_tags: Iterable[str] = (),
) -> Event:
    """Read a programme and its participants and check them as one event.

    Raises
    ------
    InvalidInput
        If the programme is invalid.
    ImportRejected
        If the participant file, or a reference between it and the
        programme (availability slots, must/never pairs), is wrong.
    """
    from . import read_participants

    programme = load_programme(programme_path)
    participants = read_participants(participants_path, format=format, extra_tags=extra_tags, programme=programme)
    try:
        return Event(programme=programme, participants=tuple(participants))
    except ValidationError as exc:  # pragma: no cover - read_participants checked the same rules
        raise InvalidInput(field_errors(exc), f"event {programme.id!r} is inconsistent") from None
