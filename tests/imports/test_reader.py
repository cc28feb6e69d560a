"""Reading files: .xlsx (title rows, merged cells, empty sheets, broken files) and .csv (UTF-8 with and
without BOM, GBK, sniffed delimiters, wrong encodings); limits give clear errors (SECURITY.md 13)."""

from __future__ import annotations

from datetime import datetime

import openpyxl
import pytest

from tests.imports.conftest import LEDGER_HEADER, ledger_rows, write_csv, write_xlsx
from xinfang.imports.mapping import mapping_parse, mappings_shipped
from xinfang.imports.reader import ImportFileError, csv_encoding, table_open

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger():
    return mappings_shipped()["ledger"]


def _rows(path, mapping, **limits):
    table = table_open(path, mapping=mapping, **limits)
    return table, list(table.rows)


@pytest.mark.parametrize(("encoding", "delimiter"), [("utf-8", ","), ("utf-8-sig", ","), ("gbk", ","),
                                                      ("gb18030", "\t"), ("utf-8", ";")])
def test_csv_encodings_and_delimiters(tmp_path, ledger, encoding, delimiter):
    path = write_csv(tmp_path / "a.csv", LEDGER_HEADER, ledger_rows(3), encoding=encoding, delimiter=delimiter)
    table, rows = _rows(path, ledger)
    assert table.header_row == 1
    assert [number for number, _v in rows] == [2, 3, 4]
    assert rows[0][1]["信访人"] == "张三" and rows[0][1]["编号"] == "TZ-0001"
    assert rows[0][1]["反映问题"].startswith("小区电梯")


def test_csv_detects_gbk_and_refuses_other_encodings(tmp_path, ledger):
    assert csv_encoding(write_csv(tmp_path / "g.csv", LEDGER_HEADER, ledger_rows(1), encoding="gbk")) == "gb18030"
    utf16 = write_csv(tmp_path / "u.csv", LEDGER_HEADER, ledger_rows(1), encoding="utf-16")
    with pytest.raises(ImportFileError, match="UTF-16"):
        table_open(utf16, mapping=ledger)
    broken = tmp_path / "b.csv"
    broken.write_bytes("编号,信访人\n".encode() + b"\xff\xfe\xfa\x80\x80\n")
    with pytest.raises(ImportFileError, match="编码"):
        table_open(broken, mapping=ledger)


def test_xlsx_with_title_row_dates_and_merged_cells_filled(tmp_path, ledger):
    rows = ledger_rows(3)
    rows[0][1] = datetime(2026, 3, 2, 9, 30)
    rows[1][1] = rows[2][1] = None  # merged below: the date of the first row applies to all three
    path = write_xlsx(tmp_path / "台账.xlsx", LEDGER_HEADER, rows, title="2026年信访台账", merges=("B3:B5",))
    table, read = _rows(path, ledger)
    assert table.header_row == 2
    assert [n for n, _v in read] == [3, 4, 5]
    assert all(values["来信来访日期"] == datetime(2026, 3, 2, 9, 30) for _n, values in read)


def test_xlsx_merged_cells_as_errors_when_the_mapping_says_so(tmp_path):
    text = (mappings_shipped()["ledger"].path)
    mapping = mapping_parse(open(text, encoding="utf-8").read().replace('merged_cells = "fill"', 'merged_cells = "error"'))
    rows = ledger_rows(3)
    path = write_xlsx(tmp_path / "m.xlsx", LEDGER_HEADER, rows, merges=("H2:H3",))
    table, _read = _rows(path, mapping)
    assert table.merge_errors and table.merge_errors[0][:2] == (2, "问题类别")


def test_empty_sheet_missing_header_broken_and_old_files(tmp_path, ledger):
    empty = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(empty)
    with pytest.raises(ImportFileError, match="空"):
        table_open(empty, mapping=ledger)
    wrong = write_csv(tmp_path / "w.csv", ["甲", "乙"], [["1", "2"]])
    with pytest.raises(ImportFileError, match="表头"):
        table_open(wrong, mapping=ledger)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ImportFileError, match="xlsx"):
        table_open(broken, mapping=ledger)
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(ImportFileError, match=".xls"):
        table_open(old, mapping=ledger)
    nothing = tmp_path / "nothing.csv"
    nothing.write_bytes(b"")
    with pytest.raises(ImportFileError):
        table_open(nothing, mapping=ledger)


def test_limits_on_bytes_and_rows(tmp_path, ledger):
    path = write_csv(tmp_path / "a.csv", LEDGER_HEADER, ledger_rows(5))
    with pytest.raises(ImportFileError, match="MB"):
        table_open(path, mapping=ledger, max_bytes=100)
    table = table_open(path, mapping=ledger, max_rows=3)
    with pytest.raises(ImportFileError, match="3"):
        list(table.rows)
