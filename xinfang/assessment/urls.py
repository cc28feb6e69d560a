"""/assessment/: pages (docs/assessment.md)."""

from django.urls import URLPattern

from xinfang.assessment.views import urlpatterns as _pages

app_name = "assessment"

urlpatterns: list[URLPattern] = [*_pages]
