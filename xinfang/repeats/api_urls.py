"""/api/v1/ routes of the repeat index (included at the /api/v1/ root: docs/nlp.md)."""

from django.urls import path

from xinfang.repeats import apis

urlpatterns = [
    path("repeats/intake-candidates/", apis.IntakeCandidatesApi.as_view(), name="api-repeats-intake-candidates"),
    path("repeats/clusters/", apis.ClustersApi.as_view(), name="api-repeats-clusters"),
    path("cases/<int:pk>/similar/", apis.CaseSimilarApi.as_view(), name="api-case-similar"),
]
