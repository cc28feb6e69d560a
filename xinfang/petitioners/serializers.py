"""Input and output shapes of /api/v1/petitioners/. Answers are built by the functions below as plain dicts;
the output serializers describe them for the OpenAPI schema (tests/api/test_fuzz.py checks answers against
them)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from xinfang.api.pagination import MAX_ID
from xinfang.cases.models import Case, CaseRating
from xinfang.cases.serializers import CaseLinkOut, ReferenceOut
from xinfang.petitioners.models import CaseLink
from xinfang.petitioners.selectors import PetitionerHistory, RateRow, RepeatFigures

# --- Inputs ------------------------------------------------------------------------------------------------

class CaseLinkIn(serializers.Serializer):
    other = serializers.IntegerField(min_value=1, max_value=MAX_ID,
                                     help_text="The id of the other case (one the caller can see).")
    kind = serializers.ChoiceField(choices=CaseLink.Kind.choices,
                                   help_text="This case is a repeat of / a duplicate of / related to the other.")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


# --- Outputs -----------------------------------------------------------------------------------------------

class CaseLinkItemOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=CaseLink.Kind.choices)
    direction = serializers.ChoiceField(choices=[("outgoing", "outgoing"), ("incoming", "incoming")],
                                        help_text="outgoing: this case is <kind> the other; incoming: the reverse.")
    reading = serializers.CharField(help_text="How the link reads from this case, in the caller's language.")
    other = CaseLinkOut()
    note = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()


class HistoryRatingOut(serializers.Serializer):
    stage = serializers.ChoiceField(choices=CaseRating.Stage.choices)
    rating = serializers.ChoiceField(choices=CaseRating.Rating.choices)
    at = serializers.DateTimeField()


class PetitionerHistoryCaseOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    received_at = serializers.DateTimeField()
    channel = serializers.ChoiceField(choices=Case.Channel.choices)
    matter_type = serializers.ChoiceField(choices=Case.MatterType.choices)
    status = serializers.ChoiceField(choices=Case.Status.choices)
    category = ReferenceOut(allow_null=True)
    handling_unit = ReferenceOut(allow_null=True)
    outcome = serializers.CharField(allow_blank=True, help_text="support, explain, reject, mediated or empty.")
    replied_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    is_visit = serializers.BooleanField()
    is_repeat = serializers.BooleanField(help_text="repeat_of is set (status linked: joined to an open case).")
    repeat_of = CaseLinkOut(allow_null=True, help_text="null when not a repeat or the original is out of scope.")
    ratings = HistoryRatingOut(many=True)
    links = CaseLinkItemOut(many=True)


class PetitionerHistoryOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    id_masked = serializers.CharField(allow_blank=True)
    phone_masked = serializers.CharField(allow_blank=True)
    total = serializers.IntegerField()
    repeats = serializers.IntegerField()
    visits = serializers.IntegerField()
    cases = PetitionerHistoryCaseOut(many=True)


class RepeatRateRowOut(serializers.Serializer):
    code = serializers.CharField(allow_blank=True, help_text="Empty: cases without a unit/category/street.")
    name = serializers.CharField(allow_blank=True)
    total = serializers.IntegerField()
    repeats = serializers.IntegerField()
    rate = serializers.FloatField(help_text="repeats / total, 0 when total is 0 (four decimals).")


class RepeatPetitionerOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    id_masked = serializers.CharField(allow_blank=True)
    repeats = serializers.IntegerField()
    total = serializers.IntegerField()


class RepeatFiguresOut(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    total = serializers.IntegerField()
    repeats = serializers.IntegerField()
    rate = serializers.FloatField()
    by_unit = RepeatRateRowOut(many=True)
    by_category = RepeatRateRowOut(many=True)
    by_street = RepeatRateRowOut(many=True)
    top_petitioners = RepeatPetitionerOut(many=True)


def _ref(obj: Any) -> dict[str, str] | None:
    return {"code": obj.code, "name": obj.name} if obj is not None else None


def link_items_data(links: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"id": item["link"].pk, "kind": item["link"].kind,
             "direction": "outgoing" if item["outgoing"] else "incoming", "reading": item["label"],
             "other": {"id": item["other"].pk, "number": item["other"].number}, "note": item["link"].note,
             "created_at": item["link"].created_at} for item in links]


def history_data(history: PetitionerHistory) -> dict[str, Any]:
    p = history.petitioner
    cases = []
    for row in history.rows:
        c = row.case
        cases.append({
            "id": c.pk, "number": c.number, "title": c.title, "received_at": c.received_at, "channel": c.channel,
            "matter_type": c.matter_type, "status": c.status, "category": _ref(c.category),
            "handling_unit": _ref(c.handling_unit), "outcome": c.outcome or "", "replied_at": c.replied_at,
            "closed_at": c.closed_at, "is_visit": row.is_visit, "is_repeat": row.is_repeat,
            "repeat_of": ({"id": row.repeat_of_id, "number": row.repeat_of_number}
                          if row.repeat_of_id and row.repeat_of_number else None),
            "ratings": [{"stage": r.stage, "rating": r.rating, "at": r.at} for r in row.ratings],
            "links": link_items_data(row.links),
        })
    return {"id": p.pk, "name": p.name, "id_masked": p.id_masked, "phone_masked": p.phone_masked,
            "total": history.total, "repeats": history.repeats, "visits": history.visits, "cases": cases}


def _rate(row: RateRow) -> dict[str, Any]:
    return {"code": row.code, "name": row.name, "total": row.total, "repeats": row.repeats, "rate": row.rate}


def figures_data(figures: RepeatFigures) -> dict[str, Any]:
    return {"start": figures.start, "end": figures.end, "total": figures.total.total,
            "repeats": figures.total.repeats, "rate": figures.total.rate,
            "by_unit": [_rate(r) for r in figures.by_unit], "by_category": [_rate(r) for r in figures.by_category],
            "by_street": [_rate(r) for r in figures.by_street],
            "top_petitioners": [{"id": t.petitioner_id, "name": t.name, "id_masked": t.id_masked,
                                 "repeats": t.repeats, "total": t.total} for t in figures.top_petitioners]}
