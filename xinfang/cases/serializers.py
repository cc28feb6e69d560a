"""Input and output shapes of the case API (each endpoint has its own input serializer)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from xinfang.cases.models import Case, CaseDeadline, CaseDocument, CaseRating
from xinfang.cases.selectors import case_deadline_states, case_deadlines_map
from xinfang.deadlines.rules import KINDS


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 moment that must carry its offset. DRF's DateTimeField silently reads a naive value in
    the server's time zone, so the service's own "must carry a time zone" check never saw one: a naive
    ``received_at`` (or a bare date) was accepted and possibly shifted by hours (tests/api)."""

    default_error_messages = {"naive": _("时间必须带时区（例如 +08:00）。")}

    def enforce_timezone(self, value: datetime) -> datetime:
        if timezone.is_naive(value):
            self.fail("naive")
        return super().enforce_timezone(value)


class PetitionerIn(serializers.Serializer):
    name = serializers.CharField(max_length=50, allow_blank=True)
    id_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class AccusedPersonIn(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    position = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    unit = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")


class CaseCreateIn(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Case.Channel.choices)
    received_at = AwareDateTimeField()
    matter_type = serializers.ChoiceField(choices=Case.MatterType.choices)
    title = serializers.CharField(max_length=200)
    content = serializers.CharField(max_length=20000)
    petitioners = PetitionerIn(many=True, allow_empty=False, max_length=200)  # type: ignore[call-arg]  # ListSerializer takes max_length (DRF ≥ 3.14)
    group_size = serializers.IntegerField(min_value=1, max_value=100000, default=1)
    representatives = PetitionerIn(many=True, required=False, default=list, max_length=50)  # type: ignore[call-arg]
    category = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    street = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    accused_units = serializers.ListField(child=serializers.CharField(max_length=32), required=False, default=list,
                                         max_length=50)
    accused_persons = AccusedPersonIn(many=True, required=False, default=list, max_length=50)  # type: ignore[call-arg]
    repeat_of = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    force_new = serializers.BooleanField(required=False, default=False)


class RouteIn(serializers.Serializer):
    unit = serializers.CharField(max_length=32)
    mode = serializers.ChoiceField(choices=Case.RouteMode.choices)
    # 信访工作条例 Art. 22 (3): an assignment's time for the report of the result, in days (default 75).
    report_days = serializers.IntegerField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class NewFactsIn(serializers.Serializer):
    # 信访工作条例 Art. 36 ¶3: what the petitioner brings that the re-review did not have (10–2000 characters).
    statement = serializers.CharField(max_length=2000)


class NoteIn(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RefuseIn(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)
    legal_channel = serializers.CharField(max_length=32)


class ReasonIn(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


class ExtendIn(serializers.Serializer):
    days = serializers.IntegerField()
    reason = serializers.CharField(max_length=5000)


class ReplyIn(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Case.Outcome.choices)
    text = serializers.CharField(max_length=50000)


class DecisionIn(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Case.ReviewOutcome.choices)
    text = serializers.CharField(max_length=50000)


class RevealIn(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class PortalCodeIn(serializers.Serializer):
    query_code = serializers.CharField(max_length=40)


class PortalRateIn(PortalCodeIn):
    rating = serializers.ChoiceField(choices=CaseRating.Rating.choices)


class PortalReasonIn(PortalCodeIn):
    reason = serializers.CharField(max_length=5000)


# --- Output shapes ------------------------------------------------------------------------------
# The answers are built by the functions below (plain dicts, one query plan); these serializers describe
# them for the OpenAPI schema, and tests/api/test_fuzz.py checks every answer against them.


class ReferenceOut(serializers.Serializer):
    """A unit or a category, by its code."""

    code = serializers.CharField()
    name = serializers.CharField()


class CaseLinkOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()


class DeadlineDateOut(serializers.Serializer):
    date = serializers.DateField()
    provisional = serializers.BooleanField(help_text="The date rests on a year without an official holiday calendar yet and may move.")


# ``{kind: {"date", "provisional"} | null}`` with every deadline kind (xinfang/deadlines/rules.py).
DeadlinesOut = type("DeadlinesOut", (serializers.Serializer,), {
    "__doc__": "Every deadline kind: its due date, or null when it does not (or no longer) apply.",
    **{kind: DeadlineDateOut(allow_null=True) for kind in KINDS},
})


class DeadlineStateOut(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CaseDeadline.Kind.choices)
    date = serializers.DateField()
    provisional = serializers.BooleanField()
    met_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField()


class CaseListItemOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    channel = serializers.ChoiceField(choices=Case.Channel.choices)
    matter_type = serializers.ChoiceField(choices=Case.MatterType.choices)
    status = serializers.ChoiceField(choices=Case.Status.choices)
    received_at = serializers.DateTimeField()
    category = ReferenceOut(allow_null=True)
    street = ReferenceOut(allow_null=True)
    handling_unit = ReferenceOut(allow_null=True)


class CaseListOut(serializers.Serializer):
    count = serializers.IntegerField()
    limit = serializers.IntegerField()
    offset = serializers.IntegerField()
    results = CaseListItemOut(many=True)


class PetitionerOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(allow_blank=True)
    id_number = serializers.CharField(allow_blank=True, help_text="Masked: the first 6 and the last 4 characters.")
    phone = serializers.CharField(allow_blank=True, help_text="Masked.")
    address = serializers.CharField(allow_blank=True)
    is_representative = serializers.BooleanField()


class AccusedOut(serializers.Serializer):
    unit = ReferenceOut(allow_null=True)
    name = serializers.CharField(allow_blank=True)
    position = serializers.CharField(allow_blank=True)


class RatingOut(serializers.Serializer):
    stage = serializers.ChoiceField(choices=CaseRating.Stage.choices)
    rating = serializers.ChoiceField(choices=CaseRating.Rating.choices)
    at = serializers.DateTimeField()


class DocumentOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=CaseDocument.Kind.choices)
    title = serializers.CharField()
    public = serializers.BooleanField()
    issued_at = serializers.DateTimeField(allow_null=True)


class EventOut(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.CharField(allow_blank=True)
    action = serializers.CharField()
    from_status = serializers.CharField(allow_null=True)
    to_status = serializers.CharField(allow_null=True)
    note = serializers.CharField(allow_blank=True)
    data = serializers.DictField()  # type: ignore[assignment]  # a declared field, not Serializer.data


class CaseDetailOut(CaseListItemOut):
    status_display = serializers.CharField()
    content = serializers.CharField()
    group_size = serializers.IntegerField()
    route_mode = serializers.ChoiceField(choices=Case.RouteMode.choices, allow_null=True)
    registered_unit = ReferenceOut(allow_null=True)
    repeat_of = CaseLinkOut(allow_null=True)
    petitioners = PetitionerOut(many=True)
    accused = AccusedOut(many=True)
    extension_days = serializers.IntegerField()
    refuse_reason = serializers.CharField(allow_blank=True)
    legal_channel = serializers.CharField(allow_null=True)
    outcome = serializers.ChoiceField(choices=Case.Outcome.choices, allow_null=True)
    reply_text = serializers.CharField(allow_blank=True)
    review_outcome = serializers.ChoiceField(choices=Case.ReviewOutcome.choices, allow_null=True)
    re_review_outcome = serializers.ChoiceField(choices=Case.ReviewOutcome.choices, allow_null=True)
    closed_reason = serializers.CharField(allow_null=True)
    deadlines = DeadlinesOut()
    deadline_states = DeadlineStateOut(many=True)
    ratings = RatingOut(many=True)
    documents = DocumentOut(many=True)
    events = EventOut(many=True)


class CaseOutOfScopeOut(serializers.Serializer):
    """The answer to an action that took the case out of the caller's scope (an objection sends it back
    to the bureau): it succeeded; only what the caller already knew is repeated."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=Case.Status.choices)
    in_scope = serializers.BooleanField()


class CaseCreateOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    query_code = serializers.CharField(help_text="Shown this once only: for the petitioner, to track the case on the portal.")
    status = serializers.ChoiceField(choices=Case.Status.choices)
    deadlines = DeadlinesOut()
    linked_to = CaseLinkOut(allow_null=True)
    repeat_of = CaseLinkOut(allow_null=True)
    warnings = serializers.ListField(child=serializers.CharField())


class RevealOut(serializers.Serializer):
    id_number = serializers.CharField(allow_blank=True)
    phone = serializers.CharField(allow_blank=True)


class CategoryOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    parent = serializers.CharField(allow_null=True)  # type: ignore[assignment]  # a field, not Field.parent
    default_unit = serializers.CharField(allow_null=True)


class PortalEventOut(serializers.Serializer):
    date = serializers.DateField()
    action = serializers.CharField()
    text = serializers.CharField()


class PortalDocumentOut(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CaseDocument.Kind.choices)
    title = serializers.CharField()
    issued_at = serializers.DateTimeField(allow_null=True)
    body = serializers.CharField(allow_blank=True)


class PortalCaseOut(serializers.Serializer):
    """What the petitioner sees of their case: no staff names, internal notes or accused."""

    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Case.Status.choices)
    status_display = serializers.CharField()
    received_date = serializers.DateField()
    handling_unit = serializers.CharField(allow_null=True)
    timeline = PortalEventOut(many=True)
    documents = PortalDocumentOut(many=True)
    can_rate = serializers.BooleanField()
    review_request_by = serializers.DateField(allow_null=True)
    re_review_request_by = serializers.DateField(allow_null=True)


def _ref(obj: Any) -> dict[str, str] | None:
    return {"code": obj.code, "name": obj.name} if obj is not None else None


def case_list_data(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "number": case.number,
        "title": case.title,
        "channel": case.channel,
        "matter_type": case.matter_type,
        "status": case.status,
        "received_at": case.received_at.isoformat(),
        "category": _ref(case.category),
        "street": _ref(case.street),
        "handling_unit": _ref(case.handling_unit),
    }


def case_detail_data(case: Case) -> dict[str, Any]:
    """The case as staff see it: personal data masked (SECURITY.md 6), deadlines, events, documents."""
    return {
        **case_list_data(case),
        "status_display": case.get_status_display(),
        "content": case.content,
        "group_size": case.group_size,
        "route_mode": case.route_mode or None,
        "registered_unit": _ref(case.registered_unit),
        "repeat_of": {"id": case.repeat_of.pk, "number": case.repeat_of.number} if case.repeat_of else None,
        "petitioners": [
            {
                "id": link.petitioner.pk,
                "name": link.petitioner.name,
                "id_number": link.petitioner.id_masked,
                "phone": link.petitioner.phone_masked,
                "address": link.petitioner.address,
                "is_representative": link.is_representative,
            }
            for link in case.case_petitioners.all()
        ],
        "accused": [
            {"unit": _ref(a.unit), "name": a.name, "position": a.position} for a in case.accused.all()
        ],
        "extension_days": case.extension_days,
        "refuse_reason": case.refuse_reason,
        "legal_channel": case.legal_channel or None,
        "outcome": case.outcome or None,
        "reply_text": case.reply_text,
        "review_outcome": case.review_outcome or None,
        "re_review_outcome": case.re_review_outcome or None,
        "closed_reason": case.closed_reason or None,
        "deadlines": case_deadlines_map(case),
        "deadline_states": case_deadline_states(case),
        "ratings": [{"stage": r.stage, "rating": r.rating, "at": r.at.isoformat()} for r in case.ratings.all()],
        "documents": [
            {"id": d.pk, "kind": d.kind, "title": d.title, "public": d.public,
             "issued_at": d.issued_at.isoformat() if d.issued_at else None}
            for d in case.documents.all()
        ],
        "events": [
            {"at": e.at.isoformat(), "actor": e.actor_name, "action": e.action, "from_status": e.from_status or None,
             "to_status": e.to_status or None, "note": e.note, "data": e.data}
            for e in case.events.all()
        ],
    }
