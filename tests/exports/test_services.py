"""The export services (xinfang/exports/services.py): masked and full exports, refusals that change
nothing, both formats, progress, scoping through the gateway, expiry, recovery and the audit rows."""

from __future__ import annotations

import csv
import io
import os
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from tests.api.builders import PHONE
from tests.conftest import VALID_ID
from tests.exports.conftest import PHONE_2, VALID_ID_2
from xinfang.accounts.services import user_set_role
from xinfang.cases.models import Case
from xinfang.core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from xinfang.core.models import AuditEntry
from xinfang.exports import services
from xinfang.exports.formats import csv_cell, xlsx_cell
from xinfang.exports.models import ExportJob
from xinfang.exports.services import (
    export_download,
    export_expire_old,
    export_file_path,
    export_recover_stale,
    export_request,
    export_run,
)

FULL_NUMBERS = (VALID_ID, VALID_ID_2, PHONE, PHONE_2, "13900002222", "13900003333")


def _job(actor: Any, run_jobs: Any, **kwargs: Any) -> ExportJob:
    kwargs.setdefault("params", {})
    kwargs.setdefault("background", True)
    with run_jobs():
        plan = export_request(actor=actor, **kwargs)
    assert plan.job is not None
    plan.job.refresh_from_db()
    return plan.job


def _csv_rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, for Excel on Chinese Windows"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def _xlsx_rows(path: Path) -> list[list[Any]]:
    sheet = load_workbook(path).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _numbers(rows: list[list[Any]]) -> set[str]:
    return {r[0] for r in rows}


# -- masked by default -------------------------------------------------------------------------------

def test_masked_xlsx_job_holds_masked_numbers_only(personas, desk, run_jobs):
    job = _job(personas["officer"], run_jobs, file_format="xlsx", params={"q": "物业不作为"})
    assert job.status == ExportJob.Status.DONE and not job.full and not job.personal_data
    rows = _xlsx_rows(export_file_path(job))
    header, data = rows[0], rows[1:]
    assert header[0] == "编号" and header[-2:] == ["身份证号（脱敏）", "电话（脱敏）"]
    assert _numbers(data) == {desk["housing"].number}
    text = repr(rows)
    assert "110101********4514" in text and "138****5678" in text
    assert not [n for n in FULL_NUMBERS if n in text]
    assert job.rows_done == job.rows_total == 1 and job.percent == 100 and job.file_size > 0
    assert oct(export_file_path(job).stat().st_mode & 0o777) == "0o600"


def test_full_csv_job_has_clear_numbers_a_notice_and_audit_rows(personas, desk, run_jobs):
    officer = personas["officer"]
    job = _job(officer, run_jobs, file_format="csv", full=True, reason="核对信访人联系方式", params={"unit": "MH-FGJ"},
               sort="number")
    assert job.status == ExportJob.Status.DONE and job.full and job.personal_data
    rows = _csv_rows(export_file_path(job))
    notice, header, data = rows[0], rows[1], rows[2:]
    assert "个人信息" in notice[0] and "officer" in notice[0] and "核对信访人联系方式" in notice[0]
    assert header[-2:] == ["身份证号", "电话"]
    assert [r[0] for r in data] == sorted([desk["housing"].number, desk["housing_2"].number])
    by_number = {r[0]: r for r in data}
    assert by_number[desk["housing"].number][-2:] == [VALID_ID, PHONE]
    assert by_number[desk["housing_2"].number][-2:] == [VALID_ID_2, PHONE_2]
    requested = AuditEntry.objects.get(action="export.request")
    assert requested.detail["reason"] == "核对信访人联系方式" and requested.detail["full"] is True
    assert requested.detail["filter"] == {"unit": "MH-FGJ"} and requested.object_id == str(job.pk)
    exported = AuditEntry.objects.get(action="case.export")
    assert exported.username == "officer" and exported.result == "ok"
    assert exported.detail["rows"] == 2 and exported.detail["reason"] == "核对信访人联系方式"
    assert exported.detail["filter"] == {"unit": "MH-FGJ"} and exported.detail["personal_data"] is True
    # The audit rows themselves never hold a full number.
    assert not [n for n in FULL_NUMBERS if n in repr(list(AuditEntry.objects.values_list("detail", flat=True)))]


def test_full_xlsx_is_marked_as_personal_data(personas, desk, run_jobs):
    job = _job(personas["officer"], run_jobs, file_format="xlsx", full=True, reason="年度统计核查", params={"number": desk["hr"].number})
    workbook = load_workbook(export_file_path(job))
    rows = [list(r) for r in workbook.active.iter_rows(values_only=True)]
    assert "个人信息" in rows[0][0] and rows[2][0] == desk["hr"].number and rows[2][-1] == "13900002222"
    assert workbook.properties.keywords == "个人信息" and "个人信息" in workbook.properties.subject


