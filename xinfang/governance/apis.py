"""/api/v1/governance/: the backlog register and supervision as an API — thin views over the selectors and
services the pages use (docs/governance.md). Entries and orders come through the case gateway: 404 outside
the caller's scope, accusations never shown to the accused unit."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.accounts.access import access_case
from xinfang.accounts.models import Unit, User
from xinfang.api.actions import ACTION_ERRORS, ObjectActionApi, validated
from xinfang.api.fields import choice_param, date_param, flag_param
from xinfang.api.pagination import MAX_ID, PAGE_PARAMETERS, page_data, page_window
from xinfang.api.permissions import HasPagePermission
from xinfang.api.schema import error_responses
from xinfang.cases.apis import unit_by_code
from xinfang.cases.serializers_workbench import AttachmentsOut, CaseDocumentOut, case_document_data
from xinfang.core.errors import NotFound, ValidationFailed
from xinfang.governance import serializers as s
from xinfang.governance import services
from xinfang.governance.forms import StockFlowForm
from xinfang.governance.models import AfterCareTask, BacklogEntry, BacklogMilestone, SupervisionOrder
from xinfang.governance.selectors import (
    ISSUE_SUPERVISION,
    REGISTER_BACKLOG,
    VIEW_BACKLOG,
    VIEW_SUPERVISION,
    backlog_attachments,
    backlog_entry_access,
    backlog_entry_detail,
    backlog_list,
    backlog_rules,
    backlog_stock_flow,
    stock_flow_period_problem,
    supervision_list,
    supervision_listed,
    supervision_order_access,
    supervision_replies,
)

READ_ERRORS = (400, 401, 403)


def _user(pk: int | None, field: str) -> User | None:
    if pk is None:
        return None
    user = User.objects.filter(pk=pk, is_active=True).select_related("unit").first()
    if user is None:
        raise ValidationFailed(_("未知的用户。"), errors={field: [_("未知的用户。")]})
    return user


def _bool_parameter(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.BOOL, OpenApiParameter.QUERY, description=description)


class _GovernanceApi(APIView):
    permission_classes = [IsAuthenticated, HasPagePermission]
    required_permission = VIEW_BACKLOG


def _entry_response(entry: BacklogEntry, status: int = 200) -> Response:
    return Response(s.backlog_entry_detail_data(backlog_entry_detail(entry=entry)), status=status)


# --- The register ------------------------------------------------------------------------------------------

class BacklogListCreateApi(_GovernanceApi):
    """GET: the register as far as the caller may see it (``?outcome=``, ``?mine=true`` for the leader's own
    entries). POST: an officer enters a case by decision, with the reason."""

    required_permissions = {"POST": REGISTER_BACKLOG}

    @extend_schema(operation_id="governance_backlog_list", parameters=[
        OpenApiParameter("outcome", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=BacklogEntry.Outcome.values,
                         description="open (化解中), resolved (案结事了) or stopped (息诉罢访)."),
        _bool_parameter("mine", "Only the entries the caller is the leader in charge of (我包案的积案)."),
        *PAGE_PARAMETERS,
    ], responses={200: s.BacklogEntryPage, **error_responses(*READ_ERRORS)})
    def get(self, request: Request) -> Response:
        params = request.query_params
        outcome = choice_param(params, "outcome", BacklogEntry.Outcome.values)
        mine = flag_param(params, "mine")
        window = page_window(params)
        rows = backlog_list(user=request.user, outcome=outcome, mine=mine)
        total = rows.count()
        return Response(page_data(total=total, window=window,
                                  results=[s.backlog_entry_data(e) for e in rows[window.offset:window.stop]]))

    @extend_schema(operation_id="governance_backlog_create", request=s.BacklogRegisterIn,
                   responses={201: s.BacklogEntryDetailOut, **error_responses(*ACTION_ERRORS)})
    def post(self, request: Request) -> Response:
        data = validated(s.BacklogRegisterIn, request.data)
        try:
            case = access_case(user=request.user, case_id=data["case"])
        except NotFound:
            raise ValidationFailed(_("未找到该事项。"), errors={"case": [_("未找到该事项。")]}) from None
        entry = services.backlog_register(case=case, actor=request.user, reason=data["reason"])
        return _entry_response(entry, status=201)


class BacklogDetailApi(_GovernanceApi):
    """One entry with its team, milestones, notes and after-care."""

    @extend_schema(operation_id="governance_backlog_retrieve",
                   responses={200: s.BacklogEntryDetailOut, **error_responses(401, 403, 404)})
    def get(self, request: Request, pk: int) -> Response:
        return _entry_response(backlog_entry_access(user=request.user, entry_id=pk))


class _EntryActionApi(_GovernanceApi, ObjectActionApi):
    output_serializer = s.BacklogEntryDetailOut

    def get_object(self, request: Request, pk: int) -> BacklogEntry:
        entry = backlog_entry_access(user=request.user, entry_id=pk, action="backlog.update")
        item = self.kwargs.get("item")
        if item is not None and not 0 < item <= MAX_ID:
            raise NotFound()
        return entry

    def respond(self, request: Request, obj: BacklogEntry, result: Any) -> Response:
        return _entry_response(obj)


class BacklogLeaderApi(_EntryActionApi):
    """Assign the leader in charge (officers), or take charge of an entry without one (a leader naming
    themself)."""

    input_serializer = s.BacklogLeaderIn

    def perform(self, entry: BacklogEntry, *, user: Any, data: dict[str, Any]) -> None:
        leader = _user(data["leader"], "leader")
        assert leader is not None
        services.backlog_leader_assign(entry=entry, leader=leader, actor=user, note=data["note"])


class BacklogTeamApi(_EntryActionApi):
    """The leader sets the team (the whole list)."""

    input_serializer = s.BacklogTeamIn

    def perform(self, entry: BacklogEntry, *, user: Any, data: dict[str, Any]) -> None:
        ids = list(dict.fromkeys(data["members"]))
        members = list(User.objects.filter(pk__in=ids, is_active=True))
        if len(members) != len(ids):
            raise ValidationFailed(_("未知的用户。"), errors={"members": [_("未知的用户。")]})
        services.backlog_team_set(entry=entry, members=members, actor=user)


class BacklogPlanApi(_EntryActionApi):
    input_serializer = s.BacklogPlanIn

    def perform(self, entry: BacklogEntry, *, user: Any, data: dict[str, Any]) -> None:
        services.backlog_plan_update(entry=entry, actor=user, plan=data["plan"])


class BacklogMilestoneApi(_EntryActionApi):
    input_serializer = s.BacklogMilestoneIn

    def perform(self, entry: BacklogEntry, *, user: Any, data: dict[str, Any]) -> None:
        services.backlog_milestone_add(entry=entry, actor=user, title=data["title"], due_date=data["due_date"])


class BacklogMilestoneDoneApi(_EntryActionApi):
    input_serializer = s.BacklogDoneIn

    def perform(self, entry: BacklogEntry, *, user: Any, data: dict[str, Any]) -> None:
        milestone = (BacklogMilestone.objects.filter(pk=self.kwargs["item"], entry=entry)
                     .select_related("entry").first())
        if milestone is None:
            raise NotFound()
        services.backlog_milestone_done(milestone=milestone, actor=user, note=data["note"])


class BacklogNoteApi(_EntryActionApi):
    """A progress note, a meeting or a hearing (听证)."""

    input_serializer = s.BacklogNoteIn

    def perform(self, entry: BacklogEntry, *, user: Any, data: dict[str, Any]) -> None:
        services.backlog_note_add(entry=entry, actor=user, kind=data["kind"], text=data["text"],
                                  held_on=data["held_on"], participants=data["participants"])


class BacklogCloseApi(_EntryActionApi):
    """The leader closes the entry: 案结事了 or 息诉罢访."""

    input_serializer = s.BacklogCloseIn

    def perform(self, entry: BacklogEntry, *, user: Any, data: dict[str, Any]) -> None:
        services.backlog_close(entry=entry, actor=user, outcome=data["outcome"], summary=data["summary"])


class AfterCareApi(_EntryActionApi):
    """An after-care task (疏导, 帮扶, 救助), also after the entry is closed."""

    input_serializer = s.AfterCareIn

    def perform(self, entry: BacklogEntry, *, user: Any, data: dict[str, Any]) -> None:
        services.aftercare_add(entry=entry, actor=user, kind=data["kind"], text=data["text"],
                               assignee=_user(data["assignee"], "assignee"), due_date=data["due_date"])


class AfterCareDoneApi(_EntryActionApi):
    input_serializer = s.AfterCareDoneIn

    def perform(self, entry: BacklogEntry, *, user: Any, data: dict[str, Any]) -> None:
        task = AfterCareTask.objects.filter(pk=self.kwargs["item"], entry=entry).select_related("entry").first()
        if task is None:
            raise NotFound()
        services.aftercare_done(task=task, actor=user, note=data["note"])


class BacklogStatsApi(_GovernanceApi):
    """控制增量、化解存量: backlog at the start of the period, added, closed and remaining, by unit, over the
    entries the caller may see (``from``/``to``: this year so far by default)."""

    @extend_schema(operation_id="governance_backlog_stats", parameters=[
        OpenApiParameter("from", OpenApiTypes.DATE, OpenApiParameter.QUERY, description="First day (2000 or later)."),
        OpenApiParameter("to", OpenApiTypes.DATE, OpenApiParameter.QUERY,
                         description="Last day (included; 2099 at the latest); at most five years after from."),
    ], responses={200: s.StockFlowOut, **error_responses(*READ_ERRORS)})
    def get(self, request: Request) -> Response:
        default = StockFlowForm.default_period()
        period = {key: date_param(request.query_params, name) or default[key]
                  for name, key in (("from", "date_from"), ("to", "date_to"))}
        problem = stock_flow_period_problem(period["date_from"], period["date_to"])
        if problem:
            raise ValidationFailed(problem, errors={"to": [problem]})
        figures = backlog_stock_flow(user=request.user, start=period["date_from"], end=period["date_to"])
        codes = dict(Unit.objects.filter(pk__in=[r.unit_id for r in figures.rows if r.unit_id])
                     .values_list("pk", "code"))
        return Response(s.stock_flow_data(figures, codes))


# --- Supervision -------------------------------------------------------------------------------------------

class _SupervisionApi(APIView):
    permission_classes = [IsAuthenticated, HasPagePermission]
    required_permission = VIEW_SUPERVISION


def _order_response(order: SupervisionOrder, status: int = 200) -> Response:
    order = SupervisionOrder.objects.select_related("case", "unit", "issued_by", "issued_by__unit").get(pk=order.pk)
    data = s.supervision_order_data(order, today=timezone.localdate())
    data["replies"] = [s.supervision_reply_data(r) for r in supervision_replies(order=order)]
    return Response(data, status=status)


def _order_page(request: Request, rows: Any) -> Response:
    window = page_window(request.query_params)
    total = rows.count()
    today = timezone.localdate()
    rows = rows.select_related("issued_by__unit")
    return Response(page_data(total=total, window=window, results=[
        s.supervision_order_data(o, today=today) for o in rows[window.offset:window.stop]]))


class SupervisionListCreateApi(_SupervisionApi):
    """GET: the orders the caller may see (``?status=``, ``?listed=true``, ``?overdue=true``). POST: issue an
    order on a case (``case``) or on a unit (``unit``)."""

    required_permissions = {"POST": ISSUE_SUPERVISION}

    @extend_schema(operation_id="governance_supervision_list", parameters=[
        OpenApiParameter("status", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=SupervisionOrder.Status.values,
                         description="open (待回复), replied (已回复) or closed (已办结)."),
        _bool_parameter("listed", "Only orders under listed supervision (挂牌督办)."),
        _bool_parameter("overdue", "Only orders awaiting a reply after their due date."),
        *PAGE_PARAMETERS,
    ], responses={200: s.SupervisionOrderPage, **error_responses(*READ_ERRORS)})
    def get(self, request: Request) -> Response:
        params = request.query_params
        status = choice_param(params, "status", SupervisionOrder.Status.values)
        rows = supervision_list(user=request.user, status=status, listed=flag_param(params, "listed"),
                                overdue=flag_param(params, "overdue"))
        return _order_page(request, rows)

    @extend_schema(operation_id="governance_supervision_create", request=s.SupervisionIssueIn,
                   responses={201: s.SupervisionOrderDetailOut, **error_responses(*ACTION_ERRORS)})
    def post(self, request: Request) -> Response:
        data = validated(s.SupervisionIssueIn, request.data)
        case = None
        if data["case"] is not None:
            try:
                case = access_case(user=request.user, case_id=data["case"])
            except NotFound:
                raise ValidationFailed(_("未找到该事项。"), errors={"case": [_("未找到该事项。")]}) from None
        unit = unit_by_code(data["unit"], "unit") if data["unit"] else None
        order = services.supervision_issue(actor=request.user, case=case, unit=unit, grounds=data["grounds"],
                                           text=data["text"], reply_due=data["reply_due"])
        return _order_response(order, status=201)


class SupervisionListedApi(_SupervisionApi):
    """挂牌督办: the listed orders the caller may see, those not yet closed (``?all=true``: closed too)."""

    @extend_schema(operation_id="governance_supervision_listed",
                   parameters=[_bool_parameter("all", "Include the closed ones."), *PAGE_PARAMETERS],
                   responses={200: s.SupervisionOrderPage, **error_responses(*READ_ERRORS)})
    def get(self, request: Request) -> Response:
        rows = supervision_listed(user=request.user, include_closed=flag_param(request.query_params, "all"))
        return _order_page(request, rows)


class SupervisionDetailApi(_SupervisionApi):
    @extend_schema(operation_id="governance_supervision_retrieve",
                   responses={200: s.SupervisionOrderDetailOut, **error_responses(401, 403, 404)})
    def get(self, request: Request, pk: int) -> Response:
        return _order_response(supervision_order_access(user=request.user, order_id=pk))


class _OrderActionApi(_SupervisionApi, ObjectActionApi):
    output_serializer = s.SupervisionOrderDetailOut

    def get_object(self, request: Request, pk: int) -> SupervisionOrder:
        return supervision_order_access(user=request.user, order_id=pk, action="supervision.update")

    def respond(self, request: Request, obj: SupervisionOrder, result: Any) -> Response:
        return _order_response(obj)


class SupervisionReplyApi(_OrderActionApi):
    """The supervised unit's written reply."""

    input_serializer = s.SupervisionReplyIn

    def perform(self, order: SupervisionOrder, *, user: Any, data: dict[str, Any]) -> None:
        services.supervision_reply(order=order, actor=user, text=data["text"])


