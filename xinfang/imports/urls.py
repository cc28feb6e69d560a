"""/imports/: bulk import of 12345 exports and petition ledgers (upload, preview, confirm, result)."""

from django.urls import URLPattern

from xinfang.imports import views

app_name = "imports"
urlpatterns: list[URLPattern] = [*views.urlpatterns]
