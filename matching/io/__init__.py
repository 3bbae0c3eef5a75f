"""Import and export of participant lists and programme rules.

Imports are **all or nothing**: every row is validated against
:class:`~matching.model.Participant`, then the rows against each other
(unique ids; wishes, vetoes and conflicts naming participants of the file;
with a programme, availability slots and must/never pairs).  If anything is
wrong, :class:`~matching.errors.ImportRejected` lists *every* problem, each
a :class:`~matching.errors.FieldError` with the line, the participant id,
the field, the value and the reason, and nothing is imported.

Formats
-------
The format comes from the file extension (``.csv``, ``.json``, ``.xlsx``)
unless ``format=`` names it; the contents never decide it.

**CSV** (and the first sheet of an **Excel** workbook, or its sheet named
``participants``):

* The first non-blank row is the header; data start on the next row.  A
  row's number is its line in the file (the header is line 1 of a normal
  file); a record whose quoted cell spans several lines is numbered by the
  line where it starts.  In Excel it is the sheet's row number.  Blank rows
  are skipped.
* One column per scalar field of ``Participant``, in this order when
  written::

      id, role, organization, contact_name, contact_email, contact_phone,
      description_ja, description_en, offers, seeks, industry, region,
      country, languages, employees, maturity_stage, serves_stages,
      budget_min, budget_max, price_min, price_max, capacity_min,
      capacity_max, availability, wishes, vetoes, conflicts

  ``id``, ``role`` and ``organization`` are required columns; the others
  may be left out.
* Tuple fields (``offers``, ``seeks``, ``languages``, ``serves_stages``,
  ``availability``, ``wishes``, ``vetoes``, ``conflicts``) are
  ``;``-separated in one cell: ``ja;en``.
* Contacts are three columns, ``contact_name``, ``contact_email`` and
  ``contact_phone``, each ``;``-separated and aligned: the *n*-th item of
  each belongs to the *n*-th contact.  An empty contact column means "none
  given" for every contact; non-empty ones must have the same count.
* An empty cell means the field's default (``None``, ``""``, ``()``,
  ``languages = ja``).  Integer cells hold whole numbers (``12`` or
  ``1,000,000``); ``12.5`` is an error naming the field and the value.
* Unknown columns are errors naming the column, never silently dropped.
  Headers are matched case-insensitively and a few Japanese headers are
  accepted (:data:`HEADER_ALIASES`: 組織名 → organization, 役割 → role,
  業種 → industry, 地域 → region, 言語 → languages, 提供 → offers,
  求める → seeks, 担当者名 → contact_name, メール → contact_email,
  電話 → contact_phone, 説明 → description_ja, ...).
* Encoding is detected from the bytes (:func:`detect_encoding`): UTF-8
  with or without BOM, Shift_JIS/cp932 from Japanese Excel, UTF-16.  Cells
  are comma-separated; a header line with tabs and no commas (or
  semicolons and neither) switches the delimiter.  Written CSV is UTF-8
  (``encoding="utf-8-sig"`` or ``"cp932"`` for Excel users) with ``\\n``
  line ends.

**JSON**: a list of participant objects, or ``{"participants": [...]}``,
keyed by the ``Participant`` field names (``contacts`` is a list of
``{"name", "email", "phone"}`` objects).  A row is the 1-based position
in the list.  Unknown keys are errors naming the key.  Written with
``ensure_ascii=False, indent=2``.

All writers are byte-deterministic: same participants, same bytes.

**Every CSV export** of the engine and the service (participants, pairs,
unmatched, agendas, timetables, candidates) is written by :func:`csv_text` /
:func:`write_csv_rows`: a text cell starting with ``= + - @``, a tab or a
carriage return gets a leading apostrophe so that a spreadsheet shows it as
text (numbers and plain number literals stay as they are); the CSV readers
take it off again (:func:`restore_cell`).  See :mod:`matching.io._sheet`.

Programme rules (:func:`load_programme`, :func:`dump_programme`) are TOML
or JSON; see :mod:`matching.io._rules` for the layout.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from ..errors import FieldError, InvalidInput
from ..model import Participant, Programme
from ._check import check_records
from ._columns import COLUMNS, HEADER_ALIASES, REQUIRED_COLUMNS, RawRecord, columns
from ._csv import parse_csv, write_csv
from ._encoding import detect_encoding
from ._excel import parse_xlsx, write_xlsx
from ._json import parse_json, write_json
from ._sheet import FORMULA_TRIGGERS, csv_dict_rows, csv_text, neutralize_cell, restore_cell, write_csv_rows
from ._rules import (
    dump_programme,
    load_event,
    load_programme,
    programme_from_mapping,
    programme_to_mapping,
)

__all__ = [
    "FORMATS",
    "COLUMNS",
    "HEADER_ALIASES",
    "REQUIRED_COLUMNS",
    "columns",
    "detect_encoding",
    "format_of",
    "read_participants",
    "read_participants_bytes",
    "write_participants",
    "participants_to_bytes",
    "load_programme",
    "dump_programme",
    "load_event",
    "programme_from_mapping",
    "programme_to_mapping",
    "FORMULA_TRIGGERS",
    "neutralize_cell",
    "restore_cell",
    "csv_text",
    "write_csv_rows",
    "csv_dict_rows",
]

_Parser = Callable[..., "tuple[list[RawRecord], list[FieldError]]"]

_PARSERS: Mapping[str, _Parser] = {"csv": parse_csv, "json": parse_json, "xlsx": parse_xlsx}

#: The participant file formats, by name (= file extension).
FORMATS: tuple[str, ...] = tuple(_PARSERS)

_ALIASES = {"xlsm": "xlsx", "excel": "xlsx", "tsv": "csv", "txt": "csv"}


def format_of(path: str | os.PathLike[str], format: str | None = None) -> str:
    """The format of a participant file: ``format`` if given, else the extension.

    Raises
    ------
    InvalidInput
        If the format is unknown (``.xls``, the old binary Excel format, is
        named as such).

    Examples
    --------
    >>> format_of("fair.CSV")
    'csv'
    >>> format_of("list.txt", "json")
    'json'
    """
    given = format if format is not None else Path(path).suffix.lstrip(".")
    name = given.strip().lower().lstrip(".")
    name = _ALIASES.get(name, name)
    if name in _PARSERS:
        return name
    hint = "; .xls (Excel 97-2003) is not supported: save it as .xlsx" if name == "xls" else ""
    what = f"format {given!r}" if format is not None else f"file extension {given!r} of {str(path)!r}"
    raise InvalidInput(
        [FieldError("format", given, f"unknown participant file {what}; expected one of {', '.join(FORMATS)}{hint}")]
    )


def read_participants_bytes(
    data: bytes,
    *,
    format: str,
    source: str = "<upload>",
    extra_tags: Iterable[str] = (),
    programme: Programme | None = None,
) -> list[Participant]:
    """Parse and validate a participant file given as bytes, all or nothing.

    Parameters
    ----------
    data : bytes
        The file content.
    format : {'csv', 'json', 'xlsx'}
        The file format.
    source : str
        The name errors give the file.
    extra_tags : iterable of str
        Offer/seek tags accepted besides the shared vocabulary.
    programme : Programme, optional
        Also check availability slots and must/never pairs against it (its
        ``extra_tags`` are accepted too).

    Returns
    -------
    list of Participant
        In file order.

    Raises
    ------
    ImportRejected
        Listing every problem; nothing is imported.
    InvalidInput
        If the format is unknown.

    Examples
    --------
    >>> data = "id,role,organization,languages\\nS001,sme,山田製作所,ja;en\\n".encode()
    >>> [p.languages for p in read_participants_bytes(data, format="csv")]
    [('ja', 'en')]
    """
    parser = _PARSERS[format_of(source, format)]
    records, errors = parser(data, source=source)
    return check_records(records, source=source, extra_tags=extra_tags, programme=programme, header_errors=errors)


def read_participants(
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    extra_tags: Iterable[str] = (),
    programme: Programme | None = None,
) -> list[Participant]:
    """Read a participant file (CSV, JSON or .xlsx), all or nothing.

    See :func:`read_participants_bytes`; the format comes from the
    extension unless ``format`` is given.

    Raises
    ------
    ImportRejected
        Listing every problem; nothing is imported.
    InvalidInput
        If the format is unknown or the file cannot be read.
    """
    name = format_of(path, format)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InvalidInput([FieldError("path", str(path), f"cannot read the file: {exc.strerror or exc}")]) from None
    return read_participants_bytes(data, format=name, source=str(path), extra_tags=extra_tags, programme=programme)


def participants_to_bytes(
    participants: Iterable[Participant], *, format: str, include_personal: bool = True, encoding: str = "utf-8"
) -> bytes:
    """The bytes of a participant file; same participants, same bytes.

    ``encoding`` applies to CSV only (JSON is always UTF-8).  With
    ``include_personal=False`` the contact columns (CSV, Excel) or the
    ``contacts`` key (JSON) are left out.

    Raises
    ------
    InvalidInput
        If the format is unknown, or a value cannot be written in it (an
        item containing ``;`` in a tabular file, text the CSV encoding
        cannot represent).
    """
    name = format_of("<bytes>", format)
    try:
        if name == "csv":
            return write_csv(participants, include_personal=include_personal).encode(encoding)
        if name == "json":
            return write_json(participants, include_personal=include_personal).encode("utf-8")
        return write_xlsx(participants, include_personal=include_personal)
    except UnicodeEncodeError as exc:
        bad = exc.object[exc.start : exc.end]
        line = exc.object.count("\n", 0, exc.start) + 1
        raise InvalidInput(
            [FieldError("encoding", encoding, f"cannot encode {bad!r} (line {line}) in {encoding}; write UTF-8 instead")]
        ) from None
    except ValueError as exc:
        raise InvalidInput([FieldError("(value)", None, str(exc))]) from None


def write_participants(
    participants: Iterable[Participant],
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    include_personal: bool = True,
    encoding: str = "utf-8",
) -> Path:
    """Write a participant file (CSV, JSON or .xlsx); returns its path.

    The format comes from the extension unless ``format`` is given.  The
    output is byte-deterministic.  See :func:`participants_to_bytes`.
    """
    name = format_of(path, format)
    data = participants_to_bytes(participants, format=name, include_personal=include_personal, encoding=encoding)
    target = Path(path)
    target.write_bytes(data)
    return target
