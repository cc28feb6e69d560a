"""The holiday calendar in the database: the seed after migrate, `xinfang calendar load|seed|years|show`,
refused files, and the recomputation of provisional deadlines when a year is loaded (DOMAIN.md,
"Counting days": the package stops at 2026, the admin loads later years)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.db import connections

from tests.conftest import VALID_ID, at
from xinfang.cases.models import Case, CaseDeadline
from xinfang.core.clock import clock_at
from xinfang.core.errors import ValidationFailed
from xinfang.core.models import AuditEntry
from xinfang.core.workdays import Due
from xinfang.deadlines.models import CalendarDay, CalendarYear
from xinfang.deadlines.selectors import calendar_years_loaded, work_calendar
from xinfang.deadlines.services import (
    CalendarRow,
    calendar_load,
    calendar_parse_file,
    deadline_compute,
    deadlines_mark_overdue,
)

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "docs" / "examples" / "calendar-2027-example.csv"

# A 2027 calendar for the tests (assumed, not the official one): New Year's Day on Friday 01-01, and a
# Spring Festival with a make-up Saturday.
CSV_2027 = """\
# test calendar, not official
date,kind,name
2027-01-01,holiday,元旦
2027-02-05,holiday,春节
2027-02-08,holiday,春节
2027-02-20,workday,春节
"""


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def snapshot() -> tuple[list, list, int]:
    return (list(CalendarYear.objects.values_list("year", "source", "loaded_at")),
            list(CalendarDay.objects.values_list("date", "kind", "name")),
            AuditEntry.objects.filter(action="calendar.load").count())


def deadline(case: Case, kind: str) -> tuple[date, bool]:
    row = CaseDeadline.objects.get(case=case, kind=kind)
    return row.due_date, row.provisional


# --- The seed ---------------------------------------------------------------------------------------

def test_years_2004_to_2026_are_official_after_migrate():
    assert calendar_years_loaded() == list(range(2004, 2027))
    assert CalendarYear.objects.get(year=2026).source.startswith("chinese-calendar")
    # National Day 2026 and its make-up Saturday (DOMAIN.md), with the package's Chinese names.
    assert CalendarDay.objects.get(date=date(2026, 10, 1)).kind == CalendarDay.Kind.HOLIDAY
    make_up = CalendarDay.objects.get(date=date(2026, 10, 10))
    assert (make_up.kind, make_up.name) == (CalendarDay.Kind.WORKDAY, "国庆节")
    # Only make-up days on a weekend are stored (a weekday is a working day anyway).
    assert all(day.weekday() >= 5 for day in
               CalendarDay.objects.filter(kind=CalendarDay.Kind.WORKDAY).values_list("date", flat=True))
    calendar = work_calendar()
    assert calendar.known_years == frozenset(range(2004, 2027))
    assert calendar.is_workday(date(2026, 10, 10)) and not calendar.is_workday(date(2026, 10, 7))


def test_deadline_into_2027_is_provisional_until_loaded():
    # 信访工作条例 Art. 22: 15 days from receipt; 2026-12-20 + 15 lands in 2027, not loaded yet.
    assert deadline_compute(start=date(2026, 12, 20), days=15, counting="calendar") == Due(date(2027, 1, 4), True)
    # 信访工作条例 Art. 23: the DOMAIN.md example from the database calendar.
    assert deadline_compute(start=date(2026, 9, 30), days=5, counting="working") == Due(date(2026, 10, 13), False)


# --- calendar load -----------------------------------------------------------------------------------

def test_load_csv(tmp_path):
    out = run("calendar", "load", str(write(tmp_path, "calendar-2027.csv", CSV_2027)))
    assert "已载入年份：2027" in out
    assert "节假日和调休上班日：4 天" in out
    assert "重新计算的期限：0 个" in out
    assert CalendarYear.objects.get(year=2027).source == "file calendar-2027.csv"
    assert CalendarDay.objects.filter(date__year=2027).count() == 4
    assert CalendarDay.objects.get(date=date(2027, 2, 20)).kind == CalendarDay.Kind.WORKDAY
    # The next computation sees the new year at once: 12-17 + 15 = 01-01, a holiday now → Monday 01-04.
    assert deadline_compute(start=date(2026, 12, 17), days=15, counting="calendar") == Due(date(2027, 1, 4), False)
    # The admin's act is audited (the seed of a new database is not: nobody did it).
    entry = AuditEntry.objects.get(action="calendar.load")
    assert (entry.username, entry.object_type, entry.object_id) == ("system", "deadlines.calendaryear", "2027")


def test_load_json_with_a_declared_year_without_rows(tmp_path):
    data = {"years": [2027, 2028], "days": [
        {"date": "2027-01-01", "kind": "holiday", "name": "元旦"},
        {"date": "2027-02-20", "kind": "workday"},
    ]}
    out = run("calendar", "load", str(write(tmp_path, "cal.json", json.dumps(data, ensure_ascii=False))),
              "--source", "国办发明电〔2026〕X号")
    assert "已载入年份：2027, 2028" in out
    assert "节假日和调休上班日：2 天" in out
    assert CalendarYear.objects.get(year=2028).source == "国办发明电〔2026〕X号"
    assert not CalendarDay.objects.filter(date__year=2028).exists()
    assert CalendarDay.objects.get(date=date(2027, 2, 20)).name == ""


def test_csv_years_line_declares_a_year(tmp_path):
    out = run("calendar", "load", str(write(tmp_path, "c.csv", "# a comment, with commas\n#years: 2027, 2028\n")))
    assert "已载入年份：2027, 2028" in out
    assert {2027, 2028} <= set(calendar_years_loaded())


def test_example_file_loads():
    # docs/examples: the comment lines (which say it is not the official calendar) are skipped.
    rows, years = calendar_parse_file(EXAMPLE)
    assert years == [2027]
    assert len(rows) == 27
    assert EXAMPLE.read_text(encoding="utf-8").startswith("# 示例文件")
    out = run("calendar", "load", str(EXAMPLE))
    assert "已载入年份：2027" in out
    assert "节假日和调休上班日：27 天" in out


def test_csv_saved_by_a_spreadsheet(tmp_path):
    # UTF-8 with a byte-order mark and CRLF line ends, as spreadsheet programs write "CSV UTF-8".
    content = "\ufeffdate,kind,name\r\n2027-01-01,holiday,元旦\r\n2027-02-20,workday,春节\r\n"
    rows, years = calendar_parse_file(write(tmp_path, "excel.csv", content.encode("utf-8")))
    assert years == [2027]
    assert rows == [CalendarRow(date(2027, 1, 1), "holiday", "元旦", line=2),
                    CalendarRow(date(2027, 2, 20), "workday", "春节", line=3)]


def test_csv_name_with_comma_quoted(tmp_path):
    rows, _years = calendar_parse_file(write(tmp_path, "q.csv", '2027-01-01,holiday,"元旦, 新年"\n'))
    assert rows == [CalendarRow(date(2027, 1, 1), "holiday", "元旦, 新年", line=1)]


BAD_FILES = [
    # (file name, content, what the error must name)
    ("bad-date.csv", "date,kind,name\n2027-13-01,holiday,x\n", ["第 2 行", "2027-13-01"]),
    ("not-iso.csv", "2027/01/01,holiday,元旦\n", ["第 1 行", "YYYY-MM-DD"]),
    ("unknown-kind.csv", "2027-01-01,vacation,元旦\n", ["第 1 行", "vacation"]),
    ("missing-kind.csv", "2027-01-01\n", ["第 1 行", "holiday 或 workday"]),
    ("workday-on-weekday.csv", "# comment\n2027-01-04,workday,调休\n", ["第 2 行", "2027-01-04", "本来就是工作日"]),
    ("duplicate.csv", "2027-01-01,holiday,元旦\n2027-01-01,holiday,元旦\n", ["第 2 行", "重复"]),
    ("gbk.csv", "2027-01-01,holiday,元旦\n".encode("gbk"), ["UTF-8"]),
    ("empty.csv", "", ["空"]),
    ("only-comments.csv", "# nothing here\ndate,kind,name\n", ["空"]),
    ("bad-years-line.csv", "#years: 2O27\n", ["第 1 行", "2O27"]),
    ("year-out-of-range.csv", "1999-01-01,holiday,x\n", ["第 1 行", "1999"]),
    ("not-an-object.json", "[1, 2]", ["JSON"]),
    ("not-json.json", "{years: 2027}", ["JSON"]),
    ("days-not-a-list.json", '{"years": [2027], "days": {"2027-01-01": "holiday"}}', ["JSON"]),
    ("item-not-an-object.json", '{"years": [2027], "days": ["2027-01-01"]}', ["第 1 项"]),
    ("json-bad-date.json", '{"days": [{"date": "01/01/2027", "kind": "holiday"}]}', ["第 1 行", "01/01/2027"]),
    ("json-empty.json", '{"years": [], "days": []}', ["空"]),
]


@pytest.mark.parametrize(("name", "content", "expected"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_files_are_refused_and_change_nothing(tmp_path, name, content, expected):
    before = snapshot()
    with pytest.raises(CommandError) as error:
        run("calendar", "load", str(write(tmp_path, name, content)))
    for text in expected:
        assert text in str(error.value)
    assert snapshot() == before


def test_every_bad_row_is_reported_at_once(tmp_path):
    content = ("date,kind,name\n"
               "2027-01-01,holiday,元旦\n"     # line 2: good
               "2027-02-30,holiday,春节\n"     # line 3: no such day
               "2027-02-05,rest,春节\n"        # line 4: unknown kind
               "2027-02-08,workday,春节\n"     # line 5: Monday is a working day anyway
               "2027-01-01,holiday,元旦\n")    # line 6: duplicate
    before = snapshot()
    with pytest.raises(CommandError) as error:
        run("calendar", "load", str(write(tmp_path, "many.csv", content)))
    message = str(error.value)
    assert message.startswith("日历文件有错误，未做任何修改。")
    for line in ("第 3 行", "第 4 行", "第 5 行", "第 6 行"):
        assert line in message
    assert "第 2 行" not in message
    assert snapshot() == before


def test_missing_file(tmp_path):
    with pytest.raises(CommandError, match="无法读取"):
        run("calendar", "load", str(tmp_path / "nope.csv"))


def test_json_day_outside_its_years_is_refused(tmp_path):
    data = {"years": [2027], "days": [{"date": "2028-01-01", "kind": "holiday"}]}
    before = snapshot()
    with pytest.raises(CommandError, match="不属于所载年份"):
        run("calendar", "load", str(write(tmp_path, "c.json", json.dumps(data))))
    assert snapshot() == before


def test_calendar_load_service_refuses_bad_years():
    with pytest.raises(ValidationFailed):
        calendar_load(rows=[], years=[], source="test")
    with pytest.raises(ValidationFailed):
        calendar_load(rows=[], years=[20277], source="test")


# --- Recomputing deadlines --------------------------------------------------------------------------

def test_loading_2027_recomputes_provisional_deadlines(flow, api, tmp_path):
    # Registered in late December: the 15-day routing deadline (信访工作条例 Art. 22) ends in 2027.
    early = flow.register("2026-12-17 10:00")          # 12-17 + 15 = Fri 2027-01-01
    plain = flow.register("2026-11-02 10:00")          # 11-17, all in 2026
    with clock_at(at("2026-12-20 10:00")):
        r = api("registrar").post("/api/v1/cases/", {
            "channel": "letter", "received_at": "2026-12-20T10:00:00+08:00", "matter_type": "claim",
            "title": "小区电梯长期故障", "content": "我住在江川路某小区，电梯已经坏了三个月，物业一直不修。",
            "petitioners": [{"name": "李四", "id_number": VALID_ID, "phone": "13812345678"}],
            "category": "ZFBZ", "street": "MH-JCL", "force_new": True,
        }, format="json")
        assert r.status_code == 201, r.json()
        late = Case.objects.get(pk=r.json()["id"])
        detail = api("officer").get(f"/api/v1/cases/{late.pk}/").json()
    assert detail["deadlines"]["route_by"] == {"date": "2027-01-04", "provisional": True}
    # Routed on 12-28: objection within 5 working days (Art. 23) — 12-29, 12-30, 12-31, 01-01, 01-04
    # by weekends only; the acceptance notice within 15 days (Art. 23) — Tue 2027-01-12.
    routed = flow.register("2026-12-28 09:00")
    flow.route(routed, "2026-12-28 10:00")
    assert deadline(early, "route_by") == (date(2027, 1, 1), True)
    assert deadline(late, "route_by") == (date(2027, 1, 4), True)
    assert deadline(plain, "route_by") == (date(2026, 11, 17), False)
    assert deadline(routed, "object_by") == (date(2027, 1, 4), True)
    assert deadline(routed, "accept_by") == (date(2027, 1, 12), True)

    with clock_at(at("2026-12-28 16:00")):
        out = run("calendar", "load", str(write(tmp_path, "calendar-2027.csv", CSV_2027)))

    # Five: the three routing deadlines in 2027 (one of them already met), object_by and accept_by.
    assert "重新计算的期限：5 个" in out
    assert deadline(routed, "route_by") == (date(2027, 1, 12), False)
    # 2027-01-01 is a holiday: rolled over the weekend to Monday 01-04.
    assert deadline(early, "route_by") == (date(2027, 1, 4), False)
    # Same day, now final.
    assert deadline(late, "route_by") == (date(2027, 1, 4), False)
    assert deadline(plain, "route_by") == (date(2026, 11, 17), False)
    # 01-01 no longer counts as a working day: 12-29, 12-30, 12-31, 01-04, 01-05.
    assert deadline(routed, "object_by") == (date(2027, 1, 5), False)
    assert deadline(routed, "accept_by") == (date(2027, 1, 12), False)
    with clock_at(at("2026-12-28 16:00")):
        detail = api("officer").get(f"/api/v1/cases/{late.pk}/").json()
    assert detail["deadlines"]["route_by"] == {"date": "2027-01-04", "provisional": False}


def test_recompute_clears_overdue_when_the_real_deadline_has_not_passed(flow, tmp_path):
    # Routed on 12-17: the acceptance notice is due 15 days later (信访工作条例 Art. 23), Friday
    # 2027-01-01 by weekends only. On 01-02 the sweep marks it overdue; the official calendar then says
    # 01-01 was a holiday, so the unit has until Monday 01-04 and is not late.
    case = flow.register("2026-12-17 09:00")
    flow.route(case, "2026-12-17 10:00")
    with clock_at(at("2027-01-02 08:00")):
        assert deadlines_mark_overdue() == 1   # accept_by (object_by lapses, it is never overdue)
        assert CaseDeadline.objects.get(case=case, kind="accept_by").overdue_at is not None
        run("calendar", "load", str(write(tmp_path, "calendar-2027.csv", CSV_2027)))
    row = CaseDeadline.objects.get(case=case, kind="accept_by")
    assert (row.due_date, row.provisional, row.overdue_at) == (date(2027, 1, 4), False, None)


def test_reloading_a_year_replaces_it(flow, tmp_path):
    run("calendar", "load", str(write(tmp_path, "v1.csv", CSV_2027)))
    days_2026 = list(CalendarDay.objects.filter(date__year=2026).values_list("date", "kind", "name"))
    waiting = flow.register("2026-12-20 10:00")       # route_by Monday 2027-01-04, final
    done = flow.register("2026-12-20 11:00")
    flow.route(done, "2026-12-21 10:00")              # its route_by is met
    assert deadline(waiting, "route_by") == (date(2027, 1, 4), False)

    # The admin corrects 2027: 01-04 is a day off as well; the February rows were wrong and are dropped.
    corrected = "2027-01-01,holiday,元旦\n2027-01-04,holiday,元旦\n"
    out = run("calendar", "load", str(write(tmp_path, "v2.csv", corrected)), "--source", "corrected")

    assert "节假日和调休上班日：2 天" in out
    assert list(CalendarDay.objects.filter(date__year=2027).values_list("date", flat=True)) == [
        date(2027, 1, 1), date(2027, 1, 4)]
    assert CalendarYear.objects.get(year=2027).source == "corrected"
    # Other years are untouched.
    assert list(CalendarDay.objects.filter(date__year=2026).values_list("date", "kind", "name")) == days_2026
    # A deadline still running follows the corrected calendar; one already met keeps its date.
    assert deadline(waiting, "route_by") == (date(2027, 1, 5), False)
    assert deadline(done, "route_by") == (date(2027, 1, 4), False)
    assert "重新计算的期限：1 个" in out


# --- calendar seed | years | show ---------------------------------------------------------------------

def test_seed_only_missing_keeps_corrections(tmp_path):
    run("calendar", "load", str(write(tmp_path, "2026.csv", "2026-10-01,holiday,国庆节\n")), "--source", "admin")
    CalendarDay.objects.filter(date__year=2025).delete()
    CalendarYear.objects.filter(year=2025).delete()

    out = run("calendar", "seed", "--only-missing")

    assert "已载入年份：2025" in out
    assert CalendarYear.objects.get(year=2026).source == "admin"
    assert CalendarDay.objects.filter(date__year=2026).count() == 1
    assert CalendarDay.objects.get(date=date(2025, 10, 11)).kind == CalendarDay.Kind.WORKDAY
    assert "都已载入" in run("calendar", "seed", "--only-missing")


def test_seed_replaces_every_package_year(tmp_path):
    run("calendar", "load", str(write(tmp_path, "2026.csv", "2026-10-01,holiday,国庆节\n")), "--source", "admin")
    out = run("calendar", "seed")
    assert "已载入年份：2004, 2005" in out and "2026" in out
    entry = AuditEntry.objects.filter(action="calendar.load").latest("id")
    assert entry.object_id == "2004-2026" and entry.detail["years"] == list(range(2004, 2027))
    assert CalendarYear.objects.get(year=2026).source.startswith("chinese-calendar")
    assert CalendarDay.objects.get(date=date(2026, 10, 10)).kind == CalendarDay.Kind.WORKDAY


def test_years(flow):
    flow.register("2026-12-20 10:00")   # one provisional routing deadline
    with clock_at(at("2026-11-25 09:00")):
        out = run("calendar", "years")
    lines = out.splitlines()
    assert lines[0].startswith("2004  ")
    line_2026 = next(line for line in lines if line.startswith("2026  "))
    assert "chinese-calendar" in line_2026 and "调休上班 6 天" in line_2026
    assert "未载入：2027" in out
    assert "暂定的未到期期限：1 个" in out


def test_years_when_next_year_loaded(tmp_path):
    run("calendar", "load", str(write(tmp_path, "c.csv", CSV_2027)))
    with clock_at(at("2026-11-25 09:00")):
        out = run("calendar", "years")
    assert "2027  休息日 3 天，调休上班 1 天" in out
    assert "未载入" not in out


def test_show():
    out = run("calendar", "show", "2026")
    assert out.splitlines()[0].startswith("2026 年官方日历（来源：chinese-calendar")
    assert "2026-10-01 周四 休息日 国庆节" in out
    assert "2026-10-10 周六 调休上班 国庆节" in out
    assert "2026-02-14 周六 调休上班 春节" in out
    assert "2025-" not in out


def test_show_unknown_year():
    with pytest.raises(CommandError, match="2027 年的官方日历尚未载入"):
        run("calendar", "show", "2027")


def test_show_year_without_days(tmp_path):
    run("calendar", "load", str(write(tmp_path, "c.csv", "#years: 2027\n")))
    assert "没有节假日或调休上班日" in run("calendar", "show", "2027")


# --- Exit codes --------------------------------------------------------------------------------------

def _main(monkeypatch, capsys, *argv: str) -> tuple[int, str, str]:
    """Run ``xinfang ARGV`` in this process, as the console script does; returns (exit code, out, err)."""
    # run_from_argv closes every connection when done; the test's own connection must survive.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    code = 0
    try:
        ManagementUtility(["xinfang", *argv]).execute()
    except SystemExit as exc:
        code = exc.code or 0
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_exit_codes(monkeypatch, capsys, tmp_path):
    good = write(tmp_path, "good.csv", CSV_2027)
    bad = write(tmp_path, "bad.csv", "2027-01-01,vacation,x\n2027-01-04,workday,x\n")
    code, out, _err = _main(monkeypatch, capsys, "calendar", "load", str(good))
    assert code == 0 and "已载入年份：2027" in out
    code, _out, err = _main(monkeypatch, capsys, "calendar", "load", str(bad))
    assert code == 1
    assert "第 1 行" in err and "第 2 行" in err
    code, _out, err = _main(monkeypatch, capsys, "calendar", "show", "2030")
    assert code == 1 and "2030" in err
    code, out, _err = _main(monkeypatch, capsys, "calendar", "years")
    assert code == 0 and "2027" in out


@pytest.mark.slow
def test_console_script_exit_codes(tmp_path):
    """The real `xinfang` entry point in a subprocess against a fresh SQLite file."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    xinfang = [sys.executable, "-c", "from xinfang.cli import main; main()"]

    def cli(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run([*xinfang, *argv], env=env, cwd=REPO, capture_output=True, text=True,  # noqa: S603
                              timeout=300, check=False)

    assert cli("migrate", "--noinput", "-v", "0").returncode == 0
    years = cli("calendar", "years")
    assert years.returncode == 0 and "2026  " in years.stdout
    bad = cli("calendar", "load", str(write(tmp_path, "bad.csv", "2027-01-01,vacation,x\n")))
    assert bad.returncode == 1 and "第 1 行" in bad.stderr
    good = cli("calendar", "load", str(EXAMPLE))
    assert good.returncode == 0 and "已载入年份：2027" in good.stdout
    sweep = cli("deadlines", "sweep", "--today", "2026-13-01")
    assert sweep.returncode == 1 and "YYYY-MM-DD" in sweep.stderr
    sweep = cli("deadlines", "sweep", "--today", "2026-12-01")
    assert sweep.returncode == 0 and "标记逾期的期限：0 个" in sweep.stdout
