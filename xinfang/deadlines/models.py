"""The official holiday calendar, kept in the database (DOMAIN.md: chinese-calendar stops at 2026, the
State Council publishes each year's calendar in November, so an admin loads and edits it here)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """A day that departs from the Monday–Friday pattern: a statutory holiday or rest day on a weekday
    (``holiday``), or a make-up working day on a weekend (``workday``, 调休)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("休息日")
        WORKDAY = "workday", _("调休上班")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=50, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日")
        verbose_name_plural = _("节假日")

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class CalendarYear(models.Model):
    """A year whose official calendar is loaded. Deadlines that touch a year without a row here are
    provisional (weekends only) and are recomputed when the year is loaded."""

    year = models.PositiveSmallIntegerField(_("年份"), primary_key=True)
    source = models.CharField(_("来源"), max_length=100)
    loaded_at = models.DateTimeField(_("载入时间"), auto_now=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("年度日历")
        verbose_name_plural = _("年度日历")

    def __str__(self) -> str:
        return f"{self.year} ({self.source})"
