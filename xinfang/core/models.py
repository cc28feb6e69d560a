"""Base models and the audit log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One audited act (SECURITY.md 8–9): who, when, from where, what, on which object, with what result.

    Append-only: the database rejects UPDATE and DELETE on this table (triggers in migration 0002), and
    each row carries the SHA-256 of its content chained to the previous row's hash, so
    ``xinfang audit verify`` can name the first row that was altered or removed.
    """

    class Result(models.TextChoices):
        OK = "ok", _("成功")
        DENIED = "denied", _("拒绝")
        FAILED = "failed", _("失败")

    at = models.DateTimeField(_("时间"), db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", db_constraint=False, db_index=False)
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    role = models.CharField(_("角色"), max_length=32, blank=True)
    ip = models.CharField(_("IP 地址"), max_length=64, blank=True)
    action = models.CharField(_("操作"), max_length=64)
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    object_id = models.CharField(_("对象"), max_length=64, blank=True, db_index=True)
    result = models.CharField(_("结果"), max_length=8, choices=Result.choices, default=Result.OK)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.action} {self.object_type}:{self.object_id}"


class AuditChainHead(models.Model):
    """A single row holding the hash of the newest audit entry; writers lock it so the chain never forks."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_hash = models.CharField(max_length=64)
    count = models.BigIntegerField(default=0)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"audit head #{self.count}"



class AppendOnlyGuard(models.Model):
    """One row: while ``enabled`` the database refuses UPDATE and DELETE on the append-only tables (the
    audit log and the case event log). Turned off only by the retention purge, inside its transaction."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    enabled = models.BooleanField(default=True)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"append-only guard: {self.enabled}"
