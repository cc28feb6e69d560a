"""/api/v1/ routes of xinfang.alerts."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
