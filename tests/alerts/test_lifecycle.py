"""Alerts once raised: dedupe while open, quiet after closure unless grown, the lifecycle open →
acknowledged → closed with notes and owner (every step audited; refusals change nothing), scoping by unit
and the accused, the daily digest, and the group-visit notice."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.alerts.conftest import NOW, TODAY
from xinfang.alerts import services
from xinfang.alerts.models import Alert, AlertNote, GroupVisitNotice
from xinfang.alerts.selectors import alert_access, alert_detail, alerts_visible_to
from xinfang.alerts.services import AlertDraft, alert_raise
from xinfang.core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from xinfang.core.models import AuditEntry
from xinfang.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _draft(district, *, key="spike:1:1", observed=10, unit="street", case_ids=(), severity="medium"):
    return AlertDraft(rule=Alert.Rule.SPIKE, key=key, severity=severity, title="江川路街道住房保障类信访异常增多",
                      explanation=f"近7天 {observed} 件", figures={"observed": observed}, case_ids=list(case_ids),
                      street=district["street"], unit=district[unit] if unit else None)


def test_the_same_situation_updates_the_open_alert(district):
    first, created = alert_raise(draft=_draft(district, observed=10, case_ids=[1, 2]))
    assert created and first is not None
    again, created = alert_raise(draft=_draft(district, observed=12, case_ids=[2, 3], severity="high"))
    assert not created and again.pk == first.pk
    again.refresh_from_db()
    assert again.times_seen == 2 and again.figures == {"observed": 12} and again.case_ids == [1, 2, 3]
    assert again.severity == "high"
    # Severity never drops while open.
    alert_raise(draft=_draft(district, observed=11, severity="low"))
    again.refresh_from_db()
    assert again.severity == "high" and Alert.objects.count() == 1
    assert AuditEntry.objects.filter(action="alert.raise").count() == 1
    assert AuditEntry.objects.filter(action="alert.update").count() == 2


def test_a_closed_alert_stays_quiet_unless_the_situation_grows(district, personas):
    alert, _ = alert_raise(draft=_draft(district, observed=10))
    services.alert_close(alert=alert, actor=personas["officer"], reason="false_alarm", note="核实为重复登记")
    assert alert_raise(draft=_draft(district, observed=10)) == (None, False)
    grown, created = alert_raise(draft=_draft(district, observed=15))
    assert created and grown.pk != alert.pk
    # A week after closure the same figure raises again.
    services.alert_close(alert=grown, actor=personas["officer"], reason="handled", note="已约谈物业")
    assert alert_raise(draft=_draft(district, observed=15), now=NOW + timedelta(days=8))[1] is True


def test_lifecycle(district, personas):
    officer, leader = personas["officer"], personas["leader"]
    alert, _ = alert_raise(draft=_draft(district))
    services.alert_acknowledge(alert=alert, actor=officer)
    alert.refresh_from_db()
    assert alert.status == "acknowledged" and alert.owner == officer and alert.acknowledged_at == NOW
    with pytest.raises(InvalidTransition):
        services.alert_acknowledge(alert=alert, actor=leader)
    services.alert_assign(alert=alert, actor=officer, owner=leader)
    alert.refresh_from_db()
    assert alert.owner == leader
    services.alert_note_add(alert=alert, actor=leader, text="已约谈街道，排查涉及小区")
    with pytest.raises(ValidationFailed) as bad:
        services.alert_close(alert=alert, actor=leader, reason="whatever", note="")
    assert set(bad.value.errors) == {"reason", "note"}
    alert.refresh_from_db()
    assert alert.status == "acknowledged"
    services.alert_close(alert=alert, actor=leader, reason="handled", note="已协调房管局处理")
    alert.refresh_from_db()
    assert alert.status == "closed" and alert.close_reason == "handled" and alert.closed_by == leader
    with pytest.raises(InvalidTransition):
        services.alert_note_add(alert=alert, actor=leader, text="补充情况")
    with pytest.raises(InvalidTransition):
        services.alert_close(alert=alert, actor=leader, reason="handled", note="再次关闭")
    assert AlertNote.objects.count() == 1
    actions = list(AuditEntry.objects.filter(object_type="alerts.alert").values_list("action", flat=True))
    assert actions == ["alert.raise", "alert.acknowledge", "alert.assign", "alert.note", "alert.close"]


def test_who_may_handle(district, personas):
    alert, _ = alert_raise(draft=_draft(district, unit="housing"))
    with pytest.raises(Forbidden):
        services.alert_acknowledge(alert=alert, actor=personas["handler"])  # reads only
    services.alert_acknowledge(alert=alert, actor=personas["head"])
    # An owner must see the alert: the HR bureau's staff may not own the housing bureau's alert.
    with pytest.raises(ValidationFailed):
        services.alert_assign(alert=alert, actor=personas["officer"], owner=personas["other_handler"])
    with pytest.raises(ValidationFailed):
        services.alert_assign(alert=alert, actor=personas["officer"], owner=personas["handler"])  # no handle perm
    services.alert_assign(alert=alert, actor=personas["officer"], owner=personas["head"])


def test_scoping_by_unit(district, personas, plant):
    housing, _ = alert_raise(draft=_draft(district, key="a", unit="housing"))
    hr, _ = alert_raise(draft=_draft(district, key="b", unit="hr"))
    district_wide, _ = alert_raise(draft=_draft(district, key="c", unit=None))
    assert set(alerts_visible_to(personas["handler"])) == {housing}
    assert set(alerts_visible_to(personas["other_handler"])) == {hr}
    for name in ("officer", "leader", "registrar"):
        assert set(alerts_visible_to(personas[name])) == {housing, hr, district_wide}
    for name in ("system_admin", "security_admin", "audit_admin"):
        assert not alerts_visible_to(personas[name]).exists()
    with pytest.raises(NotFound):
        alert_access(user=personas["handler"], alert_id=hr.pk)
    denied = AuditEntry.objects.filter(action="alert.read", result="denied", object_id=str(hr.pk))
    assert denied.count() == 1


def test_an_alert_behind_an_accusation_is_hidden_from_the_accused(district, personas, plant):
    accusation = plant.case(received=NOW - timedelta(days=1), matter_type="accusation", accused_units=("housing",),
                            unit="discipline")
    other = plant.case(received=NOW - timedelta(days=1), unit="housing")
    alert, _ = alert_raise(draft=_draft(district, unit="housing", case_ids=[accusation.pk, other.pk]))
    assert not alerts_visible_to(personas["handler"]).exists()
    assert not alerts_visible_to(personas["office_handler"]).exists()  # below the accused unit
    assert alerts_visible_to(personas["officer"]).get() == alert


def test_detail_shows_only_the_cases_the_viewer_may_see(district, personas, plant):
    mine = plant.case(received=NOW - timedelta(days=1), unit="housing")
    theirs = plant.case(received=NOW - timedelta(days=1), unit="hr")
    alert, _ = alert_raise(draft=_draft(district, unit="housing", case_ids=[mine.pk, theirs.pk]))
    detail = alert_detail(user=personas["handler"], alert=alert)
    assert [c.pk for c in detail.cases] == [mine.pk] and detail.hidden_cases == 1
    assert {c.pk for c in alert_detail(user=personas["officer"], alert=alert).cases} == {mine.pk, theirs.pk}
    assert AuditEntry.objects.filter(action="alert.read", result="ok").count() == 2


def test_daily_digest_one_per_leader_and_day(district, personas):
    alert_raise(draft=_draft(district, key="a", severity="high"))
    alert_raise(draft=_draft(district, key="b", severity="low"))
    closed, _ = alert_raise(draft=_draft(district, key="c", severity="high"))
    services.alert_close(alert=closed, actor=personas["officer"], reason="handled", note="已处置完毕")
    assert services.alerts_digest() == 1
    assert services.alerts_digest() == 0
    note = Notification.objects.get(kind="alert_digest")
    assert note.user == personas["leader"]
    assert "未关闭预警 2 条" in note.text and "严重 1" in note.text and "一般 1" in note.text
    assert "/alerts/" in note.text
    from django.core.management import call_command

    call_command("alerts", "digest")
    assert Notification.objects.filter(kind="alert_digest").count() == 1


def test_group_notice_raises_an_alert_at_once(district, personas):
    notice = services.group_notice_report(
        actor=personas["street_handler"], source="street", reporting_unit=district["street"], street=district["street"],
        expected_date=TODAY + timedelta(days=3), place="区政府信访接待大厅", expected_people=40,
        subject="某小区动迁安置补偿标准不一")
    alert = notice.alert
    assert alert is not None and alert.rule == "group_notice" and alert.severity == "high"
    assert alert.unit == district["street"]
    assert "约 40 人" in alert.explanation and "第二十条" in alert.explanation
    assert set(alerts_visible_to(personas["street_handler"])) == {alert}
    assert {n.user.username for n in Notification.objects.filter(kind="alert")} == {"officer", "leader"}


def test_group_notice_refusals_write_nothing(district, personas):
    with pytest.raises(ValidationFailed) as bad:
        services.group_notice_report(
            actor=personas["street_handler"], source="rumour", reporting_unit=None, street=district["hr"],
            expected_date=TODAY - timedelta(days=5), place="", expected_people=1, subject="")
    assert set(bad.value.errors) == {"source", "reporting_unit", "street", "expected_date", "place",
                                     "expected_people", "subject"}
    with pytest.raises(Forbidden):
        services.group_notice_report(
            actor=personas["system_admin"], source="street", reporting_unit=district["street"], street=None,
            expected_date=TODAY, place="区政府", expected_people=10, subject="动迁安置补偿")
    assert not GroupVisitNotice.objects.exists() and not Alert.objects.exists()


def test_sensitive_period_rules(personas):
    officer = personas["officer"]
    with pytest.raises(ValidationFailed) as bad:
        services.sensitive_period_save(actor=officer, name="", start=TODAY, end=TODAY - timedelta(days=1), level=3)
    assert set(bad.value.errors) == {"name", "end", "level"}
    with pytest.raises(Forbidden):
        services.sensitive_period_save(actor=personas["leader"], name="两会", start=TODAY, end=TODAY, level=2)
    with pytest.raises(Forbidden):
        services.sensitive_period_save(actor=personas["system_admin"], name="两会", start=TODAY, end=TODAY, level=2)
    period = services.sensitive_period_save(actor=officer, name="全国两会", start=TODAY, end=TODAY + timedelta(days=10),
                                            level=2)
    services.sensitive_period_save(actor=officer, period=period, name="全国两会", start=TODAY,
                                   end=TODAY + timedelta(days=12), level=2)
    services.sensitive_period_delete(actor=officer, period=period)
    assert list(AuditEntry.objects.filter(object_type="alerts.sensitiveperiod").values_list("action", flat=True)) == [
        "sensitive_period.create", "sensitive_period.update", "sensitive_period.delete"]


def test_scan_command(plant, capsys):
    from django.core.management import call_command

    plant.many(10, start=NOW - timedelta(days=6), end=NOW - timedelta(hours=1))
    call_command("alerts", "scan", "--json", "--rule", "spike")
    assert '"raised": 1' in capsys.readouterr().out
    call_command("alerts", "scan")
    assert "更新：1 条" in capsys.readouterr().out
