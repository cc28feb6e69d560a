"""The backlog register (信访积案台账) and the leaders in charge (领导包案): one service per step.

A case enters by rule (``backlog_scan``, run by the periodic job) or by an officer's decision with a
reason (``backlog_register``); a leader takes charge (信访工作条例 Art. 18 ¶2: 包案化解), forms a team,
writes the plan with its milestones, records progress, meetings and hearings (Art. 31(6), Art. 36 ¶2) and
the file, and closes the entry as 案结事了 or 息诉罢访; after-care (疏导, 帮扶, 救助; Art. 37) may go on after
that. Every step checks its rule, writes in one transaction, appends a ``CaseEvent`` to the case's
timeline and an audit row, and notifies whom it concerns on commit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.accounts.models import User
from xinfang.cases.models import Case, CaseDocument, CaseRating
from xinfang.cases.services.attachments import attachments_validate, case_attachments_store
from xinfang.core.errors import Forbidden, InvalidTransition, ValidationFailed
from xinfang.governance.models import (
    AfterCareTask,
    BacklogEntry,
    BacklogMilestone,
    BacklogNote,
    BacklogRule,
    BacklogTeamMember,
)
from xinfang.governance.selectors import (
    LEAD_BACKLOG,
    REGISTER_BACKLOG,
    VIEW_BACKLOG,
    backlog_is_team,
    backlog_rules,
)
from xinfang.governance.services._common import (
    clean_choice,
    clean_due_date,
    clean_text,
    event_and_audit,
    require_case_visible,
    require_perm,
    staff_can_see_case,
)
from xinfang.notifications.services import notify_bureau, notify_users

Rule = BacklogRule.Kind
MAX_TEAM = 20


# --- Entering the register ----------------------------------------------------------------------------

def _rule_note(rules: list[dict[str, Any]]) -> str:
    words = {
        Rule.OPEN_DAYS: _("已%(n)d天未办结"),
        Rule.REPEATS: _("重复信访%(n)d次"),
        Rule.GROUP_VISIT: _("来访%(n)d人"),
        Rule.DISSATISFIED_REVIEW: _("对复查或复核意见不满意"),
    }
    parts = []
    for item in rules:
        text = words.get(item["rule"], item["rule"])
        parts.append(text % {"n": item.get("value", 0)} if "%(n)d" in text else text)
    return _("按规则列入积案台账：%(r)s。") % {"r": "；".join(parts)}


def _enter(*, case: Case, source: str, rules: list[dict[str, Any]], reason: str, actor: Any) -> BacklogEntry | None:
    """Insert the entry; ``None`` if the case is already on the register (the unique case decides, so two
    workers scanning at once, or an officer and the scan, never make two)."""
    now = timezone.now()
    user = actor if getattr(actor, "is_authenticated", False) else None
    try:
        with transaction.atomic():
            entry = BacklogEntry.objects.create(case=case, source=source, rules=rules, reason=reason,
                                                unit_id=case.handling_unit_id, entered_at=now, entered_by=user)
    except IntegrityError:
        return None
    note = reason if source == BacklogEntry.Source.MANUAL else _rule_note(rules)
    data = {"source": source, "rules": rules, "entry": entry.pk}
    # The officer's reason is part of the audit row (a decision, not a rule).
    event_and_audit(case=case, actor=actor, action="backlog_registered", obj=entry, note=note, data=data,
                    detail={**data, "case": case.pk, "reason": reason} if reason else {**data, "case": case.pk})
    notify_bureau(case=case, kind="backlog",
                  text=_("%(n)s 已列入信访积案台账，请确定包案领导。") % {"n": case.number})
    return entry


def backlog_candidates(*, now: datetime | None = None) -> dict[int, list[dict[str, Any]]]:
    """The cases not yet on the register that meet an active rule, each with the rules it meets."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    rules = {r.kind: r for r in backlog_rules() if r.active}
    existing = BacklogEntry.objects.values("case_id")
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if Rule.OPEN_DAYS in rules:
        cutoff = now - timedelta(days=rules[Rule.OPEN_DAYS].threshold)
        old_cases = (Case.objects.filter(status__in=Case.OPEN_STATUSES, received_at__lt=cutoff)
                     .exclude(pk__in=existing).values_list("pk", "received_at"))
        for pk, received in old_cases:
            found[pk].append({"rule": Rule.OPEN_DAYS, "value": (today - timezone.localdate(received)).days})
    if Rule.REPEATS in rules:
        repeated = (Case.objects.filter(repeat_of__isnull=False).exclude(repeat_of__in=existing)
                    .values("repeat_of").annotate(n=Count("id")).filter(n__gte=rules[Rule.REPEATS].threshold)
                    .values_list("repeat_of", "n").order_by())
        for original, count in repeated:
            if original is None:
                continue
            found[original].append({"rule": Rule.REPEATS, "value": count})
    if Rule.GROUP_VISIT in rules:
        groups = (Case.objects.filter(status__in=Case.OPEN_STATUSES, channel=Case.Channel.VISIT,
                                      group_size__gte=rules[Rule.GROUP_VISIT].threshold)
                  .exclude(pk__in=existing).values_list("pk", "group_size"))
        for pk, size in groups:
            found[pk].append({"rule": Rule.GROUP_VISIT, "value": size})
    if Rule.DISSATISFIED_REVIEW in rules:
        stages = [CaseRating.Stage.REVIEW, CaseRating.Stage.RE_REVIEW]
        rated = (CaseRating.objects.filter(stage__in=stages, rating=CaseRating.Rating.DISSATISFIED)
                 .exclude(case_id__in=existing).values_list("case_id", flat=True).distinct())
        for case_id in rated:
            found[case_id].append({"rule": Rule.DISSATISFIED_REVIEW, "value": 1})
    return dict(found)


