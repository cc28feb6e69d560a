"""Top-level URL map."""

from django.urls import include, path

from xinfang.core import views as core_views

handler403 = "xinfang.core.views.error_403"
handler404 = "xinfang.core.views.error_404"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/", include("xinfang.accounts.urls")),
    path("cases/", include("xinfang.cases.urls")),
    path("repeats/", include("xinfang.repeats.urls")),
    path("reference/", include("xinfang.reference.urls")),
    path("imports/", include("xinfang.imports.urls")),
    path("exports/", include("xinfang.exports.urls")),
    path("governance/", include("xinfang.governance.urls")),
    path("grassroots/", include("xinfang.grassroots.urls")),
    path("petitioners/", include("xinfang.petitioners.urls")),
    path("analytics/", include("xinfang.analytics.urls")),
    path("alerts/", include("xinfang.alerts.urls")),
    path("assessment/", include("xinfang.assessment.urls")),
    path("portal/", include("xinfang.portal.urls")),
    path("api/v1/", include("xinfang.api.urls")),
    path("open311/v2/", include("xinfang.open311.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]
