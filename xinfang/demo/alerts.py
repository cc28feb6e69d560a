"""The demo's early warning (issue 7): the sensitive-period calendar (last 国庆, next 全国两会), a planted surge
of petitions for the rules to find, the rules run once over the demo's history, and announced group visits in
every state — open, acknowledged with an owner and a note, closed as handled — so that the list, the page and
the digest have something to show.

The surge (``surge_plans``): the random history holds no statistical spike, so the rules would raise nothing
but the notices. In the nine days before ``now``, thirteen residents of one building of one compound send
``SURGE_CASES`` petitions about its lift, out of service for weeks (物业服务, in the street with the fewest such
petitions over the past four months): by hotline, online, visit, phone and one joint letter, each in their own
words around the property company's notice they all quote and the incident that set the building talking.
``demo_seed`` plans that many fewer cases and replays these with the others, through the same services. Nine
of them fall in the rules' 7-day window, against a baseline of about two, so the scan raises a spike of the
category in the street (exact Poisson-rate test, adjusted p about 1e-7 against α = 0.01; nine against a
minimum of five) and a cluster of similar petitions (nine cases from eleven people, the minimum is five and
five; two petitions in the same words score about 0.9, two in different words 0.55–0.75, and still about 0.5
once the worker's vocabulary weights the shingles); the hotspots page's 28-day window holds all eleven. The
cluster alert is left acknowledged by the officer with the leader as owner, the spike open.

Run by ``demo_seed`` after the petitions' history and governance; every step goes through the services under
``clock_at``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from xinfang.accounts.models import Unit, User
from xinfang.alerts import services
from xinfang.alerts.models import Alert
from xinfang.alerts.scan import alerts_scan
from xinfang.cases.selectors import category_default_unit
from xinfang.core.clock import clock_at
from xinfang.core.workdays import WorkCalendar
from xinfang.demo import texts
from xinfang.demo.district import District
from xinfang.demo.generator import PetitionGenerator
from xinfang.demo.scenarios import CasePlan, Step
from xinfang.demo.texts import CLAIM, Template

NOTICES = [
    # (days before now it was reported, days after the report it is expected, people, place, subject, state)
    (1, 3, 40, "区政府信访接待大厅", "某动迁地块居民对安置补偿标准不一致有意见，拟集体到区里反映", "open"),
    (4, 2, 25, "街道办事处门口", "某楼盘业主反映开发商延期交房、要求退房，相约集体上访", "acknowledged"),
    (12, 2, 15, "区人社局", "某服装厂停产，工人反映拖欠两个月工资，酝酿集体讨薪", "closed"),
]
FOLLOW_UP = "已会同街道约见业主代表五人，说明处理进展，约定两周内再次通报；街道做好现场疏导。"
CLOSING = "经区人社局协调，企业已足额支付拖欠工资，工人已领取，未发生集体上访。"

# --- The planted surge ---------------------------------------------------------------------------------------

SURGE_CATEGORY = "WYFW"
# (days before today it was received, channel, signatories); a visit, call or letter on a day the bureau is
# closed comes online or by the hotline instead. Nine of the eleven fall in the rules' 7-day window.
SURGE_SCHEDULE: list[tuple[int, str, int]] = [
    (9, "hotline", 1), (8, "visit", 1), (6, "online", 1), (5, "phone", 1), (5, "letter", 3), (4, "hotline", 1),
    (3, "visit", 1), (3, "online", 1), (2, "hotline", 1), (2, "phone", 1), (1, "online", 1),
]
SURGE_CASES = len(SURGE_SCHEDULE)
# Below this a surge of eleven would be a fifth of the demo, and the history too small for every scenario.
SURGE_MIN_CASES = 60
# How far back the street with the fewest petitions of the category is looked for: the hotspots page's
# baseline and window (84 + 28 days) cover the spike rule's (56 + 7).
SURGE_BASELINE_DAYS = 112
# The property company's notice every petitioner quotes (what makes them similar texts, as in real surges).
SURGE_NOTICE = ("因本楼电梯主板及曳引机损坏，经维保单位检测需整体更换，费用约{cost}万元，需使用住宅专项维修资金，"
                "待业委会组织业主表决通过并报街道房办审核后实施。维修期间电梯停止使用，请业主谅解。")
SURGE_TITLES = [
    "{complex}{b}号楼电梯停运无人维修",
    "{complex}{b}号楼电梯停运，老人下不了楼",
    "反映{complex}{b}号楼电梯长期停运问题",
    "{complex}{b}号楼电梯停运至今未修复",
    "请求督促修复{complex}{b}号楼电梯",
]
# What set the building talking, which most petitioners mention.
SURGE_INCIDENT = "{day}，{b}号楼一位老人在家中突发疾病，因电梯停运，只能由消防员抬下楼送医"
# One resident's own words each, around the notice and the incident; {days}: how long the lift has stood still.
SURGE_BODIES = [
    "我家住{complex}{b}号楼{floor}楼。{b}号楼电梯自{since}起停运，至今已{days}天。物业贴出通知：“{notice}”此后一直"
    "没有动静。{incident}。我母亲{age}岁，腿脚不便，停运以来没有下过楼。请求督促物业尽快修复电梯。",
    "{complex}{b}号楼电梯从{since}停运到现在已经{days}天。物业通知说：“{notice}”可维修资金一直没批下来；问业委会，"
    "又说等物业报价，互相推诿。{incident}，大家都很担心。我住{floor}楼，家里{age}岁的老人去医院复查只能请邻居帮忙"
    "背下楼。请求街道督促物业尽快修复电梯。",
    "{complex}{b}号楼电梯自{since}起停运，已经{days}天。物业张贴的通知写着：“{notice}”可至今仍未开始维修。我住"
    "{floor}楼，家中{age}岁老人需定期去医院透析，上下楼只能靠家人背。{incident}，我们家也怕出同样的事。要求尽快"
    "修复电梯。",
    "{complex}{b}号楼电梯停运已经{days}天了。物业贴了通知：“{notice}”之后再没有消息。我今年{age}岁，住{floor}楼，"
    "心脏不好，爬不了楼。{incident}，我很害怕。请求督促物业尽快修复电梯。",
    "{complex}{b}号楼电梯{since}故障后一直停运，物业公司贴出通知：“{notice}”至今已{days}天，"
    "仍未开工。楼内住户大多是老年人，{incident}。请求督促物业和业委会尽快启动维修资金，修复电梯。",
]
# The joint letter of several households.
SURGE_JOINT = (
    "我们是{complex}{b}号楼的住户。本楼共{floors}层、{households}户，唯一一部电梯自{since}起停运，已有{days}天。物业"
    "公司通知称：“{notice}”但业委会迟迟未组织表决，维修一拖再拖。{incident}。楼内独居老人多，买菜、就医都成了"
    "难题。联名请求督促物业和业委会尽快启动维修资金，修复电梯。")
SURGE_TEMPLATE = Template(SURGE_CATEGORY, CLAIM, SURGE_TITLES[0], SURGE_BODIES[0])
SURGE_FOLLOW_UP = ("已请{street}房办约物业公司和业委会负责人核实电梯故障和维修资金申请进度，按应急使用维修资金程序"
                   "尽快维修；维修期间由居委会组织志愿者为楼内行动不便的老人上门送餐、代配药。")


@dataclass
class Surge:
    """The planted surge: where, what, and the plans of its petitions."""

    street: Unit
    category: str = SURGE_CATEGORY
    plans: list[CasePlan] = field(default_factory=list)


@dataclass
class AlertsDemo:
    periods: int = 0
    notices: int = 0
    scanned: int = 0
    surge_alerts: int = 0


def _moment(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()) + timedelta(hours=hour))


class _SurgePlanner:
    """Dates, people and texts of the surge's petitions."""

    def __init__(self, *, district: District, generator: PetitionGenerator, calendar: WorkCalendar,
                 rng: random.Random, now: datetime):
        self.district, self.gen, self.calendar, self.rng = district, generator, calendar, rng
        self.tz = timezone.get_current_timezone()
        self.now = timezone.localtime(now, self.tz)
        # Every step happens before the demo's scan (two hours before ``now``).
        self.limit = self.now - timedelta(hours=3)

    def street(self, plans: list[CasePlan]) -> Unit:
        """The street with the fewest petitions of the category lately (ties drawn), so the surge stands
        against a low baseline whatever the seed."""
        since = self.now - timedelta(days=SURGE_BASELINE_DAYS)
        counts = {s.pk: 0 for s in self.district.streets()}
        for plan in plans:
            if plan.template.category == SURGE_CATEGORY and plan.street is not None and plan.received_at \
                    and plan.received_at >= since:
                counts[plan.street.pk] += 1
        fewest = min(counts.values())
        return self.rng.choice([s for s in self.district.streets() if counts[s.pk] == fewest])

    def office_moment(self, after: datetime) -> datetime:
        """A moment in office hours on the first working day at or after ``after``, 10 to 90 minutes on."""
        day = after.date()
        while True:
            opens = datetime.combine(day, time(8, 40), tzinfo=self.tz)
            moment = max(opens, after) + timedelta(minutes=self.rng.randint(10, 90))
            if self.calendar.is_workday(day) and moment.time() <= time(17, 10):
                return moment
            day += timedelta(days=1)
            after = datetime.combine(day, time.min, tzinfo=self.tz)

    def received(self, days_ago: int, channel: str) -> tuple[datetime, str]:
        """When a petition of ``channel`` arrived ``days_ago`` days before today, and its channel (visits,
        calls and letters only on working days)."""
        day = self.now.date() - timedelta(days=days_ago)
        if channel in ("visit", "phone", "letter") and not self.calendar.is_workday(day):
            channel = self.rng.choice(["online", "hotline"])
        if channel == "letter":
            minutes = self.rng.randint(9 * 60, 9 * 60 + 59)
        elif channel in ("visit", "phone"):
            minutes = self.rng.randint(8 * 60 + 40, 16 * 60 + 30)
        else:
            minutes = self.rng.randint(7 * 60, 22 * 60)
        moment = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=self.tz)
        return min(moment, self.limit - timedelta(minutes=self.rng.randint(60, 180))), channel

    def steps(self, received: datetime, channel: str) -> list[Step]:
        """Registered at once (a visit, a call) or at the next office moment (or by the duty registrar when
        that is too late), then routed (交办 or 转送) to the street, which accepts it: as far as the time
        until the scan allows."""
        if channel in ("visit", "phone"):
            registered = received + timedelta(minutes=self.rng.randint(5, 40))
        else:
            registered = self.office_moment(received)
        if registered >= self.limit:
            registered = received + timedelta(minutes=self.rng.randint(20, 50))
        steps = [Step(at=registered, action="register", params={})]
        routed = self.office_moment(registered + timedelta(hours=self.rng.randint(2, 20)))
        accepted = self.office_moment(routed + timedelta(days=self.rng.randint(1, 3)))
        for moment, action in ((routed, "route"), (accepted, "accept")):
            if moment >= self.limit:
                break
            steps.append(Step(at=moment, action=action, params={}))
        return steps

    def plans(self, street: Unit, first_index: int) -> list[CasePlan]:
        rng, gen = self.rng, self.gen
        # 物业服务 goes to the street's housing office (the street route of district.py).
        unit = category_default_unit(category=self.district.categories[SURGE_CATEGORY], street=street) or street
        values: dict[str, Any] = {
            "complex": rng.choice(texts.COMPLEX_HEADS) + rng.choice(texts.COMPLEX_TAILS),
            "b": rng.randint(3, 28), "floors": rng.choice([14, 18, 24]),
            "street": street.name,
        }
        values["households"] = values["floors"] * rng.choice([4, 6])
        values["notice"] = SURGE_NOTICE.format(cost=rng.randint(12, 26))
        stopped = self.now.date() - timedelta(days=rng.randint(24, 34))
        values["since"] = f"{stopped.month}月{stopped.day}日"
        # A day or two before the first petition.
        incident = self.now.date() - timedelta(days=SURGE_SCHEDULE[0][0] + rng.randint(1, 2))
        values["incident"] = SURGE_INCIDENT.format(day=f"{incident.month}月{incident.day}日", b=values["b"])
        address = (f"上海市闵行区{street.name}{rng.choice(texts.ROADS)}{rng.randint(100, 1200)}弄{values['b']}号"
                   "{floor}0{room}室")
        bodies = list(SURGE_BODIES)
        rng.shuffle(bodies)
        titles = list(SURGE_TITLES)
        rng.shuffle(titles)
        # Every petitioner from a flat of their own.
        flats = rng.sample([(floor, room) for floor in range(2, values["floors"] + 1) for room in range(1, 5)],
                           sum(signatories for _days, _channel, signatories in SURGE_SCHEDULE))
        plans = []
        for n, (days_ago, wanted, signatories) in enumerate(SURGE_SCHEDULE):
            received, channel = self.received(days_ago, wanted)
            people = []
            for _ in range(signatories):
                floor, room = flats.pop()
                people.append(replace(gen.person(street=street), address=address.format(floor=floor, room=room)))
            mine = dict(values, floor=floor, age=rng.randint(72, 91), days=(received.date() - stopped).days,
                        name=people[0].name, address=people[0].address, point="")
            body = SURGE_JOINT if signatories > 1 else bodies[n % len(bodies)]
            # The registrar's framing, in a form without the name and address where the channel has one
            # (they are on the case already).
            openers = [o for o in texts.OPENERS[channel] if "{name}" not in o and "{address}" not in o]
            opener = rng.choice(openers or texts.OPENERS[channel]).format(**mine)
            closing = rng.choice(texts.CLOSINGS[channel])
            plan = CasePlan(index=first_index + n, scenario="surge", template=SURGE_TEMPLATE, channel=channel,
                            street=street, unit=unit, petitioners=people, group_size=signatories,
                            title=titles[n % len(titles)].format(**mine),
                            content=opener + body.format(**mine) + closing, details=mine)
            plan.steps = self.steps(received, channel)
            plan.received_at = received
            plans.append(plan)
        return plans


