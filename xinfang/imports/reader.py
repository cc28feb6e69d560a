"""Reading import files row by row: .xlsx (openpyxl, streamed from the sheet's XML) and .csv (UTF-8 with or
without BOM, GBK/GB18030; delimiter sniffed). Nothing holds the whole file in memory; the limits below
refuse a file before it can exhaust the machine (docs/import.md, "Limits")."""

from __future__ import annotations

import codecs
import csv
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from django.utils.translation import gettext as _

from xinfang.imports.mapping import Mapping, header_normalize

# Limits (docs/import.md): the command line takes files up to MAX_BYTES and MAX_ROWS data rows; the web
# upload less (WEB_MAX_BYTES, WEB_MAX_ROWS: a request should not run for minutes).
MAX_BYTES = 100 * 1024 * 1024
MAX_ROWS = 200_000
WEB_MAX_BYTES = 20 * 1024 * 1024
WEB_MAX_ROWS = 20_000
# An .xlsx is a zip: its unpacked XML may not exceed this (a zip bomb is refused before it is opened).
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024
HEADER_SCAN_ROWS = 20
SUFFIXES = (".xlsx", ".csv")
CSV_ENCODINGS = ("utf-8-sig", "gb18030")
_MERGE_RE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


class ImportFileError(ValueError):
    """The file as a whole cannot be read (encoding, format, size, no header, no rows); translated."""


