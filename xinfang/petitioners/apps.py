from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionersConfig(AppConfig):
    """Repeat petitions seen per person (issue 6, 重复信访): a petitioner's history, links between cases
    (repeat of, duplicate of, related to) and the repeat-petition figures (docs/petitioners.md)."""

    name = "xinfang.petitioners"
    label = "petitioners"
    verbose_name = _("重复信访")
