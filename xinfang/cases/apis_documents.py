"""One case in the API beyond its detail: the actions the caller may take now, the related cases, the
documents (issued .docx and attachments, with downloads), adding attachments, and the draft texts of the
reply and decisions — what the case page (``views/detail.py``) shows and offers, over the same selectors
and services. Every case comes through ``access_case`` (404 outside the caller's scope)."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.accounts.access import access_case
from xinfang.api.permissions import HasPagePermission
from xinfang.api.schema import STAFF_READ_ERRORS, error_responses
from xinfang.cases import serializers_workbench as w
from xinfang.cases.documents import decision_draft, document_content_disposition, reply_draft
from xinfang.cases.models import Case
from xinfang.cases.selectors_actions import case_actions_allowed, case_related_visible
from xinfang.cases.selectors_documents import (
    attachment_download_name,
    attachment_open,
    case_attachment,
    case_document_issued,
    case_documents,
    document_print,
)
from xinfang.cases.services.attachments import case_attachments_add
from xinfang.core.errors import ValidationFailed

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
VIEW = "cases.view_case"


class _CaseApi(APIView):
    permission_classes = [IsAuthenticated, HasPagePermission]
    required_permission = VIEW


class CaseActionsApi(_CaseApi):
    """``GET /api/v1/cases/{id}/actions/``: the workflow actions the caller may take on the case now (the
    forms the case page shows), and whether they may reveal personal data."""

    @extend_schema(operation_id="cases_actions_allowed",
                   responses={200: w.CaseActionsOut, **error_responses(*STAFF_READ_ERRORS, 404)})
    def get(self, request: Request, pk: int) -> Response:
        case = access_case(user=request.user, case_id=pk, detail=True)
        return Response({"allowed": case_actions_allowed(user=request.user, case=case),
                         "can_reveal": request.user.has_perm("cases.reveal_personal_data")})


class CaseRelatedApi(_CaseApi):
    """``GET /api/v1/cases/{id}/related/``: the original of a repeat petition and the petitions that repeat
    this one, as far as the caller may see them."""

    @extend_schema(operation_id="cases_related",
                   responses={200: w.RelatedCaseOut(many=True), **error_responses(*STAFF_READ_ERRORS, 404)})
    def get(self, request: Request, pk: int) -> Response:
        case = access_case(user=request.user, case_id=pk)
        return Response([{"id": c.pk, "number": c.number, "title": c.title, "status": c.status,
                          "received_at": c.received_at.isoformat(), "is_original": c.pk == case.repeat_of_id}
                         for c in case_related_visible(user=request.user, case=case)])


class CaseDocumentListApi(_CaseApi):
    """``GET /api/v1/cases/{id}/documents/``: the issued notices and opinions and the attachments, each
    with the API path of its download."""

    @extend_schema(operation_id="cases_documents_list",
                   responses={200: w.CaseDocumentOut(many=True), **error_responses(*STAFF_READ_ERRORS, 404)})
    def get(self, request: Request, pk: int) -> Response:
        case = access_case(user=request.user, case_id=pk)
        return Response([w.case_document_data(case, d) for d in case_documents(case)])


class _JsonErrorsNegotiation(BaseContentNegotiation):
    """Downloads: whatever ``Accept`` says, errors are rendered as JSON (the API's one error shape)."""

    def select_parser(self, request: Request, parsers: Any) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Request, renderers: Any, format_suffix: str | None = None) -> Any:
        return renderers[0], renderers[0].media_type


class _DownloadApi(_CaseApi):
    content_negotiation_class = _JsonErrorsNegotiation


