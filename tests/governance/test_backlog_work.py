"""Working a backlog case: the leader in charge, the team, the plan with milestones, notes, meetings and
hearings, the file, the outcome (案结事了 / 息诉罢访) and after-care — with the rule of each step, its
event on the case's timeline, and bad input that changes nothing."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.governance.conftest import PLAN, TODAY
from xinfang.accounts.models import User
from xinfang.accounts.roles import ROLE_PERMISSIONS
from xinfang.accounts.services import user_create
from xinfang.cases.models import CaseDocument, CaseEvent
from xinfang.core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from xinfang.governance import services
from xinfang.governance.models import (
    AfterCareTask,
    BacklogEntry,
    BacklogMilestone,
    BacklogNote,
    BacklogTeamMember,
)
from xinfang.notifications.models import Notification


def actions(entry: BacklogEntry) -> list[str]:
    return list(CaseEvent.objects.filter(case=entry.case).order_by("id").values_list("action", flat=True))


def snapshot(entry: BacklogEntry) -> tuple:
    entry.refresh_from_db()
    return (entry.leader_id, entry.plan, entry.outcome, BacklogTeamMember.objects.count(),
            BacklogMilestone.objects.count(), BacklogNote.objects.count(), AfterCareTask.objects.count(),
            CaseEvent.objects.count())


# --- Permissions of the roles ----------------------------------------------------------------------------

def test_roles_hold_the_governance_permissions(personas):
    assert "governance.register_backlog" in ROLE_PERMISSIONS["officer"]
    assert "governance.issue_supervision" in ROLE_PERMISSIONS["officer"]
    assert {"governance.lead_backlog", "governance.issue_supervision"} <= set(ROLE_PERMISSIONS["leader"])
    for role in ("handler", "unit_head"):
        assert "governance.reply_supervision" in ROLE_PERMISSIONS[role]
        assert "governance.lead_backlog" not in ROLE_PERMISSIONS[role]
    for role in ("system_admin", "security_admin", "audit_admin", "suggestion_officer"):
        assert not [p for p in ROLE_PERMISSIONS[role] if p.startswith("governance.")]
    leader = User.objects.get(username="leader")
    assert leader.has_perm("governance.lead_backlog") and not leader.has_perm("governance.register_backlog")
    assert User.objects.get(username="officer").has_perm("governance.change_backlogrule")
    assert not User.objects.get(username="handler").has_perm("governance.issue_supervision")


# --- The leader in charge ------------------------------------------------------------------------------------

def test_an_officer_assigns_the_leader_who_is_told(gov):
    entry = gov.entry(leader=False)
    leader = gov.personas["leader"]
    services.backlog_leader_assign(entry=entry, leader=leader, actor=gov.personas["officer"], note="请牵头化解")
    entry.refresh_from_db()
    assert entry.leader == leader and entry.leader_assigned_at is not None
    event = CaseEvent.objects.get(case=entry.case, action="backlog_leader_assigned")
    assert "包案领导" in event.note and "请牵头化解" in event.note
    assert Notification.objects.filter(user=leader, kind="backlog_leader", case=entry.case).exists()


def test_a_leader_takes_charge_of_an_entry_without_one_but_not_of_anothers(gov, district):
    entry = gov.entry(leader=False)
    leader = gov.personas["leader"]
    services.backlog_leader_assign(entry=entry, leader=leader, actor=leader)
    assert BacklogEntry.objects.get(pk=entry.pk).leader == leader
    second = user_create(username="leader2", role=User.Role.LEADER, unit=district["gov"], password="x" * 16)
    with pytest.raises(Forbidden):
        services.backlog_leader_assign(entry=entry, leader=second, actor=second)
    # The officer may change the leader; the timeline says from whom to whom.
    services.backlog_leader_assign(entry=entry, leader=second, actor=gov.personas["officer"])
    assert "改为" in CaseEvent.objects.filter(action="backlog_leader_assigned").last().note


def test_the_leader_must_be_a_leader_who_sees_the_case(gov):
    entry = gov.entry(leader=False)
    before = snapshot(entry)
    for name in ("handler", "officer", "head"):
        with pytest.raises(ValidationFailed) as refused:
            services.backlog_leader_assign(entry=entry, leader=gov.personas[name], actor=gov.personas["officer"])
        assert "leader" in refused.value.errors
    for name in ("handler", "registrar"):
        with pytest.raises(Forbidden):
            services.backlog_leader_assign(entry=entry, leader=gov.personas["leader"], actor=gov.personas[name])
    assert snapshot(entry) == before


# --- Team, plan, milestones, notes ---------------------------------------------------------------------------

def test_the_leader_sets_the_team_of_staff_who_see_the_case(gov):
    entry = gov.entry()
    leader = gov.personas["leader"]
    team = [gov.personas["handler"], gov.personas["head"], gov.personas["officer"]]
    services.backlog_team_set(entry=entry, members=team, actor=leader)
    assert set(BacklogTeamMember.objects.filter(entry=entry).values_list("user__username", flat=True)) == {
        "handler", "head", "officer"}
    assert Notification.objects.filter(kind="backlog_team", user=gov.personas["head"]).exists()
    # A handler of another unit cannot see the case: refused, nothing changes.
    before = snapshot(entry)
    with pytest.raises(ValidationFailed) as refused:
        services.backlog_team_set(entry=entry, members=[*team, gov.personas["other_handler"]], actor=leader)
    assert "members" in refused.value.errors and snapshot(entry) == before
    with pytest.raises(Forbidden):
        services.backlog_team_set(entry=entry, members=team[:1], actor=gov.personas["officer"])
    services.backlog_team_set(entry=entry, members=team[:1], actor=leader)
    assert list(BacklogTeamMember.objects.values_list("user__username", flat=True)) == ["handler"]
    assert "退出" in CaseEvent.objects.filter(action="backlog_team_changed").last().note


def test_plan_milestones_and_notes(gov):
    entry = gov.entry()
    leader, handler = gov.personas["leader"], gov.personas["handler"]
    services.backlog_team_set(entry=entry, members=[handler], actor=leader)
    services.backlog_plan_update(entry=entry, actor=leader, plan=PLAN)
    first = services.backlog_milestone_add(entry=entry, actor=leader, title="约谈物业企业", due_date=TODAY + timedelta(days=7))
    services.backlog_milestone_add(entry=entry, actor=leader, title="完成电梯更换", due_date=TODAY + timedelta(days=30))
    services.backlog_milestone_done(milestone=first, actor=handler, note="已约谈")
    first.refresh_from_db()
    assert first.done_by == handler and first.done_note == "已约谈"
    with pytest.raises(InvalidTransition):
        services.backlog_milestone_done(milestone=first, actor=leader)
    for kind in ("progress", "meeting", "hearing"):
        services.backlog_note_add(entry=entry, actor=handler if kind == "progress" else leader, kind=kind,
                                  text=f"{kind} 记录：各方到场，形成一致意见。", held_on=TODAY, participants="区房管局、街道")
    assert actions(entry)[-8:] == [
        "backlog_team_changed", "backlog_plan_updated", "backlog_milestone_added", "backlog_milestone_added",
        "backlog_milestone_done", "backlog_progress", "backlog_meeting", "backlog_hearing"]
    entry.refresh_from_db()
    assert entry.plan == PLAN and entry.plan_updated_at is not None


def test_only_the_leader_plans_and_only_the_team_records(gov):
    entry = gov.entry()
    before = snapshot(entry)
    with pytest.raises(Forbidden):
        services.backlog_plan_update(entry=entry, actor=gov.personas["officer"], plan=PLAN)
    with pytest.raises(Forbidden):
        services.backlog_milestone_add(entry=entry, actor=gov.personas["handler"], title="约谈", due_date=TODAY)
    with pytest.raises(Forbidden):
        services.backlog_note_add(entry=entry, actor=gov.personas["handler"], kind="progress", text="未加入专班的人",
                                  held_on=TODAY)
    assert snapshot(entry) == before


@pytest.mark.parametrize(("call", "field"), [
    (lambda s, e, u: s.backlog_plan_update(entry=e, actor=u, plan="太短"), "plan"),
    (lambda s, e, u: s.backlog_plan_update(entry=e, actor=u, plan="方案\x00" * 10), "plan"),
    (lambda s, e, u: s.backlog_milestone_add(entry=e, actor=u, title="约谈", due_date=TODAY - timedelta(days=1)),
     "due_date"),
    (lambda s, e, u: s.backlog_milestone_add(entry=e, actor=u, title="约谈", due_date=TODAY + timedelta(days=2000)),
     "due_date"),
    (lambda s, e, u: s.backlog_milestone_add(entry=e, actor=u, title="", due_date=TODAY), "title"),
    (lambda s, e, u: s.backlog_note_add(entry=e, actor=u, kind="party", text="一次座谈会记录", held_on=TODAY), "kind"),
    (lambda s, e, u: s.backlog_note_add(entry=e, actor=u, kind="hearing", text="听证记录内容",
                                        held_on=TODAY + timedelta(days=1)), "held_on"),
    (lambda s, e, u: s.backlog_note_add(entry=e, actor=u, kind="hearing", text="听证", held_on=TODAY), "text"),
    (lambda s, e, u: s.backlog_close(entry=e, actor=u, outcome="open", summary="已经全部解决完毕了"), "outcome"),
    (lambda s, e, u: s.backlog_close(entry=e, actor=u, outcome="resolved", summary="已解决"), "summary"),
    (lambda s, e, u: s.aftercare_add(entry=e, actor=u, kind="money", text="发放临时救助金"), "kind"),
])
def test_bad_input_is_refused_and_changes_nothing(gov, call, field):
    entry = gov.entry()
    before = snapshot(entry)
    with pytest.raises(ValidationFailed) as refused:
        call(services, entry, gov.personas["leader"])
    assert field in refused.value.errors
    assert snapshot(entry) == before


# --- The file ----------------------------------------------------------------------------------------------

def test_the_team_files_documents_checked_like_every_upload(gov, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    entry = gov.entry()
    leader = gov.personas["leader"]
    pdf = SimpleUploadedFile("听证笔录.pdf", b"%PDF-1.4\n%minimal\n", content_type="application/pdf")
    documents = services.backlog_file_add(entry=entry, actor=leader, files=[pdf])
    assert [d.title for d in documents] == ["听证笔录.pdf"]
    assert documents[0].case_id == entry.case_id and documents[0].kind == CaseDocument.Kind.ATTACHMENT
    fake = SimpleUploadedFile("minutes.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationFailed) as refused:
        services.backlog_file_add(entry=entry, actor=leader, files=[fake])
    assert "attachments" in refused.value.errors
    with pytest.raises(Forbidden):
        services.backlog_file_add(entry=entry, actor=gov.personas["officer"],
                                  files=[SimpleUploadedFile("a.txt", io.BytesIO(b"notes").read())])
    assert CaseDocument.objects.filter(case=entry.case, kind=CaseDocument.Kind.ATTACHMENT).count() == 1
    assert len(list(tmp_path.rglob("*"))) == 3  # cases/<id>/<key>: the one accepted file


# --- Outcome and after-care --------------------------------------------------------------------------------

def test_the_leader_closes_as_resolved_and_after_care_goes_on(gov):
    entry = gov.entry()
    leader, handler = gov.personas["leader"], gov.personas["handler"]
    services.backlog_team_set(entry=entry, members=[handler], actor=leader)
    services.backlog_milestone_add(entry=entry, actor=leader, title="回访", due_date=TODAY + timedelta(days=5))
    with pytest.raises(Forbidden):
        services.backlog_close(entry=entry, actor=handler, outcome="resolved", summary="电梯已更换，信访人满意。")
    services.backlog_close(entry=entry, actor=leader, outcome="resolved", summary="电梯已更换，信访人表示满意。")
    entry.refresh_from_db()
    assert entry.outcome == BacklogEntry.Outcome.RESOLVED and entry.closed_by == leader and entry.closed_at
    assert CaseEvent.objects.filter(case=entry.case, action="backlog_closed").last().note.startswith("案结事了")
    with pytest.raises(InvalidTransition):
        services.backlog_close(entry=entry, actor=leader, outcome="stopped", summary="再次办结试试看看")
    with pytest.raises(InvalidTransition):
        services.backlog_note_add(entry=entry, actor=leader, kind="progress", text="办结后记录", held_on=TODAY)
    # After-care (Art. 37) continues after closure, assigned to a member who sees the case.
    task = services.aftercare_add(entry=entry, actor=leader, kind="relief", text="协助申请临时救助",
                                  assignee=handler, due_date=TODAY + timedelta(days=14))
    assert Notification.objects.filter(user=handler, kind="aftercare").exists()
    services.aftercare_done(task=task, actor=handler, note="已发放临时救助金")
    task.refresh_from_db()
    assert task.status == AfterCareTask.Status.DONE and task.done_by == handler
    with pytest.raises(InvalidTransition):
        services.aftercare_done(task=task, actor=leader, note="再次完成")
    with pytest.raises(ValidationFailed):
        services.aftercare_add(entry=entry, actor=leader, kind="counselling", text="心理疏导",
                               assignee=gov.personas["other_handler"])
    assert actions(entry)[-3:] == ["backlog_closed", "aftercare_added", "aftercare_done"]


def test_petitioner_stops_is_the_other_outcome(gov):
    entry = gov.entry()
    services.backlog_close(entry=entry, actor=gov.personas["leader"], outcome="stopped",
                           summary="信访人签署息诉罢访承诺书。")
    assert BacklogEntry.objects.get(pk=entry.pk).get_outcome_display() == "息诉罢访"


def test_services_refuse_a_case_outside_the_actors_scope(gov):
    entry = gov.entry(leader=False)
    with pytest.raises(NotFound):
        services.backlog_leader_assign(entry=entry, leader=gov.personas["leader"], actor=gov.personas["other_handler"])
