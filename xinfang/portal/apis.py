"""Public API, no login: track by query code, rate, ask for review and re-review."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.api.actions import validated
from xinfang.api.schema import error_responses
from xinfang.cases import serializers as s
from xinfang.cases import services
from xinfang.cases.models import Case
from xinfang.cases.selectors import case_find_by_query_code_hash
from xinfang.core.errors import NotFound
from xinfang.core.middleware import request_client_ip
from xinfang.portal.services import portal_case_by_code

# What is published to the petitioner (DOMAIN.md "After the reply"): dates, status, transfer dates and
# issued documents. Never staff names, internal notes or the accused.
PUBLIC_EVENTS = {
    "registered": gettext_lazy("已登记"),
    "linked": gettext_lazy("已并入正在办理的事项"),
    "routed": gettext_lazy("已转送交办"),
    "accepted": gettext_lazy("已受理"),
    "refused": gettext_lazy("不予受理"),
    "objected": gettext_lazy("重新转送交办中"),
    "extended": gettext_lazy("办理期限已延长"),
    "replied": gettext_lazy("已答复"),
    "rated": gettext_lazy("已评价"),
    "review_requested": gettext_lazy("已申请复查"),
    "review_decided": gettext_lazy("已作出复查意见"),
    "re_review_requested": gettext_lazy("已申请复核"),
    "re_review_decided": gettext_lazy("已作出复核意见"),
    "closed": gettext_lazy("已办结"),
    "not_accepted_again": gettext_lazy("不再受理"),
    # 信访工作条例 Art. 36 ¶3: the bureau took the petition up after all, for the new facts it brings.
    "accepted_new_facts": gettext_lazy("因提出新的事实和理由，已重新登记办理"),
}


def portal_case_data(case: Case) -> dict[str, Any]:
    deadlines = {d.kind: d for d in case.deadlines.all() if not d.cancelled}

    def window(kind: str) -> str | None:
        d = deadlines.get(kind)
        return d.due_date.isoformat() if d and d.met_at is None else None

    rated_stages = {r.stage for r in case.ratings.all()}
    stage = "re_review" if case.re_review_outcome else "review" if case.review_outcome else \
        "reply" if case.replied_at else None
    return {
        "number": case.number,
        "title": case.title,
        "status": case.status,
        "status_display": str(case.get_status_display()),
        # Dates as the petitioner lives them (TIME_ZONE), not UTC: 07:00 in Shanghai is the day before in UTC.
        "received_date": timezone.localdate(case.received_at).isoformat(),
        "handling_unit": case.handling_unit.name if case.handling_unit else None,
        "timeline": [
            {"date": timezone.localdate(e.at).isoformat(), "action": e.action, "text": str(PUBLIC_EVENTS[e.action])}
            for e in case.events.all() if e.action in PUBLIC_EVENTS
        ],
        "documents": [
            {"kind": d.kind, "title": d.title, "issued_at": timezone.localtime(d.issued_at).isoformat() if d.issued_at else None,
             "body": d.body}
            for d in case.documents.all() if d.public and d.issued_at
        ],
        "can_rate": stage is not None and stage not in rated_stages,
        "review_request_by": window("review_request_by") if case.status == Case.Status.REPLIED else None,
        "re_review_request_by": window("re_review_request_by") if case.status == Case.Status.REVIEWED else None,
    }


# The petitioner acting through the portal: without it the services log the act as done by the system
# ("系统" in the case log, "system" in the audit log) instead of by the petitioner ("信访人", "anonymous").
PETITIONER = AnonymousUser()


class _PortalApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


class PortalTrackApi(_PortalApi):
    @extend_schema(operation_id="portal_track", responses={200: s.PortalCaseOut, **error_responses(404, 429)})
    def get(self, request: Request, query_code: str) -> Response:
        case = portal_case_by_code(query_code=query_code, ip=request_client_ip(request))
        return Response(portal_case_data(case))


def _reloaded(case: Case) -> Response:
    fresh = case_find_by_query_code_hash(case.query_code_hash)
    if fresh is None:  # the code was checked a moment ago; the case cannot have gone away
        raise NotFound(_("查询码不正确。"))
    return Response(portal_case_data(fresh))


# The portal's actions: a wrong code is 404 (and counts towards the 429 of the address), an act the case's
# state does not allow is 409.
PORTAL_ACTION_RESPONSES = {200: s.PortalCaseOut, **error_responses(400, 404, 409, 415, 429)}


class PortalRateApi(_PortalApi):
    @extend_schema(operation_id="portal_rate", request=s.PortalRateIn, responses=PORTAL_ACTION_RESPONSES)
    def post(self, request: Request) -> Response:
        data = validated(s.PortalRateIn, request.data)
        case = portal_case_by_code(query_code=data["query_code"], ip=request_client_ip(request))
        services.case_rate(case=case, rating=data["rating"], actor=PETITIONER)
        return _reloaded(case)


class PortalReviewApi(_PortalApi):
    @extend_schema(operation_id="portal_review", request=s.PortalReasonIn, responses=PORTAL_ACTION_RESPONSES)
    def post(self, request: Request) -> Response:
        data = validated(s.PortalReasonIn, request.data)
        case = portal_case_by_code(query_code=data["query_code"], ip=request_client_ip(request))
        services.case_review_request(case=case, reason=data["reason"], actor=PETITIONER)
        return _reloaded(case)


class PortalReReviewApi(_PortalApi):
    @extend_schema(operation_id="portal_re_review", request=s.PortalReasonIn, responses=PORTAL_ACTION_RESPONSES)
    def post(self, request: Request) -> Response:
        data = validated(s.PortalReasonIn, request.data)
        case = portal_case_by_code(query_code=data["query_code"], ip=request_client_ip(request))
        services.case_re_review_request(case=case, reason=data["reason"], actor=PETITIONER)
        return _reloaded(case)