def backlog_scan(*, now: datetime | None = None, case_ids: Sequence[int] | None = None) -> int:
    """Put every case that meets an active rule on the register (the periodic job; ``case_ids`` limits the
    scan to those cases). Each case is entered in its own transaction with a conditional insert, so several
    workers may scan at once: a case is entered once, by whichever comes first. Returns how many entered."""
    entered = 0
    candidates = backlog_candidates(now=now)
    if case_ids is not None:
        wanted = set(case_ids)
        candidates = {pk: rules for pk, rules in candidates.items() if pk in wanted}
    for case_id, rules in sorted(candidates.items()):
        with transaction.atomic():
            case = Case.objects.select_related("handling_unit").filter(pk=case_id).first()
            if case is None:
                continue
            if _enter(case=case, source=BacklogEntry.Source.RULE, rules=rules, reason="", actor=None):
                entered += 1
    return entered


@transaction.atomic
def backlog_register(*, case: Case, actor: Any, reason: str) -> BacklogEntry:
    """An officer puts a case on the register by decision, with the reason (audited)."""
    require_perm(actor, REGISTER_BACKLOG, _("您没有将事项列入积案台账的权限。"))
    require_case_visible(actor, case)
    reason = clean_text(reason, field="reason", minimum=4, maximum=2000, message=_("请写明列入积案台账的理由。"))
    entry = _enter(case=case, source=BacklogEntry.Source.MANUAL, rules=[], reason=reason, actor=actor)
    if entry is None:
        raise InvalidTransition(_("该事项已列入积案台账。"))
    return entry


@transaction.atomic
def backlog_rule_update(*, kind: str, threshold: int, active: bool, actor: Any) -> BacklogRule:
    """Change a rule's threshold or switch it off (audited with the old and new values)."""
    from xinfang.governance.rules import DEFAULT_RULES

    require_perm(actor, "governance.change_backlogrule", _("您没有修改积案列入规则的权限。"))
    spec = DEFAULT_RULES.get(kind)
    if spec is None:
        raise ValidationFailed(_("未知的规则。"), errors={"kind": [_("未知的规则。")]})
    if not isinstance(threshold, int) or isinstance(threshold, bool) or not spec.minimum <= threshold <= spec.maximum:
        message = _("阈值须在%(a)d至%(b)d之间。") % {"a": spec.minimum, "b": spec.maximum}
        raise ValidationFailed(message, errors={"threshold": [message]})
    row = BacklogRule.objects.select_for_update().filter(kind=kind).first()
    before = {"threshold": row.threshold, "active": row.active} if row else {"threshold": spec.threshold, "active": True}
    if row is None:
        row = BacklogRule(kind=kind)
    row.threshold, row.active = threshold, bool(active)
    row.updated_at, row.updated_by = timezone.now(), actor
    row.save()
    event_and_audit(case=None, actor=actor, action="backlog_rule_changed", obj=row,
                    detail={"kind": kind, "before": before, "after": {"threshold": threshold, "active": bool(active)}})
    return row


