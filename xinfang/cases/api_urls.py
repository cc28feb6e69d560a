from django.urls import path

from xinfang.cases import apis, apis_documents, apis_workbench

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
    path("cases/<int:pk>/accept-new-facts/", apis.CaseAcceptNewFactsApi.as_view(), name="api-case-accept-new-facts"),
    path("cases/<int:pk>/petitioners/<int:petitioner_id>/reveal/", apis.PetitionerRevealApi.as_view(),
         name="api-petitioner-reveal"),
    # The workbench (docs/api.md): queues, bulk routing, the search by a full ID or phone number, intake.
    path("inbox/", apis_workbench.InboxApi.as_view(), name="api-inbox"),
    path("inbox/<str:queue>/", apis_workbench.InboxQueueApi.as_view(), name="api-inbox-queue"),
    path("cases/bulk-route/", apis_workbench.BulkRouteApi.as_view(), name="api-cases-bulk-route"),
    path("cases/bulk-route/suggestions/", apis_workbench.BulkRouteSuggestionsApi.as_view(),
         name="api-cases-bulk-route-suggestions"),
    path("cases/bulk-route/each/", apis_workbench.BulkRouteEachApi.as_view(), name="api-cases-bulk-route-each"),
    path("cases/person-search/", apis_workbench.PersonSearchApi.as_view(), name="api-cases-person-search"),
    path("intake/petitioner-lookup/", apis_workbench.PetitionerLookupApi.as_view(),
         name="api-intake-petitioner-lookup"),
    path("intake/suggested-unit/", apis_workbench.SuggestedUnitApi.as_view(), name="api-intake-suggested-unit"),
    # One case beyond its detail: what the case page shows and offers.
    path("cases/<int:pk>/actions/", apis_documents.CaseActionsApi.as_view(), name="api-case-actions"),
    path("cases/<int:pk>/related/", apis_documents.CaseRelatedApi.as_view(), name="api-case-related"),
    path("cases/<int:pk>/documents/", apis_documents.CaseDocumentListApi.as_view(), name="api-case-documents"),
    path("cases/<int:pk>/documents/<int:doc_id>/docx/", apis_documents.CaseDocumentDocxApi.as_view(),
         name="api-case-document-docx"),
    path("cases/<int:pk>/documents/<int:doc_id>/file/", apis_documents.CaseAttachmentFileApi.as_view(),
         name="api-case-attachment-file"),
    path("cases/<int:pk>/attachments/", apis_documents.CaseAttachmentsApi.as_view(), name="api-case-attachments"),
    path("cases/<int:pk>/drafts/reply/", apis_documents.CaseReplyDraftApi.as_view(), name="api-case-draft-reply"),
    path("cases/<int:pk>/drafts/review/", apis_documents.CaseReviewDraftApi.as_view(), name="api-case-draft-review"),
    path("cases/<int:pk>/drafts/re-review/", apis_documents.CaseReReviewDraftApi.as_view(),
         name="api-case-draft-re-review"),
]