class SupervisionReviewApi(_OrderActionApi):
    """The issuing side accepts the reply (the order is closed) or returns it with a new due date."""

    input_serializer = s.SupervisionReviewIn

    def perform(self, order: SupervisionOrder, *, user: Any, data: dict[str, Any]) -> None:
        services.supervision_review(order=order, actor=user, accept=data["accept"], note=data["note"],
                                    reply_due=data["reply_due"])


class SupervisionEscalateApi(_OrderActionApi):
    """挂牌督办: list the order."""

    input_serializer = s.SupervisionEscalateIn

    def perform(self, order: SupervisionOrder, *, user: Any, data: dict[str, Any]) -> None:
        services.supervision_escalate(order=order, actor=user, reason=data["reason"])


# --- The rules of the register and the case file (twins of /governance/rules/ and the page's upload) ----------

RULES_VIEW = "governance.view_backlogrule"


class BacklogRulesApi(APIView):
    """``GET``/``PUT /api/v1/governance/backlog/rules/``: the rules that put a case on the register, as the
    scan applies them (``backlog_rules``), and the officer's change of thresholds and switches
    (``backlog_rule_update``, audited per rule). Reading needs ``governance.view_backlogrule``; the
    service checks ``governance.change_backlogrule``. A PUT is all or nothing, like the page's form."""

    permission_classes = [IsAuthenticated, HasPagePermission]
    required_permission = RULES_VIEW

    @extend_schema(operation_id="governance_backlog_rules",
                   responses={200: s.BacklogRuleOut(many=True), **error_responses(401, 403)})
    def get(self, request: Request) -> Response:
        return Response([s.backlog_rule_data(r) for r in backlog_rules()])

    @extend_schema(operation_id="governance_backlog_rules_update", request=s.BacklogRulesIn,
                   responses={200: s.BacklogRuleOut(many=True), **error_responses(400, 401, 403, 415)})
    def put(self, request: Request) -> Response:
        data = validated(s.BacklogRulesIn, request.data)
        known = {r.kind for r in backlog_rules()}
        codes = [item["code"] for item in data["rules"]]
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise ValidationFailed(_("未知的规则。"), errors={"rules": [_("未知的规则：%(c)s。") % {"c": ", ".join(unknown)}]})
        if len(set(codes)) != len(codes):
            raise ValidationFailed(_("同一规则只能出现一次。"), errors={"rules": [_("同一规则只能出现一次。")]})
        with transaction.atomic():
            for item in data["rules"]:
                services.backlog_rule_update(kind=item["code"], threshold=item["threshold"],
                                             active=item["enabled"], actor=request.user)
        return Response([s.backlog_rule_data(r) for r in backlog_rules()])


