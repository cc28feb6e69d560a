from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    """Early warning (issue 7): rules that explain themselves, sensitive periods, alerts with owners and
    a daily digest (docs/alerts.md)."""

    name = "xinfang.alerts"
    label = "alerts"
    verbose_name = _("预警")
