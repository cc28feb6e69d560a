"""/api/v1/alerts/: early warning as an API — thin views over the selectors and services the pages use
(docs/alerts.md). An alert outside the caller's scope answers 404; its cases come through the gateway."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.accounts.access import access_case
from xinfang.accounts.models import Unit, User
from xinfang.alerts import serializers as s
from xinfang.alerts import services
from xinfang.alerts.models import Alert
from xinfang.alerts.selectors import (
    VIEW_ALERT,
    VIEW_PERIODS,
    AlertFilters,
    alert_access,
    alert_detail,
    alert_list,
    group_notices_visible_to,
    sensitive_period_get,
    sensitive_periods,
)
from xinfang.api.actions import ACTION_ERRORS, ObjectActionApi, validated
from xinfang.api.fields import choice_param, date_param, flag_param
from xinfang.api.pagination import PAGE_PARAMETERS, page_data, page_window
from xinfang.api.permissions import HasPagePermission
from xinfang.api.schema import error_responses
from xinfang.cases.apis import unit_by_code
from xinfang.core.errors import NotFound, ValidationFailed

READ_ERRORS = (400, 401, 403)


class _AlertsApi(APIView):
    permission_classes = [IsAuthenticated, HasPagePermission]
    required_permission = VIEW_ALERT


def _alert_response(request: Request, alert: Alert, status: int = 200) -> Response:
    alert = alert_access(user=request.user, alert_id=alert.pk)
    return Response(s.alert_detail_data(alert_detail(user=request.user, alert=alert)), status=status)


class AlertListApi(_AlertsApi):
    """The alerts the caller may see, newest first (the list page's selector and filters)."""

    @extend_schema(operation_id="alerts_list", parameters=[
        OpenApiParameter("status", OpenApiTypes.STR, OpenApiParameter.QUERY,
                         enum=["active", *Alert.Status.values],
                         description="active (not closed), open (待处置), acknowledged (已签收) or closed (已关闭)."),
        OpenApiParameter("rule", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=Alert.Rule.values),
        OpenApiParameter("severity", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=Alert.Severity.values),
        OpenApiParameter("street", OpenApiTypes.STR, OpenApiParameter.QUERY, description="A street's unit code."),
        OpenApiParameter("from", OpenApiTypes.DATE, OpenApiParameter.QUERY, description="Raised on or after."),
        OpenApiParameter("to", OpenApiTypes.DATE, OpenApiParameter.QUERY, description="Raised on or before."),
        OpenApiParameter("mine", OpenApiTypes.BOOL, OpenApiParameter.QUERY, description="Only the caller's own."),
        *PAGE_PARAMETERS,
    ], responses={200: s.AlertPage, **error_responses(*READ_ERRORS)})
    def get(self, request: Request) -> Response:
        params = request.query_params
        street_id = None
        if "street" in params:
            street = Unit.objects.filter(code=str(params.get("street")), kind=Unit.Kind.STREET).first()
            if street is None:
                raise ValidationFailed(_("未知的街道代码。"), errors={"street": [_("未知的街道代码。")]})
            street_id = street.pk
        filters = AlertFilters(
            status=choice_param(params, "status", ["active", *Alert.Status.values]),
            rule=choice_param(params, "rule", Alert.Rule.values),
            severity=choice_param(params, "severity", Alert.Severity.values), street_id=street_id,
            date_from=date_param(params, "from"), date_to=date_param(params, "to"),
            mine=flag_param(params, "mine"))
        window = page_window(params)
        rows = alert_list(user=request.user, filters=filters)
        total = rows.count()
        return Response(page_data(total=total, window=window, results=[
            s.alert_data(a) for a in rows.select_related("sensitive_period")[window.offset:window.stop]]))


class AlertDetailApi(_AlertsApi):
    @extend_schema(operation_id="alerts_retrieve", responses={200: s.AlertDetailOut, **error_responses(401, 403, 404)})
    def get(self, request: Request, pk: int) -> Response:
        return _alert_response(request, alert_access(user=request.user, alert_id=pk))


class _AlertActionApi(_AlertsApi, ObjectActionApi):
    output_serializer = s.AlertDetailOut

    def get_object(self, request: Request, pk: int) -> Alert:
        return alert_access(user=request.user, alert_id=pk, action="alert.update")

    def respond(self, request: Request, obj: Alert, result: Any) -> Response:
        return _alert_response(request, obj)


class AlertAcknowledgeApi(_AlertActionApi):
    """签收 (an open alert only)."""

    input_serializer = s.AlertAcknowledgeIn

    def perform(self, alert: Alert, *, user: Any, data: dict[str, Any]) -> None:
        services.alert_acknowledge(alert=alert, actor=user, note=data["note"])


class AlertAssignApi(_AlertActionApi):
    """Give the alert an owner."""

    input_serializer = s.AlertAssignIn

    def perform(self, alert: Alert, *, user: Any, data: dict[str, Any]) -> None:
        owner = User.objects.filter(pk=data["owner"], is_active=True).select_related("unit").first()
        services.alert_assign(alert=alert, actor=user, owner=owner)


class AlertNoteApi(_AlertActionApi):
    """Add a follow-up note."""

    input_serializer = s.AlertNoteIn

    def perform(self, alert: Alert, *, user: Any, data: dict[str, Any]) -> None:
        services.alert_note_add(alert=alert, actor=user, text=data["text"])


class AlertCloseApi(_AlertActionApi):
    """Close: handled or a false alarm, with a note."""

    input_serializer = s.AlertCloseIn

    def perform(self, alert: Alert, *, user: Any, data: dict[str, Any]) -> None:
        services.alert_close(alert=alert, actor=user, reason=data["reason"], note=data["note"])


# --- Sensitive periods -------------------------------------------------------------------------------------

class SensitivePeriodListApi(APIView):
    """GET: the calendar, newest first (``?year=``). POST: add a period (the bureau officer)."""

    permission_classes = [IsAuthenticated, HasPagePermission]
    required_permission = VIEW_PERIODS
    required_permissions = {"POST": "alerts.add_sensitiveperiod"}

    @extend_schema(operation_id="alerts_periods_list", parameters=[
        OpenApiParameter("year", OpenApiTypes.INT, OpenApiParameter.QUERY, description="Periods touching this year."),
        *PAGE_PARAMETERS], responses={200: s.SensitivePeriodPage, **error_responses(*READ_ERRORS)})
    def get(self, request: Request) -> Response:
        year = None
        if "year" in request.query_params:
            try:
                year = int(request.query_params["year"])
            except ValueError:
                year = 0
            if not 2000 <= year <= 2100:
                raise ValidationFailed(_("年份无效。"), errors={"year": [_("年份无效。")]})
        window = page_window(request.query_params)
        rows = sensitive_periods(year=year)
        return Response(page_data(total=rows.count(), window=window,
                                  results=[s.period_data(p) for p in rows[window.offset:window.stop]]))

    @extend_schema(operation_id="alerts_periods_create", request=s.SensitivePeriodIn,
                   responses={201: s.SensitivePeriodOut, **error_responses(*ACTION_ERRORS)})
    def post(self, request: Request) -> Response:
        data = validated(s.SensitivePeriodIn, request.data)
        period = services.sensitive_period_save(actor=request.user, **data)
        return Response(s.period_data(period), status=201)


class SensitivePeriodDetailApi(APIView):
    permission_classes = [IsAuthenticated, HasPagePermission]
    required_permission = VIEW_PERIODS
    required_permissions = {"PUT": "alerts.change_sensitiveperiod", "DELETE": "alerts.delete_sensitiveperiod"}

    @extend_schema(operation_id="alerts_periods_retrieve",
                   responses={200: s.SensitivePeriodOut, **error_responses(401, 403, 404)})
    def get(self, request: Request, pk: int) -> Response:
        return Response(s.period_data(sensitive_period_get(pk)))

    @extend_schema(operation_id="alerts_periods_update", request=s.SensitivePeriodIn,
                   responses={200: s.SensitivePeriodOut, **error_responses(*ACTION_ERRORS)})
    def put(self, request: Request, pk: int) -> Response:
        period = sensitive_period_get(pk)
        data = validated(s.SensitivePeriodIn, request.data)
        return Response(s.period_data(services.sensitive_period_save(actor=request.user, period=period, **data)))

    @extend_schema(operation_id="alerts_periods_destroy", responses={204: None, **error_responses(401, 403, 404)})
    def delete(self, request: Request, pk: int) -> Response:
        services.sensitive_period_delete(actor=request.user, period=sensitive_period_get(pk))
        return Response(status=204)


# --- Group-visit notices -----------------------------------------------------------------------------------

class GroupNoticeListApi(_AlertsApi):
    """GET: the notices whose alert the caller may see. POST: record a notice; its alert is raised at once."""

    required_permissions = {"POST": services.REPORT_GROUP_NOTICE}

    @extend_schema(operation_id="alerts_notices_list", parameters=[*PAGE_PARAMETERS],
                   responses={200: s.GroupNoticePage, **error_responses(*READ_ERRORS)})
    def get(self, request: Request) -> Response:
        window = page_window(request.query_params)
        rows = group_notices_visible_to(request.user)
        return Response(page_data(total=rows.count(), window=window,
                                  results=[s.notice_data(n) for n in rows[window.offset:window.stop]]))

    @extend_schema(operation_id="alerts_notices_create", request=s.GroupNoticeIn,
                   responses={201: s.GroupNoticeOut, **error_responses(*ACTION_ERRORS)})
    def post(self, request: Request) -> Response:
        data = validated(s.GroupNoticeIn, request.data)
        case = None
        if data["case"] is not None:
            try:
                case = access_case(user=request.user, case_id=data["case"])
            except NotFound:
                raise ValidationFailed(_("未找到该事项。"), errors={"case": [_("未找到该事项。")]}) from None
        reporting_unit = unit_by_code(data["reporting_unit"], "reporting_unit")
        street = unit_by_code(data["street"], "street") if data["street"] else None
        notice = services.group_notice_report(
            actor=request.user, source=data["source"], reporting_unit=reporting_unit, street=street,
            expected_date=data["expected_date"], place=data["place"], expected_people=data["expected_people"],
            subject=data["subject"], case=case)
        return Response(s.notice_data(notice), status=201)
