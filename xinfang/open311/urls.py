"""/open311/v2/: Open311 GeoReport v2 (docs/open311.md)."""

from django.urls import re_path

from xinfang.open311 import apis

_FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^services" + _FMT, apis.ServiceListApi.as_view(), name="open311-services"),
    re_path(r"^services/(?P<code>[^/]+)" + _FMT, apis.ServiceDefinitionApi.as_view(), name="open311-service"),
    re_path(r"^requests" + _FMT, apis.ServiceRequestListApi.as_view(), name="open311-requests"),
    re_path(r"^requests/(?P<request_id>[^/]+)" + _FMT, apis.ServiceRequestDetailApi.as_view(),
            name="open311-request"),
    # Last: anything else (another format, a typo) answers the spec's 404, not the site's HTML page.
    re_path(r"^.*$", apis.open311_not_found),
]
