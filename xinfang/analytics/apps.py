from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    """Situation analysis (issue 7): the overview dashboard and hotspots over read-only selectors, with
    a daily roll-up kept correct as cases change (docs/analytics.md)."""

    name = "xinfang.analytics"
    label = "analytics"
    verbose_name = _("形势研判")
