from django.urls import path

from xinfang.cases import apis

urlpatterns = [
    path("categories/", apis.CategoryListApi.as_view(), name="api-categories"),
    path("cases/", apis.CaseListCreateApi.as_view(), name="api-cases"),
    path("cases/<int:pk>/", apis.CaseDetailApi.as_view(), name="api-case-detail"),
    path("cases/<int:pk>/route/", apis.CaseRouteApi.as_view(), name="api-case-route"),
    path("cases/<int:pk>/accept/", apis.CaseAcceptApi.as_view(), name="api-case-accept"),
    path("cases/<int:pk>/refuse/", apis.CaseRefuseApi.as_view(), name="api-case-refuse"),
    path("cases/<int:pk>/object/", apis.CaseObjectApi.as_view(), name="api-case-object"),
    path("cases/<int:pk>/extend/", apis.CaseExtendApi.as_view(), name="api-case-extend"),
    path("cases/<int:pk>/reply/", apis.CaseReplyApi.as_view(), name="api-case-reply"),
    path("cases/<int:pk>/review/decide/", apis.CaseReviewDecideApi.as_view(), name="api-case-review-decide"),
    path("cases/<int:pk>/re-review/decide/", apis.CaseReReviewDecideApi.as_view(), name="api-case-re-review-decide"),
    path("cases/<int:pk>/petitioners/<int:petitioner_id>/reveal/", apis.PetitionerRevealApi.as_view(),
         name="api-petitioner-reveal"),
]
