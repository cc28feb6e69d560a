from django.urls import path

from xinfang.imports import apis

urlpatterns = [
    path("imports/", apis.ImportUploadApi.as_view(), name="api-imports"),
    path("imports/mappings/", apis.ImportMappingsApi.as_view(), name="api-imports-mappings"),
    path("imports/<str:token>/confirm/", apis.ImportConfirmApi.as_view(), name="api-imports-confirm"),
]
