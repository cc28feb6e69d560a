"""Every change to alerts, sensitive periods and group-visit notices (one service per state change, each
audited with ``audit_record``). Alerts are raised by the scan (``xinfang.alerts.scan``) as the system and
handled by staff: acknowledge, assign an owner, add notes, close with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.accounts.models import Unit, User
from xinfang.accounts.roles import DISTRICT_WIDE_ROLES
from xinfang.alerts.models import Alert, AlertAccused, AlertNote, GroupVisitNotice, SensitivePeriod
from xinfang.cases.models import Case, CaseAccused, Category
from xinfang.core.audit import audit_record
from xinfang.core.errors import Forbidden, InvalidTransition, ValidationFailed

HANDLE_ALERT = "alerts.handle_alert"
REPORT_GROUP_NOTICE = "alerts.report_group_notice"
MANAGE_PERIODS = "alerts.change_sensitiveperiod"
MAX_CASE_IDS = 500
_SEVERITY_RANK = {Alert.Severity.LOW: 0, Alert.Severity.MEDIUM: 1, Alert.Severity.HIGH: 2}
# After a statistical alert is closed, the same situation is not raised again for this many days unless it
# grows beyond the figure it had at closure (a false alarm must not come back every 15 minutes).
QUIET_AFTER_CLOSE_DAYS = 7


@dataclass
class AlertDraft:
    """What a rule found: the alert to raise, or the update of the open one with the same key."""

    rule: str
    key: str
    severity: str
    title: str
    explanation: str
    figures: dict[str, Any]
    case_ids: list[int]
    street: Unit | None = None
    unit: Unit | None = None
    category: Category | None = None
    sensitive_period: SensitivePeriod | None = None
    # A one-off event (a notice, a group case): never raised twice, even after closure.
    once: bool = False


def _accused_rows(alert: Alert) -> None:
    AlertAccused.objects.filter(alert=alert).delete()
    pairs = set(CaseAccused.objects.filter(case_id__in=alert.case_ids).values_list("unit_id", "user_id"))
    AlertAccused.objects.bulk_create([AlertAccused(alert=alert, unit_id=u, user_id=v) for u, v in pairs
                                      if u is not None or v is not None])


def _suppressed(draft: AlertDraft, now: datetime) -> bool:
    closed = Alert.objects.filter(rule=draft.rule, key=draft.key, status=Alert.Status.CLOSED)
    if draft.once:
        return closed.exists()
    last = closed.filter(closed_at__gte=now - timedelta(days=QUIET_AFTER_CLOSE_DAYS)).order_by("-closed_at").first()
    if last is None:
        return False
    return int(draft.figures.get("observed", 0)) <= int(last.figures.get("observed", 0))


def alert_raise(*, draft: AlertDraft, now: datetime | None = None) -> tuple[Alert | None, bool]:
    """Raise the alert of ``draft``, or update the figures of the open alert of the same rule and key (the
    same situation is never raised twice while an alert is open). Answers (alert, created); (None, False)
    when the situation was closed recently and has not grown. Safe with several workers: the partial
    unique constraint on open (rule, key) turns a concurrent second insert into an update."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            return _alert_raise_once(draft=draft, now=now)
    except IntegrityError:
        if not Alert.objects.filter(rule=draft.rule, key=draft.key).exclude(status=Alert.Status.CLOSED).exists():
            raise
    # Another worker raised the same situation a moment ago: update theirs.
    with transaction.atomic():
        return _alert_raise_once(draft=draft, now=now)


def _alert_raise_once(*, draft: AlertDraft, now: datetime) -> tuple[Alert | None, bool]:
    case_ids = sorted(set(draft.case_ids))[:MAX_CASE_IDS]
    existing = (Alert.objects.select_for_update().filter(rule=draft.rule, key=draft.key)
                .exclude(status=Alert.Status.CLOSED).first())
    if existing is None:
        if draft.once and Alert.objects.filter(rule=draft.rule, key=draft.key).exists():
            return None, False
        if _suppressed(draft, now):
            return None, False
        alert = Alert.objects.create(
            rule=draft.rule, key=draft.key[:120], severity=draft.severity, title=draft.title[:200],
            explanation=draft.explanation, figures=draft.figures, street=draft.street, unit=draft.unit,
            category=draft.category, case_ids=case_ids, sensitive_period=draft.sensitive_period, raised_at=now,
            updated_at=now)
        _accused_rows(alert)
        audit_record(actor=None, action="alert.raise", obj=alert,
                     detail={"rule": alert.rule, "key": alert.key, "severity": alert.severity})
        return alert, True
    severity = max(existing.severity, draft.severity, key=lambda s: _SEVERITY_RANK[Alert.Severity(s)])
    existing.severity = severity
    existing.title = draft.title[:200]
    existing.explanation = draft.explanation
    existing.figures = draft.figures
    existing.case_ids = sorted(set(existing.case_ids) | set(case_ids))[:MAX_CASE_IDS]
    existing.sensitive_period = draft.sensitive_period or existing.sensitive_period
    existing.updated_at = now
    existing.times_seen += 1
    existing.save(update_fields=["severity", "title", "explanation", "figures", "case_ids", "sensitive_period",
                                 "updated_at", "times_seen"])
    _accused_rows(existing)
    audit_record(actor=None, action="alert.update", obj=existing,
                 detail={"rule": existing.rule, "times_seen": existing.times_seen, "severity": severity})
    return existing, False


