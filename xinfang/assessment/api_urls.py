"""/api/v1/ routes of xinfang.assessment."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
