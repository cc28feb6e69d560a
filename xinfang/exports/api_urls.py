from django.urls import path

from xinfang.exports import apis

urlpatterns = [
    path("", apis.ExportListCreateApi.as_view(), name="api-exports"),
    path("<int:pk>/", apis.ExportDetailApi.as_view(), name="api-export-detail"),
    path("<int:pk>/download/", apis.ExportDownloadApi.as_view(), name="api-export-download"),
]