@dataclass
class Table:
    """An open file: the header row as found and an iterator over the data rows, each as
    ``(row number as the user sees it, {normalized header: value})``. ``merge_errors`` lists the merged
    ranges found over data rows when the mapping says ``merged_cells = "error"``."""

    headers: list[str]
    header_row: int
    rows: Iterator[tuple[int, dict[str, Any]]]
    merge_errors: list[tuple[int, str, str]]


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def file_check(path: Path, *, max_bytes: int) -> str:
    """The suffix of an acceptable file, or ``ImportFileError``."""
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise ImportFileError(_("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 .csv 后再导入。"))
    if suffix not in SUFFIXES:
        raise ImportFileError(_("只能导入 .xlsx 或 .csv 文件。"))
    size = path.stat().st_size
    if size == 0:
        raise ImportFileError(_("文件是空的。"))
    if size > max_bytes:
        raise ImportFileError(_("文件过大（%(size)d MB），上限为 %(max)d MB；请拆分后分别导入。")
                              % {"size": size // (1024 * 1024), "max": max_bytes // (1024 * 1024)})
    return suffix


def table_open(path: Path, *, mapping: Mapping, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS) -> Table:
    """Open ``path`` and find its header row; the rows are read as the iterator is consumed."""
    suffix = file_check(path, max_bytes=max_bytes)
    raw_rows, merges = (_xlsx_rows(path, mapping) if suffix == ".xlsx" else (_csv_rows(path), []))
    return _with_header(raw_rows, merges, mapping=mapping, max_rows=max_rows)


def _with_header(raw_rows: Iterator[tuple[int, list[Any]]], merges: list[tuple[int, int, int, int]], *,
                 mapping: Mapping, max_rows: int) -> Table:
    scanned: list[tuple[int, list[Any]]] = []
    header_at = -1
    wanted = mapping.required_headers()
    for number, values in raw_rows:
        scanned.append((number, values))
        names = {header_normalize(v) for v in values if not isinstance(v, datetime | date | time)}
        if mapping.header_row:
            if number == mapping.header_row:
                header_at = len(scanned) - 1
                break
        elif all(any(h in names for h in f.headers) for f in wanted):
            header_at = len(scanned) - 1
            break
        if len(scanned) >= max(HEADER_SCAN_ROWS, mapping.header_row):
            break
    if not scanned or all(not any(v not in ("", None) for v in values) for _n, values in scanned):
        raise ImportFileError(_("工作表是空的，没有可导入的内容。"))
    if header_at < 0:
        expected = "；".join("/".join(f.headers) for f in wanted)
        raise ImportFileError(_("在前 %(n)d 行中找不到表头。表头应包含这些列：%(cols)s")
                              % {"n": HEADER_SCAN_ROWS, "cols": expected})
    header_number, header_values = scanned[header_at]
    headers = [header_normalize(v) for v in header_values]
    if mapping.header_row:
        names = set(headers)
        missing = ["/".join(f.headers) for f in wanted if not any(h in names for h in f.headers)]
        if missing:
            raise ImportFileError(_("第 %(row)d 行的表头缺少这些列：%(cols)s")
                                  % {"row": header_number, "cols": "；".join(missing)})
    merge_errors: list[tuple[int, str, str]] = []
    if mapping.merged_cells == "error":
        for min_row, min_col, max_row, _max_col in merges:
            if max_row > header_number:
                column = headers[min_col - 1] if min_col - 1 < len(headers) else ""
                merge_errors.append((max(min_row, header_number + 1), column,
                                     _("合并单元格（第 %(a)d 至 %(b)d 行）：请取消合并并在每行填写数值。")
                                     % {"a": min_row, "b": max_row}))

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        count = 0
        for number, values in raw_rows:
            if not any(v not in ("", None) for v in values):
                continue  # blank rows (Excel keeps formatted empty rows at the end) are not data
            count += 1
            if count > max_rows:
                raise ImportFileError(_("文件的数据行超过上限 %(n)d 行；请拆分后分别导入。") % {"n": max_rows})
            yield number, {h: values[i] if i < len(values) else "" for i, h in enumerate(headers) if h}

    return Table(headers=[h for h in headers if h], header_row=header_number, rows=rows(),
                 merge_errors=merge_errors)


# --- .xlsx -------------------------------------------------------------------------------------------

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL_REF = re.compile(r"([A-Z]+)(\d*)")
_TAG_C, _TAG_ROW, _TAG_V, _TAG_T = f"{_NS}c", f"{_NS}row", f"{_NS}v", f"{_NS}t"
_TAG_SI, _TAG_RPH = f"{_NS}si", f"{_NS}rPh"


def _xml_checked(archive: zipfile.ZipFile, member: str) -> None:
    """Refuse an XML part with a document type declaration. An .xlsx never has one; entity tricks (billion
    laughs, external entities) need one, and the standard library parser is used without defusedxml (no new
    dependency). Streamed: the part is not held in memory; the sheet itself is checked by ``_xlsx_merges``."""
    with archive.open(member) as handle:
        tail = b""
        while chunk := handle.read(1024 * 1024):
            if b"<!DOCTYPE" in tail + chunk or b"<!ENTITY" in tail + chunk:
                raise ImportFileError(_("该 .xlsx 文件含有不允许的 XML 声明（DOCTYPE），拒绝导入。"))
            tail = chunk[-16:]


def _xlsx_sheet_path(archive: zipfile.ZipFile, wanted: str) -> tuple[str, bool]:
    """The archive path of the sheet named ``wanted`` (or the first sheet), and whether dates count from
    1904 (old Mac workbooks)."""
    _xml_checked(archive, "xl/workbook.xml")
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))  # noqa: S314 - checked: no DTD
    pr = workbook.find(f"{_NS}workbookPr")
    date1904 = pr is not None and pr.get("date1904") in ("1", "true")
    sheets = [(s.get("name", ""), s.get(f"{_REL_NS}id", "")) for s in workbook.iter(f"{_NS}sheet")]
    if not sheets:
        raise ImportFileError(_("工作表是空的，没有可导入的内容。"))
    if wanted:
        chosen = [rid for name, rid in sheets if name == wanted]
        if not chosen:
            raise ImportFileError(_("文件中没有名为“%(s)s”的工作表。") % {"s": wanted})
        rid = chosen[0]
    else:
        rid = sheets[0][1]
    _xml_checked(archive, "xl/_rels/workbook.xml.rels")
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))  # noqa: S314 - checked: no DTD
    for rel in rels.iter(f"{_PKG_REL_NS}Relationship"):
        if rel.get("Id") == rid:
            target = rel.get("Target", "")
            return (target.lstrip("/") if target.startswith("/") else f"xl/{target}"), date1904
    raise ImportFileError(_("无法读取该 .xlsx 文件（文件已损坏或不是 Excel 文件）。"))


