"""Input and output shapes of the grassroots API (/api/v1/grassroots/). The answers are plain dicts built
by the ``*_data`` functions below; the output serializers describe them for the OpenAPI schema, which
tests/api/test_fuzz.py checks every answer against. Personal data leaves only masked (SECURITY.md 6); the
full numbers only through the audited reveal."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from xinfang.api.pagination import MAX_ID
from xinfang.cases.models import Case
from xinfang.cases.serializers import AwareDateTimeField, CaseLinkOut, ReferenceOut

# The reveal of a party takes and answers what the reveal of a petitioner does.
from xinfang.cases.serializers import RevealIn as RevealIn
from xinfang.cases.serializers import RevealOut as RevealOut
from xinfang.deadlines.rules import MAX_REPRESENTATIVES
from xinfang.grassroots.models import (
    Dispute,
    Mediation,
    MediationFollowUp,
    MediationParticipant,
    Party,
    Reception,
    ReceptionDay,
    Visit,
    VisitFinding,
)

MAX_PARTIES = 20
TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


def _code(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(max_length=32, required=False, allow_blank=True, default="", **kwargs)


def _text(limit: int, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(max_length=limit, **kwargs)


def _optional_text(limit: int, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(max_length=limit, required=False, allow_blank=True, default="", **kwargs)


class HourMinuteField(serializers.RegexField):
    """A time of day as ``HH:MM`` (24 hours)."""

    def __init__(self, **kwargs: Any):
        super().__init__(TIME_PATTERN, max_length=5, **kwargs)
        self.error_messages["invalid"] = _("时间格式应为 HH:MM。")


# --- Inputs ----------------------------------------------------------------------------------------

class PartyIn(serializers.Serializer):
    role = serializers.ChoiceField(choices=Party.Role.choices, required=False, default=Party.Role.APPLICANT)
    name = _text(100)
    id_number = _optional_text(40, help_text="A resident ID number (GB 11643, 18 characters); stored encrypted.")
    phone = _optional_text(30)
    address = _optional_text(200)


class ParticipantIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MediationParticipant.Kind.choices)
    organisation = _optional_text(100, help_text="The organisation's name; may be left out when unit is given.")
    mediator = _text(50)
    unit = _code(help_text="The code of the unit taking part, when it is a unit of the district.")


class FindingIn(serializers.Serializer):
    title = _text(200)
    description = _text(20000)
    category = _code(help_text="A category code.")
    parties = PartyIn(many=True, required=False, default=list, max_length=MAX_PARTIES)  # type: ignore[call-arg]


class DisputeCreateIn(serializers.Serializer):
    title = _text(200)
    description = _text(20000)
    category = _code(help_text="A category code.")
    risk_level = serializers.ChoiceField(choices=Dispute.Risk.choices)
    source = serializers.ChoiceField(choices=Dispute.Source.choices)  # type: ignore[assignment]
    found_on = serializers.DateField()
    unit = _code(help_text="The recording unit's code; the caller's own unit when left out.")
    street = _code(help_text="The street's code; the street above the unit when left out.")
    parties = PartyIn(many=True, allow_empty=False, max_length=MAX_PARTIES)  # type: ignore[call-arg]


class ResolveIn(serializers.Serializer):
    resolution = _text(20000)


class ConvertIn(serializers.Serializer):
    """Turn a record into a case: its matter type, and optionally the channel, title and content (the
    record's own when left out)."""

    matter_type = serializers.ChoiceField(choices=Case.MatterType.choices)
    channel = serializers.ChoiceField(choices=Case.Channel.choices, required=False, allow_blank=True, default="")
    title = _optional_text(200)
    content = _optional_text(20000)


class MediationCreateIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Mediation.Kind.choices)
    title = _optional_text(200, help_text="The dispute's title when left out (with dispute).")
    matter = _optional_text(20000, help_text="The dispute's description when left out (with dispute).")
    started_on = serializers.DateField()
    unit = _code()
    street = _code()
    dispute = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID)
    case = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID)
    parties = PartyIn(many=True, required=False, default=list, max_length=MAX_PARTIES,  # type: ignore[call-arg]
                      help_text="At least two; the dispute's parties when left out (with dispute).")
    participants = ParticipantIn(many=True, allow_empty=False, max_length=20)  # type: ignore[call-arg]


