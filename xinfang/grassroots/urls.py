"""/grassroots/: disputes, mediations, visits and reception days, service points (docs/grassroots.md)."""

from django.shortcuts import redirect
from django.urls import URLPattern, path

from xinfang.grassroots.views import disputes, mediations, points, visits

app_name = "grassroots"
urlpatterns: list[URLPattern] = [
    path("", lambda request: redirect("grassroots:disputes"), name="index"),
    *disputes.urlpatterns,
    *mediations.urlpatterns,
    *visits.urlpatterns,
    *points.urlpatterns,
]