def _require(actor: Any, permission: str, message: str) -> None:
    if not actor.has_perm(permission):
        raise Forbidden(message)


def _locked(alert: Alert) -> Alert:
    return Alert.objects.select_for_update().get(pk=alert.pk)


def alert_acknowledge(*, alert: Alert, actor: Any, note: str = "") -> Alert:
    """签收: someone is looking at it. Only an open alert; the acknowledging user becomes its owner when it
    has none. An optional ``note`` is kept as the first follow-up note."""
    _require(actor, HANDLE_ALERT, _("您没有处置预警的权限。"))
    note = (note or "").strip()
    if len(note) > 2000:
        raise ValidationFailed(_("跟进情况过长。"), errors={"note": [_("最多2000个字。")]})
    with transaction.atomic():
        alert = _locked(alert)
        if alert.status != Alert.Status.OPEN:
            raise InvalidTransition(_("只有待处置的预警可以签收。"))
        now = timezone.now()
        alert.status = Alert.Status.ACKNOWLEDGED
        alert.acknowledged_at = now
        alert.acknowledged_by = actor
        fields = ["status", "acknowledged_at", "acknowledged_by"]
        if alert.owner_id is None:
            alert.owner = actor
            alert.owner_assigned_at = now
            fields += ["owner", "owner_assigned_at"]
        alert.save(update_fields=fields)
        if note:
            AlertNote.objects.create(alert=alert, text=note, created_at=now, created_by=actor)
        audit_record(actor=actor, action="alert.acknowledge", obj=alert, detail={"note": bool(note)})
    return alert


def alert_owner_candidates(*, alert: Alert) -> Any:
    """Who may own an alert: active staff who may handle alerts and would see it (district-wide roles, or
    the alert's unit's staff)."""
    users = User.objects.filter(is_active=True).select_related("unit").order_by("username")
    scope = Q(role__in=DISTRICT_WIDE_ROLES)
    if alert.unit_id:
        scope |= Q(unit_id=alert.unit_id)
    return [u for u in users.filter(scope) if u.has_perm(HANDLE_ALERT)]


def alert_assign(*, alert: Alert, actor: Any, owner: Any) -> Alert:
    """Give the alert an owner (负责人) who may handle alerts and sees this one."""
    _require(actor, HANDLE_ALERT, _("您没有处置预警的权限。"))
    if owner is None or owner.pk not in {u.pk for u in alert_owner_candidates(alert=alert)}:
        raise ValidationFailed(_("负责人须是可以处置该预警的在岗人员。"), errors={"owner": [_("请选择有效的负责人。")]})
    from xinfang.alerts.selectors import alerts_visible_to

    if not alerts_visible_to(owner).filter(pk=alert.pk).exists():
        raise ValidationFailed(_("负责人须是可以处置该预警的在岗人员。"), errors={"owner": [_("请选择有效的负责人。")]})
    with transaction.atomic():
        alert = _locked(alert)
        if alert.is_closed:
            raise InvalidTransition(_("预警已关闭。"))
        previous = alert.owner_id
        alert.owner = owner
        alert.owner_assigned_at = timezone.now()
        alert.save(update_fields=["owner", "owner_assigned_at"])
        audit_record(actor=actor, action="alert.assign", obj=alert, detail={"from": previous, "to": owner.pk})
    return alert


