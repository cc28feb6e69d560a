"""/api/v1/petitioners/: histories, case links and repeat-petition figures (docs/petitioners.md)."""

from django.urls import path

from xinfang.petitioners import apis

urlpatterns = [
    path("repeat-figures/", apis.RepeatFiguresApi.as_view(), name="api-petitioners-repeat-figures"),
    path("<int:pk>/history/", apis.PetitionerHistoryApi.as_view(), name="api-petitioner-history"),
    path("cases/<int:pk>/links/", apis.CaseLinksApi.as_view(), name="api-case-links"),
    path("cases/<int:pk>/links/<int:link>/", apis.CaseLinkDetailApi.as_view(), name="api-case-link-detail"),
]
