"""Exports of case lists (issue 4, "Export"): asking for one, writing it in the background, handing the
file to its owner, and deleting it when it expires.

- ``export_request`` checks and records an export of the caller's list (filter and sort of the list page
  or the API): masked by default; a *full* export (clear ID and phone numbers) needs the permission
  ``exports.export_full`` and a stated reason (SECURITY.md 6; PIPL Art. 51), and is always a background
  job, so its file is tracked, owner-only and deleted on expiry. A small masked export is served directly;
  a larger one becomes a job. Every export is audited with its filter, row count and reason (SECURITY.md 8).
- ``export_run`` (the Huey task) claims a queued job with a conditional update, writes the file under a
  generated name with its progress, and marks it done — or failed, with a message for the owner. A worker
  killed mid-run leaves a job whose heartbeat stops; ``export_recover_stale`` queues it again (SECURITY.md 11).
- ``export_download`` serves a finished file to its owner only, audited.
- ``export_expire_old`` deletes the files of expired jobs (24 h by default) and stray files.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from tempfile import TemporaryFile
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinfang.cases.selectors_inbox import sort_parse
from xinfang.core.audit import audit_record
from xinfang.core.context import client_ip
from xinfang.core.errors import Forbidden, InvalidTransition, ValidationFailed
from xinfang.exports.formats import CONTENT_TYPES, csv_bytes, csv_write, xlsx_write
from xinfang.exports.models import ExportJob
from xinfang.exports.rows import (
    ExportRows,
    ExportSpec,
    TooManyRows,
    export_file_name,
    export_notice,
    export_params,
)
from xinfang.exports.selectors import export_job_of

logger = logging.getLogger(__name__)

VIEW_PERMISSION = "cases.view_case"
FULL_PERMISSION = "exports.export_full"
REASON_MIN_LENGTH = 4
REASON_MAX_LENGTH = 200
# A queued job no worker took within this time is queued again (its enqueue may have been lost); a running
# job whose heartbeat (one per chunk of rows) stopped this long ago lost its worker.
REQUEUE_AFTER = timedelta(minutes=5)
STALE_AFTER = timedelta(minutes=15)
MAX_ATTEMPTS = 3
# What a failed job tells its owner (the code is stored on the job).
EXPORT_ERRORS: dict[str, Any] = {
    "forbidden": gettext_lazy("您已没有该导出所需的权限，导出未完成。"),
    "filter": gettext_lazy("筛选条件有误，导出未完成，请重新导出。"),
    "too_many": gettext_lazy("结果超过导出上限，请缩小筛选范围后分批导出。"),
    "interrupted": gettext_lazy("导出多次中断，请重新导出。"),
    "internal": gettext_lazy("生成文件时出错，请重新导出；如仍失败，请联系系统管理员。"),
}


def export_direct_max_rows() -> int:
    """Masked exports up to this many rows are served at once; larger ones run in the background."""
    return int(settings.XINFANG.get("EXPORT_DIRECT_MAX_ROWS", 2000))


def export_max_rows() -> int:
    """The most rows one export may hold (narrow the filter beyond it)."""
    return int(settings.XINFANG.get("EXPORT_MAX_ROWS", 200_000))


def export_keep() -> timedelta:
    """How long a finished export's file is kept before it is deleted."""
    return timedelta(hours=int(settings.XINFANG.get("EXPORT_KEEP_HOURS", 24)))


def export_dir() -> Path:
    """Where export files are written: a private folder of the data directory, never served as static
    or media files."""
    folder = Path(settings.DATA_DIR) / "exports"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def export_file_path(job: ExportJob) -> Path:
    return export_dir() / f"{job.file_token}.{job.format}"


def export_error_message(job: ExportJob) -> str:
    return str(EXPORT_ERRORS.get(job.error, EXPORT_ERRORS["internal"])) if job.error else ""


@dataclass(frozen=True)
class ExportPlan:
    """What ``export_request`` decided: the export, its row count and applied filter, and the background
    job (None: the caller serves the file at once, ``export_direct_csv`` / ``export_direct_xlsx``)."""

    spec: ExportSpec
    total: int
    applied: dict[str, Any]
    queryset: QuerySet
    job: ExportJob | None = None


def _audit_detail(plan: ExportPlan) -> dict[str, Any]:
    spec = plan.spec
    detail: dict[str, Any] = {"filter": plan.applied, "sort": spec.sort, "format": spec.file_format,
                              "full": spec.full}
    if spec.reason:
        detail["reason"] = spec.reason
    return detail


