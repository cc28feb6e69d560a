"""/petitioners/: histories, case links and repeat-petition figures (docs/petitioners.md)."""

from django.urls import URLPattern

from xinfang.petitioners.views import urlpatterns as _pages

app_name = "petitioners"
urlpatterns: list[URLPattern] = [*_pages]
