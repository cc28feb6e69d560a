"""/api/v1/ routes of xinfang.analytics (docs/analytics.md)."""

from django.urls import path

from xinfang.analytics import apis

urlpatterns = [
    path("analytics/overview/", apis.OverviewApi.as_view(), name="api-analytics-overview"),
    path("analytics/hotspots/", apis.HotspotsApi.as_view(), name="api-analytics-hotspots"),
]
