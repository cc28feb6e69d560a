"""/analytics/: pages."""

from django.urls import path  # noqa: F401

app_name = "analytics"

urlpatterns: list = []
