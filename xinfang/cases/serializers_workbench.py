"""Input and output shapes of the workbench API: the queues, bulk routing, the intake helpers, a case's
documents, allowed actions, related cases and drafts (``apis_workbench.py``, ``apis_documents.py``).

As in ``serializers.py``, answers are built by the functions below as plain dicts; the output serializers
describe them for the OpenAPI schema (tests/api/test_fuzz.py checks every answer against them)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from xinfang.api.pagination import MAX_ID, paginated
from xinfang.cases.forms.intake import clean_id_number_text, clean_phone_text
from xinfang.cases.forms.lists import MAX_BULK_CASES
from xinfang.cases.models import Case, CaseDocument
from xinfang.cases.selectors_actions import CASE_ACTIONS
from xinfang.cases.selectors_inbox import BUREAU, BUREAU_QUEUES, SORT_CHOICES, UNIT, UNIT_QUEUES, CaseRow
from xinfang.cases.serializers import CaseListItemOut, ReferenceOut, case_list_data

QUEUE_KEYS: tuple[str, ...] = tuple(dict.fromkeys(q.key for q in (*BUREAU_QUEUES, *UNIT_QUEUES)))


# --- The workbench ------------------------------------------------------------------------------

class QueueOut(serializers.Serializer):
    key = serializers.ChoiceField(choices=QUEUE_KEYS)
    label = serializers.CharField()  # type: ignore[assignment]
    urgency = serializers.ChoiceField(choices=["late", "soon", "ok"],
                                      help_text="late: overdue queue; soon: due-soon queue; ok: the others.")
    count = serializers.IntegerField()


class InboxOut(serializers.Serializer):
    side = serializers.ChoiceField(choices=[BUREAU, UNIT], allow_null=True,
                                   help_text="The bureau's workbench (district-wide roles) or a unit's; null: none.")
    due_soon_days = serializers.IntegerField(help_text="A deadline this many days away or less is due soon.")
    queues = QueueOut(many=True)


class NextDeadlineOut(serializers.Serializer):
    date = serializers.DateField()
    provisional = serializers.BooleanField(help_text="The date rests on a year without an official holiday calendar yet.")
    days_left = serializers.IntegerField(help_text="Negative when the deadline has passed.")


class CaseRowOut(CaseListItemOut):
    """A case as the workbench and the case list show it."""

    petitioners = serializers.ListField(child=serializers.CharField(allow_blank=True), help_text="Names only.")
    group_size = serializers.IntegerField()
    next_deadline = NextDeadlineOut(allow_null=True, help_text="The earliest open duty deadline.")
    urgency = serializers.ChoiceField(choices=["late", "soon", "ok"])
    routable = serializers.BooleanField(help_text="Waiting to be routed (registered or objected).")


InboxQueuePage = paginated("InboxQueuePage", CaseRowOut(many=True), queue=QueueOut(),
                           sort=serializers.ChoiceField(choices=SORT_CHOICES))


def queue_data(queue: Any, count: int) -> dict[str, Any]:
    return {"key": queue.key, "label": str(queue.label), "urgency": queue.tone or "ok", "count": count}


def case_row_data(row: CaseRow) -> dict[str, Any]:
    case = row.case
    return {
        **case_list_data(case),
        "petitioners": [p.name for p in row.petitioners],
        "group_size": case.group_size,
        "next_deadline": {"date": row.next_due.isoformat(), "provisional": row.provisional,
                          "days_left": row.days_left} if row.next_due and row.days_left is not None else None,
        "urgency": row.badge_class,
        "routable": row.routable,
    }


# --- Bulk routing and the person search ----------------------------------------------------------

class BulkRouteIn(serializers.Serializer):
    cases = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=MAX_ID), min_length=1,
                                  max_length=MAX_BULK_CASES, help_text="Case ids; each is routed on its own.")
    unit = serializers.CharField(max_length=32)
    mode = serializers.ChoiceField(choices=Case.RouteMode.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    def validate_cases(self, value: list[int]) -> list[int]:
        return list(dict.fromkeys(value))  # each case once, in the order given


class BulkRouteResultOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(allow_blank=True, help_text="Empty for a case the caller may not see.")
    ok = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True)


class BulkRouteOut(serializers.Serializer):
    done = serializers.IntegerField()
    refused = serializers.IntegerField()
    results = BulkRouteResultOut(many=True)


class _PersonKeysIn(serializers.Serializer):
    """A full ID and/or phone number, in the body only (never in a URL, SECURITY.md 5), checked like the
    pages' fields (GB 11643 check digit; mobile or fixed line)."""

    id_number = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")

    def validate_id_number(self, value: str) -> str:
        return clean_id_number_text(value)

    def validate_phone(self, value: str) -> str:
        return clean_phone_text(value)


