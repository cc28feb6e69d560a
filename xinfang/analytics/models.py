"""Models of xinfang.analytics: the daily roll-up of the overview (docs/analytics.md) and its watermark.

``DailyCount`` holds, per local day of receipt, per scope (the district, one handling unit exactly, one
street) and per dimension value, how many cases were received that day and how many of them are open,
group visits, repeats, and the ratings given on them. It is derived data: ``xinfang analytics rebuild``
recomputes it from the case table, and ``rollup.rollup_refresh`` keeps it current by recomputing the days
of the cases changed since the watermark (``Case.updated_at``) and of the ratings added since it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DailyCount(models.Model):
    class Scope(models.TextChoices):
        DISTRICT = "d", _("全区")
        UNIT = "u", _("承办单位")
        STREET = "s", _("街道")

    class Dim(models.TextChoices):
        TOTAL = "total", _("合计")
        CHANNEL = "channel", _("渠道")
        CATEGORY = "category", _("问题类别")
        STREET = "street", _("街道")
        UNIT = "unit", _("承办单位")
        MATTER = "matter", _("事项类型")

    day = models.DateField()
    scope = models.CharField(max_length=1, choices=Scope.choices)
    # 0 for the district; the handling unit's or the street's primary key otherwise.
    scope_id = models.BigIntegerField(default=0)
    dim = models.CharField(max_length=8, choices=Dim.choices)
    # The value of the dimension: a channel or matter type, or the primary key of a category, street or
    # unit as text; "" for "none" (no category, no street, not yet routed) and for the total.
    key = models.CharField(max_length=32, blank=True, default="")
    new = models.IntegerField(default=0)
    open = models.IntegerField(default=0)
    group = models.IntegerField(default=0)
    repeat = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    basically = models.IntegerField(default=0)
    dissatisfied = models.IntegerField(default=0)
    # Cases with a deadline marked overdue and neither met nor cancelled (the case list's ``overdue``).
    overdue = models.IntegerField(default=0)

    class Meta:
        default_permissions = ()
        permissions = [("view_analytics", "See the situation-analysis dashboard (scoped like cases)")]
        constraints = [models.UniqueConstraint(fields=["scope", "scope_id", "day", "dim", "key"],
                                               name="analytics_daily_uniq")]
        indexes = [models.Index(fields=["day"], name="analytics_daily_day_idx")]
        verbose_name = _("每日统计")
        verbose_name_plural = _("每日统计")

    def __str__(self) -> str:
        return f"{self.day} {self.scope}{self.scope_id} {self.dim}={self.key}: {self.new}"


class RollupState(models.Model):
    """One row (pk 1): how far the roll-up has read the case table."""

    # The largest ``Case.updated_at`` read.
    watermark = models.DateTimeField(null=True, blank=True)
    # The largest ``CaseRating.id`` read (ratings are only ever added: cases/services/after_reply.py).
    rating_watermark = models.BigIntegerField(default=0)
    # The largest ``CaseDeadline.overdue_at`` read: the overdue sweep marks deadlines without a case update.
    overdue_watermark = models.DateTimeField(null=True, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    build_seconds = models.FloatField(default=0)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"roll-up up to {self.watermark}"
