"""/portal/: the public side, no login (issue 3). No route takes a query code: codes travel by POST only."""

from django.urls import path

from xinfang.portal import views
from xinfang.portal.forms import PETITION, SUGGESTION

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("petition/", views.submit, {"kind": PETITION}, name="submit-petition"),
    path("suggestion/", views.submit, {"kind": SUGGESTION}, name="submit-suggestion"),
    path("track/", views.track, name="track"),
    path("track/rate/", views.rate, name="rate"),
    path("track/review/", views.review, name="review"),
    path("track/re-review/", views.re_review, name="re-review"),
]
