"""Excel (.xlsx) participant files via openpyxl.

Reading uses the sheet named ``participants`` when there is one, else the
first sheet; the row of an error is the sheet's row number.  Writing is
byte-deterministic: the workbook's created/modified stamps and the zip
entries' timestamps are fixed.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time
from typing import Any

from ..errors import FieldError
from ..model import Participant
from ._check import refused
from ._columns import RawRecord, cells_from_participant, columns, int_columns
from ._csv import records_from_rows

__all__ = ["parse_xlsx", "write_xlsx", "SHEET_NAME"]

#: The sheet read when present (else the first) and written.
SHEET_NAME = "participants"

_FIXED_STAMP = datetime(2000, 1, 1, 0, 0, 0)
_ZIP_STAMP = (1980, 1, 1, 0, 0, 0)


def _text(value: Any) -> str | None:
    """A cell value as the text a CSV cell would hold."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return str(value)


def _rows(sheet: Any) -> Iterator[tuple[int, list[str | None]]]:
    # A read-only sheet yields rows missing from the file as empty rows, so
    # counting from row 1 gives the sheet's row numbers.
    for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
        yield number, [_text(v) for v in values]


def parse_xlsx(data: bytes, *, source: str) -> tuple[list[RawRecord], list[FieldError]]:
    """Records of an .xlsx participant file and its file-level errors.

    Raises
    ------
    ImportRejected
        If the bytes are not an .xlsx workbook, or it has no header or lacks
        required columns.
    """
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError, XML errors...
        raise refused(
            source,
            [FieldError("(xlsx)", None, f"not a readable .xlsx workbook ({type(exc).__name__}: {exc}); save the file as .xlsx")],
        ) from None
    try:
        names = {name.strip().lower(): name for name in workbook.sheetnames}
        sheet = workbook[names[SHEET_NAME]] if SHEET_NAME in names else workbook.worksheets[0]
        sheet.reset_dimensions()
        header, records = records_from_rows(_rows(sheet))
    finally:
        workbook.close()
    if header is None:
        raise refused(
            source, [FieldError("(header)", sheet.title, "the sheet is empty: no header row and no participants")]
        )
    if header.fatal:
        raise refused(source, header.errors)
    return records, list(header.errors)


def _fix_zip(data: bytes, core_xml: bytes) -> bytes:
    """Rewrite the archive with fixed timestamps and fixed core properties."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            payload = core_xml if info.filename == "docProps/core.xml" else source.read(info.filename)
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_STAMP)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, payload)
    return out.getvalue()


def write_xlsx(participants: Iterable[Participant], *, include_personal: bool = True) -> bytes:
    """The bytes of an .xlsx workbook with one ``participants`` sheet."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils.cell import get_column_letter
    from openpyxl.xml.functions import tostring

    names = columns(include_personal=include_personal)
    numeric = set(int_columns()) & set(names)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_NAME)
    for col, name in enumerate(names, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = max(10, len(name) + 2)
    sheet.freeze_panes = "A2"
    sheet.append(list(names))
    for participant in participants:
        row: list[Any] = []
        for name, text in zip(names, cells_from_participant(participant, names), strict=True):
            if not text:
                row.append(None)
            elif name in numeric:
                row.append(int(text))
            elif text.startswith("="):
                cell = WriteOnlyCell(sheet, value=text)
                cell.data_type = "s"  # text, never a formula
                row.append(cell)
            else:
                row.append(text)
        sheet.append(row)
    workbook.properties.creator = "sme-matching"
    buffer = io.BytesIO()
    workbook.save(buffer)
    workbook.properties.created = _FIXED_STAMP
    workbook.properties.modified = _FIXED_STAMP
    core_xml = tostring(workbook.properties.to_tree())
    return _fix_zip(buffer.getvalue(), core_xml)
