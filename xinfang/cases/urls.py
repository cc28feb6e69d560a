"""/cases/: the staff workbench (inboxes, lists, intake, the case page)."""

from xinfang.cases.views import detail, intake, lists

app_name = "cases"
urlpatterns = [*lists.urlpatterns, *intake.urlpatterns, *detail.urlpatterns]
