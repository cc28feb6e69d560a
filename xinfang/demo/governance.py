"""The demo's governance of hard cases (issue 6): backlog cases with their leader in charge, team, plan,
milestones, notes, meetings and hearings, outcomes and after-care; and supervision orders — replied and
closed, returned, overdue, listed (挂牌督办), one on a unit.

Run by ``demo_seed`` after the petitions' history. Every step goes through the governance services under
``clock_at``, each case's steps dated after its last lifecycle event (so that its timeline stays in order)
and before ``now``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Count, Max
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.cases.models import Case
from xinfang.core.clock import clock_at
from xinfang.governance import services
from xinfang.governance.models import BacklogEntry, BacklogNote, SupervisionOrder
from xinfang.governance.services import backlog_candidates

# About a dozen backlog cases: the scan's, topped up by the bureau's decisions.
TARGET_ENTRIES = 12
MIN_DECISIONS = 2

PLANS = [
    "区领导牵头，责任单位主要负责人具体落实：一是全面梳理信访人诉求和历次处理情况；二是组织相关部门会商，"
    "明确政策依据；三是约见信访人当面沟通，依法依规解决合理诉求；四是做好疏导教育和帮扶工作。",
    "成立工作专班，实行“一案一策”：查清事实、分清责任，对合理诉求限期解决，对缺乏依据的做好解释说明；"
    "必要时组织听证，邀请人大代表、律师参与，争取案结事了。",
    "坚持属地管理、分级负责：街道做好稳控和走访，职能部门拿出解决方案，区信访办跟踪督办；"
    "每两周向包案领导报告一次进展。",
]
MILESTONES = ["梳理历次信访和处理情况", "召开部门协调会", "约见信访人面谈", "形成处理方案", "组织听证", "落实解决措施",
              "回访信访人"]
NOTES: dict[str, list[str]] = {
    BacklogNote.Kind.PROGRESS: ["已调阅历次信访材料，梳理出三项主要诉求。", "责任单位已拿出初步解决方案，正在征求信访人意见。",
                                "街道已上门走访，信访人情绪基本稳定。"],
    BacklogNote.Kind.MEETING: ["召开协调会，明确由责任单位牵头、街道配合，十日内答复信访人。",
                               "会商认为诉求部分合理，同意在政策范围内予以解决。"],
    BacklogNote.Kind.HEARING: ["举行听证，信访人、责任单位陈述意见，听证员一致认为原处理意见适当。"],
}
RESOLVED = ["诉求已按方案解决，信访人签字确认，表示不再信访。", "经多次沟通，问题已依法解决，信访人表示满意。"]
STOPPED = ["信访人签署息诉罢访承诺书。", "经耐心疏导，信访人表示理解，不再就此事上访。"]
AFTERCARE = [("counselling", "定期回访，做好心理疏导"), ("assistance", "协助办理就业援助登记"),
             ("relief", "协助申请临时救助")]
ORDER_TEXTS = ["该事项超过办理期限仍未答复，请立即研究处理，并书面报告办理进展。",
               "信访人反映多次未果，请单位主要负责人亲自过问，限期解决并书面回复。",
               "请核查办理过程中是否存在推诿、拖延情形，提出整改措施并书面报告。"]
REPLIES = ["已召开专题会议研究，责成经办科室限期办结，处理意见已送达信访人。",
           "经核查，办理确有拖延，已约谈经办人员，事项已于近日答复信访人。"]


@dataclass
class GovernanceDemo:
    entries: int = 0
    led: int = 0
    closed: int = 0
    orders: int = 0
    listed: int = 0


def _at(day: datetime, hour: int) -> datetime:
    return datetime.combine(timezone.localdate(day), time(hour, 30), tzinfo=timezone.get_current_timezone())


class _Governance:
    def __init__(self, *, now: datetime, rng: random.Random, officer: User, leader: User,
                 handlers: dict[str, User], heads: dict[str, User]):
        self.now, self.rng, self.officer, self.leader = now, rng, officer, leader
        self.handlers, self.heads = handlers, heads
        self.summary = GovernanceDemo()

    def _last_events(self, case_ids: list[int]) -> dict[int, datetime]:
        return dict(Case.objects.filter(pk__in=case_ids).annotate(last=Max("events__at")).values_list("pk", "last"))

    def _after(self, moment: datetime, days: float) -> datetime | None:
        """``days`` after ``moment`` at a working hour, or None if that is not before now."""
        when = _at(moment + timedelta(days=days), 9 + self.rng.randrange(8))
        when = max(when, moment + timedelta(minutes=30))
        return when if when < self.now - timedelta(minutes=5) else None

    def _schedule(self, start: datetime, count: int) -> list[datetime]:
        """``count`` moments after ``start`` spread over the time left until now (at a working hour where
        that keeps them in order), or fewer if there is not room for them all."""
        span = (self.now - timedelta(minutes=5) - start) / (count + 1)
        moments: list[datetime] = []
        previous = start
        for k in range(1, count + 1):
            moment = start + span * k
            working = _at(moment, 9 + self.rng.randrange(8))
            if previous + timedelta(minutes=10) <= working < self.now - timedelta(minutes=5):
                moment = working
            if moment <= previous or moment >= self.now:
                break
            moments.append(moment)
            previous = moment
        return moments

    def enter(self) -> list[BacklogEntry]:
        """The nightly scan's entries, each on the night after the case met its rule and after its last
        event; then the bureau's own decisions up to about a dozen."""
        candidates = backlog_candidates(now=self.now)
        last = self._last_events(list(candidates))
        for case_id, rules in sorted(candidates.items()):
            moment = last[case_id]
            received = Case.objects.values_list("received_at", flat=True).get(pk=case_id)
            if any(r["rule"] == "open_days" for r in rules):
                moment = max(moment, received + timedelta(days=_open_days_threshold()))
            # The nightly scan (xinfang/governance/tasks.py) of the night after; today's if that is still ahead.
            night = datetime.combine(timezone.localdate(moment) + timedelta(days=1), time(1, 40),
                                     tzinfo=timezone.get_current_timezone())
            with clock_at(night if night <= self.now else self.now):
                services.backlog_scan(case_ids=[case_id])
        # The bureau adds open cases that petitioners keep coming back to, or that concern many people: at
        # least two, and enough for about a dozen in all.
        wanted = max(MIN_DECISIONS, TARGET_ENTRIES - BacklogEntry.objects.count())
        if wanted > 0:
            open_cases = list(Case.objects.filter(status=Case.Status.ACCEPTED, backlog_entry__isnull=True)
                              .annotate(n=Count("repeats")).order_by("-n", "-group_size", "received_at")[:wanted])
            last = self._last_events([c.pk for c in open_cases])
            for case in open_cases:
                when = self._after(last[case.pk], 1)
                if when is None:
                    continue
                with clock_at(when):
                    services.backlog_register(case=case, actor=self.officer, reason=self.rng.choice(
                        ["信访人多次反映，问题长期未解决，需领导包案化解。", "涉及多户群众切身利益，矛盾易激化，列入积案台账。"]))
        return list(BacklogEntry.objects.select_related("case", "case__handling_unit").order_by("entered_at", "id"))

    def work(self, entry: BacklogEntry, index: int) -> None:
        """Three in four get a leader; of those, a team, a plan, milestones and notes; every third is closed."""
        if index % 4 == 3:
            return
        moment = self._after(entry.entered_at, 1 + self.rng.random() * 2)
        if moment is None:
            return
        with clock_at(moment):
            services.backlog_leader_assign(entry=entry, leader=self.leader, actor=self.officer)
        self.summary.led += 1
        unit = entry.case.handling_unit
        team = [u for u in (self.handlers.get(unit.code), self.heads.get(unit.code)) if u] if unit else []
        steps = ["team", "plan", "milestones", "note", "done", "note", "hearing"]
        if index % 3 == 0:
            steps += ["close", "aftercare", "aftercare_done"]
        milestones, tasks = [], []
        for step, when in zip(steps, self._schedule(moment, len(steps)), strict=False):
            with clock_at(when):
                today = timezone.localdate()
                if step == "team" and team:
                    services.backlog_team_set(entry=entry, members=team, actor=self.leader)
                elif step == "plan":
                    services.backlog_plan_update(entry=entry, actor=self.leader, plan=self.rng.choice(PLANS))
                elif step == "milestones":
                    for offset, title in zip((7, 20, 40), self.rng.sample(MILESTONES, 3), strict=True):
                        milestones.append(services.backlog_milestone_add(
                            entry=entry, actor=self.leader, title=title, due_date=today + timedelta(days=offset)))
                elif step == "note":
                    kind = str(self.rng.choice([BacklogNote.Kind.PROGRESS, BacklogNote.Kind.MEETING]))
                    services.backlog_note_add(entry=entry, actor=team[0] if team else self.leader, kind=kind,
                                              text=self.rng.choice(NOTES[kind]), held_on=today,
                                              participants="、".join(str(u) for u in team))
                elif step == "done" and milestones:
                    services.backlog_milestone_done(milestone=milestones[0], actor=team[0] if team else self.leader,
                                                    note="按期完成")
                elif step == "hearing" and index % 2 == 0:
                    services.backlog_note_add(entry=entry, actor=self.leader, kind=BacklogNote.Kind.HEARING,
                                              text=NOTES[BacklogNote.Kind.HEARING][0], held_on=today,
                                              participants="信访人、责任单位、人大代表、律师")
                elif step == "close":
                    resolved = index % 2 == 0
                    services.backlog_close(entry=entry, actor=self.leader,
                                           outcome="resolved" if resolved else "stopped",
                                           summary=self.rng.choice(RESOLVED if resolved else STOPPED))
                    self.summary.closed += 1
                elif step == "aftercare":
                    for kind, text in self.rng.sample(AFTERCARE, 2):
                        tasks.append(services.aftercare_add(entry=entry, actor=self.leader, kind=kind, text=text,
                                                            assignee=team[0] if team else None,
                                                            due_date=today + timedelta(days=30)))
                elif step == "aftercare_done" and tasks:
                    services.aftercare_done(task=tasks[0], actor=team[0] if team else self.leader, note="已落实，信访人情况稳定。")

    def supervise(self) -> None:
        """Four orders on open cases of different units, dated after each case's last event: one replied and
        closed, one overdue and listed (挂牌督办), one replied awaiting review, one open; and one on a unit."""
        # (issued this many days before now, days to reply, what becomes of it, days to the reply)
        plan = [(-20, 10, "closed", 6), (-16, 8, "listed", 0), (-9, 12, "replied", 5), (-4, 10, "open", 0)]
        cases = list(Case.objects.filter(status=Case.Status.ACCEPTED, handling_unit__isnull=False)
                     .annotate(last=Max("events__at")).order_by("received_at"))
        used_units: set[int] = set()
        used_cases: set[int] = set()
        for offset, due_days, fate, reply_days in plan:
            issued = _at(self.now + timedelta(days=offset), 10)
            free = [c for c in cases if c.handling_unit_id not in used_units]
            case = next((c for c in free if c.last < issued - timedelta(hours=1)), None)
            if case is None:
                # No case was quiet that long ago (the mix of demo cases varies with its size): take the one
                # quiet the longest — another unit's first — issue the order the day after its last event and
                # shorten the reply period and the reply so that the order's story still ends before now.
                spare = [c for c in cases if c.pk not in used_cases and c not in free]
                case = next((c for c in [*sorted(free, key=lambda c: c.last), *sorted(spare, key=lambda c: c.last)]
                             if (self.now - _at(c.last + timedelta(days=1), 10)).days >= 4), None)  # type: ignore[attr-defined]
                if case is not None:
                    issued = _at(case.last + timedelta(days=1), 10)
                    room = (self.now - issued).days - 3
                    due_days, reply_days = min(due_days, room), min(reply_days, room)
            if case is None or case.handling_unit is None:
                continue
            used_units.add(case.handling_unit.pk)
            used_cases.add(case.pk)
            handler = self.handlers.get(case.handling_unit.code)
            with clock_at(issued):
                order = services.supervision_issue(
                    actor=self.officer if fate != "open" else self.leader, case=case,
                    grounds=self.rng.choice(["delay", "shirking", "perfunctory"]), text=self.rng.choice(ORDER_TEXTS),
                    reply_due=timezone.localdate() + timedelta(days=due_days))
            self.summary.orders += 1
            if fate in ("closed", "replied") and handler is not None:
                with clock_at(issued + timedelta(days=reply_days)):
                    services.supervision_reply(order=order, actor=handler, text=self.rng.choice(REPLIES))
                if fate == "closed":
                    with clock_at(issued + timedelta(days=reply_days + 2)):
                        services.supervision_review(order=order, actor=self.officer, accept=True, note="同意办结。")
            if fate == "listed":
                self._remind(issued, order.reply_due)
                with clock_at(_at(issued + timedelta(days=due_days + 2), 15)):
                    services.supervision_escalate(order=order, actor=self.leader,
                                                  reason="超过期限仍未回复，问题长期得不到解决，挂牌督办，责令限期整改。")
                self.summary.listed += 1
        unit = next((h.unit for code, h in sorted(self.handlers.items()) if code == "MH-FGJ" and h.unit), None)
        if unit is not None:
            with clock_at(_at(self.now - timedelta(days=2), 11)):
                services.supervision_issue(actor=self.leader, unit=unit, grounds=SupervisionOrder.Grounds.DIFFICULT,
                                           text="请报告本单位信访积案化解情况和下一步工作措施。",
                                           reply_due=timezone.localdate() + timedelta(days=14))
            self.summary.orders += 1

    def _remind(self, start: datetime, due: object) -> None:
        """The reminder job, run each morning from the order's issue to a few days after it fell due."""
        day = timezone.localdate(start)
        while day <= timezone.localdate(self.now) and day <= due + timedelta(days=1):  # type: ignore[operator]
            moment = datetime.combine(day, time(8, 5), tzinfo=timezone.get_current_timezone())
            if moment > start:
                with clock_at(moment):
                    services.supervision_remind()
            day += timedelta(days=1)


def _open_days_threshold() -> int:
    from xinfang.governance.selectors import backlog_rules

    return next(r.threshold for r in backlog_rules() if r.kind == "open_days")


def governance_demo_seed(*, now: datetime, rng: random.Random, officer: User, leader: User,
                         handlers: dict[str, User], heads: dict[str, User]) -> GovernanceDemo:
    """The demo's backlog register and supervision orders (see the module's docstring)."""
    demo = _Governance(now=now, rng=rng, officer=officer, leader=leader, handlers=handlers, heads=heads)
    entries = demo.enter()
    demo.summary.entries = len(entries)
    for index, entry in enumerate(entries):
        demo.work(entry, index)
    demo.supervise()
    return demo.summary
