"""The grassroots API (/api/v1/grassroots/, docs/grassroots.md): thin views over ``services.py`` and the
scoped selectors of ``selectors.py`` — another unit's record answers 404, a missing permission 403, a bad
body or parameter 400 (and nothing is written), a step the record's state does not allow 409."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.accounts.access import access_case
from xinfang.accounts.models import Unit, User
from xinfang.api.actions import ObjectActionApi, validated
from xinfang.api.pagination import MAX_ID, PAGE_PARAMETERS, page_data, page_window, paginated
from xinfang.api.permissions import HasPagePermission
from xinfang.api.schema import STAFF_READ_ERRORS, STAFF_WRITE_ERRORS, error_responses
from xinfang.cases.apis import unit_by_code
from xinfang.cases.models import Category
from xinfang.core.audit import audit_record
from xinfang.core.errors import NotFound, ValidationFailed
from xinfang.grassroots import serializers as s
from xinfang.grassroots import services
from xinfang.grassroots.documents import agreement_content_disposition
from xinfang.grassroots.models import Dispute, Mediation, Party, Reception, ReceptionDay, Visit, VisitFinding
from xinfang.grassroots.selectors import (
    access_dispute,
    access_finding,
    access_mediation,
    access_party,
    access_reception,
    access_reception_day,
    access_service_point,
    access_visit,
    dispute_list,
    mediation_detail,
    mediation_list,
    reception_day_list,
    reception_day_receptions_allowed,
    service_point_intake,
    service_point_list,
    visit_list,
)

VIEW = "grassroots.view_grassroots"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# The latest rows of each list on a service point's answer.
POINT_ROWS = 50


class _Api(APIView):
    permission_classes = [IsAuthenticated, HasPagePermission]
    required_permission = VIEW


def _category(code: str, field: str = "category") -> Category | None:
    if not code:
        return None
    category = Category.objects.filter(code=code, active=True).first()
    if category is None:
        raise ValidationFailed(_("未知的分类代码。"), errors={field: [_("未知的分类代码。")]})
    return category


def _unit(code: str, field: str) -> Unit | None:
    return unit_by_code(code, field) if code else None


def _parties(items: list[dict[str, Any]]) -> list[services.PartyInput]:
    return [services.PartyInput(**item) for item in items]


def _query(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    """Query parameters are checked like bodies: a value outside its enum is a 400, not silently ignored."""
    names: list[str] = list(serializer_class().fields.keys())
    params = {key: request.query_params.get(key) for key in names if key in request.query_params}
    serializer = serializer_class(data=params)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _enum_parameter(name: str, choices: Any, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.STR, OpenApiParameter.QUERY, enum=list(choices.values),
                            description=description)


def _case_parameter() -> OpenApiParameter:
    return OpenApiParameter("case", OpenApiTypes.INT, OpenApiParameter.QUERY,
                            description="Only the records linked to this case (its id).")


def _created(data: dict[str, Any]) -> Response:
    return Response(data, status=201)


# What a POST on one record can answer besides its success (a 409: the record's state refuses the step).
_ACTION_ERRORS = (*STAFF_WRITE_ERRORS, 404, 409)


# A record turned into a case in one step (needs cases.register_case as well): 201 with the case.
class _ConvertApi(_Api, ObjectActionApi):
    output_serializer = s.ConvertOut
    success_status = 201
    action_errors = _ACTION_ERRORS

    def respond(self, request: Request, obj: Any, result: Any) -> Response:
        return _created(s.convert_data(result))


# --- Disputes ----------------------------------------------------------------------------------------

class DisputeFilters(serializers.Serializer):
    status = serializers.ChoiceField(choices=Dispute.Status.choices, required=False)
    risk_level = serializers.ChoiceField(choices=Dispute.Risk.choices, required=False)
    q = serializers.CharField(max_length=100, required=False, allow_blank=True)


DisputePage = paginated("DisputePage", s.DisputeOut(many=True))


class DisputeListCreateApi(_Api):
    """GET: the disputes of the caller's area (newest first). POST: record a dispute found by screening."""

    required_permissions = {"POST": "grassroots.record_dispute"}

    @extend_schema(operation_id="grassroots_disputes_list",
                   parameters=[_enum_parameter("status", Dispute.Status, "Only disputes in this status."),
                               _enum_parameter("risk_level", Dispute.Risk, "Only disputes of this risk level."),
                               OpenApiParameter("q", OpenApiTypes.STR, OpenApiParameter.QUERY,
                                                description="Text in the title or description."),
                               *PAGE_PARAMETERS],
                   responses={200: DisputePage, **error_responses(400, *STAFF_READ_ERRORS)})
    def get(self, request: Request) -> Response:
        filters = _query(DisputeFilters, request)
        window = page_window(request.query_params)
        rows = dispute_list(user=request.user, status=filters.get("status", ""),
                            risk_level=filters.get("risk_level", ""), q=filters.get("q", "").strip())
        return Response(page_data(total=rows.count(), window=window,
                                  results=[s.dispute_data(d) for d in rows[window.offset:window.stop]]))

    @extend_schema(operation_id="grassroots_disputes_create", request=s.DisputeCreateIn,
                   responses={201: s.DisputeDetailOut, **error_responses(*STAFF_WRITE_ERRORS)})
    def post(self, request: Request) -> Response:
        data = validated(s.DisputeCreateIn, request.data)
        dispute = services.dispute_record(
            actor=request.user, title=data["title"], description=data["description"], risk_level=data["risk_level"],
            source=data["source"], found_on=data["found_on"], parties=_parties(data["parties"]),
            unit=_unit(data["unit"], "unit"), street=_unit(data["street"], "street"),
            category=_category(data["category"]))
        return _created(s.dispute_detail_data(access_dispute(user=request.user, pk=dispute.pk)))