def surge_plans(*, district: District, generator: PetitionGenerator, calendar: WorkCalendar, plans: list[CasePlan],
                rng: random.Random, now: datetime) -> Surge:
    """The surge's petitions as plans for the replay (see the module docstring), numbered after ``plans``."""
    planner = _SurgePlanner(district=district, generator=generator, calendar=calendar, rng=rng, now=now)
    street = planner.street(plans)
    return Surge(street=street, plans=planner.plans(street, len(plans)))


def _surge_follow_up(*, surge: Surge, officer: User, leader: User, now: datetime) -> int:
    """The officer acknowledges the surge's cluster alert and hands it to the leader, who notes what was
    done; the spike alert stays open. Answers how many alerts the surge raised."""
    ids = {plan.case.pk for plan in surge.plans if plan.case is not None}
    raised = [a for a in Alert.objects.filter(rule__in=[Alert.Rule.SPIKE, Alert.Rule.CLUSTER]).order_by("pk")
              if ids & set(a.case_ids)]
    cluster = next((a for a in raised if a.rule == Alert.Rule.CLUSTER), None)
    if cluster is not None:
        with clock_at(now - timedelta(hours=1, minutes=40)):
            services.alert_acknowledge(alert=cluster, actor=officer)
            services.alert_assign(alert=cluster, actor=officer, owner=leader)
        with clock_at(now - timedelta(hours=1)):
            services.alert_note_add(alert=cluster, actor=leader,
                                    text=SURGE_FOLLOW_UP.format(street=surge.street.name))
    return len(raised)