def test_small_masked_export_is_direct_and_audited(personas, desk):
    plan = export_request(actor=personas["officer"], params={"status": "routed,accepted", "unit": "MH-FGJ"},
                          file_format="csv")
    assert plan.job is None and plan.total == 2
    assert not ExportJob.objects.exists()
    body = b"".join(services.export_direct_csv(plan))
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert _numbers(rows[1:]) == {desk["housing"].number, desk["housing_2"].number}
    entry = AuditEntry.objects.get(action="case.export")
    assert entry.detail == {"filter": {"status": ["routed", "accepted"], "unit": "MH-FGJ"}, "sort": "-received",
                            "format": "csv",
                            "full": False, "rows": 2, "mode": "direct"}


def test_large_masked_export_becomes_a_job(personas, desk, settings, run_jobs):
    settings.XINFANG = {**settings.XINFANG, "EXPORT_DIRECT_MAX_ROWS": 2}
    with run_jobs():
        plan = export_request(actor=personas["officer"], params={}, file_format="csv")
    assert plan.job is not None and plan.total == 5
    with pytest.raises(ValidationFailed) as refused:
        export_request(actor=personas["officer"], params={}, background=False)
    assert refused.value.code == "too_large_for_direct"


# -- refusals change nothing --------------------------------------------------------------------------

def test_full_export_without_the_permission_is_refused_and_audited(personas, desk):
    for name in ("handler", "head", "registrar", "other_handler", "leader"):
        with pytest.raises(Forbidden):
            export_request(actor=personas[name], params={}, full=True, reason="想看完整号码")
    assert not ExportJob.objects.exists()
    denied = AuditEntry.objects.filter(action="case.export", result="denied")
    assert denied.count() == 5
    assert {e.username for e in denied} == {"handler", "head", "registrar", "other", "leader"}
    assert not AuditEntry.objects.filter(action="case.export", result="ok").exists()


@pytest.mark.parametrize("reason", ["", "   ", "核对"])
def test_full_export_needs_a_reason(personas, desk, reason):
    with pytest.raises(ValidationFailed) as refused:
        export_request(actor=personas["officer"], params={}, full=True, reason=reason)
    assert "reason" in refused.value.errors
    assert not ExportJob.objects.exists() and not AuditEntry.objects.filter(action__startswith="export").exists()


@pytest.mark.parametrize(("params", "field"), [
    ({"received_from": "yesterday"}, "received_from"),
    ({"received_from": "2026-10-10", "received_to": "2026-10-01"}, "received_to"),
    ({"id_hash": "abc"}, "id_hash"),
    ({"q": "x" * 201}, "q"),
    ({"q": "a\x00b"}, "q"),
])
def test_bad_filter_is_refused(personas, desk, params, field):
    with pytest.raises(ValidationFailed) as refused:
        export_request(actor=personas["officer"], params=params)
    assert field in refused.value.errors
    assert not ExportJob.objects.exists() and not AuditEntry.objects.filter(action="case.export").exists()


def test_bad_format_and_no_case_permission_are_refused(personas, desk):
    with pytest.raises(ValidationFailed) as refused:
        export_request(actor=personas["officer"], params={}, file_format="pdf")
    assert "format" in refused.value.errors
    with pytest.raises(Forbidden):
        export_request(actor=personas["system_admin"], params={})
    assert not ExportJob.objects.exists()


def test_too_many_rows_are_refused(personas, desk, settings):
    settings.XINFANG = {**settings.XINFANG, "EXPORT_MAX_ROWS": 2}
    with pytest.raises(ValidationFailed) as refused:
        export_request(actor=personas["officer"], params={})
    assert refused.value.code == "too_many" and not ExportJob.objects.exists()


# -- scoping: the gateway, never bypassed ----------------------------------------------------------------

def test_a_handler_exports_only_their_units_cases(personas, desk, run_jobs):
    job = _job(personas["handler"], run_jobs, file_format="csv")
    numbers = _numbers(_csv_rows(export_file_path(job))[1:])
    assert numbers == {desk["housing"].number, desk["housing_2"].number}


