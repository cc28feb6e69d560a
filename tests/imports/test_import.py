"""The import service: every row checked before anything is written, all or nothing per file, a row-level
report (file, row as Excel shows it, column, reason), idempotent by the source's own id, dry runs."""

from __future__ import annotations

import pytest

from tests.conftest import VALID_ID
from tests.imports.conftest import HOTLINE_HEADER, LEDGER_HEADER, ledger_rows, write_csv, write_xlsx
from xinfang.cases.models import Case, CaseEvent, Petitioner
from xinfang.core.errors import Forbidden
from xinfang.core.models import AuditEntry
from xinfang.imports import services
from xinfang.imports.mapping import mappings_shipped
from xinfang.imports.models import ImportedRecord
from xinfang.imports.services import import_analyse, import_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger():
    return mappings_shipped()["ledger"]


def _counts() -> tuple[int, int, int, int]:
    return (Case.objects.count(), Petitioner.objects.count(), ImportedRecord.objects.count(),
            AuditEntry.objects.count())


def test_a_ledger_is_imported(tmp_path, categories, personas, ledger):
    path = write_csv(tmp_path / "台账.csv", LEDGER_HEADER, ledger_rows(6))
    report = import_run(path=path, mapping=ledger, actor=personas["registrar"])
    assert report.ok and report.written and report.new == 6
    cases = list(Case.objects.order_by("number"))
    assert [c.channel for c in cases] == ["letter"] * 6
    assert cases[0].category == categories["property"]  # 物业管理 mapped to 物业服务
    assert cases[1].category == categories["labour"]
    assert cases[0].title == "小区电梯长期故障无人维修，要求尽快修复（第1件）"  # from the content
    assert all(c.registered_by == personas["registrar"] and c.status == Case.Status.REGISTERED for c in cases)
    records = ImportedRecord.objects.order_by("source_id")
    assert [r.source_id for r in records] == [f"TZ-{i:04d}" for i in range(1, 7)]
    assert {r.source for r in records} == {"ledger"} and {r.file_hash for r in records} == {report.file_hash}
    assert AuditEntry.objects.filter(action="import.file").count() == 1


def test_one_bad_row_writes_nothing_and_every_error_is_reported(tmp_path, categories, personas, ledger):
    rows = ledger_rows(6)
    rows[1][3] = VALID_ID[:-1] + "0"  # check digit wrong
    rows[2][1] = "2026-02-30"         # no such day
    rows[3][7] = "外星人问题"          # unknown category
    rows[4][4] = "12345"              # no phone number
    rows[5][2] = ""                   # no name
    path = write_xlsx(tmp_path / "bad.xlsx", LEDGER_HEADER, rows)
    before = _counts()
    report = import_run(path=path, mapping=ledger, actor=personas["registrar"])
    assert not report.ok and not report.written
    assert _counts() == before
    found = {(e.row, e.column) for e in report.errors}
    assert found == {(3, "身份证号"), (4, "来信来访日期"), (5, "问题类别"), (6, "联系电话"), (7, "信访人")}
    assert all(e.file == "bad.xlsx" for e in report.errors)
    assert any("校验位" in e.message for e in report.errors)


def test_errors_are_capped_but_counted(tmp_path, categories, personas, ledger, monkeypatch):
    monkeypatch.setattr(services, "MAX_ERRORS", 2)
    rows = ledger_rows(5)
    for row in rows:
        row[1] = "昨天"
    report = import_analyse(path=write_csv(tmp_path / "a.csv", LEDGER_HEADER, rows), mapping=ledger)
    assert report.error_total == 5 and len(report.errors) == 2


def test_duplicate_source_ids_in_a_file_are_errors(tmp_path, categories, ledger):
    rows = ledger_rows(3)
    rows[2][0] = rows[0][0]
    report = import_analyse(path=write_csv(tmp_path / "a.csv", LEDGER_HEADER, rows), mapping=ledger)
    assert [(e.row, e.column) for e in report.errors] == [(4, "编号")]
    assert "第 2 行" in report.errors[0].message


def test_reimporting_changes_nothing(tmp_path, categories, personas, ledger):
    path = write_csv(tmp_path / "a.csv", LEDGER_HEADER, ledger_rows(4))
    first = import_run(path=path, mapping=ledger, actor=personas["registrar"])
    assert first.new == 4
    before = _counts()
    again = import_run(path=path, mapping=ledger, actor=personas["officer"])
    assert (again.new, again.already, again.written, again.ok) == (0, 4, False, True)
    assert _counts() == before
    # A longer version of the same ledger: only the new rows are added.
    longer = write_csv(tmp_path / "b.csv", LEDGER_HEADER, ledger_rows(6))
    third = import_run(path=longer, mapping=ledger, actor=personas["registrar"])
    assert (third.new, third.already) == (2, 4)
    assert Case.objects.count() == 6


