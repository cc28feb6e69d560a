"""Files to import: a small ledger (信访台账) and a 12345 export, written as .csv (any encoding) or .xlsx
(optionally with a title row above the header and merged cells)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import VALID_ID

LEDGER_HEADER = ["编号", "来信来访日期", "信访人", "身份证号", "联系电话", "住址", "反映问题", "问题类别", "信访形式", "人数"]
HOTLINE_HEADER = ["工单编号", "来电时间", "来电人", "联系电话", "诉求标题", "诉求内容", "所属街道", "问题分类", "诉求类型"]
# Valid GB 11643 numbers other than conftest's.
ID_A = "310112198506120027"[:17] + "X"


def ledger_rows(n: int = 3) -> list[list[str]]:
    """``n`` valid ledger rows with different people and matters."""
    people = [("张三", VALID_ID, "13812345678"), ("李四", "", "021-54321234"), ("王五", "", "")]
    texts = ["小区电梯长期故障无人维修，要求尽快修复", "公司拖欠工资三个月未发，要求支付", "楼下饭店油烟扰民，影响休息"]
    categories = ["物业管理", "劳动保障", "住房保障"]
    rows = []
    for i in range(n):
        name, id_number, phone = people[i % 3]
        rows.append([f"TZ-{i + 1:04d}", f"2026-03-{(i % 27) + 1:02d}", f"{name}{i // 3 or ''}",
                     id_number if i < 3 else "", phone, "闵行区江川路1号", f"{texts[i % 3]}（第{i + 1}件）",
                     categories[i % 3], "来信", "1"])
    return rows


def write_csv(path: Path, header: list[str], rows: list[list[str]], *, encoding: str = "utf-8",
              delimiter: str = ",") -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list[object]], *, title: str = "",
               merges: tuple[str, ...] = ()) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for ref in merges:
        sheet.merge_cells(ref)
    workbook.save(path)
    return path


@pytest.fixture
def streets(district):
    return district


@pytest.fixture
def ledger_csv(tmp_path, categories) -> Path:
    return write_csv(tmp_path / "台账.csv", LEDGER_HEADER, ledger_rows(3))
