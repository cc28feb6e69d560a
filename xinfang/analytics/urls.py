"""/analytics/: pages (docs/analytics.md)."""

from django.urls import URLPattern

from xinfang.analytics.views import urlpatterns as _pages

app_name = "analytics"

urlpatterns: list[URLPattern] = [*_pages]
