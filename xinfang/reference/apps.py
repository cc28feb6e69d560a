from django.apps import AppConfig


class ReferenceConfig(AppConfig):
    name = "xinfang.reference"
    label = "reference"
    verbose_name = "Reference data pages"
