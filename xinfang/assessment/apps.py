from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    """Unit assessment (issue 7, 信访工作条例 Art. 39): metrics with written definitions, weights and
    targets, scores and ranking, the yearly report of Art. 41 (docs/assessment.md)."""

    name = "xinfang.assessment"
    label = "assessment"
    verbose_name = _("目标考核")
