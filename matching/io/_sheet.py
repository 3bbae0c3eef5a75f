"""The one CSV path of every export: cells a spreadsheet would run as formulas are neutralized.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is a formula (or becomes one) when Excel, LibreOffice or Google
Sheets opens the file: an organisation named ``=HYPERLINK("http://evil",
"click")`` would be a live link in the organizer's spreadsheet ("CSV
injection", OWASP).  Every CSV the engine and the service write goes through
:func:`csv_text` / :func:`write_csv_rows`, which prefix such a text cell with
an apostrophe, as OWASP recommends: ``'=HYPERLINK(...)`` is shown as text.

The rule for numbers
--------------------
Numbers stay numbers: a cell given as a number (``int``, ``float``, a numpy
number) is written as it is, and so is a text cell that is a plain decimal
number literal (``-0.25``, ``+3``, ``-1e-05``: what the score columns
hold), since a spreadsheet reads those as numbers and nothing else.  Text
that merely starts like a number (``-1+2``, ``-2+3+cmd|' /C calc'!A0``) is
neutralized.

Reading back
------------
The prefix is undone by :func:`restore_cell` (and the readers of
:func:`csv_dict_rows`), exactly: a text that itself begins with apostrophes
followed by a trigger gets one more apostrophe, so ``restore_cell(
neutralize_cell(s)) == s`` for every string.  The engine's CSV readers
(participants, agendas for re-planning, pairs for ``matching quality``,
outcomes) restore cells, so an export read back is what was written.
"""

from __future__ import annotations

import csv
import io
import numbers
import re
from itertools import islice
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

__all__ = ["FORMULA_TRIGGERS", "neutralize_cell", "restore_cell", "csv_text", "write_csv_rows", "csv_dict_rows"]

#: First characters that make a spreadsheet treat a cell as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

_RISKY_FIRST = frozenset(FORMULA_TRIGGERS + ("'",))
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def _is_formula(text: str) -> bool:
    return text[:1] in FORMULA_TRIGGERS and _NUMBER.fullmatch(text) is None


def neutralize_cell(value: Any) -> Any:
    """``value`` as a spreadsheet-safe CSV cell.

    Numbers and texts that are plain numbers are returned unchanged; a text
    starting with one of :data:`FORMULA_TRIGGERS` gets a leading apostrophe
    (also a text that is apostrophes before such a start, so that
    :func:`restore_cell` is its exact inverse).  ``None`` is an empty cell.

    Examples
    --------
    >>> neutralize_cell('=HYPERLINK("http://evil","click")')
    '\\'=HYPERLINK("http://evil","click")'
    >>> neutralize_cell("-1+2"), neutralize_cell("-0.25"), neutralize_cell(-0.25)
    ("'-1+2", '-0.25', -0.25)
    >>> neutralize_cell("山田製作所")
    '山田製作所'
    """
    if value.__class__ is str and (not value or value[0] not in _RISKY_FIRST):
        return value  # the common case: nothing to do
    if value is None:
        return ""
    if isinstance(value, numbers.Number):
        return value
    text = value if isinstance(value, str) else str(value)
    return "'" + text if _is_formula(text.lstrip("'")) else text


def restore_cell(text: str) -> str:
    """Undo :func:`neutralize_cell` on a cell read back from CSV.

    Examples
    --------
    >>> restore_cell("'=1+2"), restore_cell("'plain"), restore_cell("-0.25")
    ('=1+2', "'plain", '-0.25')
    """
    if text[:1] == "'" and _is_formula(text.lstrip("'")):
        return text[1:]
    return text


def _cells(row: Mapping[str, Any] | Sequence[Any], columns: Sequence[str]) -> list[Any]:
    if isinstance(row, Mapping):
        row = [row.get(name) for name in columns]
    return [neutralize_cell(value) for value in row]


def _write(handle: IO[str], columns: Sequence[str], rows: Iterable[Mapping[str, Any] | Sequence[Any]]) -> int:
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow([neutralize_cell(name) for name in columns])
    count = 0
    for row in rows:
        writer.writerow(_cells(row, columns))
        count += 1
    return count


def csv_text(columns: Sequence[str], rows: Iterable[Mapping[str, Any] | Sequence[Any]]) -> str:
    """The CSV text of a header and rows, every cell neutralized; ``\\n`` line ends.

    Parameters
    ----------
    columns : sequence of str
        The header.
    rows : iterable of mapping or sequence
        A mapping row gives its cells by column name (missing keys are empty
        cells, extra keys are left out); a sequence row gives them in order.

    Examples
    --------
    >>> print(csv_text(["id", "organization", "score"], [{"id": "s1", "organization": "=1+2", "score": -0.5}]), end="")
    id,organization,score
    s1,'=1+2,-0.5
    """
    buffer = io.StringIO(newline="")
    _write(buffer, columns, rows)
    return buffer.getvalue()


def write_csv_rows(path: str | Path, columns: Sequence[str], rows: Iterable[Mapping[str, Any] | Sequence[Any]],
                   *, encoding: str = "utf-8", neutralized: bool = False) -> int:
    """Write :func:`csv_text` of ``columns`` and ``rows`` to ``path`` as it goes; returns the row count.

    ``neutralized=True``: the rows are sequences whose cells already went
    through :func:`neutralize_cell` (a large table whose cells repeat, such
    as ids, neutralizes each distinct cell once); they are written as they
    are, by the csv module's own loop.
    """
    with Path(path).open("w", encoding=encoding, newline="") as handle:
        if not neutralized:
            return _write(handle, columns, rows)
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([neutralize_cell(name) for name in columns])
        count, remaining = 0, iter(rows)
        while chunk := list(islice(remaining, 65536)):
            writer.writerows(chunk)
            count += len(chunk)
        return count


def csv_dict_rows(handle: IO[str]) -> Iterator[dict[str, str]]:
    """The rows of a CSV file as dicts keyed by the header, every cell passed through :func:`restore_cell`.

    Cells missing at the end of a short row are ``None`` (as with
    :class:`csv.DictReader`).
    """
    for row in csv.DictReader(handle):
        yield {key: (restore_cell(value) if isinstance(value, str) else value) for key, value in row.items()}
