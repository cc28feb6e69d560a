from django.apps import AppConfig


class Open311Config(AppConfig):
    name = "xinfang.open311"
    label = "open311"
