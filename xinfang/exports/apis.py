"""The export API (/api/v1/exports/): ask for an export of the case list, follow its progress, download the
file. Every export through the API runs in the background (202 with the job); the rules are the page's
(``xinfang/exports/services.py``): masked by default, full only with the permission and a reason, the
caller's own scope, the caller's own jobs."""

from __future__ import annotations

from typing import Any, cast

from django.http import FileResponse, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.api.actions import validated
from xinfang.api.schema import error_responses
from xinfang.cases.filters import CaseFilterSet
from xinfang.core.errors import ApplicationError
from xinfang.exports import serializers as s
from xinfang.exports.formats import CSV_TYPE, XLSX_TYPE
from xinfang.exports.selectors import export_job_of, export_jobs_of
from xinfang.exports.services import export_download, export_request


class ExportListCreateApi(APIView):
    """POST: export the caller's case list (the list's filters and sort) as .xlsx or .csv in the
    background. GET: the caller's export jobs, newest first (the latest 50)."""

    @extend_schema(operation_id="exports_create", request=s.ExportCreateIn,
                   responses={202: s.ExportJobOut, **error_responses(400, 401, 403, 415)})
    def post(self, request: Request) -> Response:
        data = validated(s.ExportCreateIn, request.data)
        params = s.ExportFilterIn.as_params(dict(data.get("filter") or {}))
        try:
            plan = export_request(actor=request.user, params=params, sort=data["sort"], file_format=data["format"],
                                  full=data["full"], reason=data["reason"], background=True)
        except ApplicationError as exc:
            # The filter's own errors are named as the fields of the body ("filter.received_to").
            exc.errors = {(f"filter.{key}" if key in CaseFilterSet.PARAMS else key): value
                          for key, value in exc.errors.items()}
            raise
        assert plan.job is not None  # background=True always queues a job
        return Response(s.export_job_data(plan.job), status=202)

    @extend_schema(operation_id="exports_list", responses={200: s.ExportJobListOut, **error_responses(401, 403)})
    def get(self, request: Request) -> Response:
        jobs = export_jobs_of(user=request.user)
        return Response({"count": len(jobs), "results": [s.export_job_data(job) for job in jobs]})


class ExportDetailApi(APIView):
    """One of the caller's export jobs, with its progress; 404 for anyone else's."""

    @extend_schema(operation_id="exports_retrieve", responses={200: s.ExportJobOut, **error_responses(401, 403, 404)})
    def get(self, request: Request, pk: int) -> Response:
        return Response(s.export_job_data(export_job_of(user=request.user, job_id=pk)))


class _AnyAccept(BaseContentNegotiation):
    """The download answers a file whatever the client accepts, and its errors in JSON: without this an
    ``Accept: text/csv`` turned every error into a 406."""

    def select_parser(self, request: Request, parsers: Any) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Request, renderers: Any, format_suffix: Any = None) -> Any:
        return (renderers[0], renderers[0].media_type)


class ExportDownloadApi(APIView):
    """The finished file of one of the caller's jobs (audited); 409 while it is not ready or after it
    expired."""

    content_negotiation_class = _AnyAccept

    @extend_schema(
        operation_id="exports_download",
        responses={
            (200, XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The .xlsx file."),
            (200, CSV_TYPE.split(";")[0]): OpenApiResponse(OpenApiTypes.BINARY, description="The .csv file (UTF-8 with BOM)."),
            **error_responses(401, 403, 404, 409),
        },
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        exported = export_download(actor=request.user, job_id=pk)
        return cast(HttpResponse, FileResponse(exported.handle, as_attachment=True, filename=exported.name,
                                               content_type=exported.content_type))
