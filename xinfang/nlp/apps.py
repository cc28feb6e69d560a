from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NlpConfig(AppConfig):
    name = "xinfang.nlp"
    label = "nlp"
    verbose_name = _("智能辅助")