def _xlsx_shared_strings(archive: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    strings: list[str] = []
    _xml_checked(archive, "xl/sharedStrings.xml")
    with archive.open("xl/sharedStrings.xml") as handle:
        for _event, element in ElementTree.iterparse(handle):  # noqa: S314 - checked: no DTD
            if element.tag == _TAG_SI:
                # Rich text runs are joined; phonetic guides (rPh) are not part of the value.
                phonetic = {id(x) for ph in element.iter(_TAG_RPH) for x in ph}
                strings.append("".join(t.text or "" for t in element.iter(_TAG_T) if id(t) not in phonetic))
                element.clear()
    return strings


def _xlsx_date_styles(archive: zipfile.ZipFile) -> set[int]:
    """Indexes of the cell styles whose number format is a date or time (a date is a number in .xlsx)."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

    if "xl/styles.xml" not in archive.namelist():
        return set()
    _xml_checked(archive, "xl/styles.xml")
    root = ElementTree.fromstring(archive.read("xl/styles.xml"))  # noqa: S314 - checked: no DTD
    custom = {int(f.get("numFmtId", "0")): f.get("formatCode", "") for f in root.iter(f"{_NS}numFmt")}
    found: set[int] = set()
    xfs = root.find(f"{_NS}cellXfs")
    for index, xf in enumerate(xfs.iter(f"{_NS}xf") if xfs is not None else []):
        fmt_id = int(xf.get("numFmtId", "0"))
        code = custom.get(fmt_id) or BUILTIN_FORMATS.get(fmt_id, "")
        if code and is_date_format(code):
            found.add(index)
    return found


def _xlsx_rows(path: Path, mapping: Mapping) -> tuple[Iterator[tuple[int, list[Any]]], list[tuple[int, int, int, int]]]:
    """The rows of the sheet, streamed straight from its XML (openpyxl's read-only reader builds an object
    per cell and was the import's bottleneck): shared strings, inline strings, numbers, booleans, dates
    (numbers with a date style), cached values of formulas."""
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

    try:
        archive = zipfile.ZipFile(path)
        if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
            archive.close()
            raise ImportFileError(_("文件解压后过大，无法导入。"))
        member, date1904 = _xlsx_sheet_path(archive, mapping.sheet)
        shared = _xlsx_shared_strings(archive)
        date_styles = _xlsx_date_styles(archive)
        merges = _xlsx_merges(archive, member)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, ElementTree.ParseError) as exc:
        if isinstance(exc, ImportFileError):
            raise
        raise ImportFileError(_("无法读取该 .xlsx 文件（文件已损坏或不是 Excel 文件）。")) from None
    fill = mapping.merged_cells == "fill"
    epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900

    def cell_value(cell: Any) -> Any:
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            return "".join(t.text or "" for t in cell.iter(_TAG_T)).strip()
        v = cell.find(_TAG_V)
        text = v.text if v is not None else None
        if text is None:
            return ""
        if kind == "s":
            return shared[int(text)].strip()
        if kind in ("str", "e"):
            return text.strip()
        if kind == "b":
            return "是" if text == "1" else "否"
        if kind == "d":
            return datetime.fromisoformat(text)
        number = float(text)
        if date_styles and int(cell.get("s", "0")) in date_styles:
            return from_excel(number, epoch)
        return str(int(number)) if number.is_integer() else text

    def rows() -> Iterator[tuple[int, list[Any]]]:
        # Merged ranges keep their value in the top-left cell only: copied to every cell of the range.
        active: dict[tuple[int, int, int, int], Any] = {}
        counter = 0
        try:
            with archive, archive.open(member) as handle:
                values: list[Any] = []
                for _event, element in ElementTree.iterparse(handle):  # noqa: S314 - no DTD (_xlsx_merges)
                    tag = element.tag
                    if tag == _TAG_C:
                        ref = _CELL_REF.match(element.get("r", ""))
                        column = _col_index(ref.group(1).encode()) if ref else len(values) + 1
                        if len(values) < column - 1:
                            values += [""] * (column - 1 - len(values))
                        values.append(cell_value(element))
                    elif tag == _TAG_ROW:
                        counter = int(element.get("r") or counter + 1)
                        element.clear()
                        row, values = values, []
                        if fill and merges:
                            _merge_fill(row, counter, merges, active)
                        yield counter, row
        except (zipfile.BadZipFile, KeyError, ValueError, EOFError, ElementTree.ParseError) as exc:
            raise ImportFileError(_("读取 .xlsx 文件时出错（文件可能已损坏）：%(e)s") % {"e": exc}) from None

    return rows(), merges


def _merge_fill(values: list[Any], number: int, merges: list[tuple[int, int, int, int]],
                active: dict[tuple[int, int, int, int], Any]) -> None:
    for rng in merges:
        min_row, min_col, max_row, max_col = rng
        if min_row <= number <= max_row:
            if number == min_row:
                active[rng] = values[min_col - 1] if min_col - 1 < len(values) else ""
            if len(values) < max_col:
                values += [""] * (max_col - len(values))
            for col in range(min_col, max_col + 1):
                if values[col - 1] in ("", None):
                    values[col - 1] = active.get(rng, "")


def _xlsx_merges(archive: zipfile.ZipFile, member: str) -> list[tuple[int, int, int, int]]:
    """The merged ranges of a sheet, read from its XML with a byte pattern in one streamed pass (the
    <mergeCells> list comes after the cells), which also refuses a document type declaration."""
    found: list[tuple[int, int, int, int]] = []
    with archive.open(member) as handle:
        tail = b""
        while True:
            chunk = handle.read(1024 * 1024)
            if not chunk:
                break
            data = tail + chunk
            if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
                raise ImportFileError(_("该 .xlsx 文件含有不允许的 XML 声明（DOCTYPE），拒绝导入。"))
            last = 0
            for match in _MERGE_RE.finditer(data):
                a_col, a_row, b_col, b_row = match.groups()
                found.append((int(a_row), _col_index(a_col), int(b_row), _col_index(b_col)))
                last = match.end()
            tail = data[max(last, len(data) - 200):]
    return found


# --- .csv --------------------------------------------------------------------------------------------

def csv_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) if the whole file decodes as such, else GB18030 (a superset of GBK, what
    Chinese Excel writes), else ``ImportFileError``. Decoded incrementally: memory stays flat."""
    with path.open("rb") as handle:
        head = handle.read(8192)
    if b"\x00" in head:
        raise ImportFileError(_("该文件不是文本文件（可能是 UTF-16 或二进制文件），请另存为 UTF-8 或 GBK 编码的 CSV。"))
    for encoding in CSV_ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as handle:
                while chunk := handle.read(1024 * 1024):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ImportFileError(_("无法识别文件编码：既不是 UTF-8 也不是 GBK/GB18030。请在 Excel 中另存为“CSV UTF-8”后再导入。"))


def _csv_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    encoding = csv_encoding(path)
    with path.open(encoding=encoding, newline="") as handle:
        sample = handle.read(64 * 1024)
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel

    def rows() -> Iterator[tuple[int, list[Any]]]:
        with path.open(encoding=encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=dialect.delimiter, quotechar='"', doublequote=True)
            try:
                # The record number is the row Excel shows when it opens the file.
                for number, record in enumerate(reader, start=1):
                    yield number, [v.strip() for v in record]
            except csv.Error as exc:
                raise ImportFileError(_("CSV 文件第 %(row)d 行格式有误：%(e)s")
                                      % {"row": reader.line_num, "e": exc}) from None

    return rows()
