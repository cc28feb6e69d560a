"""/reference/: the reference data pages (units, categories and routing defaults, holiday calendar) for
the admins who own them. The data lives in its own apps; these pages only read and call their services."""

from django.urls import URLPattern

from xinfang.reference import views

app_name = "reference"
urlpatterns: list[URLPattern] = [*views.urlpatterns]
