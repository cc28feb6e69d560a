"""Entering the backlog register: each rule of the scan, the rules' configuration, the manual entry with a
reason (audited), no duplicate entry however often (or by however many workers) the scan runs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.governance.conftest import NOW
from xinfang.cases import services as case_services
from xinfang.cases.models import Case, CaseEvent, CaseRating
from xinfang.core.audit import audit_verify
from xinfang.core.errors import Forbidden, InvalidTransition, ValidationFailed
from xinfang.core.models import AuditEntry
from xinfang.governance import services, tasks
from xinfang.governance.models import BacklogEntry, BacklogRule
from xinfang.governance.selectors import backlog_rules
from xinfang.governance.services.backlog import _enter
from xinfang.notifications.models import Notification


def rules_of(case: Case) -> list[str]:
    return [r["rule"] for r in BacklogEntry.objects.get(case=case).rules]


# --- Each rule ---------------------------------------------------------------------------------------------

def test_open_longer_than_n_days_enters_and_younger_or_closed_does_not(gov):
    old = gov.case(received=NOW - timedelta(days=100))
    young = gov.case(received=NOW - timedelta(days=80))
    refused = gov.case(received=NOW - timedelta(days=120), to="routed")
    case_services.case_refuse(case=refused, actor=gov.personas["handler"], reason="属于诉讼程序处理的事项",
                              legal_channel="litigation")
    assert services.backlog_scan() == 1
    entry = BacklogEntry.objects.get()
    assert entry.case == old and entry.source == BacklogEntry.Source.RULE and entry.entered_by is None
    assert entry.rules == [{"rule": "open_days", "value": 100}]
    assert entry.unit == gov.district["housing"] and entry.leader is None and entry.is_open
    assert not BacklogEntry.objects.filter(case__in=[young, refused]).exists()


def test_n_repeats_enter_the_original(gov):
    original = gov.case()
    twice = gov.case()
    for _ in range(3):
        gov.case(repeat_of=original)
    for _ in range(2):
        gov.case(repeat_of=twice)
    assert Case.objects.filter(repeat_of=original, status=Case.Status.LINKED).count() == 3
    assert services.backlog_scan() == 1
    assert rules_of(original) == ["repeats"]
    assert BacklogEntry.objects.get(case=original).rules[0]["value"] == 3


def test_a_group_visit_enters_while_open(gov):
    group = gov.case(channel=Case.Channel.VISIT, group_size=6)
    small = gov.case(channel=Case.Channel.VISIT, group_size=4)
    letter = gov.case(channel=Case.Channel.LETTER, group_size=8)
    services.backlog_scan()
    assert rules_of(group) == ["group_visit"]
    assert BacklogEntry.objects.get(case=group).rules[0]["value"] == 6
    assert not BacklogEntry.objects.filter(case__in=[small, letter]).exists()


def test_dissatisfied_after_review_enters_but_not_after_the_first_reply(gov):
    reviewed = gov.case(to="reviewed")
    case_services.case_rate(case=reviewed, rating=CaseRating.Rating.DISSATISFIED)
    replied = gov.case(to="replied")
    case_services.case_rate(case=replied, rating=CaseRating.Rating.DISSATISFIED)
    services.backlog_scan()
    assert rules_of(reviewed) == ["dissatisfied_review"]
    assert not BacklogEntry.objects.filter(case=replied).exists()


def test_a_case_meeting_several_rules_enters_once_with_all_of_them(gov):
    case = gov.case(received=NOW - timedelta(days=200), channel=Case.Channel.VISIT, group_size=7)
    assert services.backlog_scan() == 1
    assert sorted(rules_of(case)) == ["group_visit", "open_days"]


def test_rules_are_configurable_and_a_switched_off_rule_enters_nothing(gov):
    case = gov.case(received=NOW - timedelta(days=40))
    assert services.backlog_scan() == 0
    officer = gov.personas["officer"]
    services.backlog_rule_update(kind="open_days", threshold=30, active=True, actor=officer)
    services.backlog_rule_update(kind="group_visit", threshold=5, active=False, actor=officer)
    assert {r.kind: (r.threshold, r.active) for r in backlog_rules()}["open_days"] == (30, True)
    gov.case(channel=Case.Channel.VISIT, group_size=9)
    assert services.backlog_scan() == 1
    assert rules_of(case) == ["open_days"]
    assert AuditEntry.objects.filter(action="governance.backlog_rule_changed").count() == 2


def test_rule_changes_are_checked_and_only_for_officers(gov):
    with pytest.raises(ValidationFailed) as bad:
        services.backlog_rule_update(kind="open_days", threshold=5, active=True, actor=gov.personas["officer"])
    assert "threshold" in bad.value.errors
    with pytest.raises(ValidationFailed):
        services.backlog_rule_update(kind="nope", threshold=50, active=True, actor=gov.personas["officer"])
    with pytest.raises(Forbidden):
        services.backlog_rule_update(kind="open_days", threshold=50, active=True, actor=gov.personas["leader"])
    assert not BacklogRule.objects.exists()


# --- No duplicates ---------------------------------------------------------------------------------------

def test_the_scan_never_enters_a_case_twice(gov):
    case = gov.case(received=NOW - timedelta(days=100))
    assert services.backlog_scan() == 1
    assert services.backlog_scan() == 0
    assert BacklogEntry.objects.filter(case=case).count() == 1
    assert CaseEvent.objects.filter(case=case, action="backlog_registered").count() == 1
    # Two workers that both saw the case as a candidate: the unique case lets only the first insert.
    assert _enter(case=case, source=BacklogEntry.Source.RULE, rules=[], reason="", actor=None) is None
    assert BacklogEntry.objects.filter(case=case).count() == 1


def test_the_periodic_task_runs_the_scan(gov):
    gov.case(received=NOW - timedelta(days=100))
    assert tasks.backlog_scan_periodic.call_local() == {"entered": 1}
    assert tasks.backlog_scan_periodic.call_local() == {"entered": 0}


def test_a_rule_entry_is_logged_notified_and_audited(gov):
    case = gov.case(received=NOW - timedelta(days=100))
    services.backlog_scan()
    event = CaseEvent.objects.get(case=case, action="backlog_registered")
    assert event.actor is None and "已100天未办结" in event.note
    assert Notification.objects.filter(user=gov.personas["officer"], kind="backlog", case=case).exists()
    assert AuditEntry.objects.filter(action="governance.backlog_registered", username="system").exists()
    assert audit_verify().ok


# --- By decision ---------------------------------------------------------------------------------------------

def test_an_officer_enters_a_case_with_a_reason_audited(gov):
    case = gov.case()
    officer = gov.personas["officer"]
    entry = services.backlog_register(case=case, actor=officer, reason="涉及群体利益，矛盾易激化")
    assert entry.source == BacklogEntry.Source.MANUAL and entry.entered_by == officer
    assert entry.reason == "涉及群体利益，矛盾易激化" and entry.rules == []
    event = CaseEvent.objects.get(case=case, action="backlog_registered")
    assert event.actor == officer and event.note == "涉及群体利益，矛盾易激化"
    audit = AuditEntry.objects.get(action="governance.backlog_registered")
    assert audit.username == "officer" and audit.detail["reason"] == "涉及群体利益，矛盾易激化"
    # The scan later finds it on the register already.
    assert services.backlog_scan() == 0


def test_a_manual_entry_needs_the_permission_a_reason_and_no_earlier_entry(gov):
    case = gov.case()
    for name in ("handler", "leader", "registrar"):
        with pytest.raises(Forbidden):
            services.backlog_register(case=case, actor=gov.personas[name], reason="矛盾突出需要包案")
    with pytest.raises(ValidationFailed) as short:
        services.backlog_register(case=case, actor=gov.personas["officer"], reason=" 无 ")
    assert "reason" in short.value.errors
    assert not BacklogEntry.objects.exists() and not CaseEvent.objects.filter(action="backlog_registered").exists()
    services.backlog_register(case=case, actor=gov.personas["officer"], reason="矛盾突出需要包案")
    with pytest.raises(InvalidTransition):
        services.backlog_register(case=case, actor=gov.personas["officer"], reason="再次列入试试")
    assert BacklogEntry.objects.filter(case=case).count() == 1
