"""/api/v1/alerts/: early warning (docs/alerts.md)."""

from django.urls import path

from xinfang.alerts import apis

urlpatterns = [
    path("alerts/", apis.AlertListApi.as_view(), name="api-alerts"),
    path("alerts/periods/", apis.SensitivePeriodListApi.as_view(), name="api-alerts-periods"),
    path("alerts/periods/<int:pk>/", apis.SensitivePeriodDetailApi.as_view(), name="api-alerts-period"),
    path("alerts/notices/", apis.GroupNoticeListApi.as_view(), name="api-alerts-notices"),
    path("alerts/<int:pk>/", apis.AlertDetailApi.as_view(), name="api-alerts-detail"),
    path("alerts/<int:pk>/acknowledge/", apis.AlertAcknowledgeApi.as_view(), name="api-alerts-acknowledge"),
    path("alerts/<int:pk>/assign/", apis.AlertAssignApi.as_view(), name="api-alerts-assign"),
    path("alerts/<int:pk>/notes/", apis.AlertNoteApi.as_view(), name="api-alerts-notes"),
    path("alerts/<int:pk>/close/", apis.AlertCloseApi.as_view(), name="api-alerts-close"),
]
