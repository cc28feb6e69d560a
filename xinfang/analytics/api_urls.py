"""/api/v1/ routes of xinfang.analytics."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
