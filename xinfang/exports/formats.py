"""The two file formats of an export, written from chunks of rows (``rows.ExportRows.chunks``).

- .xlsx: openpyxl in write-only mode (rows go to a temporary file as they come, not into memory). Text
  that a spreadsheet would read as a formula (``=…``) is written as a text cell; characters the XML of a
  sheet cannot hold (control characters) are dropped instead of failing the whole file.
- .csv: UTF-8 with a byte order mark, so that Excel on Chinese Windows opens it as UTF-8 rather than
  GBK. Against CSV formula injection (OWASP), a cell starting with ``= + - @``, a tab or a carriage return
  gets a leading apostrophe, which spreadsheets show as text.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
CONTENT_TYPES = {"xlsx": XLSX_TYPE, "csv": CSV_TYPE}
UTF8_BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Chunks = Iterable[list[list[str]]]
Progress = Callable[[int], None]


def csv_cell(value: Any) -> str:
    """A cell as CSV text, with the formula-injection guard."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def xlsx_cell(sheet: Any, value: Any) -> Any:
    """A write-only cell: text that looks like a formula stays text."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    return cell


def xlsx_write(target: IO[bytes], *, header: list[str], chunks: Chunks, notice: str = "", title: str,
               personal_data: bool = False, progress: Progress | None = None) -> int:
    """Write the sheet to ``target`` (an open binary file); the rows written."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    if personal_data:
        # The document properties say so too (Excel: File → Info), not only the first row.
        workbook.properties.subject = notice[:250]
        workbook.properties.keywords = _("个人信息")
    sheet = workbook.create_sheet(title[:31])
    if notice:
        sheet.append([xlsx_cell(sheet, notice)])
    sheet.append([xlsx_cell(sheet, h) for h in header])
    written = 0
    for rows in chunks:
        for row in rows:
            sheet.append([xlsx_cell(sheet, v) for v in row])
        written += len(rows)
        if progress is not None:
            progress(written)
    workbook.save(target)
    return written


class _Line:
    """A file-like object that hands back what ``csv.writer`` writes (one line at a time)."""

    def write(self, value: str) -> str:
        return value


def csv_bytes(*, header: list[str], chunks: Chunks, notice: str = "",
              progress: Progress | None = None) -> Iterator[bytes]:
    """The CSV file as a stream of byte blocks (one per chunk of rows), BOM first."""
    writer = csv.writer(_Line())
    head = [UTF8_BOM]
    if notice:
        head.append(writer.writerow([csv_cell(notice)]))
    head.append(writer.writerow([csv_cell(h) for h in header]))
    yield "".join(head).encode("utf-8")
    written = 0
    for rows in chunks:
        yield "".join(writer.writerow([csv_cell(v) for v in row]) for row in rows).encode("utf-8")
        written += len(rows)
        if progress is not None:
            progress(written)


def csv_write(target: IO[bytes], *, header: list[str], chunks: Chunks, notice: str = "",
              progress: Progress | None = None) -> int:
    """Write the CSV file to ``target`` (an open binary file); the rows written."""
    written = 0

    def count(n: int) -> None:
        nonlocal written
        written = n
        if progress is not None:
            progress(n)

    for block in csv_bytes(header=header, chunks=chunks, notice=notice, progress=count):
        target.write(block)
    return written
