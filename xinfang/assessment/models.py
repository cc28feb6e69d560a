"""The assessment scheme of a year (目标考核, 信访工作条例 Art. 39): the weight and target of every metric,
and when a figure counts as a small sample. The metrics themselves are data in ``metrics.py``; the
figures are computed on demand by ``selectors.py`` (nothing is stored but the scheme)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AssessmentScheme(models.Model):
    """Weights and targets for one year. ``metrics`` maps a metric code to ``{"weight": w, "target": t}``
    (weights ≥ 0 with a positive sum, targets in (0, 1]); a year without a row uses the default scheme of
    ``metrics.DEFAULT_SCHEME`` until an officer saves one. Rows change only through
    ``services.scheme_update``."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    metrics = models.JSONField(_("指标权重与目标"), default=dict)
    # A figure with fewer cases than this, or whose 95 % Wilson interval is wider than ``max_interval``,
    # is a small sample: shown, flagged, left out of the score.
    min_n = models.PositiveIntegerField(_("最小样本量"), default=10)
    max_interval = models.FloatField(_("置信区间最大宽度"), default=0.4)
    # A unit is ranked only when the metrics with enough data carry at least this share of the weight.
    min_coverage = models.FloatField(_("参与排名的最低权重覆盖率"), default=0.5)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["-year"]
        default_permissions = ()
        permissions = [
            ("view_assessment", "See the assessment scores (unit roles: their own unit only)"),
            ("configure_assessment", "Set the weights, targets and small-sample rules of a year"),
            ("report_assessment", "Generate the yearly report (信访工作条例 Art. 41) and export the tables"),
        ]
        verbose_name = _("考核方案")
        verbose_name_plural = _("考核方案")

    def __str__(self) -> str:
        return f"assessment scheme {self.year}"
