"""Input and output shapes of the repeat-index API (docs/nlp.md). Answers are built as plain dicts by the
functions below; the output serializers describe them for the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from xinfang.api.pagination import MAX_ID
from xinfang.cases.forms.intake import MAX_PETITIONERS
from xinfang.cases.models import Case
from xinfang.deadlines.rules import MAX_REPRESENTATIVES
from xinfang.repeats.clusters import RepeatCluster
from xinfang.repeats.selectors import CandidateReason, RepeatCandidate

# --- Inputs ------------------------------------------------------------------------------------------------

class PersonIn(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    id_number = serializers.CharField(max_length=30, required=False, allow_blank=True, default="",
                                help_text="Hashed at once, never stored nor echoed; an invalid number is a 400.")
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class IntakeCandidatesIn(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    content = serializers.CharField(max_length=20000, required=False, allow_blank=True, default="")
    people = serializers.ListField(child=PersonIn(), required=False, default=list,
                                   max_length=1 + MAX_PETITIONERS + MAX_REPRESENTATIVES,
                                   help_text="The look-up person, the petitioners and the representatives.")
    street = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True, default=None)
    category = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True, default=None)
    received_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


# --- Outputs -----------------------------------------------------------------------------------------------

REASON_KINDS = [(k, k) for k in ("id", "phone", "name_address", "content", "street_category")]


class ReasonOut(serializers.Serializer):
    kind = serializers.ChoiceField(choices=REASON_KINDS)
    label = serializers.CharField(  # type: ignore[assignment]  # a field named "label" (Field.label is a str)
        help_text="The reason in the caller's language.")
    detail = serializers.CharField(allow_blank=True, help_text="Shared terms, the similar name, or the days.")
    score = serializers.FloatField()


class CandidateOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Case.Status.choices)
    received_at = serializers.DateTimeField()
    score = serializers.FloatField()
    reasons = ReasonOut(many=True)


class CandidatesOut(serializers.Serializer):
    searched = serializers.BooleanField(help_text="False when nothing was given to search by.")
    results = CandidateOut(many=True)


class ClusterCaseOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Case.Status.choices)
    received_at = serializers.DateTimeField()


class NameCountOut(serializers.Serializer):
    name = serializers.CharField()
    count = serializers.IntegerField()


class ClusterOut(serializers.Serializer):
    size = serializers.IntegerField()
    people = serializers.IntegerField()
    first_at = serializers.DateTimeField()
    last_at = serializers.DateTimeField()
    representative = ClusterCaseOut()
    cases = ClusterCaseOut(many=True)
    shared = serializers.ListField(child=serializers.CharField())
    streets = NameCountOut(many=True)
    categories = NameCountOut(many=True)


class ClustersOut(serializers.Serializer):
    days = serializers.IntegerField()
    threshold = serializers.FloatField()
    results = ClusterOut(many=True)


def _detail(reason: CandidateReason) -> str:
    if reason.kind == "content":
        return "、".join(reason.shared)
    if reason.kind == "name_address":
        return reason.name
    if reason.kind == "street_category":
        return str(reason.days)
    return ""


def _case(case: Case) -> dict[str, Any]:
    return {"id": case.pk, "number": case.number, "title": case.title, "status": case.status,
            "received_at": serializers.DateTimeField().to_representation(case.received_at)}


def candidates_data(candidates: list[RepeatCandidate], *, searched: bool = True) -> dict[str, Any]:
    """Case and reasons only: no ID or phone number (not even masked) is in the answer."""
    return {"searched": searched, "results": [
        {**_case(c.case), "score": float(c.score),
         "reasons": [{"kind": r.kind, "label": str(r.label), "detail": _detail(r), "score": float(r.score)}
                     for r in c.reasons]} for c in candidates]}


def clusters_data(clusters: list[RepeatCluster], *, days: int, threshold: float) -> dict[str, Any]:
    return {"days": days, "threshold": threshold, "results": [
        {"size": c.size, "people": c.people,
         "first_at": serializers.DateTimeField().to_representation(c.first_at),
         "last_at": serializers.DateTimeField().to_representation(c.last_at),
         "representative": _case(c.representative), "cases": [_case(case) for case in c.cases],
         "shared": list(c.shared),
         "streets": [{"name": n, "count": k} for n, k in c.streets],
         "categories": [{"name": n, "count": k} for n, k in c.categories]} for c in clusters]}