def _check(*, actor: Any, params: Mapping[str, Any], sort: Any, file_format: str, full: bool,
           reason: str) -> ExportPlan:
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(VIEW_PERMISSION):
        raise Forbidden(_("您没有导出信访事项的权限。"))
    if file_format not in ExportJob.Format.values:
        raise ValidationFailed(_("不支持的导出格式。"), errors={"format": [_("请选择 xlsx 或 csv。")]})
    clean, errors = export_params(params)
    if errors:
        raise ValidationFailed(_("筛选条件有误，请修改后再导出。"), errors=errors)
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationFailed(_("理由过长。"), errors={"reason": [_("理由不超过200字。")]})
    if full:
        if not actor.has_perm(FULL_PERMISSION):
            audit_record(actor=actor, action="case.export", object_type="cases.case", result="denied",
                         detail={"full": True, "filter": clean, "reason": reason})
            raise Forbidden(_("您没有导出完整个人信息的权限。"))
        if len(reason) < REASON_MIN_LENGTH:
            raise ValidationFailed(_("导出完整个人信息须说明理由。"), errors={"reason": [_("理由至少4个字。")]})
    spec = ExportSpec(user=actor, params=clean, sort=sort_parse(sort), file_format=file_format, full=full,
                      reason=reason)
    filterset = spec.filterset()
    if not filterset.is_valid():
        raise ValidationFailed(_("筛选条件有误，请修改后再导出。"), errors=filterset.errors)
    total = filterset.qs.count()
    limit = export_max_rows()
    if total > limit:
        raise ValidationFailed(_("共%(total)d件，超过导出上限%(limit)d件，请缩小筛选范围后分批导出。")
                               % {"total": total, "limit": limit}, code="too_many")
    return ExportPlan(spec=spec, total=total, applied=dict(filterset.applied), queryset=filterset.qs)


def export_request(*, actor: Any, params: Mapping[str, Any], sort: Any = None, file_format: str = "xlsx",
                   full: bool = False, reason: str = "", background: bool | None = None) -> ExportPlan:
    """Ask for an export of the actor's case list filtered by ``params`` (the list's parameters) and
    sorted by ``sort``. ``background``: None decides by size (full exports always run in the background),
    True always queues a job (the API), False never does (a list too large for a direct download is
    refused with the code ``too_large_for_direct``). Refusals change nothing (a refused full export is
    audited as a denial)."""
    plan = _check(actor=actor, params=params, sort=sort, file_format=file_format, full=full, reason=reason)
    small = plan.total <= export_direct_max_rows()
    if background is None:
        background = full or not small
    if not background and (full or not small):
        raise ValidationFailed(_("结果较多，请在导出页面生成后台导出。"), code="too_large_for_direct")
    detail = _audit_detail(plan)
    if not background:
        audit_record(actor=actor, action="case.export", object_type="cases.case",
                     detail={**detail, "rows": plan.total, "mode": "direct"})
        return plan
    now = timezone.now()
    with transaction.atomic():
        job = ExportJob.objects.create(
            owner=actor, format=file_format, full=full, reason=plan.spec.reason, params=plan.spec.params,
            sort=plan.spec.sort, rows_total=plan.total, file_token=secrets.token_hex(16), personal_data=full,
            ip=client_ip.get(), language=translation.get_language() or "", created_at=now,
            expires_at=now + export_keep(),
        )
        audit_record(actor=actor, action="export.request", obj=job, detail={**detail, "rows": plan.total})
        job_id = job.pk
        transaction.on_commit(lambda: _enqueue(job_id))
    return replace(plan, job=job)


def _enqueue(job_id: int) -> None:
    from xinfang.exports.tasks import export_run_task

    export_run_task(job_id)


def _rows(plan: ExportPlan) -> ExportRows:
    return ExportRows(queryset=plan.queryset, sort=plan.spec.sort, full=plan.spec.full, limit=export_max_rows())


def export_direct_csv(plan: ExportPlan) -> Iterator[bytes]:
    """A direct (small, masked) export as CSV, streamed block by block."""
    rows = _rows(plan)
    return csv_bytes(header=rows.header, chunks=rows.chunks(),
                     notice=export_notice(spec=plan.spec, at=timezone.now()))


def export_direct_xlsx(plan: ExportPlan) -> IO[bytes]:
    """A direct (small, masked) export as .xlsx in an anonymous temporary file, at its start (the file
    disappears when it is closed)."""
    rows = _rows(plan)
    handle = TemporaryFile()  # handed to the response, which closes it
    try:
        xlsx_write(handle, header=rows.header, chunks=rows.chunks(), title=_("信访事项"),
                   notice=export_notice(spec=plan.spec, at=timezone.now()))
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle


def export_direct_name(plan: ExportPlan) -> str:
    return export_file_name(file_format=plan.spec.file_format, full=plan.spec.full, at=timezone.now())


# -- the background job -----------------------------------------------------------------------------

class _Cancelled(Exception):
    """The job left the running state while it was being written (expired or taken over)."""


def export_run(*, job_id: int) -> str:
    """Write the file of job ``job_id`` if it is still queued (a conditional update claims it, so a job
    queued twice runs once). Answers what happened: done, failed, cancelled or skipped."""
    now = timezone.now()
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING, started_at=now, heartbeat_at=now, rows_done=0,
        attempts=F("attempts") + 1)
    if not claimed:
        return "skipped"
    job = ExportJob.objects.select_related("owner", "owner__unit").get(pk=job_id)
    with translation.override(job.language or settings.LANGUAGE_CODE):
        return _export_write(job)


def _export_write(job: ExportJob) -> str:
    owner = job.owner
    spec = ExportSpec(user=owner, params=dict(job.params), sort=sort_parse(job.sort), file_format=job.format,
                      full=job.full, reason=job.reason)
    # The owner's rights now, not when they asked: a role taken away in between stops the export.
    if not owner.is_active or not owner.has_perm(VIEW_PERMISSION) or (job.full and not owner.has_perm(FULL_PERMISSION)):
        return _export_fail(job, "forbidden", result="denied")
    filterset = spec.filterset()
    if not filterset.is_valid():
        return _export_fail(job, "filter")
    target = export_file_path(job)
    part = target.with_name(f"{target.name}.part")

    def progress(done: int) -> None:
        updated = ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.RUNNING).update(
            rows_done=done, heartbeat_at=timezone.now())
        if not updated:
            raise _Cancelled

    try:
        rows = ExportRows(queryset=filterset.qs, sort=spec.sort, full=spec.full, limit=export_max_rows())
        ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.RUNNING).update(rows_total=rows.total)
        notice = export_notice(spec=spec, at=job.created_at)
        # Created private (0600) under a generated name; renamed into place only when complete.
        with os.fdopen(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as handle:
            if job.format == ExportJob.Format.CSV:
                written = csv_write(handle, header=rows.header, chunks=rows.chunks(), notice=notice,
                                    progress=progress)
            else:
                written = xlsx_write(handle, header=rows.header, chunks=rows.chunks(), notice=notice,
                                     title=_("信访事项"), personal_data=job.personal_data, progress=progress)
        os.replace(part, target)
        finished = timezone.now()
        with transaction.atomic():
            done = ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.RUNNING).update(
                status=ExportJob.Status.DONE, rows_done=written, rows_total=written,
                file_size=target.stat().st_size, finished_at=finished, heartbeat_at=finished,
                expires_at=finished + export_keep())
            if not done:
                raise _Cancelled
            audit_record(actor=owner, action="case.export", object_type="cases.case", ip=job.ip,
                         detail={"filter": dict(filterset.applied), "sort": spec.sort, "format": job.format,
                                 "full": job.full, **({"reason": job.reason} if job.reason else {}),
                                 "rows": written, "mode": "job", "job": job.pk,
                                 "personal_data": job.personal_data})
    except _Cancelled:
        _remove(part, target)
        return "cancelled"
    except TooManyRows:
        _remove(part, target)
        return _export_fail(job, "too_many")
    except Exception as exc:  # any failure is the job's, told to its owner
        _remove(part, target)
        # The frames only, not the message: a message may quote a cell, and a cell may hold personal data.
        logger.error("export job %s failed: %s\n%s", job.pk, type(exc).__name__,
                     "".join(traceback.format_tb(exc.__traceback__)))
        return _export_fail(job, "internal")
    return "done"


def _export_fail(job: ExportJob, code: str, *, result: str = "failed") -> str:
    now = timezone.now()
    with transaction.atomic():
        failed = ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.RUNNING).update(
            status=ExportJob.Status.FAILED, error=code, finished_at=now, heartbeat_at=now,
            expires_at=now + export_keep())
        if failed:
            audit_record(actor=job.owner, action="case.export", object_type="cases.case", ip=job.ip,
                         result=result, detail={"job": job.pk, "error": code, "full": job.full})
    return "failed" if failed else "cancelled"


