"""/api/v1/assessment/: the same figures as the pages, from the same selectors (docs/assessment.md), with the
same permissions and scope (unit heads: their own unit only, 404 for another)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.api.actions import validated
from xinfang.api.fields import int_param
from xinfang.api.permissions import HasPagePermission
from xinfang.api.schema import STAFF_READ_ERRORS, STAFF_WRITE_ERRORS, error_responses
from xinfang.assessment import serializers as s
from xinfang.assessment import services
from xinfang.assessment.metrics import METRICS
from xinfang.assessment.report import DOCX_TYPE, XLSX_TYPE
from xinfang.assessment.selectors import (
    CONFIGURE_PERMISSION,
    REPORT_PERMISSION,
    VIEW_PERMISSION,
    assessment_scores,
    assessment_unit_access,
    metric_drill,
    recommendations_draft,
    scheme_for_year,
    year_parse,
)
from xinfang.assessment.views import export_response, report_response
from xinfang.core.errors import ValidationFailed

_YEAR = OpenApiParameter("year", OpenApiTypes.INT, OpenApiParameter.QUERY,
                         description="The calendar year (2000–2099); this year when left out.")


class _AssessmentApi(APIView):
    permission_classes = [IsAuthenticated, HasPagePermission]
    required_permission = VIEW_PERMISSION


class AssessmentApi(_AssessmentApi):
    """Scores of a year: every unit the caller may see (unit heads: their own), every metric with its value,
    numerator, n, small-sample flag and definition; ranked units and small-sample units apart."""

    @extend_schema(operation_id="assessment_scores", parameters=[
        _YEAR, OpenApiParameter("unit", OpenApiTypes.INT, OpenApiParameter.QUERY, description="One unit's id only."),
    ], responses={200: s.AssessmentOut, **error_responses(400, *STAFF_READ_ERRORS, 404)})
    def get(self, request: Request) -> Response:
        year = year_parse(request.query_params.get("year"), allow_empty=False)
        # ``?unit=`` (empty) or not an id is a 400, as the schema's integer says; an id the caller may not
        # see is a 404.
        raw_unit = int_param(request.query_params, "unit")
        unit_id = None if raw_unit is None else assessment_unit_access(user=request.user, unit_id=raw_unit).pk
        return Response(s.assessment_data(assessment_scores(user=request.user, year=year, unit_id=unit_id)))


class MetricDefinitionsApi(_AssessmentApi):
    """The written definition of every metric."""

    @extend_schema(operation_id="assessment_metrics", responses={200: s.MetricDefinitionOut(many=True),
                                                                 **error_responses(*STAFF_READ_ERRORS)})
    def get(self, request: Request) -> Response:
        return Response([s.metric_data(m) for m in METRICS])


class MetricCasesApi(_AssessmentApi):
    """The cases behind one figure of one unit (through the case gateway)."""

    @extend_schema(operation_id="assessment_metric_cases", parameters=[
        _YEAR, OpenApiParameter("only", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=["hit", "miss"],
                                description="hit: only the cases in the numerator; miss: only the others."),
    ], responses={200: s.DrillOut, **error_responses(400, *STAFF_READ_ERRORS, 404)})
    def get(self, request: Request, pk: int, metric: str) -> Response:
        year = year_parse(request.query_params.get("year"), allow_empty=False)
        only = request.query_params.get("only", "")
        if only not in ("", "hit", "miss"):
            message = _("显示范围必须是 hit 或 miss。")
            raise ValidationFailed(message, errors={"only": [message]})
        return Response(s.drill_data(metric_drill(user=request.user, year=year, unit_id=pk, code=metric, only=only)))


class SchemeApi(_AssessmentApi):
    """GET: the scheme of a year (the default one until saved). PUT: save it (bureau officers); bad input
    changes nothing."""

    required_permissions = {"GET": CONFIGURE_PERMISSION, "PUT": CONFIGURE_PERMISSION}

    @extend_schema(operation_id="assessment_scheme_read",
                   responses={200: s.SchemeOut, **error_responses(400, *STAFF_READ_ERRORS, 404)})
    def get(self, request: Request, year: int) -> Response:
        return Response(s.scheme_data(scheme_for_year(year=year_parse(year))))

    @extend_schema(operation_id="assessment_scheme_update", request=s.SchemeIn,
                   responses={200: s.SchemeOut, **error_responses(*STAFF_WRITE_ERRORS, 404)})
    def put(self, request: Request, year: int) -> Response:
        year = year_parse(year)
        if not isinstance(request.data, dict):
            raise ValidationFailed(_("请求内容必须是 JSON 对象。"))
        data = request.data
        services.scheme_update(actor=request.user, year=year, metrics=data.get("metrics"), min_n=data.get("min_n"),
                               max_interval=data.get("max_interval"), min_coverage=data.get("min_coverage"))
        return Response(s.scheme_data(scheme_for_year(year=year)))


class _JsonErrorsNegotiation(BaseContentNegotiation):
    """Downloads: whatever ``Accept`` says, errors are rendered as JSON (the API's one error shape)."""

    def select_parser(self, request: Request, parsers: Any) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Request, renderers: Any, format_suffix: str | None = None) -> Any:
        return renderers[0], renderers[0].media_type


class ReportApi(_AssessmentApi):
    """The yearly report (信访工作条例 Art. 41) as .docx; without recommendations they are drafted from the
    figures. Audited."""

    required_permission = REPORT_PERMISSION
    content_negotiation_class = _JsonErrorsNegotiation

    @extend_schema(operation_id="assessment_report", request=s.ReportIn, responses={
        (200, DOCX_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The .docx file."),
        **error_responses(*STAFF_WRITE_ERRORS)})
    def post(self, request: Request) -> HttpResponse:
        data = validated(s.ReportIn, request.data)
        text = (data.get("recommendations") or "").strip()
        if not text:
            text = recommendations_draft(assessment=assessment_scores(user=request.user, year=data["year"]))
        return report_response(request, year=data["year"], recommendations=text)


class ExportApi(_AssessmentApi):
    """The assessment table and the year's statistics as .xlsx (formula-guarded cells). Audited."""

    required_permission = REPORT_PERMISSION
    content_negotiation_class = _JsonErrorsNegotiation

    @extend_schema(operation_id="assessment_export", parameters=[_YEAR], responses={
        (200, XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The .xlsx file."),
        **error_responses(400, *STAFF_READ_ERRORS)})
    def get(self, request: Request) -> HttpResponse:
        return export_response(request, year=year_parse(request.query_params.get("year"), allow_empty=False))
