"""CSV participant files: parse into records with line numbers, write."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from ..errors import FieldError
from ..model import Participant
from ._check import refused
from ._columns import (
    Header,
    RawRecord,
    cells_from_participant,
    columns,
    parse_header,
    record_from_cells,
)
from ._encoding import decode
from ._sheet import csv_text, restore_cell

__all__ = ["parse_csv", "write_csv", "sniff_delimiter", "records_from_rows"]


def sniff_delimiter(text: str) -> str:
    """Comma, unless the header line clearly uses tabs or semicolons.

    A header line without a comma but with tabs (Excel's "Unicode text"
    export) gives a tab; without commas and tabs but with semicolons
    (European Excel) a semicolon.  Nothing else is guessed.
    """
    for line in text.splitlines():
        if line.strip():
            if "," in line:
                return ","
            if "\t" in line:
                return "\t"
            if line.count(";") >= 2:
                return ";"
            return ","
    return ","


class _MalformedCsv(Exception):
    def __init__(self, line: int, reason: str):
        self.line, self.reason = line, reason
        super().__init__(f"line {line}: {reason}")


def _rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Each record with the line where it starts (a quoted cell may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    del text  # the reader's buffer is a copy: the text can go while the rows are read
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _MalformedCsv(start, str(exc)) from None
        yield start, [restore_cell(cell) for cell in cells]
        start = reader.line_num + 1


def records_from_rows(
    rows: Iterable[tuple[int, Sequence[str | None]]],
) -> tuple[Header | None, list[RawRecord]]:
    """Header and records from ``(line, cells)`` rows; blank rows are skipped.

    The first non-blank row is the header.  Returns the header (``None``
    for a file with no rows) and the records; a row with cells beyond the
    header's columns carries that error in its record.
    """
    rows = iter(rows)
    header = _header(rows)
    if header is None or header.fatal:
        return header, []
    return header, list(_records(header, rows))


def _blank(cells: Sequence[str | None]) -> bool:
    return not any(cells) or not "".join([c for c in cells if c]).strip()


def _header(rows: Iterator[tuple[int, Sequence[str | None]]]) -> Header | None:
    """The first non-blank row of ``rows`` as the header (``None``: no such row); the rows after it stay."""
    for line, cells in rows:
        if not _blank(cells):
            return parse_header(cells, row=line)
    return None


def _records(header: Header, rows: Iterable[tuple[int, Sequence[str | None]]]) -> Iterator[RawRecord]:
    """The records of the data rows after ``header``, one at a time."""
    width = len(header.columns)
    named_columns = [(i, name) for i, name in enumerate(header.columns) if name is not None]
    for line, cells in rows:
        if _blank(cells):
            continue
        extra = [c for c in cells[width:] if c and c.strip()]
        count = len(cells)
        named = {name: cells[i] for i, name in named_columns if i < count}
        record = record_from_cells(named, row=line)
        if extra:
            record.errors.append(
                FieldError(
                    "(row)",
                    extra if len(extra) > 1 else extra[0],
                    f"row has {width + len(extra)} or more cells but the header has {width} columns",
                    row=line,
                    participant=record.participant,
                )
            )
        yield record


def parse_csv(data: bytes, *, source: str) -> tuple[Iterator[RawRecord], list[FieldError]]:
    """Records of a CSV file and the file-level errors (header, shape).

    The records are read one at a time as they are asked for (each row
    can then be validated and its cells let go before the next is read:
    a large file's raw rows are never all held beside its participants).

    Raises
    ------
    ImportRejected
        If the bytes do not decode, the CSV is malformed (raised when the
        malformed record is reached), there is no header or required
        columns are missing.
    """
    text, _ = decode(data, source=source)
    rows = _rows(text, sniff_delimiter(text))
    del text  # the reader holds its own copy
    try:
        header = _header(rows)
    except _MalformedCsv as exc:
        raise _malformed(source, exc) from None
    if header is None:
        raise refused(source, [FieldError.coded("(header)", None, "field.empty_file")])
    if header.fatal:
        raise refused(source, header.errors)
    return _checked_records(source, header, rows), list(header.errors)


def _malformed(source: str, exc: _MalformedCsv) -> Exception:
    return refused(source, [FieldError.coded("(csv)", None, "field.malformed_csv", {"reason": exc.reason}, row=exc.line)])


def _checked_records(source: str, header: Header, rows: Iterator[tuple[int, list[str]]]) -> Iterator[RawRecord]:
    try:
        yield from _records(header, rows)
    except _MalformedCsv as exc:
        raise _malformed(source, exc) from None


def write_csv(participants: Iterable[Participant], *, include_personal: bool = True) -> str:
    """The CSV text of ``participants``: fixed columns, ``\\n`` line ends, formula-like cells neutralized."""
    names = columns(include_personal=include_personal)
    return csv_text(names, (cells_from_participant(participant, names) for participant in participants))
