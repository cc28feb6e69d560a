"""/alerts/: early warning — alerts, the sensitive-period calendar, group-visit notices (docs/alerts.md)."""

from django.urls import URLPattern

from xinfang.alerts.views import urlpatterns as _pages

app_name = "alerts"

urlpatterns: list[URLPattern] = [*_pages]