class DisputeDetailApi(_Api):
    @extend_schema(operation_id="grassroots_disputes_retrieve",
                   responses={200: s.DisputeDetailOut, **error_responses(*STAFF_READ_ERRORS, 404)})
    def get(self, request: Request, pk: int) -> Response:
        dispute = access_dispute(user=request.user, pk=pk)
        audit_record(actor=request.user, action="dispute.read", obj=dispute)
        return Response(s.dispute_detail_data(dispute))


class DisputeResolveApi(_Api, ObjectActionApi):
    required_permission = "grassroots.record_dispute"
    operation_id = "grassroots_disputes_resolve"
    input_serializer = s.ResolveIn
    output_serializer = s.DisputeDetailOut
    action_errors = _ACTION_ERRORS

    def get_object(self, request: Request, pk: int) -> Dispute:
        return access_dispute(user=request.user, pk=pk, action="dispute.update")

    def perform(self, dispute: Dispute, *, user: Any, data: dict[str, Any]) -> None:
        services.dispute_resolve(actor=user, dispute=dispute, resolution=data["resolution"])

    def respond(self, request: Request, obj: Dispute, result: Any) -> Response:
        return Response(s.dispute_detail_data(access_dispute(user=request.user, pk=obj.pk)))


class DisputeConvertApi(_ConvertApi):
    """Turn the dispute into a case in one step (needs cases.register_case as well)."""

    required_permission = "grassroots.record_dispute"
    operation_id = "grassroots_disputes_convert"
    input_serializer = s.ConvertIn

    def get_object(self, request: Request, pk: int) -> Dispute:
        return access_dispute(user=request.user, pk=pk, action="dispute.update")

    def perform(self, dispute: Dispute, *, user: Any, data: dict[str, Any]) -> Any:
        return services.dispute_convert(actor=user, dispute=dispute, matter_type=data["matter_type"],
                                        channel=data["channel"], title=data["title"], content=data["content"])


# --- Mediations --------------------------------------------------------------------------------------

class MediationFilters(serializers.Serializer):
    status = serializers.ChoiceField(choices=Mediation.Status.choices, required=False)
    kind = serializers.ChoiceField(choices=Mediation.Kind.choices, required=False)
    case = serializers.IntegerField(required=False, min_value=-MAX_ID, max_value=MAX_ID)


MediationPage = paginated("MediationPage", s.MediationOut(many=True))


def _mediation_answer(user: Any, pk: int, status: int = 200) -> Response:
    mediation = access_mediation(user=user, pk=pk)
    return Response(s.mediation_detail_data(mediation, mediation_detail(mediation)), status=status)