def alert_note_add(*, alert: Alert, actor: Any, text: str) -> AlertNote:
    """A follow-up note (核查、处置情况); not on a closed alert."""
    _require(actor, HANDLE_ALERT, _("您没有处置预警的权限。"))
    text = (text or "").strip()
    if len(text) < 2:
        raise ValidationFailed(_("请填写跟进情况。"), errors={"text": [_("至少2个字。")]})
    if len(text) > 2000:
        raise ValidationFailed(_("跟进情况过长。"), errors={"text": [_("最多2000个字。")]})
    with transaction.atomic():
        alert = _locked(alert)
        if alert.is_closed:
            raise InvalidTransition(_("预警已关闭，不能再添加跟进情况。"))
        note = AlertNote.objects.create(alert=alert, text=text, created_at=timezone.now(), created_by=actor)
        audit_record(actor=actor, action="alert.note", obj=alert, detail={"note": note.pk})
    return note


def alert_close(*, alert: Alert, actor: Any, reason: str, note: str) -> Alert:
    """关闭: handled (已处置) or a false alarm (误报), with a written note."""
    _require(actor, HANDLE_ALERT, _("您没有处置预警的权限。"))
    errors: dict[str, list[str]] = {}
    if reason not in Alert.CloseReason.values:
        errors["reason"] = [_("请选择关闭原因。")]
    note = (note or "").strip()
    if len(note) < 2:
        errors["note"] = [_("请说明处置情况或误报原因。")]
    elif len(note) > 1000:
        errors["note"] = [_("最多1000个字。")]
    if errors:
        raise ValidationFailed(_("关闭信息有误。"), errors=errors)
    with transaction.atomic():
        alert = _locked(alert)
        if alert.is_closed:
            raise InvalidTransition(_("预警已关闭。"))
        previous = alert.status
        alert.status = Alert.Status.CLOSED
        alert.closed_at = timezone.now()
        alert.closed_by = actor
        alert.close_reason = reason
        alert.close_note = note
        alert.save(update_fields=["status", "closed_at", "closed_by", "close_reason", "close_note"])
        audit_record(actor=actor, action="alert.close", obj=alert, detail={"from": previous, "reason": reason})
    return alert


# --- Sensitive periods -------------------------------------------------------------------------------------

def _period_errors(*, name: str, start: Any, end: Any, level: Any) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("请填写名称。")]
    elif len(name) > 100:
        errors["name"] = [_("最多100个字。")]
    if not isinstance(start, date):
        errors["start"] = [_("请填写开始日期。")]
    if not isinstance(end, date):
        errors["end"] = [_("请填写结束日期。")]
    if isinstance(start, date) and isinstance(end, date):
        if end < start:
            errors["end"] = [_("结束日期不能早于开始日期。")]
        elif (end - start).days > 366:
            errors["end"] = [_("敏感时期不能超过一年。")]
    if level not in SensitivePeriod.Level.values:
        errors["level"] = [_("请选择级别。")]
    return errors


def sensitive_period_save(*, actor: Any, name: str, start: date, end: date, level: int, note: str = "",
                          period: SensitivePeriod | None = None) -> SensitivePeriod:
    """Add a sensitive period, or change ``period``."""
    _require(actor, MANAGE_PERIODS if period else "alerts.add_sensitiveperiod", _("您没有维护敏感时期的权限。"))
    name = (name or "").strip()
    note = (note or "").strip()[:300]
    errors = _period_errors(name=name, start=start, end=end, level=level)
    if errors:
        raise ValidationFailed(_("敏感时期信息有误。"), errors=errors)
    now = timezone.now()
    with transaction.atomic():
        if period is None:
            period = SensitivePeriod.objects.create(name=name, start=start, end=end, level=level, note=note,
                                                    created_at=now, created_by=actor)
            audit_record(actor=actor, action="sensitive_period.create", obj=period,
                         detail={"start": start.isoformat(), "end": end.isoformat(), "level": level})
        else:
            period.name, period.start, period.end, period.level, period.note = name, start, end, level, note
            period.updated_at = now
            period.save(update_fields=["name", "start", "end", "level", "note", "updated_at"])
            audit_record(actor=actor, action="sensitive_period.update", obj=period,
                         detail={"start": start.isoformat(), "end": end.isoformat(), "level": level})
    return period


def sensitive_period_delete(*, actor: Any, period: SensitivePeriod) -> None:
    _require(actor, "alerts.delete_sensitiveperiod", _("您没有维护敏感时期的权限。"))
    with transaction.atomic():
        audit_record(actor=actor, action="sensitive_period.delete", obj=period,
                     detail={"name": period.name, "start": period.start.isoformat(), "end": period.end.isoformat()})
        period.delete()


# --- Announced group visits (集体访苗头) ----------------------------------------------------------------------