class SessionIn(serializers.Serializer):
    held_at = AwareDateTimeField()
    place = _text(200)
    notes = _text(20000)


class ConcludeIn(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Mediation.Outcome.choices)
    agreement_terms = _optional_text(20000)
    performance = _optional_text(500)
    performance_due = serializers.DateField(required=False, allow_null=True, default=None)
    referral_note = _optional_text(20000)


class FollowUpIn(serializers.Serializer):
    visited_on = serializers.DateField()
    method = serializers.ChoiceField(choices=MediationFollowUp.Method.choices)
    result = serializers.ChoiceField(choices=MediationFollowUp.Result.choices)
    notes = _optional_text(20000)


class VisitCreateIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Visit.Kind.choices)
    case = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID,
                                    help_text="The case visited (required for home).")
    visited_at = AwareDateTimeField()
    place = _text(200)
    visitors = _text(200)
    summary = _text(20000)
    unit = _code()
    street = _code()
    findings = FindingIn(many=True, required=False, default=list, max_length=MAX_PARTIES)  # type: ignore[call-arg]


class ReceptionDayCreateIn(serializers.Serializer):
    leader = serializers.CharField(max_length=150, help_text="The receiving leader's username.")
    date = serializers.DateField()
    starts_at = HourMinuteField()
    ends_at = HourMinuteField()
    place = _text(200)
    unit = serializers.CharField(max_length=32, help_text="The receiving unit's code.")
    topic = _optional_text(200)
    joint_units = serializers.ListField(child=serializers.CharField(max_length=32), required=False, default=list,
                                        max_length=20)


class CancelIn(serializers.Serializer):
    reason = _text(200)


class ReceptionCreateIn(serializers.Serializer):
    matter = _text(20000)
    response = _optional_text(20000)
    received_at = AwareDateTimeField(required=False, allow_null=True, default=None)
    persons = PartyIn(many=True, allow_empty=False, max_length=MAX_REPRESENTATIVES)  # type: ignore[call-arg]


class ReceptionRegisterIn(serializers.Serializer):
    matter_type = serializers.ChoiceField(choices=Case.MatterType.choices)
    title = _optional_text(200)
    category = _code()


# --- Outputs ---------------------------------------------------------------------------------------

class PartyOut(serializers.Serializer):
    id = serializers.IntegerField()
    role = serializers.ChoiceField(choices=Party.Role.choices)
    name = serializers.CharField()
    id_masked = serializers.CharField(allow_blank=True, help_text="First 6 and last 4 digits; empty when none was given.")
    phone_masked = serializers.CharField(allow_blank=True)
    address = serializers.CharField(allow_blank=True)


class DisputeOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Dispute.Status.choices)
    risk_level = serializers.ChoiceField(choices=Dispute.Risk.choices)
    source = serializers.ChoiceField(choices=Dispute.Source.choices)  # type: ignore[assignment]
    found_on = serializers.DateField()
    unit = ReferenceOut()
    street = ReferenceOut(allow_null=True)
    category = ReferenceOut(allow_null=True)
    case = CaseLinkOut(allow_null=True)


class MediationLinkOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Mediation.Status.choices)
    outcome = serializers.CharField(allow_blank=True, help_text="agreement, no_agreement, litigation, arbitration; empty while ongoing.")


class DisputeDetailOut(DisputeOut):
    description = serializers.CharField()
    resolution = serializers.CharField(allow_blank=True)
    parties = PartyOut(many=True)
    mediations = MediationLinkOut(many=True)


class ParticipantOut(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MediationParticipant.Kind.choices)
    organisation = serializers.CharField()
    unit = ReferenceOut(allow_null=True)
    mediator = serializers.CharField()


class SessionOut(serializers.Serializer):
    id = serializers.IntegerField()
    held_at = serializers.DateTimeField()
    place = serializers.CharField()
    notes = serializers.CharField(allow_blank=True)


class FollowUpOut(serializers.Serializer):
    id = serializers.IntegerField()
    visited_on = serializers.DateField()
    method = serializers.ChoiceField(choices=MediationFollowUp.Method.choices)
    result = serializers.ChoiceField(choices=MediationFollowUp.Result.choices)
    notes = serializers.CharField(allow_blank=True)


class MediationOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(help_text="The agreement's 文号.")
    kind = serializers.ChoiceField(choices=Mediation.Kind.choices)
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Mediation.Status.choices)
    outcome = serializers.CharField(allow_blank=True, help_text="agreement, no_agreement, litigation, arbitration; empty while ongoing.")
    started_on = serializers.DateField()
    unit = ReferenceOut()
    street = ReferenceOut(allow_null=True)
    dispute = serializers.IntegerField(allow_null=True)
    case = CaseLinkOut(allow_null=True)
    fulfilled_at = serializers.DateTimeField(allow_null=True)


class MediationDetailOut(MediationOut):
    matter = serializers.CharField()
    concluded_at = serializers.DateTimeField(allow_null=True)
    agreement_terms = serializers.CharField(allow_blank=True)
    performance = serializers.CharField(allow_blank=True)
    performance_due = serializers.DateField(allow_null=True)
    referral_note = serializers.CharField(allow_blank=True)
    parties = PartyOut(many=True)
    participants = ParticipantOut(many=True)
    sessions = SessionOut(many=True)
    follow_ups = FollowUpOut(many=True)


class FindingOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    category = ReferenceOut(allow_null=True)
    status = serializers.ChoiceField(choices=VisitFinding.Status.choices)
    case = CaseLinkOut(allow_null=True)
    parties = PartyOut(many=True)


class VisitOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Visit.Kind.choices)
    visited_at = serializers.DateTimeField()
    place = serializers.CharField()
    visitors = serializers.CharField()
    unit = ReferenceOut()
    street = ReferenceOut(allow_null=True)
    case = CaseLinkOut(allow_null=True)


class VisitDetailOut(VisitOut):
    summary = serializers.CharField()
    findings = FindingOut(many=True)


