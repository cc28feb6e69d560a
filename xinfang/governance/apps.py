from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    """Governance of hard cases (issue 6): the backlog register with leaders in charge (信访积案台账,
    领导包案) and supervision (督查督办)."""

    name = "xinfang.governance"
    label = "governance"
    verbose_name = _("信访治理")
