"""/governance/: the backlog register with its leaders in charge, and supervision (docs/governance.md)."""

from django.urls import URLPattern

from xinfang.governance.views import backlog, supervision

app_name = "governance"
urlpatterns: list[URLPattern] = [*backlog.urlpatterns, *supervision.urlpatterns]
