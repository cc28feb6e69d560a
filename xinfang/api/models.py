"""API clients: external systems (the 12345 hotline centre, a city app) that call the API with a key of
their own, separate from staff users' tokens."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.accounts.models import Unit


class ApiClient(models.Model):
    """A named external system acting for one unit, allowed a fixed list of actions (``xinfang.api.clients.
    ACTIONS``). Its key is shown once at creation; only ``key_prefix`` (to tell keys apart in lists and
    the audit log) and the SHA-256 of the whole key are stored. A revoked client stays as a row, so the
    audit log keeps naming it."""

    class Channel(models.TextChoices):
        # The channel of the cases it submits (信访工作条例 Art. 17): the 12345 hotline transfers matters
        # (12345热线转办); an app or website submits for residents online (网上信访).
        HOTLINE = "hotline", _("12345热线转办")
        ONLINE = "online", _("网上信访")

    name = models.CharField(_("名称"), max_length=64, unique=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("所属单位"))
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices, default=Channel.ONLINE)
    actions = models.JSONField(_("允许的操作"), default=list)
    key_prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("创建时间"))
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("接口客户端")
        verbose_name_plural = _("接口客户端")

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def allows(self, action: str) -> bool:
        return action in self.actions
