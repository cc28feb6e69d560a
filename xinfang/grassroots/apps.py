from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrassrootsConfig(AppConfig):
    """Mediation and grassroots work (issue 6): disputes, mediations, visits, reception days, service points."""

    name = "xinfang.grassroots"
    label = "grassroots"
    verbose_name = _("基层治理")
