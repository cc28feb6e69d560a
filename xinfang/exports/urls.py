"""/exports/: export the case list, and 我的导出 (the user's export jobs)."""

from django.urls import URLPattern

from xinfang.exports import views

app_name = "exports"
urlpatterns: list[URLPattern] = [*views.urlpatterns]
