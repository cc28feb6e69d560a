"""/api/v1/: the lifecycle API (cases, reference data, the public portal)."""

from django.urls import include, path

urlpatterns = [
    path("", include("xinfang.accounts.api_urls")),
    path("", include("xinfang.cases.api_urls")),
    path("portal/", include("xinfang.portal.api_urls")),
]