# --- The leader in charge and the team -----------------------------------------------------------------

def _locked(entry: BacklogEntry) -> BacklogEntry:
    """The entry re-read and locked for the step (two people acting at once: the second sees the first's
    change)."""
    return BacklogEntry.objects.select_for_update(of=("self",)).select_related("case", "leader").get(pk=entry.pk)


def _require_open(entry: BacklogEntry, action_label: str) -> None:
    if not entry.is_open:
        raise InvalidTransition(_("该积案已化解（%(o)s），不能%(a)s。") % {"o": entry.get_outcome_display(),
                                                                      "a": action_label})


def _require_leader(entry: BacklogEntry, actor: Any) -> None:
    require_perm(actor, LEAD_BACKLOG, _("只有包案领导可以执行此操作。"))
    if entry.leader_id != actor.pk:
        raise Forbidden(_("只有包案领导可以执行此操作。"))


def _require_team(entry: BacklogEntry, actor: Any) -> None:
    require_perm(actor, VIEW_BACKLOG, _("只有包案领导和专班成员可以执行此操作。"))
    if not backlog_is_team(entry=entry, user=actor):
        raise Forbidden(_("只有包案领导和专班成员可以执行此操作。"))


@transaction.atomic
def backlog_leader_assign(*, entry: BacklogEntry, leader: User, actor: Any, note: str = "") -> BacklogEntry:
    """The leader in charge: assigned (or changed) by an officer, or taken by a leader for an entry that
    has none. The leader must hold the leader role and see the case (one case, one leader)."""
    require_case_visible(actor, entry.case)
    entry = _locked(entry)
    taking = actor.pk == getattr(leader, "pk", None) and entry.leader_id is None and actor.has_perm(LEAD_BACKLOG)
    if not (actor.has_perm(REGISTER_BACKLOG) or taking):
        raise Forbidden(_("您没有指定包案领导的权限。"))
    _require_open(entry, _("指定包案领导"))
    if not (leader.is_active and leader.role == User.Role.LEADER and leader.has_perm(LEAD_BACKLOG)
            and staff_can_see_case(leader, entry.case)):
        message = _("包案领导必须是可查看该事项的区领导。")
        raise ValidationFailed(message, errors={"leader": [message]})
    if entry.leader_id == leader.pk:
        message = _("%(l)s 已是该积案的包案领导。") % {"l": leader}
        raise ValidationFailed(message, errors={"leader": [message]})
    note = clean_text(note, field="note", minimum=0, maximum=1000, message="") if note else ""
    previous = entry.leader
    entry.leader, entry.leader_assigned_at = leader, timezone.now()
    entry.save(update_fields=["leader", "leader_assigned_at"])
    # A new leader is not left on the team as a member too.
    BacklogTeamMember.objects.filter(entry=entry, user=leader).delete()
    text = _("包案领导：%(l)s") % {"l": leader}
    if previous is not None:
        text = _("包案领导由 %(p)s 改为 %(l)s") % {"p": previous, "l": leader}
    event_and_audit(case=entry.case, actor=actor, action="backlog_leader_assigned", obj=entry,
                    note=f"{text}。{note}" if note else f"{text}。",
                    data={"leader": leader.pk, "previous": previous.pk if previous else None})
    if leader.pk != actor.pk:
        notify_users(users=[leader], case=entry.case, kind="backlog_leader",
                     text=_("您已被确定为 %(n)s 的包案领导。") % {"n": entry.case.number})
    return entry


