"""/api/v1/: the lifecycle API (cases, reference data, the public portal)."""

from django.urls import include, path, re_path

from xinfang.api.errors import api_not_found

urlpatterns = [
    path("", include("xinfang.accounts.api_urls")),
    path("", include("xinfang.cases.api_urls")),
    path("portal/", include("xinfang.portal.api_urls")),
    # Last: a path under /api/v1/ that names no endpoint (/api/v1/nope/, /api/v1/cases/abc/) answers the
    # API's JSON 404, not the site's HTML page. Only paths ending in "/", so that APPEND_SLASH still
    # redirects /api/v1/cases to /api/v1/cases/.
    re_path(r"^.*/$", api_not_found),
]
