"""Column layout of tabular participant files (CSV and Excel).

One column per scalar field of :class:`~matching.model.Participant`, tuple
fields as ``;``-separated cells, contacts as three aligned columns.  The
layout is derived from the model's fields, so a field added to the model
gets a column without touching this module.

Tabular readers turn every data row into a dict of *strings* (``None`` for
a missing cell) and hand it to :func:`record_from_cells`, which builds the
dict pydantic validates, or :class:`~matching.errors.FieldError` objects for
cells that cannot be parsed (``"12.5"`` employees, misaligned contacts).
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..errors import FieldError
from ..model import Contact, Participant, field_category

__all__ = [
    "CONTACT_COLUMNS",
    "COLUMNS",
    "HEADER_ALIASES",
    "REQUIRED_COLUMNS",
    "SEPARATOR",
    "Header",
    "RawRecord",
    "columns",
    "int_columns",
    "parse_header",
    "record_from_cells",
    "cells_from_participant",
]

#: Separator of the items of a tuple cell (``"ja;en"``).
SEPARATOR = ";"

#: The three columns holding a participant's contacts, aligned item by item.
CONTACT_COLUMNS: Mapping[str, str] = types.MappingProxyType(
    {"contact_name": "name", "contact_email": "email", "contact_phone": "phone"}
)

#: Columns a participant file must have.
REQUIRED_COLUMNS: tuple[str, ...] = ("id", "role", "organization")

#: Header spellings accepted besides the canonical column names (compared
#: after stripping and, for ASCII, lower-casing).  Explicit on purpose.
HEADER_ALIASES: Mapping[str, str] = types.MappingProxyType(
    {
        "参加者id": "id",
        "組織名": "organization",
        "企業名": "organization",
        "会社名": "organization",
        "organisation": "organization",
        "役割": "role",
        "区分": "role",
        "業種": "industry",
        "地域": "region",
        "所在地": "region",
        "国": "country",
        "言語": "languages",
        "提供": "offers",
        "提供できること": "offers",
        "求める": "seeks",
        "求めること": "seeks",
        "担当者名": "contact_name",
        "担当者": "contact_name",
        "メール": "contact_email",
        "メールアドレス": "contact_email",
        "電話": "contact_phone",
        "電話番号": "contact_phone",
        "説明": "description_ja",
        "説明（日本語）": "description_ja",
        "説明（英語）": "description_en",
        "従業員数": "employees",
        "成熟度": "maturity_stage",
        "希望": "wishes",
        "面談希望": "wishes",
        "拒否": "vetoes",
        "利益相反": "conflicts",
        "参加可能枠": "availability",
    }
)


@dataclass(frozen=True)
class _Column:
    name: str
    kind: str  # "str", "int", "tuple-str", "tuple-int", "contact"
    field: str


def _kind(annotation: Any) -> str:
    """Classify a Participant field annotation for cell parsing."""
    origin = typing.get_origin(annotation)
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin in (typing.Union, types.UnionType) and len(args) == 1:
        return _kind(args[0])
    if origin is typing.Annotated:
        return _kind(args[0])
    if origin is tuple:
        item = args[0] if args else str
        if typing.get_origin(item) is typing.Annotated:
            item = typing.get_args(item)[0]
        if item is Contact:
            return "contact"
        return "tuple-int" if item is int else "tuple-str"
    if annotation is int:
        return "int"
    return "str"


def _build_columns() -> tuple[_Column, ...]:
    out: list[_Column] = []
    for name, info in Participant.model_fields.items():
        kind = _kind(info.annotation)
        if kind == "contact":
            out.extend(_Column(col, "contact", name) for col in CONTACT_COLUMNS)
        else:
            out.append(_Column(name, kind, name))
    return tuple(out)


_COLUMNS = _build_columns()
_BY_NAME = {c.name: c for c in _COLUMNS}
_KIND = {c.name: c.kind for c in _COLUMNS}

#: Every column, in the order writers emit them.
COLUMNS: tuple[str, ...] = tuple(c.name for c in _COLUMNS)

_PERSONAL_COLUMNS = frozenset(c.name for c in _COLUMNS if field_category(c.field) == "personal")


def int_columns() -> tuple[str, ...]:
    """The columns holding one integer."""
    return tuple(c.name for c in _COLUMNS if c.kind == "int")


def columns(*, include_personal: bool = True) -> tuple[str, ...]:
    """The columns a writer emits, in order."""
    return tuple(c for c in COLUMNS if include_personal or c not in _PERSONAL_COLUMNS)


@dataclass(frozen=True)
class Header:
    """A parsed header row: the canonical column of each cell (or ``None``)."""

    columns: tuple[str | None, ...]
    errors: tuple[FieldError, ...]
    fatal: bool  # required columns missing: the rows cannot be read


@dataclass
class RawRecord:
    """One data row turned into a dict for pydantic, plus its parse errors."""

    row: int
    values: dict[str, Any]
    errors: list[FieldError] = field(default_factory=list)
    validate: bool = True  # False: the row is unreadable, its errors say why

    @cached_property
    def participant(self) -> str | None:
        pid = self.values.get("id")
        return pid.strip() if isinstance(pid, str) and pid.strip() else None


def _canonical(label: str) -> str:
    label = label.strip().lstrip("\ufeff").strip()
    key = label.lower() if label.isascii() else label
    key = key.replace(" ", "_") if key.isascii() else key
    return HEADER_ALIASES.get(key, key)


def parse_header(cells: Sequence[str | None], *, row: int) -> Header:
    """Map header cells to canonical columns; unknown and repeated columns are errors."""
    out: list[str | None] = []
    errors: list[FieldError] = []
    first: dict[str, str] = {}
    for position, raw in enumerate(cells, start=1):
        label = "" if raw is None else str(raw)
        if not label.strip():
            out.append(None)
            continue
        name = _canonical(label)
        if name not in _BY_NAME:
            from ..vocabulary import suggest

            errors.append(
                FieldError(
                    label.strip(),
                    label.strip(),
                    f"unknown column (#{position}){suggest(name, COLUMNS)}; expected columns from: {', '.join(COLUMNS)}",
                    row=row,
                    code="field.unknown_column",
                    params={"position": position, "columns": ", ".join(COLUMNS)},
                )
            )
            out.append(None)
        elif name in first:
            errors.append(
                FieldError.coded(name, label.strip(), "field.duplicate_column", {"first": first[name], "second": label.strip()}, row=row)
            )
            out.append(None)
        else:
            first[name] = label.strip()
            out.append(name)
    missing = [c for c in REQUIRED_COLUMNS if c not in first]
    if missing:
        errors.append(
            FieldError.coded(
                "(header)",
                [c for c in out if c],
                "field.missing_columns",
                {"missing": ", ".join(repr(c) for c in missing), "required": ", ".join(REQUIRED_COLUMNS)},
                row=row,
            )
        )
    return Header(tuple(out), tuple(errors), bool(missing))


_INT = re.compile(r"^[+-]?\d+$")
_GROUPED_INT = re.compile(r"^[+-]?\d{1,3}(,\d{3})+$")


def _parse_int(text: str) -> int:
    text = text.strip()
    if _INT.fullmatch(text):
        return int(text)
    if _GROUPED_INT.fullmatch(text):
        return int(text.replace(",", ""))
    raise ValueError("is not an integer (expected whole digits such as 12)")


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(SEPARATOR)]


def record_from_cells(cells: Mapping[str, str | None], *, row: int) -> RawRecord:
    """Turn one row (canonical column → cell text) into a :class:`RawRecord`.

    Empty cells are left out, so the model's default applies.
    """
    values: dict[str, Any] = {}
    record = RawRecord(row=row, values=values)
    pid_cell = cells.get("id")
    pid = pid_cell.strip() or None if pid_cell else None
    contact_parts: dict[str, list[str]] = {}
    for name, text in cells.items():
        if not text:
            continue
        kind = _KIND[name]
        if kind == "str":
            if not text.isspace():
                values[name] = text
            continue
        text = text.strip()
        if not text:
            continue
        if kind == "tuple-str":
            values[name] = tuple([part for part in (p.strip() for p in text.split(SEPARATOR)) if part])
        elif kind == "int":
            try:
                values[name] = _parse_int(text)
            except ValueError as exc:
                record.errors.append(FieldError.coded(name, text, "field.not_integer", row=row, participant=pid))
        elif kind == "contact":
            contact_parts[name] = _split(text)
        else:  # tuple-int
            ints = []
            for part in _split(text):
                if not part:
                    continue
                try:
                    ints.append(_parse_int(part))
                except ValueError as exc:
                    record.errors.append(FieldError(name, part, f"item {exc}", row=row, participant=pid))
            values[name] = tuple(ints)
    if contact_parts:
        counts = {name: len(parts) for name, parts in contact_parts.items()}
        if len(set(counts.values())) > 1:
            described = ", ".join(f"{name} has {n}" for name, n in counts.items())
            record.errors.append(
                FieldError(
                    "/".join(counts),
                    [SEPARATOR.join(parts) for parts in contact_parts.values()],
                    f"contact columns are not aligned ({described} ';'-separated values); "
                    "give one value per contact in each non-empty contact column",
                    row=row,
                    participant=pid,
                )
            )
        else:
            n = next(iter(counts.values()))
            values["contacts"] = tuple(
                {CONTACT_COLUMNS[name]: contact_parts[name][i] for name in contact_parts} for i in range(n)
            )
    return record


def _cell(value: Any, column: str) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        return SEPARATOR.join(_cell(v, column) for v in value)
    if isinstance(value, bool):  # pragma: no cover - no bool fields today
        return "true" if value else "false"
    return str(value)


def cells_from_participant(participant: Participant, names: Iterable[str]) -> list[str]:
    """The cells of one participant, for the given columns, as strings.

    Raises
    ------
    ValueError
        If an item of a ``;``-separated cell itself contains ``;`` (the file
        would not read back the same).
    """
    out = []
    for name in names:
        column = _BY_NAME[name]
        if column.kind == "contact":
            items = [getattr(c, CONTACT_COLUMNS[name]) for c in participant.contacts]
            if not any(items):
                items = []
        elif column.kind.startswith("tuple"):
            items = list(getattr(participant, column.field))
        else:
            out.append(_cell(getattr(participant, column.field), name))
            continue
        for item in items:
            if SEPARATOR in str(item):
                raise ValueError(
                    f"participant {participant.id!r}: {name} item {item!r} contains {SEPARATOR!r}, "
                    "the item separator of tabular files; use JSON for this participant list"
                )
        out.append(SEPARATOR.join(str(i) for i in items))
    return out