def group_notice_report(*, actor: Any, source: str, reporting_unit: Unit | None, street: Unit | None,
                        expected_date: Any, place: str, expected_people: Any, subject: str,
                        case: Case | None = None) -> GroupVisitNotice:
    """Record a notice of a planned group visit and raise its alert at once (the caller has checked that
    ``case``, if any, is visible to ``actor``)."""
    from xinfang.alerts.scan import group_notice_draft

    _require(actor, REPORT_GROUP_NOTICE, _("您没有报告集体访苗头的权限。"))
    place = (place or "").strip()
    subject = (subject or "").strip()
    errors: dict[str, list[str]] = {}
    if source not in GroupVisitNotice.Source.values:
        errors["source"] = [_("请选择信息来源。")]
    if reporting_unit is None:
        errors["reporting_unit"] = [_("请选择报告单位。")]
    if street is not None and street.kind != Unit.Kind.STREET:
        errors["street"] = [_("请选择街道。")]
    if not isinstance(expected_date, date):
        errors["expected_date"] = [_("请填写预计日期。")]
    elif expected_date < timezone.localdate() - timedelta(days=1):
        errors["expected_date"] = [_("预计日期不能早于昨天。")]
    if not place:
        errors["place"] = [_("请填写预计地点。")]
    elif len(place) > 200:
        errors["place"] = [_("最多200个字。")]
    if not isinstance(expected_people, int) or isinstance(expected_people, bool) or not 2 <= expected_people <= 100000:
        errors["expected_people"] = [_("预计人数须在2到100000之间。")]
    if len(subject) < 4:
        errors["subject"] = [_("请写明诉求事项（至少4个字）。")]
    elif len(subject) > 500:
        errors["subject"] = [_("最多500个字。")]
    if errors or reporting_unit is None:
        raise ValidationFailed(_("集体访苗头报告信息有误。"), errors=errors)
    with transaction.atomic():
        notice = GroupVisitNotice.objects.create(
            source=source, reporting_unit=reporting_unit, street=street, expected_date=expected_date, place=place,
            expected_people=expected_people, subject=subject, case=case, created_at=timezone.now(),
            created_by=actor)
        audit_record(actor=actor, action="group_notice.create", obj=notice,
                     detail={"expected_people": expected_people, "case": case.pk if case else None})
        alert, created = alert_raise(draft=group_notice_draft(notice))
        if alert is not None:
            notice.alert = alert
            notice.save(update_fields=["alert"])
            if created:
                alert_notify_new(alert=alert)
    return notice


def alert_notify_new(*, alert: Alert) -> int:
    """An immediate alert (group notice, group matter in a sensitive period) goes to the inbox of the bureau
    officers and the leaders who may see it, without any case content (a link to the alert page)."""
    from xinfang.alerts.selectors import alerts_visible_to
    from xinfang.notifications.services import notify_users

    users = [u for u in User.objects.filter(role__in=[User.Role.OFFICER, User.Role.LEADER], is_active=True)
             .select_related("unit") if alerts_visible_to(u).filter(pk=alert.pk).exists()]
    text = _("【%(sev)s预警】%(title)s /alerts/%(pk)d/") % {"sev": alert.get_severity_display(),
                                                         "title": alert.title, "pk": alert.pk}
    return notify_users(users=users, kind="alert", text=text)


def alerts_digest(*, now: datetime | None = None) -> int:
    """The daily digest (每日预警摘要): one inbox message per active leader counting the open alerts they
    may see by severity, with the link to the list. Written once per leader and day."""
    from xinfang.alerts.selectors import alerts_visible_to
    from xinfang.notifications.models import Notification

    now = now or timezone.now()
    today = timezone.localdate(now)
    day_start = timezone.make_aware(datetime.combine(today, datetime.min.time()))
    written = 0
    for leader in User.objects.filter(role=User.Role.LEADER, is_active=True).select_related("unit"):
        if Notification.objects.filter(user=leader, kind="alert_digest", created_at__gte=day_start).exists():
            continue
        rows = alerts_visible_to(leader).exclude(status=Alert.Status.CLOSED)
        counts = {s: 0 for s in Alert.Severity.values}
        for severity in rows.values_list("severity", flat=True):
            counts[severity] += 1
        total = sum(counts.values())
        if total:
            text = _("预警日报（%(day)s）：未关闭预警 %(n)d 条，其中严重 %(high)d、较重 %(medium)d、一般 %(low)d。"
                     "查看：/alerts/?status=open") % {"day": today.isoformat(), "n": total, **counts}
        else:
            text = _("预警日报（%(day)s）：目前没有未关闭的预警。") % {"day": today.isoformat()}
        with transaction.atomic():
            Notification.objects.create(user=leader, kind="alert_digest", text=text[:300])
            audit_record(actor=None, action="alert.digest", obj=leader, detail={"open": total})
        written += 1
    return written
