"""/api/v1/repeats/ and /api/v1/cases/{id}/similar/: the repeat index's pages as JSON — thin views over the
selectors the pages use (xinfang/repeats/views.py), the same permissions, scoped through the case gateway
(accusations never reach the accused, 信访工作条例 Art. 30). docs/nlp.md."""

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
from xinfang.api.actions import validated
from xinfang.api.permissions import HasPagePermission
from xinfang.api.schema import error_responses
from xinfang.core.audit import audit_record
from xinfang.core.errors import ValidationFailed
from xinfang.core.idnumber import InvalidIdNumber, id_number_validate, phone_normalize
from xinfang.repeats import serializers as s
from xinfang.repeats.clusters import CLUSTER_DAYS, CLUSTER_THRESHOLD, repeat_clusters
from xinfang.repeats.selectors import PersonKeys, case_repeat_candidates, repeat_candidates
from xinfang.repeats.views import CLUSTER_DAY_CHOICES


def _people(rows: list[dict[str, Any]]) -> list[PersonKeys]:
    """The keys of the people given; an invalid ID or phone number is a 400 naming it (nothing is written)."""
    people, errors = [], {}
    for index, row in enumerate(rows):
        id_number, phone = row["id_number"].strip(), row["phone"].strip()
        try:
            id_number = id_number_validate(id_number) if id_number else ""
        except InvalidIdNumber:
            errors[f"people.{index}.id_number"] = [_("身份证号无效。")]
        try:
            phone = phone_normalize(phone) if phone else ""
        except ValueError:
            errors[f"people.{index}.phone"] = [_("电话号码无效。")]
        person = PersonKeys.from_input(name=row["name"], id_number=id_number if not errors else "",
                                       phone=phone if not errors else "", address=row["address"])
        if person.name or person.id_hash or person.phone_hash:
            people.append(person)
    if errors:
        raise ValidationFailed(_("身份证号或电话号码无效。"), errors=errors)
    return people


class IntakeCandidatesApi(APIView):
    """The "可能重复/相似信访" candidates for a petition being registered (text and people), ranked, with
    reasons. POST: ID and phone numbers travel in the body, never in a URL; a look-up by them is audited
    (without them)."""

    permission_classes = [IsAuthenticated, HasPagePermission]
    required_permission = "cases.register_case"  # the intake page's permission

    @extend_schema(operation_id="repeats_intake_candidates", request=s.IntakeCandidatesIn,
                   responses={200: s.CandidatesOut, **error_responses(400, 401, 403, 415)})
    def post(self, request: Request) -> Response:
        data = validated(s.IntakeCandidatesIn, request.data)
        people = _people(data["people"])
        title, content = data["title"], data["content"]
        searched = bool(people or title.strip() or content.strip())
        candidates = repeat_candidates(
            user=request.user, title=title, content=content, people=people, street_id=data["street"],
            category_id=data["category"], received_at=data["received_at"]) if searched else []
        keys = sorted({k for p in people for k, given in (("id_number", p.id_hash), ("phone", p.phone_hash)) if given})
        if keys:
            audit_record(actor=request.user, action="repeats.lookup", object_type="cases.case",
                         detail={"by": keys, "found": len(candidates), "via": "api"})
        return Response(s.candidates_data(candidates, searched=searched))


class CaseSimilarApi(APIView):
    """Similar and possibly repeated cases of one case; 404 outside the caller's scope."""

    permission_classes = [IsAuthenticated, HasPagePermission]
    required_permission = "cases.view_case"

    @extend_schema(operation_id="repeats_case_similar",
                   responses={200: s.CandidatesOut, **error_responses(401, 403, 404)})
    def get(self, request: Request, pk: int) -> Response:
        case = access_case(user=request.user, case_id=pk)
        return Response(s.candidates_data(case_repeat_candidates(user=request.user, case=case)))


class ClustersApi(APIView):
    """Clusters of similar recent petitions from different people (the clusters page's data)."""

    permission_classes = [IsAuthenticated, HasPagePermission]
    required_permission = "cases.view_case"

    @extend_schema(operation_id="repeats_clusters", parameters=[
        OpenApiParameter("days", OpenApiTypes.INT, OpenApiParameter.QUERY, enum=list(CLUSTER_DAY_CHOICES),
                         description=f"The window in days (default {CLUSTER_DAYS})."),
        OpenApiParameter("threshold", OpenApiTypes.DOUBLE, OpenApiParameter.QUERY,
                         description=f"Minimum similarity, 0.3 to 0.9 (default {CLUSTER_THRESHOLD})."),
    ], responses={200: s.ClustersOut, **error_responses(400, 401, 403)})
    def get(self, request: Request) -> Response:
        raw_days, raw_threshold = request.query_params.get("days"), request.query_params.get("threshold")
        days, threshold = CLUSTER_DAYS, CLUSTER_THRESHOLD
        if raw_days is not None:
            if not raw_days.isdigit() or int(raw_days) not in CLUSTER_DAY_CHOICES:
                message = _("天数必须是 %(c)s 之一。") % {"c": "、".join(map(str, CLUSTER_DAY_CHOICES))}
                raise ValidationFailed(message, errors={"days": [message]})
            days = int(raw_days)
        if raw_threshold is not None:
            try:
                threshold = float(raw_threshold)
            except ValueError:
                threshold = -1.0
            if not 0.3 <= threshold <= 0.9:  # noqa: PLR2004 — NaN fails too
                message = _("相似度阈值必须在 0.3 到 0.9 之间。")
                raise ValidationFailed(message, errors={"threshold": [message]})
        clusters = repeat_clusters(user=request.user, days=days, threshold=threshold)
        return Response(s.clusters_data(clusters, days=days, threshold=threshold))