class LeaderOut(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()


class ReceptionOut(serializers.Serializer):
    id = serializers.IntegerField()
    received_at = serializers.DateTimeField()
    matter = serializers.CharField()
    response = serializers.CharField(allow_blank=True)
    case = CaseLinkOut(allow_null=True)
    persons = PartyOut(many=True)


class ReceptionDayOut(serializers.Serializer):
    id = serializers.IntegerField()
    leader = LeaderOut()
    date = serializers.DateField()
    starts_at = serializers.CharField(help_text="HH:MM")
    ends_at = serializers.CharField(help_text="HH:MM")
    place = serializers.CharField()
    unit = ReferenceOut()
    joint_units = ReferenceOut(many=True)
    topic = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(choices=ReceptionDay.Status.choices)
    cancel_reason = serializers.CharField(allow_blank=True)


class ReceptionDayDetailOut(ReceptionDayOut):
    receptions_visible = serializers.BooleanField(
        help_text="False: the caller sees the schedule but not the people received (another unit's day).")
    receptions = ReceptionOut(many=True)


class ConvertOut(serializers.Serializer):
    case = CaseLinkOut()
    status = serializers.CharField(help_text="The new case's status (linked: joined to an open case).")
    linked_to = CaseLinkOut(allow_null=True)
    warnings = serializers.ListField(child=serializers.CharField())


class ServicePointOut(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    parent = ReferenceOut(allow_null=True)
    open_disputes = serializers.IntegerField()
    ongoing_mediations = serializers.IntegerField()


class IntakeCaseOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    channel = serializers.ChoiceField(choices=Case.Channel.choices)
    status = serializers.ChoiceField(choices=Case.Status.choices)
    received_at = serializers.DateTimeField()


class ServicePointDetailOut(ServicePointOut):
    intake = IntakeCaseOut(many=True, help_text="The latest petitions registered at the point (at most 50).")
    disputes = DisputeOut(many=True, help_text="The point's latest disputes (at most 50).")
    mediations = MediationOut(many=True, help_text="The point's latest mediations (at most 50).")


# --- Building the answers ----------------------------------------------------------------------------

def _ref(obj: Any) -> dict[str, str] | None:
    return {"code": obj.code, "name": obj.name} if obj is not None else None


def _case(case: Any) -> dict[str, Any] | None:
    return {"id": case.pk, "number": case.number} if case is not None else None


def _dt(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def party_data(party: Party) -> dict[str, Any]:
    return {"id": party.pk, "role": party.role, "name": party.name, "id_masked": party.id_masked,
            "phone_masked": party.phone_masked, "address": party.address}


def dispute_data(dispute: Dispute) -> dict[str, Any]:
    return {"id": dispute.pk, "title": dispute.title, "status": dispute.status, "risk_level": dispute.risk_level,
            "source": dispute.source, "found_on": dispute.found_on.isoformat(), "unit": _ref(dispute.unit),
            "street": _ref(dispute.street), "category": _ref(dispute.category), "case": _case(dispute.case)}


def dispute_detail_data(dispute: Dispute) -> dict[str, Any]:
    return {**dispute_data(dispute), "description": dispute.description, "resolution": dispute.resolution,
            "parties": [party_data(p) for p in dispute.parties.all()],
            "mediations": [{"id": m.pk, "title": m.title, "status": m.status, "outcome": m.outcome}
                           for m in dispute.mediations.all()]}


def mediation_data(mediation: Mediation) -> dict[str, Any]:
    return {"id": mediation.pk, "number": mediation.number, "kind": mediation.kind, "title": mediation.title,
            "status": mediation.status, "outcome": mediation.outcome, "started_on": mediation.started_on.isoformat(),
            "unit": _ref(mediation.unit), "street": _ref(mediation.street), "dispute": mediation.dispute_id,
            "case": _case(mediation.case), "fulfilled_at": _dt(mediation.fulfilled_at)}


def mediation_detail_data(mediation: Mediation, detail: dict[str, Any]) -> dict[str, Any]:
    return {
        **mediation_data(mediation), "matter": mediation.matter, "concluded_at": _dt(mediation.concluded_at),
        "agreement_terms": mediation.agreement_terms, "performance": mediation.performance,
        "performance_due": mediation.performance_due.isoformat() if mediation.performance_due else None,
        "referral_note": mediation.referral_note,
        "parties": [party_data(p) for p in detail["parties"]],
        "participants": [{"kind": p.kind, "organisation": p.organisation, "unit": _ref(p.unit),
                          "mediator": p.mediator} for p in detail["participants"]],
        "sessions": [{"id": s.pk, "held_at": _dt(s.held_at), "place": s.place, "notes": s.notes}
                     for s in detail["sessions"]],
        "follow_ups": [{"id": f.pk, "visited_on": f.visited_on.isoformat(), "method": f.method,
                        "result": f.result, "notes": f.notes} for f in detail["follow_ups"]],
    }


def finding_data(finding: VisitFinding) -> dict[str, Any]:
    return {"id": finding.pk, "title": finding.title, "description": finding.description,
            "category": _ref(finding.category), "status": finding.status, "case": _case(finding.case),
            "parties": [party_data(p) for p in finding.parties.all()]}


def visit_data(visit: Visit) -> dict[str, Any]:
    return {"id": visit.pk, "kind": visit.kind, "visited_at": _dt(visit.visited_at), "place": visit.place,
            "visitors": visit.visitors, "unit": _ref(visit.unit), "street": _ref(visit.street),
            "case": _case(visit.case)}


def visit_detail_data(visit: Visit) -> dict[str, Any]:
    findings = visit.findings.select_related("category", "case").prefetch_related("parties")
    return {**visit_data(visit), "summary": visit.summary, "findings": [finding_data(f) for f in findings]}


def reception_data(reception: Reception) -> dict[str, Any]:
    return {"id": reception.pk, "received_at": _dt(reception.received_at), "matter": reception.matter,
            "response": reception.response, "case": _case(reception.case),
            "persons": [party_data(p) for p in reception.parties.all()]}


def reception_day_data(day: ReceptionDay) -> dict[str, Any]:
    return {"id": day.pk, "leader": {"username": day.leader.get_username(), "name": str(day.leader)},
            "date": day.date.isoformat(), "starts_at": day.starts_at.strftime("%H:%M"),
            "ends_at": day.ends_at.strftime("%H:%M"), "place": day.place, "unit": _ref(day.unit),
            "joint_units": [_ref(u) for u in day.joint_units.all()], "topic": day.topic, "status": day.status,
            "cancel_reason": day.cancel_reason}


def convert_data(result: Any) -> dict[str, Any]:
    return {"case": _case(result.case), "status": result.case.status, "linked_to": _case(result.linked_to),
            "warnings": [str(w) for w in result.warnings]}
