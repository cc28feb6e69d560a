"""The lifecycle API of cases: thin views over the services and the access gateway."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.accounts.access import access_case, cases_visible_to
from xinfang.accounts.models import Unit
from xinfang.api.actions import ObjectActionApi, validated
from xinfang.api.fields import date_param
from xinfang.api.pagination import MAX_ID as PAGINATION_MAX_ID
from xinfang.api.pagination import PAGE_PARAMETERS, page_data, page_window
from xinfang.api.schema import error_responses
from xinfang.cases import serializers as s
from xinfang.cases import services
from xinfang.cases.filters import CaseFilterSet
from xinfang.cases.models import Case, Category
from xinfang.cases.selectors import case_deadlines_map, case_detail_queryset
from xinfang.cases.selectors_inbox import DEFAULT_SORT, SORT_CHOICES, cases_ordered, sort_parse
from xinfang.core.audit import audit_record
from xinfang.core.errors import NotFound, ValidationFailed

# The largest primary key a 64-bit column holds (xinfang/api/pagination.py says why it matters).
MAX_ID = PAGINATION_MAX_ID


def unit_by_code(code: str, field: str) -> Unit:
    """The active unit ``code`` named in field ``field`` of a request body; a 400 naming the field if none."""
    unit = Unit.objects.filter(code=code, active=True).first()
    if unit is None:
        raise ValidationFailed(_("未知的单位代码：%(c)s") % {"c": code}, errors={field: [_("未知的单位代码。")]})
    return unit


def case_detail_response(*, user: Any, pk: int, status: int = 200) -> Response:
    case = case_detail_queryset(cases_visible_to(user)).filter(pk=pk).first()
    if case is None:
        raise NotFound()
    return Response(s.case_detail_data(case), status=status)


def _filter_parameter(name: str, description: str, **kwargs: Any) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.STR, OpenApiParameter.QUERY, description=description, **kwargs)


# The query parameters of GET /api/v1/cases/: the filters of ``CaseFilterSet`` (xinfang/cases/filters.py)
# and the page. Codes and statuses are plain strings, not enums: an unknown value narrows to nothing
# rather than fails, as the staff list always did.
CASE_LIST_PARAMETERS = [
    _filter_parameter("number", "The case number, exact."),
    _filter_parameter("name", "A petitioner's (or representative's) full name, exact."),
    _filter_parameter("id_hash", "The keyed hash of a full ID number (64 hex digits); clear numbers never "
                                 "travel in a URL.", pattern="^([0-9a-fA-F]{64})?$"),
    _filter_parameter("phone_hash", "The keyed hash of a full phone number (64 hex digits).",
                      pattern="^([0-9a-fA-F]{64})?$"),
    _filter_parameter("q", "Free text in the title or the content."),
    _filter_parameter("category", "A category code."),
    _filter_parameter("street", "A street's unit code."),
    _filter_parameter("unit", "The handling unit's code."),
    _filter_parameter("status", "One or more statuses, comma separated."),
    _filter_parameter("channel", "The channel (letter, visit, online)."),
    _filter_parameter("matter_type", "The matter type."),
    _filter_parameter("overdue", "1 or true: a deadline of the case is overdue and still open."),
    # The analytics drill-downs (docs/analytics.md).
    _filter_parameter("unit_tree", "Code of a unit: cases handled by it or by any unit below it."),
    _filter_parameter("group", "1 or true: group visits (channel visit, five people or more)."),
    _filter_parameter("repeat", "1 or true: repeat petitions (repeat_of set)."),
    _filter_parameter("rating", "Cases with a rating of this value: satisfied, basically_satisfied, dissatisfied."),
    OpenApiParameter("received_from", OpenApiTypes.DATE, OpenApiParameter.QUERY,
                     description="Received on or after this day (local time); 1900-01-01 to 2999-12-31."),
    OpenApiParameter("received_to", OpenApiTypes.DATE, OpenApiParameter.QUERY,
                     description="Received on or before this day (local time); not before received_from; "
                                 "1900-01-01 to 2999-12-31."),
    *PAGE_PARAMETERS,
]


def sort_parameter(default: str) -> OpenApiParameter:
    """``?sort=``: the sortable columns of the list pages (``number``, ``-received``, ``deadline`` …)."""
    return OpenApiParameter("sort", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=list(SORT_CHOICES),
                            description=f"A column to sort by, as on the page; a leading - sorts descending. "
                                        f"Default: {default}. Ties are broken by id.")


def sort_from(params: Any, *, default: str) -> str:
    """The ``sort`` parameter: one of ``SORT_CHOICES`` (the page's whitelist) or absent; anything else
    is a 400 here (the page silently falls back to its default)."""
    value = params.get("sort")
    if value is None:
        return default
    if value not in SORT_CHOICES:
        raise ValidationFailed(_("排序参数无效。"), errors={"sort": [_("排序参数无效。")]})
    return sort_parse(value, default=default)


# An action answers the case as its detail, or — when the action took the case out of the caller's
# scope — only what the caller already knew (``_CaseActionApi.post``).
CASE_ACTION_RESULT = PolymorphicProxySerializer(
    component_name="CaseActionResult",
    serializers=[s.CaseDetailOut, s.CaseOutOfScopeOut],
    resource_type_field_name=None,
)


class CaseListCreateApi(APIView):
    """GET: the cases the caller may see (paginated; the filters of ``CaseFilterSet``: status, matter_type,
    unit, number, overdue and the rest of the staff list's).
    POST: register a petition."""

    @extend_schema(operation_id="cases_create", request=s.CaseCreateIn,
                   responses={201: s.CaseCreateOut, **error_responses(400, 401, 403, 415)})
    def post(self, request: Request) -> Response:
        data = validated(s.CaseCreateIn, request.data)
        category = None
        if data["category"]:
            category = Category.objects.filter(code=data["category"], active=True).first()
            if category is None:
                raise ValidationFailed(_("未知的分类代码。"), errors={"category": [_("未知的分类代码。")]})
        street = unit_by_code(data["street"], "street") if data["street"] else None
        accused_units = [unit_by_code(code, "accused_units") for code in data["accused_units"]]
        accused_persons = [
            {**p, "unit": unit_by_code(p["unit"], "accused_persons") if p["unit"] else None}
            for p in data["accused_persons"]
        ]
        repeat_of = None
        if data["repeat_of"]:
            try:
                repeat_of = access_case(user=request.user, case_id=data["repeat_of"])
            except NotFound:
                raise ValidationFailed(_("未找到原信访事项。"), errors={"repeat_of": [_("未找到该事项。")]}) from None
        result = services.case_register(
            actor=request.user, channel=data["channel"], received_at=data["received_at"],
            matter_type=data["matter_type"], title=data["title"], content=data["content"],
            petitioners=[services.PetitionerInput(**p) for p in data["petitioners"]],
            group_size=data["group_size"],
            representatives=[services.PetitionerInput(**p) for p in data["representatives"]],
            category=category, street=street, accused_units=accused_units, accused_persons=accused_persons,
            repeat_of=repeat_of, force_new=data["force_new"],
        )
        case = result.case
        return Response(
            {
                "id": case.pk,
                "number": case.number,
                "query_code": services.registration.query_code_format(result.query_code),
                "status": case.status,
                "deadlines": case_deadlines_map(case),
                "linked_to": {"id": result.linked_to.pk, "number": result.linked_to.number}
                if result.linked_to else None,
                "repeat_of": {"id": case.repeat_of.pk, "number": case.repeat_of.number} if case.repeat_of else None,
                "warnings": [str(w) for w in result.warnings],
            },
            status=201,
        )

    @extend_schema(operation_id="cases_list", parameters=[*CASE_LIST_PARAMETERS, sort_parameter(DEFAULT_SORT)],
                   responses={200: s.CaseListOut, **error_responses(400, 401, 403)})
    def get(self, request: Request) -> Response:
        params = request.query_params
        # The same filter as the staff list page, read the same way: a repeated ``status`` means any of
        # them (as comma-separated values do); other repeated parameters count with their last value.
        # The dates as the schema declares them (``format: date``): ``?received_from=`` (empty) is a 400
        # here, as everywhere in the API, where the page's form reads an empty field as no filter.
        for name in ("received_from", "received_to"):
            date_param(params, name)
        filterset = CaseFilterSet(params, queryset=cases_visible_to(request.user))
        if not filterset.is_valid():
            raise ValidationFailed(_("查询参数有误。"), errors=filterset.errors)
        window = page_window(params)
        sort = sort_from(params, default=DEFAULT_SORT)
        total = filterset.qs.count()
        rows = cases_ordered(filterset.qs, sort=sort).select_related("category", "street", "handling_unit")
        return Response(page_data(total=total, window=window,
                                  results=[s.case_list_data(c) for c in rows[window.offset:window.stop]]))


class CaseDetailApi(APIView):
    """The case with masked personal data, its events and its deadlines; every read is audited."""

    @extend_schema(operation_id="cases_retrieve", responses={200: s.CaseDetailOut, **error_responses(401, 403, 404)})
    def get(self, request: Request, pk: int) -> Response:
        case = access_case(user=request.user, case_id=pk, detail=True)
        audit_record(actor=request.user, action="case.read", obj=case)
        return Response(s.case_detail_data(case))


class _CaseActionApi(ObjectActionApi):
    input_serializer: type[serializers.Serializer] = s.NoteIn
    output_serializer = CASE_ACTION_RESULT

    def get_object(self, request: Request, pk: int) -> Case:
        return access_case(user=request.user, case_id=pk, action="case.update")

    def respond(self, request: Request, obj: Case, result: Any) -> Response:
        try:
            return case_detail_response(user=request.user, pk=obj.pk)
        except NotFound:
            # The action itself took the case out of the caller's scope (an objection sends it back to the
            # bureau and clears the handling unit). It succeeded and is committed, so a 404 would tell the
            # client it failed (tests/api): answer 200 with only what the caller already knew.
            return Response({"id": obj.pk, "number": obj.number, "status": obj.status, "in_scope": False})


class CaseRouteApi(_CaseActionApi):
    input_serializer = s.RouteIn

    def perform(self, case: Case, *, user: Any, data: dict[str, Any]) -> None:
        unit = unit_by_code(data["unit"], "unit")
        services.case_route(case=case, unit=unit, mode=data["mode"], actor=user, note=data["note"],
                            report_days=data["report_days"])


class CaseAcceptApi(_CaseActionApi):
    def perform(self, case: Case, *, user: Any, data: dict[str, Any]) -> None:
        services.case_accept(case=case, actor=user, note=data["note"])


class CaseRefuseApi(_CaseActionApi):
    input_serializer = s.RefuseIn

    def perform(self, case: Case, *, user: Any, data: dict[str, Any]) -> None:
        services.case_refuse(case=case, actor=user, reason=data["reason"], legal_channel=data["legal_channel"])


class CaseObjectApi(_CaseActionApi):
    input_serializer = s.ReasonIn

    def perform(self, case: Case, *, user: Any, data: dict[str, Any]) -> None:
        services.case_object(case=case, actor=user, reason=data["reason"])


class CaseExtendApi(_CaseActionApi):
    input_serializer = s.ExtendIn

    def perform(self, case: Case, *, user: Any, data: dict[str, Any]) -> None:
        services.case_extend(case=case, actor=user, days=data["days"], reason=data["reason"])


class CaseReplyApi(_CaseActionApi):
    input_serializer = s.ReplyIn

    def perform(self, case: Case, *, user: Any, data: dict[str, Any]) -> None:
        services.case_reply(case=case, actor=user, outcome=data["outcome"], text=data["text"])


class CaseReviewDecideApi(_CaseActionApi):
    input_serializer = s.DecisionIn

    def perform(self, case: Case, *, user: Any, data: dict[str, Any]) -> None:
        services.case_review_decide(case=case, actor=user, outcome=data["outcome"], text=data["text"])


class CaseReReviewDecideApi(_CaseActionApi):
    input_serializer = s.DecisionIn

    def perform(self, case: Case, *, user: Any, data: dict[str, Any]) -> None:
        services.case_re_review_decide(case=case, actor=user, outcome=data["outcome"], text=data["text"])


class CaseAcceptNewFactsApi(_CaseActionApi):
    """A repeat after re-review (closed as ``final_after_re_review``, Art. 36 ¶3) accepted as a new matter
    because of new facts or reasons; the bureau officer only, with the statement (audited)."""

    input_serializer = s.NewFactsIn

    def perform(self, case: Case, *, user: Any, data: dict[str, Any]) -> None:
        services.case_accept_new_facts(case=case, actor=user, statement=data["statement"])


class PetitionerRevealApi(APIView):
    """The full ID and phone numbers of a petitioner of a case the caller can see, with a reason (audited)."""

    @extend_schema(operation_id="cases_petitioners_reveal", request=s.RevealIn,
                   responses={200: s.RevealOut, **error_responses(400, 401, 403, 404, 415)})
    def post(self, request: Request, pk: int, petitioner_id: int) -> Response:
        case = access_case(user=request.user, case_id=pk, action="petitioner.reveal")
        if petitioner_id > MAX_ID:
            raise NotFound()
        link = case.case_petitioners.select_related("petitioner").filter(petitioner_id=petitioner_id).first()
        if link is None:
            raise NotFound()
        data = validated(s.RevealIn, request.data)
        return Response(services.petitioner_reveal(actor=request.user, petitioner=link.petitioner,
                                                   reason=data["reason"], case=case))


class CategoryListApi(APIView):
    @extend_schema(operation_id="categories_list", responses={200: s.CategoryOut(many=True), **error_responses(401, 403)})
    def get(self, request: Request) -> Response:
        rows = Category.objects.filter(active=True).select_related("parent", "default_unit")
        return Response([
            {"code": c.code, "name": c.name, "parent": c.parent.code if c.parent else None,
             "default_unit": c.default_unit.code if c.default_unit else None}
            for c in rows
        ])
