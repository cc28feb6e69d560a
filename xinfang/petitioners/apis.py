"""/api/v1/petitioners/: a petitioner's history, the links of a case and the repeat-petition figures — thin
views over the selectors and services the pages use (docs/petitioners.md), the same permissions and scope."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.accounts.access import access_case, cases_visible_to
from xinfang.api.actions import validated
from xinfang.api.fields import date_param
from xinfang.api.permissions import HasPagePermission
from xinfang.api.schema import error_responses
from xinfang.core.audit import audit_record
from xinfang.core.errors import ValidationFailed
from xinfang.petitioners import serializers as s
from xinfang.petitioners import services
from xinfang.petitioners.selectors import (
    LINK_PERMISSION,
    VIEW_PERMISSION,
    case_link_access,
    case_links_visible,
    figures_default_period,
    figures_period_problem,
    petitioner_history,
    repeat_figures,
)


class _PetitionersApi(APIView):
    permission_classes = [IsAuthenticated, HasPagePermission]
    required_permission = VIEW_PERMISSION


class PetitionerHistoryApi(_PetitionersApi):
    """All matters of one petitioner the caller may see, oldest first (ID and phone masked); 404 when the
    caller can see none of them."""

    @extend_schema(operation_id="petitioners_history", responses={200: s.PetitionerHistoryOut,
                                                                 **error_responses(401, 403, 404)})
    def get(self, request: Request, pk: int) -> Response:
        history = petitioner_history(user=request.user, petitioner_id=pk)
        audit_record(actor=request.user, action="petitioner.history", obj=history.petitioner,
                     detail={"cases": [r.case.pk for r in history.rows]})
        return Response(s.history_data(history))


class RepeatFiguresApi(_PetitionersApi):
    """重复信访率 over the cases the caller may see, received from ``start`` to ``end`` (this year so far by
    default): overall, by handling unit, category and street; and the petitioners with the most repeats."""

    @extend_schema(operation_id="petitioners_repeat_figures", parameters=[
        OpenApiParameter("start", OpenApiTypes.DATE, OpenApiParameter.QUERY, description="First day (2000 or later)."),
        OpenApiParameter("end", OpenApiTypes.DATE, OpenApiParameter.QUERY,
                         description="Last day (included; 2099 at the latest); at most five years after start."),
    ], responses={200: s.RepeatFiguresOut, **error_responses(400, 401, 403)})
    def get(self, request: Request) -> Response:
        default = figures_default_period()
        period = {name: date_param(request.query_params, name) or default[name] for name in ("start", "end")}
        problem = figures_period_problem(period["start"], period["end"])
        if problem:
            raise ValidationFailed(problem, errors={"end": [problem]})
        return Response(s.figures_data(repeat_figures(user=request.user, start=period["start"], end=period["end"])))


class CaseLinksApi(_PetitionersApi):
    """GET: the links of a case whose other end the caller may also see. POST: a bureau officer links the
    case to another (repeat of, duplicate of, related to); an event is written on both cases."""

    required_permissions = {"POST": LINK_PERMISSION}

    @extend_schema(operation_id="petitioners_case_links_list",
                   responses={200: s.CaseLinkItemOut(many=True), **error_responses(401, 403, 404)})
    def get(self, request: Request, pk: int) -> Response:
        case = access_case(user=request.user, case_id=pk)
        return Response(s.link_items_data(case_links_visible(user=request.user, case=case)))

    @extend_schema(operation_id="petitioners_case_links_create", request=s.CaseLinkIn,
                   responses={201: s.CaseLinkItemOut(many=True), **error_responses(400, 401, 403, 404, 415)})
    def post(self, request: Request, pk: int) -> Response:
        case = access_case(user=request.user, case_id=pk)
        data = validated(s.CaseLinkIn, request.data)
        other = cases_visible_to(request.user).filter(pk=data["other"]).first()
        if other is None:
            raise ValidationFailed(_("未找到该事项。"), errors={"other": [_("未找到该事项。")]})
        services.case_link(actor=request.user, case=case, other=other, kind=data["kind"], note=data["note"])
        return Response(s.link_items_data(case_links_visible(user=request.user, case=case)), status=201)


class CaseLinkDetailApi(_PetitionersApi):
    """DELETE: a bureau officer removes a link (events on both cases, audited)."""

    required_permission = LINK_PERMISSION

    @extend_schema(operation_id="petitioners_case_links_delete",
                   responses={204: None, **error_responses(401, 403, 404)})
    def delete(self, request: Request, pk: int, link: int) -> Response:
        case = access_case(user=request.user, case_id=pk)
        services.case_unlink(actor=request.user, link=case_link_access(user=request.user, case=case, link_id=link))
        return Response(status=204)
