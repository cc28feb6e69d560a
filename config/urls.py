"""Top-level URL map."""

from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("xinfang.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]