def test_an_accusation_never_reaches_the_accused_unit(personas, desk, run_jobs):
    # The housing bureau is accused: even a filter naming the case finds nothing for its staff ...
    for name in ("handler", "head", "office_handler"):
        job = _job(personas[name], run_jobs, file_format="csv", params={"number": desk["accusation"].number})
        assert _csv_rows(export_file_path(job))[1:] == [] and job.rows_done == 0
    # ... while the discipline body, which handles it, and the bureau do see it.
    job = _job(personas["discipline_handler"], run_jobs, file_format="csv")
    assert _numbers(_csv_rows(export_file_path(job))[1:]) == {desk["accusation"].number}
    plan = export_request(actor=personas["officer"], params={"matter_type": "accusation"})
    assert plan.total == 1


def test_the_owners_scope_when_the_job_runs_counts(personas, desk, district, run_jobs):
    """A job runs with the owner's rights at run time: a full export whose owner lost the permission
    fails (audited as a denial) and writes no file."""
    officer = personas["officer"]
    plan = export_request(actor=officer, params={}, full=True, reason="核对联系方式", background=True)
    user_set_role(user=officer, role="handler", unit=district["hr"])
    assert export_run(job_id=plan.job.pk) == "failed"
    job = ExportJob.objects.get(pk=plan.job.pk)
    assert job.status == ExportJob.Status.FAILED and job.error == "forbidden"
    assert not export_file_path(job).exists()
    assert AuditEntry.objects.filter(action="case.export", result="denied", object_type="cases.case").exists()


# -- formats ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "written"), [
    ("=1+1", "'=1+1"), ("+86 138", "'+86 138"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("电梯=故障", "电梯=故障"), ("", ""), (None, ""),
])
def test_csv_cells_that_look_like_formulas_get_an_apostrophe(value, written):
    assert csv_cell(value) == written


def test_csv_and_xlsx_guard_formulas_in_case_titles(personas, flow, run_jobs):
    flow.register(title='=HYPERLINK("http://example.com","x")')
    flow.register(title="@SUM(1+1)")
    csv_job = _job(personas["officer"], run_jobs, file_format="csv", sort="number")
    titles = [r[4] for r in _csv_rows(export_file_path(csv_job))[1:]]
    assert titles == ["'=HYPERLINK(\"http://example.com\",\"x\")", "'@SUM(1+1)"]
    xlsx_job = _job(personas["officer"], run_jobs, file_format="xlsx", sort="number")
    sheet = load_workbook(export_file_path(xlsx_job)).active
    cell = sheet.cell(row=2, column=5)
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"


def test_xlsx_cell_drops_characters_a_sheet_cannot_hold():
    sheet = Workbook(write_only=True).create_sheet()
    assert xlsx_cell(sheet, "电梯\x01故障\x1f").value == "电梯故障"


# -- progress, idempotency, recovery ----------------------------------------------------------------

def test_progress_is_written_chunk_by_chunk(personas, desk, monkeypatch):
    monkeypatch.setattr("xinfang.exports.rows.EXPORT_CHUNK", 2)
    plan = export_request(actor=personas["officer"], params={}, file_format="csv", background=True)
    seen: list[tuple[int, int, str]] = []
    real_write = services.csv_write

    def spying_write(handle: Any, **kwargs: Any) -> int:
        progress = kwargs.pop("progress")

        def spy(done: int) -> None:
            progress(done)
            job = ExportJob.objects.get(pk=plan.job.pk)
            seen.append((job.rows_done, job.rows_total, job.status))

        return real_write(handle, progress=spy, **kwargs)

    monkeypatch.setattr(services, "csv_write", spying_write)
    assert ExportJob.objects.get(pk=plan.job.pk).status == ExportJob.Status.QUEUED
    assert export_run(job_id=plan.job.pk) == "done"
    assert seen == [(2, 5, "running"), (4, 5, "running"), (5, 5, "running")]
    job = ExportJob.objects.get(pk=plan.job.pk)
    assert (job.status, job.rows_done, job.percent, job.attempts) == ("done", 5, 100, 1)


def test_a_job_runs_once_however_often_it_is_queued(personas, desk, run_jobs):
    job = _job(personas["officer"], run_jobs, file_format="csv")
    assert export_run(job_id=job.pk) == "skipped"
    assert AuditEntry.objects.filter(action="case.export").count() == 1


def test_a_job_whose_worker_died_is_queued_again_then_fails(personas, desk):
    plan = export_request(actor=personas["officer"], params={}, background=True)
    job_id = plan.job.pk
    long_ago = timezone.now() - timedelta(minutes=20)
    ExportJob.objects.filter(pk=job_id).update(status="running", heartbeat_at=long_ago, attempts=1, rows_done=3)
    assert export_recover_stale() == [job_id]
    job = ExportJob.objects.get(pk=job_id)
    assert job.status == "queued" and job.rows_done == 0
    assert export_run(job_id=job_id) == "done"
    ExportJob.objects.filter(pk=job_id).update(status="running", heartbeat_at=long_ago, attempts=3)
    assert export_recover_stale() == []
    job = ExportJob.objects.get(pk=job_id)
    assert job.status == "failed" and job.error == "interrupted"
    assert "中断" in services.export_error_message(job)