class PersonSearchIn(_PersonKeysIn):
    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("id_number") and not attrs.get("phone"):
            raise serializers.ValidationError(_("请填写身份证号或电话。"), code="empty")
        return attrs


class PersonSearchOut(serializers.Serializer):
    """The filter parameters of ``GET /api/v1/cases/`` for the numbers: their keyed hashes."""

    id_hash = serializers.CharField(allow_null=True)
    phone_hash = serializers.CharField(allow_null=True)


# --- Intake -------------------------------------------------------------------------------------

class PetitionerLookupIn(_PersonKeysIn):
    name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")

    def validate_name(self, value: str) -> str:
        return value.strip()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not any(attrs.get(key) for key in ("id_number", "phone", "name")):
            raise serializers.ValidationError(_("请至少填写身份证号、电话或姓名中的一项。"), code="empty")
        return attrs


class PetitionerMaskedOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(allow_blank=True)
    id_number = serializers.CharField(allow_blank=True, help_text="Masked.")
    phone = serializers.CharField(allow_blank=True, help_text="Masked.")


class LookupCaseOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Case.Status.choices)
    received_at = serializers.DateTimeField()
    is_open = serializers.BooleanField()
    category = ReferenceOut(allow_null=True)
    handling_unit = ReferenceOut(allow_null=True)


class PetitionerMatchOut(serializers.Serializer):
    petitioner = PetitionerMaskedOut()
    cases = LookupCaseOut(many=True, help_text="The cases of this person the caller may see, newest first.")


class SuggestedUnitOut(serializers.Serializer):
    category = ReferenceOut(allow_null=True)
    street = ReferenceOut(allow_null=True)
    unit = ReferenceOut(allow_null=True, help_text="The suggested responsible unit; null when there is none.")
    basis = serializers.ChoiceField(choices=["street", "default", "history", "none"],
                                    help_text="street: the street's own route; default: the category's default "
                                              "unit; history: where earlier cases of the category and street "
                                              "were accepted; none: nothing to suggest.")
    by_street = serializers.BooleanField(help_text="The street's own route gave the unit (basis street).")
    reason = serializers.CharField(allow_blank=True, help_text="Why, in words, as the page shows it.")


def _ref(obj: Any) -> dict[str, str] | None:
    return {"code": obj.code, "name": obj.name} if obj is not None else None


def petitioner_match_data(match: Any) -> dict[str, Any]:
    person = match.petitioner
    return {
        "petitioner": {"id": person.pk, "name": person.name, "id_number": person.id_masked,
                       "phone": person.phone_masked},
        "cases": [{"id": c.pk, "number": c.number, "title": c.title, "status": c.status,
                   "received_at": c.received_at.isoformat(), "is_open": c.is_open, "category": _ref(c.category),
                   "handling_unit": _ref(c.handling_unit)} for c in match.cases],
    }


# --- One case: actions, related cases, documents, drafts -------------------------------------------

class CaseActionsOut(serializers.Serializer):
    allowed = serializers.ListField(child=serializers.ChoiceField(choices=CASE_ACTIONS),
                                    help_text="The actions the caller may take now, in the order the case page "
                                              "offers them; each is POST /api/v1/cases/{id}/<action>/ "
                                              "(review_decide: review/decide/, re_review_decide: re-review/decide/).")
    can_reveal = serializers.BooleanField(help_text="The caller may reveal full ID and phone numbers (with a reason).")


class RelatedCaseOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Case.Status.choices)
    received_at = serializers.DateTimeField()
    is_original = serializers.BooleanField(help_text="The case this one repeats; otherwise a repeat of this one.")


class CaseDocumentOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=CaseDocument.Kind.choices)
    title = serializers.CharField()
    public = serializers.BooleanField(help_text="Published to the petitioner on the portal.")
    issued_at = serializers.DateTimeField(allow_null=True)
    download = serializers.CharField(allow_null=True, help_text="The API path of the file (.docx or attachment).")


class AttachmentsIn(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField(max_length=200, allow_empty_file=True),
                                  help_text="pdf, jpg, png, docx, xlsx or txt; checked by content too.")


class AttachmentsOut(serializers.Serializer):
    documents = CaseDocumentOut(many=True)


class DraftOut(serializers.Serializer):
    text = serializers.CharField(help_text="The template of the outcome filled in for this case; a 〔待填写…〕 "
                                           "marker is where the handler must write.")


def case_document_data(case: Case, document: CaseDocument) -> dict[str, Any]:
    if document.kind == CaseDocument.Kind.ATTACHMENT:
        download = reverse("api-case-attachment-file", kwargs={"pk": case.pk, "doc_id": document.pk}) \
            if document.file else None
    else:
        download = reverse("api-case-document-docx", kwargs={"pk": case.pk, "doc_id": document.pk})
    return {"id": document.pk, "kind": document.kind, "title": document.title, "public": document.public,
            "issued_at": document.issued_at.isoformat() if document.issued_at else None, "download": download}