class MediationListCreateApi(_Api):
    """GET: the mediations of the caller's area. POST: open a mediation (from a dispute, for a case, or on
    its own; 三所联动 needs the police station, the judicial office and a law firm)."""

    required_permissions = {"POST": "grassroots.mediate"}

    @extend_schema(operation_id="grassroots_mediations_list",
                   parameters=[_enum_parameter("status", Mediation.Status, "Only mediations in this status."),
                               _enum_parameter("kind", Mediation.Kind, "Only mediations of this kind."),
                               _case_parameter(), *PAGE_PARAMETERS],
                   responses={200: MediationPage, **error_responses(400, *STAFF_READ_ERRORS)})
    def get(self, request: Request) -> Response:
        filters = _query(MediationFilters, request)
        window = page_window(request.query_params)
        rows = mediation_list(user=request.user, status=filters.get("status", ""), kind=filters.get("kind", ""),
                              case_id=filters.get("case"))
        return Response(page_data(total=rows.count(), window=window,
                                  results=[s.mediation_data(m) for m in rows[window.offset:window.stop]]))

    @extend_schema(operation_id="grassroots_mediations_create", request=s.MediationCreateIn,
                   responses={201: s.MediationDetailOut, **error_responses(*STAFF_WRITE_ERRORS, 409)})
    def post(self, request: Request) -> Response:
        data = validated(s.MediationCreateIn, request.data)
        dispute = case = None
        if data["dispute"] is not None:
            try:
                dispute = access_dispute(user=request.user, pk=data["dispute"])
            except NotFound:
                raise ValidationFailed(_("未找到该矛盾纠纷。"), errors={"dispute": [_("未找到该矛盾纠纷。")]}) from None
        if data["case"] is not None:
            try:
                case = access_case(user=request.user, case_id=data["case"])
            except NotFound:
                raise ValidationFailed(_("未找到该信访事项。"), errors={"case": [_("未找到该信访事项。")]}) from None
        participants = [services.ParticipantInput(kind=p["kind"], organisation=p["organisation"],
                                                  mediator=p["mediator"], unit=_unit(p["unit"], "participants"))
                        for p in data["participants"]]
        mediation = services.mediation_open(
            actor=request.user, kind=data["kind"], title=data["title"], matter=data["matter"],
            started_on=data["started_on"], parties=_parties(data["parties"]), participants=participants,
            unit=_unit(data["unit"], "unit"), street=_unit(data["street"], "street"), dispute=dispute, case=case)
        return _mediation_answer(request.user, mediation.pk, status=201)


class MediationDetailApi(_Api):
    @extend_schema(operation_id="grassroots_mediations_retrieve",
                   responses={200: s.MediationDetailOut, **error_responses(*STAFF_READ_ERRORS, 404)})
    def get(self, request: Request, pk: int) -> Response:
        mediation = access_mediation(user=request.user, pk=pk)
        audit_record(actor=request.user, action="mediation.read", obj=mediation)
        return Response(s.mediation_detail_data(mediation, mediation_detail(mediation)))


class _MediationActionApi(_Api, ObjectActionApi):
    required_permission = "grassroots.mediate"
    output_serializer = s.MediationDetailOut
    action_errors = _ACTION_ERRORS

    def get_object(self, request: Request, pk: int) -> Mediation:
        return access_mediation(user=request.user, pk=pk, action="mediation.update")

    def respond(self, request: Request, obj: Mediation, result: Any) -> Response:
        return _mediation_answer(request.user, obj.pk)


class MediationSessionApi(_MediationActionApi):
    operation_id = "grassroots_mediations_session"
    input_serializer = s.SessionIn

    def perform(self, mediation: Mediation, *, user: Any, data: dict[str, Any]) -> None:
        services.mediation_session_add(actor=user, mediation=mediation, held_at=data["held_at"], place=data["place"],
                                       notes=data["notes"])


class MediationConcludeApi(_MediationActionApi):
    operation_id = "grassroots_mediations_conclude"
    input_serializer = s.ConcludeIn

    def perform(self, mediation: Mediation, *, user: Any, data: dict[str, Any]) -> None:
        services.mediation_conclude(actor=user, mediation=mediation, outcome=data["outcome"],
                                    agreement_terms=data["agreement_terms"], performance=data["performance"],
                                    performance_due=data["performance_due"], referral_note=data["referral_note"])


class MediationFollowUpApi(_MediationActionApi):
    operation_id = "grassroots_mediations_follow_up"
    input_serializer = s.FollowUpIn

    def perform(self, mediation: Mediation, *, user: Any, data: dict[str, Any]) -> None:
        services.mediation_follow_up_add(actor=user, mediation=mediation, visited_on=data["visited_on"],
                                         method=data["method"], result=data["result"], notes=data["notes"])


class _JsonErrorsNegotiation(BaseContentNegotiation):
    """The download: whatever ``Accept`` says, errors are rendered as JSON (the API's one error shape)."""

    def select_parser(self, request: Request, parsers: Any) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Request, renderers: Any, format_suffix: str | None = None) -> Any:
        return renderers[0], renderers[0].media_type


