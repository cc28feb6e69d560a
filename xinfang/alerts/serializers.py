"""Input and output shapes of /api/v1/alerts/. Answers are built by the functions below as plain dicts; the
output serializers describe them for the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from xinfang.alerts.models import Alert, AlertNote, GroupVisitNotice, SensitivePeriod
from xinfang.alerts.selectors import AlertDetail
from xinfang.api.pagination import MAX_ID, paginated
from xinfang.cases.serializers import ReferenceOut

# --- Inputs ------------------------------------------------------------------------------------------------


class AlertAcknowledgeIn(serializers.Serializer):
    """The caller acknowledges (签收), with an optional first follow-up note."""

    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="",
                           help_text="An optional first follow-up note, kept with the alert's notes.")


class AlertAssignIn(serializers.Serializer):
    owner = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="The id of an active user who may "
                               "handle alerts and sees this one.")


class AlertNoteIn(serializers.Serializer):
    text = serializers.CharField(max_length=2000, help_text="The follow-up (at least 2 characters).")


class AlertCloseIn(serializers.Serializer):
    reason = serializers.CharField(max_length=12, help_text="handled (已处置) or false_alarm (误报).")
    note = serializers.CharField(max_length=1000, help_text="What was done, or why it was a false alarm.")


class SensitivePeriodIn(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    start = serializers.DateField()
    end = serializers.DateField()
    level = serializers.IntegerField(min_value=1, max_value=2,
                               help_text="1 (重要) or 2 (特别重要): how much the thresholds tighten.")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class GroupNoticeIn(serializers.Serializer):
    source = serializers.CharField(max_length=8,  # type: ignore[assignment]  # the API's name; DRF's attribute is unused
                             help_text="street (街道报告), unit (单位报告) or police (公安通报).")
    reporting_unit = serializers.CharField(max_length=32, help_text="The reporting unit's code.")
    street = serializers.CharField(max_length=32, required=False, allow_blank=True, default="",
                             help_text="The street's code (optional).")
    expected_date = serializers.DateField()
    place = serializers.CharField(max_length=200)
    expected_people = serializers.IntegerField(min_value=2, max_value=100000)
    subject = serializers.CharField(max_length=500)
    case = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True, default=None,
                              help_text="The id of a related case the caller can see (optional).")


# --- Outputs -----------------------------------------------------------------------------------------------

class UserRefOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AlertOut(serializers.Serializer):
    id = serializers.IntegerField()
    rule = serializers.CharField(help_text="spike, cluster, group_notice, acceleration, deadlines or group_sensitive.")
    severity = serializers.CharField(help_text="low (一般), medium (较重) or high (严重).")
    status = serializers.CharField(help_text="open (待处置), acknowledged (已签收) or closed (已关闭).")
    title = serializers.CharField()
    explanation = serializers.CharField()
    figures = serializers.DictField(help_text="observed, expected, p_value, window_days, thresholds …")
    street = ReferenceOut(allow_null=True)
    unit = ReferenceOut(allow_null=True)
    category = ReferenceOut(allow_null=True)
    raised_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    times_seen = serializers.IntegerField()
    owner = UserRefOut(allow_null=True)
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    close_reason = serializers.CharField(allow_blank=True)
    close_note = serializers.CharField(allow_blank=True)
    sensitive_period = serializers.CharField(allow_null=True)


class AlertCaseOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    received_at = serializers.DateTimeField()


class AlertNoteOut(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    created_at = serializers.DateTimeField()
    created_by = serializers.CharField(allow_null=True)


class GroupNoticeOut(serializers.Serializer):
    id = serializers.IntegerField()
    source = serializers.CharField(help_text="street, unit or police.")  # type: ignore[assignment]
    reporting_unit = ReferenceOut()
    street = ReferenceOut(allow_null=True)
    expected_date = serializers.DateField()
    place = serializers.CharField()
    expected_people = serializers.IntegerField()
    subject = serializers.CharField()
    alert = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class AlertDetailOut(AlertOut):
    cases = AlertCaseOut(many=True, help_text="The cases behind the alert that the caller may see.")
    hidden_cases = serializers.IntegerField(help_text="How many more cases are behind it, outside the caller's scope.")
    notes = AlertNoteOut(many=True)
    notices = GroupNoticeOut(many=True)


class SensitivePeriodOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    level = serializers.IntegerField()
    note = serializers.CharField(allow_blank=True)


AlertPage = paginated("AlertPage", AlertOut(many=True))
SensitivePeriodPage = paginated("SensitivePeriodPage", SensitivePeriodOut(many=True))
GroupNoticePage = paginated("GroupNoticePage", GroupNoticeOut(many=True))


def _ref(obj: Any) -> dict[str, str] | None:
    return {"code": obj.code, "name": obj.name} if obj is not None else None


def alert_data(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.pk, "rule": alert.rule, "severity": alert.severity, "status": alert.status, "title": alert.title,
        "explanation": alert.explanation, "figures": alert.figures, "street": _ref(alert.street),
        "unit": _ref(alert.unit), "category": _ref(alert.category), "raised_at": alert.raised_at,
        "updated_at": alert.updated_at, "times_seen": alert.times_seen,
        "owner": {"id": alert.owner.pk, "name": str(alert.owner)} if alert.owner_id and alert.owner else None,
        "acknowledged_at": alert.acknowledged_at, "closed_at": alert.closed_at, "close_reason": alert.close_reason,
        "close_note": alert.close_note,
        "sensitive_period": alert.sensitive_period.name if alert.sensitive_period_id and alert.sensitive_period
        else None,
    }


def note_data(note: AlertNote) -> dict[str, Any]:
    return {"id": note.pk, "text": note.text, "created_at": note.created_at,
            "created_by": str(note.created_by) if note.created_by_id else None}


def notice_data(notice: GroupVisitNotice) -> dict[str, Any]:
    return {"id": notice.pk, "source": notice.source, "reporting_unit": _ref(notice.reporting_unit),
            "street": _ref(notice.street), "expected_date": notice.expected_date, "place": notice.place,
            "expected_people": notice.expected_people, "subject": notice.subject, "alert": notice.alert_id,
            "created_at": notice.created_at}


def alert_detail_data(detail: AlertDetail) -> dict[str, Any]:
    return {
        **alert_data(detail.alert),
        "cases": [{"id": c.pk, "number": c.number, "title": c.title, "status": c.status, "received_at": c.received_at}
                  for c in detail.cases],
        "hidden_cases": detail.hidden_cases,
        "notes": [note_data(n) for n in detail.notes],
        "notices": [notice_data(n) for n in detail.notices],
    }


def period_data(period: SensitivePeriod) -> dict[str, Any]:
    return {"id": period.pk, "name": period.name, "start": period.start, "end": period.end, "level": period.level,
            "note": period.note}