class BacklogFilesApi(_GovernanceApi):
    """``GET``/``POST /api/v1/governance/backlog/{id}/files/``: the case file (一案一档) as the backlog page
    lists it, each document with the API path of its download; and the page's upload (multipart, field
    ``attachments``, one or more files) by the leader or the team, checked by type, content and size
    like every upload (``backlog_file_add``; SECURITY.md 14)."""

    parser_classes = [MultiPartParser]

    @extend_schema(operation_id="governance_backlog_files",
                   responses={200: CaseDocumentOut(many=True), **error_responses(401, 403, 404)})
    def get(self, request: Request, pk: int) -> Response:
        entry = backlog_entry_access(user=request.user, entry_id=pk)
        return Response([case_document_data(entry.case, d) for d in backlog_attachments(entry=entry)])

    @extend_schema(operation_id="governance_backlog_files_add", request={"multipart/form-data": s.BacklogFilesIn},
                   responses={201: AttachmentsOut, **error_responses(*ACTION_ERRORS)})
    def post(self, request: Request, pk: int) -> Response:
        entry = backlog_entry_access(user=request.user, entry_id=pk, action="backlog.update")
        data = validated(s.BacklogFilesIn, request.data)
        documents = services.backlog_file_add(entry=entry, actor=request.user, files=data["attachments"])
        return Response({"documents": [case_document_data(entry.case, d) for d in documents]}, status=201)
