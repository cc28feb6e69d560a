"""/portal/: the public side, no login (issue 3)."""

from django.urls import path

from xinfang.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
]
