"""/api/v1/: the lifecycle API (cases, reference data, the public portal), its schema and its docs."""

from django.urls import include, path, re_path

from xinfang.api.apis import ApiClientSelfApi
from xinfang.api.errors import api_not_found
from xinfang.api.schema import DocsView, SchemaView

urlpatterns = [
    path("", include("xinfang.accounts.api_urls")),
    path("", include("xinfang.cases.api_urls")),
    path("", include("xinfang.notifications.api_urls")),
    path("", include("xinfang.reference.api_urls")),
    path("", include("xinfang.imports.api_urls")),
    path("portal/", include("xinfang.portal.api_urls")),
    path("exports/", include("xinfang.exports.api_urls")),
    path("governance/", include("xinfang.governance.api_urls")),
    path("grassroots/", include("xinfang.grassroots.api_urls")),
    path("petitioners/", include("xinfang.petitioners.api_urls")),
    # Issue 7: GET /api/v1/analytics/overview/, /api/v1/alerts/, /api/v1/assessment/ (docs/api.md).
    path("", include("xinfang.analytics.api_urls")),
    path("", include("xinfang.alerts.api_urls")),
    path("", include("xinfang.assessment.api_urls")),
    path("", include("xinfang.repeats.api_urls")),  # /repeats/..., /cases/{id}/similar/ (docs/nlp.md)
    # An external system checks its API key (X-API-Key): docs/open311.md.
    path("client/", ApiClientSelfApi.as_view(), name="api-client-self"),
    # The OpenAPI 3 schema and Swagger UI over it, served offline (xinfang/api/schema.py says who may read them).
    path("schema/", SchemaView.as_view(), name="api-schema"),
    path("docs/", DocsView.as_view(), name="api-docs"),
    # Last: a path under /api/v1/ that names no endpoint (/api/v1/nope/, /api/v1/cases/abc/) answers the
    # API's JSON 404, not the site's HTML page. Only paths ending in "/", so that APPEND_SLASH still
    # redirects /api/v1/cases to /api/v1/cases/. "[\s\S]", not ".": a path with an encoded newline (%0A)
    # is a path too (tests/api/test_fuzz.py found it answered with the HTML page).
    re_path(r"^[\s\S]*/$", api_not_found),
]