def alerts_demo_seed(*, now: datetime, rng: random.Random, officer: User, leader: User,
                     surge: Surge | None = None) -> AlertsDemo:
    """The calendar, one scan (which finds the ``surge``), and three announced group visits (open,
    acknowledged, closed)."""
    result = AlertsDemo()
    today = timezone.localdate(now)
    with clock_at(now - timedelta(days=30)):
        national_day = date(today.year if today.month >= 10 else today.year - 1, 10, 1)
        services.sensitive_period_save(actor=officer, name="国庆节", start=national_day,
                                       end=national_day + timedelta(days=7), level=1, note="国庆假期及前后")
        march = date(today.year if today.month < 3 else today.year + 1, 3, 3)
        services.sensitive_period_save(actor=officer, name="全国两会", start=march, end=march + timedelta(days=12),
                                       level=2, note="全国人大、全国政协会议期间")
        result.periods = 2
    with clock_at(now - timedelta(hours=2)):
        scan = alerts_scan(now=now - timedelta(hours=2))
        result.scanned = scan["raised"]
    if surge is not None:
        result.surge_alerts = _surge_follow_up(surge=surge, officer=officer, leader=leader, now=now)
    streets = list(Unit.objects.filter(kind=Unit.Kind.STREET, active=True).order_by("code"))
    for ago, ahead, people, place, subject, state in NOTICES:
        street = rng.choice(streets)
        reported = _moment(today - timedelta(days=ago), 10)
        with clock_at(reported):
            notice = services.group_notice_report(
                actor=officer, source=rng.choice(["street", "police"]), reporting_unit=street, street=street,
                expected_date=timezone.localdate(reported) + timedelta(days=ahead), place=place,
                expected_people=people, subject=subject)
        alert = notice.alert
        assert alert is not None
        result.notices += 1
        if state == "open":
            continue
        with clock_at(reported + timedelta(hours=1)):
            services.alert_acknowledge(alert=alert, actor=officer)
            services.alert_assign(alert=alert, actor=officer, owner=leader)
        with clock_at(reported + timedelta(hours=5)):
            services.alert_note_add(alert=alert, actor=leader, text=FOLLOW_UP)
        if state == "closed":
            with clock_at(reported + timedelta(days=2)):
                services.alert_close(alert=alert, actor=leader, reason="handled", note=CLOSING)
    return result