class CaseDocumentDocxApi(_DownloadApi):
    """``GET /api/v1/cases/{id}/documents/{doc_id}/docx/``: an issued notice or opinion as the .docx the
    case page downloads (official-letter layout); audited as a print."""

    @extend_schema(operation_id="cases_documents_docx",
                   responses={(200, DOCX_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The .docx file."),
                              **error_responses(*STAFF_READ_ERRORS, 404)})
    def get(self, request: Request, pk: int, doc_id: int) -> HttpResponse:
        case = access_case(user=request.user, case_id=pk, action="case.print", detail=True)
        document = case_document_issued(case=case, doc_id=doc_id)
        response = HttpResponse(document_print(actor=request.user, case=case, document=document),
                                content_type=DOCX_TYPE)
        response["Content-Disposition"] = document_content_disposition(case=case, document=document)
        return response


class CaseAttachmentFileApi(_DownloadApi):
    """``GET /api/v1/cases/{id}/documents/{doc_id}/file/``: an attachment's file, as a download under a
    generated name, never for display (SECURITY.md 14); audited."""

    @extend_schema(operation_id="cases_documents_file",
                   responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY,
                                                                                 description="The stored file."),
                              **error_responses(*STAFF_READ_ERRORS, 404)})
    def get(self, request: Request, pk: int, doc_id: int) -> FileResponse:
        case = access_case(user=request.user, case_id=pk, action="case.document.read")
        document = case_attachment(case=case, doc_id=doc_id)
        return FileResponse(attachment_open(actor=request.user, case=case, document=document), as_attachment=True,
                            filename=attachment_download_name(case=case, document=document),
                            content_type="application/octet-stream")


class CaseAttachmentsApi(_CaseApi):
    """``POST /api/v1/cases/{id}/attachments/`` (multipart, field ``files``): attachments of a petition
    registered through the API, while it waits to be routed; checked and stored like the intake page's
    (``case_attachments_add``). Needs ``cases.register_case``."""

    parser_classes = [MultiPartParser]

    @extend_schema(operation_id="cases_attachments_add", request={"multipart/form-data": w.AttachmentsIn},
                   responses={201: w.AttachmentsOut, **error_responses(400, 401, 403, 404, 409, 415)})
    def post(self, request: Request, pk: int) -> Response:
        case = access_case(user=request.user, case_id=pk, action="case.update")
        serializer = w.AttachmentsIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        documents = case_attachments_add(case=case, files=serializer.validated_data["files"], actor=request.user)
        return Response({"documents": [w.case_document_data(case, d) for d in documents]}, status=201)


def _outcome_parameter(choices: Any) -> OpenApiParameter:
    return OpenApiParameter("outcome", OpenApiTypes.STR, OpenApiParameter.QUERY, required=True,
                            enum=list(choices), description="The outcome whose template to fill in.")


class _CaseDraftApi(_CaseApi):
    """The draft text of a written answer for one outcome, as the case page's "draft" button fills it in:
    the template of the outcome with the case's facts. Nothing is saved."""

    stage = ""
    outcomes: tuple[str, ...] = ()

    def get(self, request: Request, pk: int) -> Response:
        outcome = request.query_params.get("outcome", "")
        if outcome not in self.outcomes:
            message = _("请选择处理结果。")
            raise ValidationFailed(message, errors={"outcome": [message]})
        case = access_case(user=request.user, case_id=pk, detail=True)
        if self.stage == "reply":
            text = reply_draft(case=case, outcome=outcome)
        else:
            text = decision_draft(case=case, outcome=outcome, stage=self.stage)
        return Response({"text": text})


_DRAFT_ERRORS = error_responses(400, *STAFF_READ_ERRORS, 404)


class CaseReplyDraftApi(_CaseDraftApi):
    """``GET /api/v1/cases/{id}/drafts/reply/?outcome=``: the draft 处理意见书."""

    stage = "reply"
    outcomes = tuple(Case.Outcome.values)

    @extend_schema(operation_id="cases_drafts_reply", parameters=[_outcome_parameter(Case.Outcome.values)],
                   responses={200: w.DraftOut, **_DRAFT_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return super().get(request, pk)


class CaseReviewDraftApi(_CaseDraftApi):
    """``GET /api/v1/cases/{id}/drafts/review/?outcome=``: the draft 复查意见书."""

    stage = "review"
    outcomes = tuple(Case.ReviewOutcome.values)

    @extend_schema(operation_id="cases_drafts_review", parameters=[_outcome_parameter(Case.ReviewOutcome.values)],
                   responses={200: w.DraftOut, **_DRAFT_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return super().get(request, pk)


class CaseReReviewDraftApi(_CaseDraftApi):
    """``GET /api/v1/cases/{id}/drafts/re-review/?outcome=``: the draft 复核意见书."""

    stage = "re_review"
    outcomes = tuple(Case.ReviewOutcome.values)

    @extend_schema(operation_id="cases_drafts_re_review",
                   parameters=[_outcome_parameter(Case.ReviewOutcome.values)],
                   responses={200: w.DraftOut, **_DRAFT_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return super().get(request, pk)