def _remove(*paths: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def export_recover_stale(*, now: datetime | None = None) -> list[int]:
    """Jobs to queue again: queued ones no worker took (the enqueue after commit was lost), and running
    ones whose worker died (no heartbeat for ``STALE_AFTER``) — those start over, up to ``MAX_ATTEMPTS``
    runs, then fail. Every change is a conditional update, so sweeps on several machines agree."""
    now = now or timezone.now()
    again = list(ExportJob.objects.filter(status=ExportJob.Status.QUEUED, created_at__lte=now - REQUEUE_AFTER,
                                          expires_at__gt=now).values_list("pk", flat=True)[:100])
    stale = list(ExportJob.objects.filter(status=ExportJob.Status.RUNNING, heartbeat_at__lte=now - STALE_AFTER)
                 .select_related("owner")[:100])
    for job in stale:
        claim = ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.RUNNING, heartbeat_at=job.heartbeat_at)
        target = export_file_path(job)
        if job.attempts >= MAX_ATTEMPTS:
            with transaction.atomic():
                if claim.update(status=ExportJob.Status.FAILED, error="interrupted", finished_at=now,
                                heartbeat_at=now, expires_at=now + export_keep()):
                    audit_record(actor=job.owner, action="case.export", object_type="cases.case", ip=job.ip,
                                 result="failed", detail={"job": job.pk, "error": "interrupted", "full": job.full})
            _remove(target.with_name(f"{target.name}.part"))
        elif claim.update(status=ExportJob.Status.QUEUED, rows_done=0):
            _remove(target.with_name(f"{target.name}.part"))
            again.append(job.pk)
    return again


def export_expire_old(*, now: datetime | None = None) -> int:
    """Delete the files of jobs past their expiry and mark the jobs expired (one audit row each: a file
    with personal data is gone); also delete stray files a crashed run left behind. Answers the jobs
    expired."""
    now = now or timezone.now()
    expired = 0
    due = list(ExportJob.objects.filter(
        status__in=[ExportJob.Status.QUEUED, ExportJob.Status.DONE, ExportJob.Status.FAILED],
        expires_at__lte=now).order_by("expires_at")[:500])
    for job in due:
        with transaction.atomic():
            if not ExportJob.objects.filter(pk=job.pk, status=job.status).update(status=ExportJob.Status.EXPIRED):
                continue
            audit_record(actor=None, action="export.expire", obj=job,
                         detail={"was": job.status, "personal_data": job.personal_data})
        target = export_file_path(job)
        _remove(target, target.with_name(f"{target.name}.part"))
        expired += 1
    _sweep_strays()
    return expired


def _sweep_strays() -> None:
    """Files in the export folder older than the keeping time and an hour: no job needs them any more
    (a finished file expires with its job; a .part file of a live run is rewritten all the time). File
    ages are real time, whatever the application clock says."""
    cutoff = time.time() - export_keep().total_seconds() - 3600
    for path in export_dir().iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except OSError:
            continue


# -- the download -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExportFile:
    """An open export file for the response (which closes it), its name and type."""

    handle: IO[bytes]
    name: str
    content_type: str
    size: int


def export_download(*, actor: Any, job_id: Any) -> ExportFile:
    """The finished file of job ``job_id`` for its owner: 404 for anyone else (audited), 409 while it is
    not ready or after it expired; a file with personal data also needs the permission still. Audited."""
    job = export_job_of(user=actor, job_id=job_id, action="export.download")
    if job.status != ExportJob.Status.DONE or job.expires_at <= timezone.now():
        raise InvalidTransition(_("该导出尚未完成或已过期，无法下载。"))
    if job.personal_data and not actor.has_perm(FULL_PERMISSION):
        audit_record(actor=actor, action="export.download", obj=job, result="denied",
                     detail={"reason": "no_permission", "personal_data": True})
        raise Forbidden(_("您没有导出完整个人信息的权限。"))
    try:
        handle = export_file_path(job).open("rb")
    except FileNotFoundError:
        raise InvalidTransition(_("导出文件已不存在，请重新导出。")) from None
    try:
        audit_record(actor=actor, action="export.download", obj=job,
                     detail={"rows": job.rows_done, "format": job.format, "full": job.full,
                             "personal_data": job.personal_data})
    except BaseException:
        handle.close()
        raise
    return ExportFile(handle=handle, content_type=CONTENT_TYPES[job.format], size=job.file_size,
                      name=export_file_name(file_format=job.format, full=job.full, at=job.created_at))