@transaction.atomic
def backlog_team_set(*, entry: BacklogEntry, members: Sequence[User], actor: Any) -> list[User]:
    """The leader sets the team (一个专班): staff who see the case — never a member of an accused unit."""
    entry = _locked(entry)
    _require_leader(entry, actor)
    _require_open(entry, _("调整专班"))
    chosen = list({m.pk: m for m in members if m.pk != entry.leader_id}.values())
    if len(chosen) > MAX_TEAM:
        message = _("专班成员最多%(n)d人。") % {"n": MAX_TEAM}
        raise ValidationFailed(message, errors={"members": [message]})
    refused = [str(m) for m in chosen if not staff_can_see_case(m, entry.case)]
    if refused:
        message = _("以下人员无权查看该事项，不能加入专班：%(names)s。") % {"names": "、".join(refused)}
        raise ValidationFailed(message, errors={"members": [message]})
    current = {m.user_id: m for m in BacklogTeamMember.objects.filter(entry=entry).select_related("user")}
    wanted = {m.pk for m in chosen}
    added = [m for m in chosen if m.pk not in current]
    removed = [m.user for pk, m in current.items() if pk not in wanted]
    if not added and not removed:
        message = _("专班成员没有变化。")
        raise ValidationFailed(message, errors={"members": [message]})
    now = timezone.now()
    BacklogTeamMember.objects.filter(entry=entry, user_id__in=[u.pk for u in removed]).delete()
    BacklogTeamMember.objects.bulk_create([BacklogTeamMember(entry=entry, user=m, added_at=now) for m in added])
    parts = []
    if added:
        parts.append(_("加入：%(names)s") % {"names": "、".join(str(m) for m in added)})
    if removed:
        parts.append(_("退出：%(names)s") % {"names": "、".join(str(m) for m in removed)})
    event_and_audit(case=entry.case, actor=actor, action="backlog_team_changed", obj=entry,
                    note=_("专班调整。%(c)s。") % {"c": "；".join(parts)},
                    data={"added": [m.pk for m in added], "removed": [m.pk for m in removed]})
    notify_users(users=added, case=entry.case, kind="backlog_team",
                 text=_("您已加入 %(n)s 的积案化解专班。") % {"n": entry.case.number})
    return chosen


# --- Plan, milestones, notes, file ----------------------------------------------------------------------

@transaction.atomic
def backlog_plan_update(*, entry: BacklogEntry, actor: Any, plan: str) -> BacklogEntry:
    """The leader writes (or revises) the resolution plan (化解方案)."""
    entry = _locked(entry)
    _require_leader(entry, actor)
    _require_open(entry, _("修改化解方案"))
    plan = clean_text(plan, field="plan", minimum=10, maximum=5000, message=_("化解方案至少10个字。"))
    revised = bool(entry.plan)
    entry.plan, entry.plan_updated_at = plan, timezone.now()
    entry.save(update_fields=["plan", "plan_updated_at"])
    event_and_audit(case=entry.case, actor=actor, action="backlog_plan_updated", obj=entry, note=plan[:500],
                    data={"revised": revised}, detail={"revised": revised, "length": len(plan)})
    return entry


@transaction.atomic
def backlog_milestone_add(*, entry: BacklogEntry, actor: Any, title: str, due_date: date | None) -> BacklogMilestone:
    """A milestone of the plan with its due date, set by the leader."""
    entry = _locked(entry)
    _require_leader(entry, actor)
    _require_open(entry, _("增加工作节点"))
    title = clean_text(title, field="title", minimum=2, maximum=200, message=_("请填写工作节点。"))
    due = clean_due_date(due_date, field="due_date")
    assert due is not None  # required
    milestone = BacklogMilestone.objects.create(entry=entry, title=title, due_date=due, created_at=timezone.now(),
                                                created_by=actor)
    event_and_audit(case=entry.case, actor=actor, action="backlog_milestone_added", obj=milestone,
                    note=_("%(t)s（期限 %(d)s）") % {"t": title, "d": due.isoformat()},
                    data={"milestone": milestone.pk, "due_date": due.isoformat()})
    return milestone


