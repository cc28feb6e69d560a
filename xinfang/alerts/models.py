"""Early warning (预警, issue 7): alerts raised by the rules of ``xinfang.alerts.rules``, the sensitive-period
calendar that tightens them, and the notices of announced group visits (集体访苗头).

Rows change only through ``xinfang.alerts.services``; every step is audited.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xinfang.accounts.models import Unit
from xinfang.cases.models import Case, Category


class SensitivePeriod(models.Model):
    """A period of heightened watch (两会, anniversaries, major events), maintained by the bureau. While one
    is on, the thresholds tighten by its level and new group matters alert at once."""

    class Level(models.IntegerChoices):
        IMPORTANT = 1, _("重要")
        CRITICAL = 2, _("特别重要")

    name = models.CharField(_("名称"), max_length=100)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    level = models.PositiveSmallIntegerField(_("级别"), choices=Level.choices, default=Level.IMPORTANT)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-start", "-id"]
        default_permissions = ("view", "add", "change", "delete")
        constraints = [models.CheckConstraint(condition=Q(end__gte=models.F("start")),
                                              name="sensitive_period_end_after_start")]
        verbose_name = _("敏感时期")
        verbose_name_plural = _("敏感时期")

    def __str__(self) -> str:
        return f"{self.name} {self.start}–{self.end}"


class Alert(models.Model):
    """One situation a rule found: what, where, how surprising (the figures and a Chinese explanation), the
    cases behind it (ids only: shown through the case gateway), and its handling — owner, acknowledgement,
    notes, closure. While an alert is open, the same situation (``rule`` + ``key``) updates it instead of
    raising another (the partial unique constraint)."""

    class Rule(models.TextChoices):
        SPIKE = "spike", _("类别在街道异常增多")
        CLUSTER = "cluster", _("多人相似诉求聚集")
        GROUP_NOTICE = "group_notice", _("集体访苗头报告")
        ACCELERATION = "acceleration", _("信访人重复信访加快")
        DEADLINES = "deadlines", _("单位期限风险集中")
        GROUP_SENSITIVE = "group_sensitive", _("敏感时期集体访")

    class Severity(models.TextChoices):
        LOW = "low", _("一般")
        MEDIUM = "medium", _("较重")
        HIGH = "high", _("严重")

    class Status(models.TextChoices):
        OPEN = "open", _("待处置")
        ACKNOWLEDGED = "acknowledged", _("已签收")
        CLOSED = "closed", _("已关闭")

    class CloseReason(models.TextChoices):
        HANDLED = "handled", _("已处置")
        FALSE_ALARM = "false_alarm", _("误报")

    rule = models.CharField(_("规则"), max_length=20, choices=Rule.choices)
    key = models.CharField(max_length=120)
    severity = models.CharField(_("等级"), max_length=8, choices=Severity.choices)
    status = models.CharField(_("状态"), max_length=14, choices=Status.choices, default=Status.OPEN)
    title = models.CharField(_("标题"), max_length=200)
    explanation = models.TextField(_("说明"))
    # The numbers behind the explanation: observed, expected, p_value, window_days, threshold …
    figures = models.JSONField(default=dict, blank=True)
    street = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("街道"))
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("相关单位"))
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("类别"))
    case_ids = models.JSONField(default=list, blank=True)
    sensitive_period = models.ForeignKey(SensitivePeriod, null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="alerts", verbose_name=_("敏感时期"))
    raised_at = models.DateTimeField(_("预警时间"))
    updated_at = models.DateTimeField(_("更新时间"))
    times_seen = models.PositiveIntegerField(default=1)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="alerts_owned", verbose_name=_("负责人"))
    owner_assigned_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    close_reason = models.CharField(_("关闭原因"), max_length=12, choices=CloseReason.choices, blank=True)
    close_note = models.CharField(_("关闭说明"), max_length=1000, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        default_permissions = ("view",)
        permissions = [
            ("handle_alert", "Acknowledge, assign, annotate and close alerts in scope"),
            ("report_group_notice", "Record a notice of an announced group visit (集体访苗头)"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["rule", "key"], condition=~Q(status="closed"),
                                    name="uniq_alert_open_rule_key"),
        ]
        indexes = [
            models.Index(fields=["status", "raised_at"], name="alert_status_idx"),
            models.Index(fields=["unit", "status"], name="alert_unit_idx"),
        ]
        verbose_name = _("预警")
        verbose_name_plural = _("预警")

    def __str__(self) -> str:
        return f"{self.rule}:{self.key} {self.status}"

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class AlertAccused(models.Model):
    """A unit or user accused in one of the alert's cases (信访工作条例 Art. 30 ¶3): the alert is hidden from
    them, as the cases are (the gateway), so that not even its figures reach the accused."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="accused")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+")

    def __str__(self) -> str:
        return f"{self.alert_id} {self.unit_id or ''}/{self.user_id or ''}"


class AlertNote(models.Model):
    """A follow-up note on an alert (核查情况, 处置措施)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(_("跟进情况"))
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"note {self.alert_id}"


class GroupVisitNotice(models.Model):
    """A notice of a group visit being planned (集体访/群体性事件苗头), reported by a street, a unit or the
    police: when, where, how many, about what. Recording it raises an alert at once."""

    class Source(models.TextChoices):
        STREET = "street", _("街道报告")
        UNIT = "unit", _("单位报告")
        POLICE = "police", _("公安通报")

    source = models.CharField(_("信息来源"), max_length=8, choices=Source.choices)
    reporting_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("报告单位"))
    street = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("所在街道"))
    expected_date = models.DateField(_("预计日期"))
    place = models.CharField(_("预计地点"), max_length=200)
    expected_people = models.PositiveIntegerField(_("预计人数"))
    subject = models.CharField(_("诉求事项"), max_length=500)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("关联事项"))
    alert = models.ForeignKey(Alert, null=True, blank=True, on_delete=models.SET_NULL, related_name="notices")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-expected_date", "-id"]
        default_permissions = ()
        verbose_name = _("集体访苗头报告")
        verbose_name_plural = _("集体访苗头报告")

    def __str__(self) -> str:
        return f"{self.expected_date} {self.place} {self.expected_people}"
