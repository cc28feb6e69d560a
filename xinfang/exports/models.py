"""Exports of case lists (issue 4, "Export"): one row per export run in the background."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportJob(models.Model):
    """A case list (the owner's filter and sort, scoped by ``cases_visible_to`` when it runs) written to a
    .xlsx or .csv file in the background, with its progress. The file lives under the data directory with a
    generated name (``file_token``), is served to the owner only and is deleted when the job expires.

    ``full`` jobs hold the clear ID and phone numbers (permission ``exports.export_full`` and a stated
    reason, SECURITY.md 6); ``personal_data`` marks every such file. Status changes are conditional updates
    (``WHERE status = old``), so a job runs once however often it is queued (SECURITY.md 11)."""

    class Format(models.TextChoices):
        XLSX = "xlsx", "Excel (.xlsx)"
        CSV = "csv", "CSV (.csv)"

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")
        EXPIRED = "expired", _("已过期")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("导出人"))
    format = models.CharField(_("格式"), max_length=8, choices=Format.choices)
    full = models.BooleanField(_("完整个人信息"), default=False)
    reason = models.CharField(_("导出理由"), max_length=200, blank=True, default="")
    # The list's filter parameters as the list page and the API take them (``CaseFilterSet.PARAMS``).
    params = models.JSONField(default=dict, blank=True)
    sort = models.CharField(max_length=20, default="-received")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    # How often a worker claimed the job: a run cut short (worker killed) is queued again, up to a limit.
    attempts = models.PositiveSmallIntegerField(default=0)
    file_token = models.CharField(max_length=32, unique=True)
    file_size = models.PositiveBigIntegerField(default=0)
    personal_data = models.BooleanField(default=False)
    # The requester's address, for the audit row written when the worker finishes.
    ip = models.CharField(max_length=45, blank=True, default="")
    # The requester's language: the worker writes the header and the notice in it.
    language = models.CharField(max_length=16, blank=True, default="")
    # A code (``EXPORT_ERRORS`` in services.py), shown translated.
    error = models.CharField(max_length=32, blank=True, default="")
    created_at = models.DateTimeField(_("创建时间"))
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="exportjob_owner_idx"),
            models.Index(fields=["status", "expires_at"], name="exportjob_status_idx"),
        ]
        default_permissions = ()
        permissions = [
            ("export_full", "Export case lists with full ID and phone numbers, with a stated reason"),
        ]
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")

    def __str__(self) -> str:
        return f"export {self.pk} {self.format} {self.status}"

    @property
    def active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(100, self.rows_done * 100 // self.rows_total)