@transaction.atomic
def backlog_milestone_done(*, milestone: BacklogMilestone, actor: Any, note: str = "") -> BacklogMilestone:
    """A milestone done, by the leader or a member of the team; once (a conditional update)."""
    entry = _locked(milestone.entry)
    _require_team(entry, actor)
    _require_open(entry, _("完成工作节点"))
    note = clean_text(note, field="note", minimum=0, maximum=1000, message="") if note else ""
    now = timezone.now()
    if not BacklogMilestone.objects.filter(pk=milestone.pk, entry=entry, done_at__isnull=True).update(
            done_at=now, done_by=actor, done_note=note):
        raise InvalidTransition(_("该工作节点已完成。"))
    milestone.refresh_from_db()
    late = milestone.due_date < timezone.localdate(now)
    event_and_audit(case=entry.case, actor=actor, action="backlog_milestone_done", obj=milestone,
                    note=f"{milestone.title}" + (f"：{note}" if note else ""),
                    data={"milestone": milestone.pk, "late": late})
    return milestone


NOTE_ACTIONS: dict[str, str] = {
    BacklogNote.Kind.PROGRESS: "backlog_progress",
    BacklogNote.Kind.MEETING: "backlog_meeting",
    BacklogNote.Kind.HEARING: "backlog_hearing",
}


@transaction.atomic
def backlog_note_add(*, entry: BacklogEntry, actor: Any, kind: str, text: str, held_on: date | None,
                     participants: str = "") -> BacklogNote:
    """A progress note, a meeting or a hearing (听证: 信访工作条例 Art. 31(6) for matters major, complex or
    difficult; Art. 36 ¶2 at re-review), by the leader or a member of the team."""
    entry = _locked(entry)
    _require_team(entry, actor)
    _require_open(entry, _("记录化解进展"))
    kind = clean_choice(kind, BacklogNote.Kind, field="kind", message=_("请选择记录类型。"))
    text = clean_text(text, field="text", minimum=4, maximum=5000, message=_("请填写内容（至少4个字）。"))
    participants = clean_text(participants, field="participants", minimum=0, maximum=300, message="")
    today = timezone.localdate()
    if not isinstance(held_on, date):
        message = _("请填写日期。")
        raise ValidationFailed(message, errors={"held_on": [message]})
    earliest = timezone.localdate(entry.case.received_at)
    if not earliest <= held_on <= today:
        message = _("日期须在%(a)s至%(b)s之间。") % {"a": earliest.isoformat(), "b": today.isoformat()}
        raise ValidationFailed(message, errors={"held_on": [message]})
    note = BacklogNote.objects.create(entry=entry, kind=kind, held_on=held_on, participants=participants,
                                      text=text, author=actor, created_at=timezone.now())
    label = BacklogNote.Kind(kind).label
    event_and_audit(case=entry.case, actor=actor, action=NOTE_ACTIONS[kind], obj=note,
                    note=f"{label}（{held_on.isoformat()}）：{text[:500]}",
                    data={"note": note.pk, "kind": kind, "held_on": held_on.isoformat()},
                    detail={"note": note.pk, "kind": kind})
    return note


def backlog_file_add(*, entry: BacklogEntry, actor: Any, files: Sequence[Any]) -> list[CaseDocument]:
    """Documents for the case's file (一案一档), by the leader or the team: checked like every upload
    (type by extension and content, size; SECURITY.md 14), stored as attachments of the case; all or
    nothing, and no file is left in storage when the transaction fails."""
    if not files:
        message = _("请选择要上传的文件。")
        raise ValidationFailed(message, errors={"attachments": [message]})
    attachments_validate(files)
    stored: list[str] = []
    try:
        with transaction.atomic():
            locked = _locked(entry)
            _require_team(locked, actor)
            documents = case_attachments_store(case=locked.case, files=files, actor=actor, stored=stored)
            event_and_audit(case=None, actor=actor, action="backlog_file_added", obj=locked,
                            detail={"documents": [d.pk for d in documents]})
    except BaseException:
        storage = CaseDocument._meta.get_field("file").storage
        for name in stored:
            storage.delete(name)
        raise
    return documents


# --- Outcome and after-care ----------------------------------------------------------------------------

