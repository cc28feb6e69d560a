"""Reading alerts, scoped like cases: the district-wide roles see every alert, unit staff the alerts about
their unit (and its sub-units where the unit says so); an alert behind which a case accuses a unit or user
is hidden from them (信访工作条例 Art. 30 ¶3). The cases behind an alert are resolved through the case gateway
at display time, so nobody sees a case through an alert that they could not open directly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from xinfang.accounts.access import cases_visible_to
from xinfang.accounts.roles import DISTRICT_WIDE_ROLES, UNIT_ROLES
from xinfang.alerts.models import Alert, AlertAccused, AlertNote, GroupVisitNotice, SensitivePeriod
from xinfang.core.audit import audit_record
from xinfang.core.errors import NotFound

VIEW_ALERT = "alerts.view_alert"
VIEW_PERIODS = "alerts.view_sensitiveperiod"


def alerts_visible_to(user: Any) -> QuerySet:
    """Every alert ``user`` may see, as a queryset to filter further."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active \
            or not user.has_perm(VIEW_ALERT):
        return Alert.objects.none()
    if user.role in DISTRICT_WIDE_ROLES:
        scoped = Alert.objects.all()
    elif user.role in UNIT_ROLES and user.unit_id:
        unit = user.unit
        if unit.scope_includes_children:
            scoped = Alert.objects.filter(unit__path__startswith=unit.path)
        else:
            scoped = Alert.objects.filter(unit_id=unit.pk)
    else:
        return Alert.objects.none()
    own_units = user.unit.ancestor_ids() if user.unit_id and user.unit else []
    accused = AlertAccused.objects.filter(Q(unit_id__in=own_units) | Q(user_id=user.pk)).values("alert_id")
    return scoped.exclude(id__in=accused)


@dataclass(frozen=True)
class AlertFilters:
    status: str = ""
    rule: str = ""
    severity: str = ""
    street_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    mine: bool = False


def alert_list(*, user: Any, filters: AlertFilters) -> QuerySet:
    """The alerts of the list page and ``GET /api/v1/alerts/``: newest first."""
    rows = alerts_visible_to(user)
    if filters.status == "active":
        rows = rows.exclude(status=Alert.Status.CLOSED)
    elif filters.status:
        rows = rows.filter(status=filters.status)
    if filters.rule:
        rows = rows.filter(rule=filters.rule)
    if filters.severity:
        rows = rows.filter(severity=filters.severity)
    if filters.street_id:
        rows = rows.filter(street_id=filters.street_id)
    if filters.date_from:
        rows = rows.filter(raised_at__gte=timezone.make_aware(datetime.combine(filters.date_from, time.min)))
    if filters.date_to:
        rows = rows.filter(raised_at__lt=timezone.make_aware(datetime.combine(filters.date_to, time.max)))
    if filters.mine:
        rows = rows.filter(owner_id=user.pk)
    return rows.select_related("street", "unit", "category", "owner").order_by("-raised_at", "-id")


def alert_access(*, user: Any, alert_id: Any, action: str = "alert.read") -> Alert:
    """One alert if ``user`` may see it, else ``NotFound`` (an alert out of scope looks like a missing one)
    and an audited denial."""
    try:
        pk = int(alert_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    alert = alerts_visible_to(user).select_related("street", "unit", "category", "owner", "sensitive_period",
                                                   "acknowledged_by", "closed_by").filter(pk=pk).first()
    if alert is None:
        if Alert.objects.filter(pk=pk).exists():
            audit_record(actor=user, action=action, object_type="alerts.alert", object_id=str(pk),
                         result="denied", detail={"reason": "out_of_scope"})
        raise NotFound()
    return alert


@dataclass
class AlertDetail:
    alert: Alert
    cases: list[Any]
    hidden_cases: int
    notes: list[AlertNote]
    notices: list[GroupVisitNotice]


def alert_detail(*, user: Any, alert: Alert) -> AlertDetail:
    """The alert with the cases behind it that ``user`` may see (the rest only counted), its notes and
    notices; the reading is audited (the cases behind an alert are sensitive data)."""
    ids = [int(i) for i in alert.case_ids]
    cases = list(cases_visible_to(user).filter(pk__in=ids).select_related("category", "street", "handling_unit")
                 .order_by("-received_at", "-id"))
    audit_record(actor=user, action="alert.read", obj=alert, detail={"cases_shown": len(cases)})
    return AlertDetail(
        alert=alert, cases=cases, hidden_cases=len(set(ids)) - len(cases),
        notes=list(alert.notes.select_related("created_by").order_by("created_at", "id")),
        notices=list(alert.notices.select_related("reporting_unit", "street").order_by("-id")))


def sensitive_period_active(day: date | None = None) -> SensitivePeriod | None:
    """The sensitive period covering ``day`` (today by default); of several, the highest level."""
    day = day or timezone.localdate()
    return SensitivePeriod.objects.filter(start__lte=day, end__gte=day).order_by("-level", "start", "id").first()


def sensitive_periods(*, year: int | None = None) -> QuerySet:
    rows = SensitivePeriod.objects.select_related("created_by")
    if year:
        rows = rows.filter(Q(start__year=year) | Q(end__year=year))
    return rows.order_by("-start", "-id")


def sensitive_period_get(pk: Any) -> SensitivePeriod:
    try:
        return SensitivePeriod.objects.get(pk=int(pk))
    except (TypeError, ValueError, SensitivePeriod.DoesNotExist):
        raise NotFound() from None


def group_notices_visible_to(user: Any) -> QuerySet:
    """Group-visit notices: those whose alert the user may see (a unit member: about their unit)."""
    return GroupVisitNotice.objects.filter(alert__in=alerts_visible_to(user)).select_related(
        "reporting_unit", "street", "alert").order_by("-created_at", "-id")