class MediationAgreementApi(_Api):
    """The 人民调解协议书 (.docx) of a mediation that reached an agreement; audited as a print."""

    content_negotiation_class = _JsonErrorsNegotiation

    @extend_schema(operation_id="grassroots_mediations_agreement",
                   responses={(200, DOCX_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The .docx file."),
                              **error_responses(*STAFF_READ_ERRORS, 404)})
    def get(self, request: Request, pk: int) -> HttpResponse:
        mediation = access_mediation(user=request.user, pk=pk, action="mediation.print")
        content = services.mediation_agreement_print(actor=request.user, mediation=mediation)
        response = HttpResponse(content, content_type=DOCX_TYPE)
        response["Content-Disposition"] = agreement_content_disposition(mediation)
        return response


# --- Visits ------------------------------------------------------------------------------------------

class VisitFilters(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Visit.Kind.choices, required=False)
    case = serializers.IntegerField(required=False, min_value=-MAX_ID, max_value=MAX_ID)


VisitPage = paginated("VisitPage", s.VisitOut(many=True))


def _findings(items: list[dict[str, Any]]) -> list[services.FindingInput]:
    return [services.FindingInput(title=f["title"], description=f["description"],
                                  category=_category(f["category"], "findings"), parties=_parties(f["parties"]))
            for f in items]


class VisitListCreateApi(_Api):
    """GET: the visits of the caller's area. POST: record a visit (上门办信 needs the case) with findings."""

    required_permissions = {"POST": "grassroots.record_visit"}

    @extend_schema(operation_id="grassroots_visits_list",
                   parameters=[_enum_parameter("kind", Visit.Kind, "Only visits of this kind."), _case_parameter(),
                               *PAGE_PARAMETERS],
                   responses={200: VisitPage, **error_responses(400, *STAFF_READ_ERRORS)})
    def get(self, request: Request) -> Response:
        filters = _query(VisitFilters, request)
        window = page_window(request.query_params)
        rows = visit_list(user=request.user, kind=filters.get("kind", ""), case_id=filters.get("case"))
        return Response(page_data(total=rows.count(), window=window,
                                  results=[s.visit_data(v) for v in rows[window.offset:window.stop]]))

    @extend_schema(operation_id="grassroots_visits_create", request=s.VisitCreateIn,
                   responses={201: s.VisitDetailOut, **error_responses(*STAFF_WRITE_ERRORS)})
    def post(self, request: Request) -> Response:
        data = validated(s.VisitCreateIn, request.data)
        case = None
        if data["case"] is not None:
            try:
                case = access_case(user=request.user, case_id=data["case"])
            except NotFound:
                raise ValidationFailed(_("未找到该信访事项。"), errors={"case": [_("未找到该信访事项。")]}) from None
        visit = services.visit_record(
            actor=request.user, kind=data["kind"], visited_at=data["visited_at"], place=data["place"],
            visitors=data["visitors"], summary=data["summary"], unit=_unit(data["unit"], "unit"),
            street=_unit(data["street"], "street"), case=case, findings=_findings(data["findings"]))
        return _created(s.visit_detail_data(access_visit(user=request.user, pk=visit.pk)))


class VisitDetailApi(_Api):
    @extend_schema(operation_id="grassroots_visits_retrieve",
                   responses={200: s.VisitDetailOut, **error_responses(*STAFF_READ_ERRORS, 404)})
    def get(self, request: Request, pk: int) -> Response:
        visit = access_visit(user=request.user, pk=pk)
        audit_record(actor=request.user, action="visit.read", obj=visit)
        return Response(s.visit_detail_data(visit))


class VisitFindingApi(_Api, ObjectActionApi):
    required_permission = "grassroots.record_visit"
    operation_id = "grassroots_visits_finding"
    input_serializer = s.FindingIn
    output_serializer = s.VisitDetailOut
    success_status = 201
    action_errors = (*STAFF_WRITE_ERRORS, 404)

    def get_object(self, request: Request, pk: int) -> Visit:
        return access_visit(user=request.user, pk=pk, action="visit.update")

    def perform(self, visit: Visit, *, user: Any, data: dict[str, Any]) -> None:
        services.visit_finding_add(actor=user, visit=visit, title=data["title"], description=data["description"],
                                   category=_category(data["category"]), parties=_parties(data["parties"]))

    def respond(self, request: Request, obj: Visit, result: Any) -> Response:
        return _created(s.visit_detail_data(obj))


class FindingConvertApi(_ConvertApi):
    """Turn a visit's finding into a case in one step (needs cases.register_case as well)."""

    required_permission = "grassroots.record_visit"
    operation_id = "grassroots_findings_convert"
    input_serializer = s.ConvertIn

    def get_object(self, request: Request, pk: int) -> VisitFinding:
        return access_finding(user=request.user, pk=pk, action="finding.update")

    def perform(self, finding: VisitFinding, *, user: Any, data: dict[str, Any]) -> Any:
        return services.finding_convert(actor=user, finding=finding, matter_type=data["matter_type"],
                                        channel=data["channel"] or "visit", title=data["title"],
                                        content=data["content"])


# --- Reception days ----------------------------------------------------------------------------------

class ReceptionDayFilters(serializers.Serializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    status = serializers.ChoiceField(choices=ReceptionDay.Status.choices, required=False)


ReceptionDayPage = paginated("ReceptionDayPage", s.ReceptionDayOut(many=True))


def _day_answer(user: Any, day: ReceptionDay, status: int = 200) -> Response:
    allowed = reception_day_receptions_allowed(user=user, day=day)
    receptions = day.receptions.select_related("case").prefetch_related("parties") if allowed else []
    return Response({**s.reception_day_data(day), "receptions_visible": allowed,
                     "receptions": [s.reception_data(r) for r in receptions]}, status=status)


def _hour_minute(value: str) -> Any:
    from datetime import time

    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


class ReceptionDayListCreateApi(_Api):
    """GET: the published schedule of leaders' reception days. POST: schedule one."""

    required_permissions = {"POST": "grassroots.schedule_reception"}

    @extend_schema(operation_id="grassroots_reception_days_list",
                   parameters=[OpenApiParameter("start", OpenApiTypes.DATE, OpenApiParameter.QUERY,
                                                description="On or after this day."),
                               OpenApiParameter("end", OpenApiTypes.DATE, OpenApiParameter.QUERY,
                                                description="On or before this day."),
                               _enum_parameter("status", ReceptionDay.Status, "Only days in this status."),
                               *PAGE_PARAMETERS],
                   responses={200: ReceptionDayPage, **error_responses(400, *STAFF_READ_ERRORS)})
    def get(self, request: Request) -> Response:
        filters = _query(ReceptionDayFilters, request)
        window = page_window(request.query_params)
        rows = reception_day_list(user=request.user, start=filters.get("start"), end=filters.get("end"),
                                  status=filters.get("status", ""))
        return Response(page_data(total=rows.count(), window=window,
                                  results=[s.reception_day_data(d) for d in rows[window.offset:window.stop]]))

    @extend_schema(operation_id="grassroots_reception_days_create", request=s.ReceptionDayCreateIn,
                   responses={201: s.ReceptionDayDetailOut, **error_responses(*STAFF_WRITE_ERRORS)})
    def post(self, request: Request) -> Response:
        data = validated(s.ReceptionDayCreateIn, request.data)
        leader = User.objects.filter(username=data["leader"]).first()
        if leader is None:
            raise ValidationFailed(_("未知的用户。"), errors={"leader": [_("未知的用户。")]})
        day = services.reception_day_schedule(
            actor=request.user, leader=leader, day=data["date"], starts_at=_hour_minute(data["starts_at"]),
            ends_at=_hour_minute(data["ends_at"]), place=data["place"], unit=unit_by_code(data["unit"], "unit"),
            topic=data["topic"], joint_units=[unit_by_code(code, "joint_units") for code in data["joint_units"]])
        return _day_answer(request.user, access_reception_day(user=request.user, pk=day.pk), status=201)


class ReceptionDayDetailApi(_Api):
    @extend_schema(operation_id="grassroots_reception_days_retrieve",
                   responses={200: s.ReceptionDayDetailOut, **error_responses(*STAFF_READ_ERRORS, 404)})
    def get(self, request: Request, pk: int) -> Response:
        return _day_answer(request.user, access_reception_day(user=request.user, pk=pk))


class _ReceptionDayActionApi(_Api, ObjectActionApi):
    action_errors = _ACTION_ERRORS

    def get_object(self, request: Request, pk: int) -> ReceptionDay:
        return access_reception_day(user=request.user, pk=pk)


class ReceptionDayCancelApi(_ReceptionDayActionApi):
    required_permission = "grassroots.schedule_reception"
    operation_id = "grassroots_reception_days_cancel"
    input_serializer = s.CancelIn
    output_serializer = s.ReceptionDayDetailOut

    def perform(self, day: ReceptionDay, *, user: Any, data: dict[str, Any]) -> None:
        services.reception_day_cancel(actor=user, day=day, reason=data["reason"])

    def respond(self, request: Request, obj: ReceptionDay, result: Any) -> Response:
        return _day_answer(request.user, access_reception_day(user=request.user, pk=obj.pk))


class ReceptionCreateApi(_ReceptionDayActionApi):
    """Record the people received on a reception day (at most 5 representatives, 信访工作条例 Art. 20)."""

    required_permission = "grassroots.record_reception"
    operation_id = "grassroots_reception_days_receive"
    input_serializer = s.ReceptionCreateIn
    output_serializer = s.ReceptionOut
    success_status = 201

    def perform(self, day: ReceptionDay, *, user: Any, data: dict[str, Any]) -> Any:
        return services.reception_record(actor=user, day=day, matter=data["matter"], response=data["response"],
                                         received_at=data["received_at"], persons=_parties(data["persons"]))

    def respond(self, request: Request, obj: ReceptionDay, result: Any) -> Response:
        return _created(s.reception_data(access_reception(user=request.user, pk=result.pk)))


class ReceptionRegisterApi(_ConvertApi):
    """Register what was raised at a reception as a case in one step (needs cases.register_case)."""

    required_permission = "grassroots.record_reception"
    operation_id = "grassroots_receptions_register"
    input_serializer = s.ReceptionRegisterIn

    def get_object(self, request: Request, pk: int) -> Reception:
        return access_reception(user=request.user, pk=pk, action="reception.update")

    def perform(self, reception: Reception, *, user: Any, data: dict[str, Any]) -> Any:
        return services.reception_register_case(actor=user, reception=reception, matter_type=data["matter_type"],
                                                title=data["title"], category=_category(data["category"]))


# --- Service points and parties ----------------------------------------------------------------------

def _point_data(point: Unit) -> dict[str, Any]:
    return {"id": point.pk, "code": point.code, "name": point.name,
            "parent": {"code": point.parent.code, "name": point.parent.name} if point.parent else None,
            "open_disputes": getattr(point, "n_disputes", 0), "ongoing_mediations": getattr(point, "n_mediations", 0)}


class ServicePointListApi(_Api):
    """The service points (家门口服务点) the caller sees, with their open disputes and ongoing mediations."""

    @extend_schema(operation_id="grassroots_service_points_list",
                   responses={200: s.ServicePointOut(many=True), **error_responses(*STAFF_READ_ERRORS)})
    def get(self, request: Request) -> Response:
        return Response([_point_data(p) for p in service_point_list(user=request.user)])


class ServicePointDetailApi(_Api):
    """A service point's intake (through the case gateway), disputes and mediations."""

    @extend_schema(operation_id="grassroots_service_points_retrieve",
                   responses={200: s.ServicePointDetailOut, **error_responses(*STAFF_READ_ERRORS, 404)})
    def get(self, request: Request, pk: int) -> Response:
        access_service_point(user=request.user, pk=pk)
        point = service_point_list(user=request.user).get(pk=pk)
        intake = service_point_intake(user=request.user, point=point)[:POINT_ROWS]
        disputes = dispute_list(user=request.user).filter(unit=point)[:POINT_ROWS]
        mediations = mediation_list(user=request.user).filter(unit=point)[:POINT_ROWS]
        return Response({
            **_point_data(point),
            "intake": [{"id": c.pk, "number": c.number, "title": c.title, "channel": c.channel, "status": c.status,
                        "received_at": c.received_at.isoformat()} for c in intake],
            "disputes": [s.dispute_data(d) for d in disputes],
            "mediations": [s.mediation_data(m) for m in mediations],
        })


class PartyRevealApi(_Api, ObjectActionApi):
    """The full ID and phone numbers of a party, with a stated reason (cases.reveal_personal_data); audited."""

    operation_id = "grassroots_parties_reveal"
    input_serializer = s.RevealIn
    output_serializer = s.RevealOut
    action_errors = (*STAFF_WRITE_ERRORS, 404)

    def get_object(self, request: Request, pk: int) -> Party:
        return access_party(user=request.user, pk=pk, action="party.reveal")

    def perform(self, party: Party, *, user: Any, data: dict[str, Any]) -> Any:
        return services.party_reveal(actor=user, party=party, reason=data["reason"])

    def respond(self, request: Request, obj: Party, result: Any) -> Response:
        return Response(result)