@transaction.atomic
def backlog_close(*, entry: BacklogEntry, actor: Any, outcome: str, summary: str) -> BacklogEntry:
    """The leader closes the entry: 案结事了 (the matter is settled) or 息诉罢访 (the petitioner stops
    petitioning), with a summary. Open milestones do not block it; after-care may go on (Art. 37 ¶3)."""
    entry = _locked(entry)
    _require_leader(entry, actor)
    _require_open(entry, _("办结"))
    if outcome not in (BacklogEntry.Outcome.RESOLVED, BacklogEntry.Outcome.STOPPED):
        message = _("化解结果必须是案结事了或息诉罢访。")
        raise ValidationFailed(message, errors={"outcome": [message]})
    summary = clean_text(summary, field="summary", minimum=10, maximum=5000, message=_("化解情况至少10个字。"))
    now = timezone.now()
    updated = BacklogEntry.objects.filter(pk=entry.pk, outcome=BacklogEntry.Outcome.OPEN).update(
        outcome=outcome, closed_at=now, closed_by=actor, closing_summary=summary)
    if not updated:
        raise InvalidTransition(_("该积案已化解。"))
    entry.refresh_from_db()
    label = BacklogEntry.Outcome(outcome).label
    event_and_audit(case=entry.case, actor=actor, action="backlog_closed", obj=entry,
                    note=f"{label}：{summary[:500]}", data={"outcome": outcome, "entry": entry.pk})
    notify_bureau(case=entry.case, kind="backlog_closed",
                  text=_("积案 %(n)s 已化解：%(o)s。") % {"n": entry.case.number, "o": label})
    return entry


@transaction.atomic
def aftercare_add(*, entry: BacklogEntry, actor: Any, kind: str, text: str, assignee: User | None = None,
                  due_date: date | None = None) -> AfterCareTask:
    """An after-care task (疏导, 帮扶, 救助; 信访工作条例 Art. 37 ¶2–3), by the leader or the team, also after the
    entry is closed. The person responsible must see the case."""
    entry = _locked(entry)
    _require_team(entry, actor)
    kind = clean_choice(kind, AfterCareTask.Kind, field="kind", message=_("请选择帮扶类型。"))
    text = clean_text(text, field="text", minimum=4, maximum=2000, message=_("请填写帮扶内容（至少4个字）。"))
    if assignee is not None and not staff_can_see_case(assignee, entry.case):
        message = _("责任人无权查看该事项。")
        raise ValidationFailed(message, errors={"assignee": [message]})
    due = clean_due_date(due_date, field="due_date", required=False)
    task = AfterCareTask.objects.create(entry=entry, kind=kind, text=text, assignee=assignee, due_date=due,
                                        created_at=timezone.now(), created_by=actor)
    label = AfterCareTask.Kind(kind).label
    who = _("，责任人 %(a)s") % {"a": assignee} if assignee else ""
    event_and_audit(case=entry.case, actor=actor, action="aftercare_added", obj=task,
                    note=f"{label}：{text[:300]}{who}",
                    data={"task": task.pk, "kind": kind, "assignee": assignee.pk if assignee else None})
    if assignee is not None and assignee.pk != actor.pk:
        notify_users(users=[assignee], case=entry.case, kind="aftercare",
                     text=_("请落实 %(n)s 的%(k)s工作。") % {"n": entry.case.number, "k": label})
    return task


@transaction.atomic
def aftercare_done(*, task: AfterCareTask, actor: Any, note: str) -> AfterCareTask:
    """An after-care task done, by its assignee, the leader or the team; once."""
    entry = _locked(task.entry)
    if not (task.assignee_id == actor.pk and actor.has_perm(VIEW_BACKLOG)):
        _require_team(entry, actor)
    note = clean_text(note, field="note", minimum=4, maximum=1000, message=_("请填写落实情况（至少4个字）。"))
    now = timezone.now()
    if not AfterCareTask.objects.filter(pk=task.pk, entry=entry, status=AfterCareTask.Status.OPEN).update(
            status=AfterCareTask.Status.DONE, done_at=now, done_by=actor, done_note=note):
        raise InvalidTransition(_("该帮扶任务已完成。"))
    task.refresh_from_db()
    event_and_audit(case=entry.case, actor=actor, action="aftercare_done", obj=task,
                    note=f"{task.get_kind_display()}：{note}", data={"task": task.pk})
    return task