def test_a_queued_job_nobody_took_is_queued_again(personas, desk):
    plan = export_request(actor=personas["officer"], params={}, background=True)
    assert export_recover_stale() == []
    assert export_recover_stale(now=timezone.now() + timedelta(minutes=6)) == [plan.job.pk]


def test_a_failing_write_fails_the_job_with_a_message_and_no_file(personas, desk, monkeypatch, caplog):
    plan = export_request(actor=personas["officer"], params={}, full=True, reason="核对联系方式")

    def broken(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError(f"disk full while writing {VALID_ID}")

    monkeypatch.setattr(services, "xlsx_write", broken)
    assert export_run(job_id=plan.job.pk) == "failed"
    job = ExportJob.objects.get(pk=plan.job.pk)
    assert job.status == "failed" and job.error == "internal" and services.export_error_message(job)
    assert list(Path(export_file_path(job)).parent.iterdir()) == []
    assert "RuntimeError" in caplog.text and VALID_ID not in caplog.text
    assert AuditEntry.objects.filter(action="case.export", result="failed").exists()


# -- download and expiry -------------------------------------------------------------------------------

def test_only_the_owner_downloads_and_each_download_is_audited(personas, desk, run_jobs):
    job = _job(personas["officer"], run_jobs, file_format="csv", full=True, reason="核对联系方式")
    exported = export_download(actor=personas["officer"], job_id=job.pk)
    with exported.handle:
        assert exported.handle.read().startswith(b"\xef\xbb\xbf")
    assert exported.name.endswith("-含个人信息.csv") and exported.content_type.startswith("text/csv")
    assert AuditEntry.objects.get(action="export.download", result="ok").detail["personal_data"] is True
    for name in ("registrar", "leader", "handler"):
        with pytest.raises(NotFound):
            export_download(actor=personas[name], job_id=job.pk)
    assert AuditEntry.objects.filter(action="export.download", result="denied").count() == 3


def test_a_job_not_done_cannot_be_downloaded(personas, desk):
    plan = export_request(actor=personas["officer"], params={}, background=True)
    with pytest.raises(InvalidTransition):
        export_download(actor=personas["officer"], job_id=plan.job.pk)


def test_expired_files_are_deleted(personas, desk, run_jobs):
    job = _job(personas["officer"], run_jobs, file_format="xlsx", full=True, reason="核对联系方式")
    path = export_file_path(job)
    assert path.exists()
    assert export_expire_old() == 0 and path.exists()
    later = timezone.now() + timedelta(hours=24, minutes=1)
    assert export_expire_old(now=later) == 1
    job.refresh_from_db()
    assert job.status == ExportJob.Status.EXPIRED and not path.exists()
    entry = AuditEntry.objects.get(action="export.expire")
    assert entry.object_id == str(job.pk) and entry.detail == {"was": "done", "personal_data": True}
    with pytest.raises(InvalidTransition):
        export_download(actor=personas["officer"], job_id=job.pk)
    assert export_expire_old(now=later) == 0


def test_a_file_past_its_expiry_is_not_served_before_the_sweep(personas, desk, run_jobs):
    job = _job(personas["officer"], run_jobs, file_format="csv")
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(InvalidTransition):
        export_download(actor=personas["officer"], job_id=job.pk)


def test_stray_files_are_swept(personas, desk, export_folder):
    export_expire_old()  # creates the folder
    stray = export_folder / "0123456789abcdef.xlsx.part"
    stray.write_bytes(b"x")
    fresh = export_folder / "fresh.csv"
    fresh.write_bytes(b"x")
    old = time.time() - 26 * 3600
    os.utime(stray, (old, old))
    export_expire_old()
    assert not stray.exists() and fresh.exists()


def test_every_case_of_a_big_list_is_exported_once_in_order(personas, flow, monkeypatch, run_jobs):
    monkeypatch.setattr("xinfang.exports.rows.EXPORT_CHUNK", 3)
    made = [flow.register(title=f"事项{i}")[0] for i in range(7)]
    job = _job(personas["officer"], run_jobs, file_format="csv", sort="number")
    numbers = [r[0] for r in _csv_rows(export_file_path(job))[1:]]
    assert numbers == sorted(c.number for c in made)
    assert Case.objects.count() == 7