def test_dry_run_writes_nothing(tmp_path, categories, personas, ledger):
    path = write_csv(tmp_path / "a.csv", LEDGER_HEADER, ledger_rows(4))
    before = _counts()
    report = import_run(path=path, mapping=ledger, actor=personas["registrar"], dry_run=True)
    assert report.ok and report.new == 4 and not report.written
    assert _counts() == before


def test_only_registrars_and_officers_import(tmp_path, categories, personas, ledger):
    path = write_csv(tmp_path / "a.csv", LEDGER_HEADER, ledger_rows(2))
    with pytest.raises(Forbidden):
        import_run(path=path, mapping=ledger, actor=personas["handler"])
    assert Case.objects.count() == 0


def test_a_changed_file_is_refused(tmp_path, categories, personas, ledger):
    from xinfang.core.errors import ValidationFailed

    path = write_csv(tmp_path / "a.csv", LEDGER_HEADER, ledger_rows(2))
    with pytest.raises(ValidationFailed):
        import_run(path=path, mapping=ledger, actor=personas["registrar"], expected_hash="0" * 64)
    assert Case.objects.count() == 0


def test_hotline_export_with_streets_and_matter_types(tmp_path, categories, district, personas):
    rows = [["GD2026030100001", "2026-03-01 08:15:00", "赵六", "13900001111", "噪声扰民", "夜间施工噪声扰民",
             "江川路街道", "环保", "投诉"],
            ["GD2026030100002", "2026/03/01 09:20", "钱七", "", "", "举报某单位违规收费", "莘庄镇", "", "举报"]]
    path = write_csv(tmp_path / "12345.csv", HOTLINE_HEADER, rows, encoding="gbk")
    mapping = mappings_shipped()["hotline-12345"]
    report = import_analyse(path=path, mapping=mapping)
    assert [(e.row, e.column) for e in report.errors] == [(2, "问题分类")]  # 环境保护 is not in this district
    rows[0][7] = "物业管理"
    path = write_csv(tmp_path / "12345.csv", HOTLINE_HEADER, rows, encoding="gbk")
    report = import_run(path=path, mapping=mapping, actor=personas["officer"])
    assert report.written
    first, second = Case.objects.order_by("number")
    assert (first.channel, first.matter_type, first.street, first.category) == (
        "hotline", "claim", district["street"], categories["property"])
    assert (second.matter_type, second.street, second.title) == ("accusation", district["street2"], "举报某单位违规收费")


def test_group_visits_need_representatives(tmp_path, categories, personas, ledger):
    rows = ledger_rows(1)
    rows[0][8], rows[0][9] = "来访", "30"
    report = import_analyse(path=write_csv(tmp_path / "a.csv", LEDGER_HEADER, rows), mapping=ledger)
    assert [(e.row, e.column) for e in report.errors] == [(2, "人数")]
    header = [*LEDGER_HEADER, "代表"]
    rows[0].append("张三、李四")
    report = import_run(path=write_csv(tmp_path / "b.csv", header, rows), mapping=ledger, actor=personas["registrar"])
    assert report.written
    case = Case.objects.get()
    assert (case.channel, case.group_size) == ("visit", 30)
    assert case.case_petitioners.filter(is_representative=True).count() == 2


def test_repeats_in_the_file_are_linked(tmp_path, categories, personas, ledger):
    rows = ledger_rows(1) * 2
    rows[1] = [*rows[0]]
    rows[1][0], rows[1][1] = "TZ-0002", "2026-03-05"
    report = import_run(path=write_csv(tmp_path / "a.csv", LEDGER_HEADER, rows), mapping=ledger,
                        actor=personas["registrar"])
    assert report.linked == 1
    first, second = Case.objects.order_by("number")
    assert (second.status, second.repeat_of) == (Case.Status.LINKED, first)
    assert list(CaseEvent.objects.filter(case=first).values_list("action", flat=True)) == [
        "registered", "repeat_received"]
    assert Petitioner.objects.count() == 1


def test_large_files_are_read_again_while_written(tmp_path, categories, personas, ledger, monkeypatch):
    """Beyond KEEP_ROWS new rows the checked rows are not kept in memory: the file is streamed a second time
    inside the transaction, with the same result."""
    monkeypatch.setattr(services, "KEEP_ROWS", 2)
    monkeypatch.setattr(services, "WRITE_CHUNK", 4)
    path = write_csv(tmp_path / "a.csv", LEDGER_HEADER, ledger_rows(9))
    report = import_run(path=path, mapping=ledger, actor=personas["registrar"])
    assert report.written and report.new == 9
    assert Case.objects.count() == 9 and ImportedRecord.objects.count() == 9
