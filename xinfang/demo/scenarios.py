"""What happens to each demo case, and when.

Every demo case follows a *scenario* that ends in the state it should be in today (still registered,
in handling, overdue, closed by re-review …). A scenario is a script of workflow steps with the days
between them; the dates are laid out backwards from the last step, so a case "replied twelve days ago"
really is inside its 30-day review window today. Staff act on working days in office hours (the
official calendar in the database), petitioners on any day. ``seed.demo_seed`` then replays every step
of every case in date order through the services, under ``clock_at``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from xinfang.accounts.models import Unit
from xinfang.cases.selectors import category_default_unit
from xinfang.cases.services import PetitionerInput
from xinfang.core.workdays import WorkCalendar
from xinfang.demo import district as spec
from xinfang.demo.district import District
from xinfang.demo.generator import PetitionGenerator
from xinfang.demo.texts import ACCUSATION, ACCUSED_UNITS, CLAIM, INFORMATION, SUGGESTION, TEMPLATES, Template

STAFF, PETITIONER = "staff", "petitioner"
CHANNELS = ["letter", "visit", "online", "phone", "fax", "hotline", "service_point"]
CHANNEL_WEIGHTS = [14, 14, 28, 9, 1, 27, 7]
# How far back the demo reaches (about ten months).
HISTORY_DAYS = 305


@dataclass(frozen=True)
class Scenario:
    """A path through the workflow: its share of the cases, the matter types that can take it, and how
    many days before today its last step happens."""

    weight: float
    matter_types: tuple[tuple[str, int], ...]
    last_step_days: tuple[int, int] = (1, 290)


_C = ((CLAIM, 1),)
SCENARIOS: dict[str, Scenario] = {
    "registered": Scenario(3, ((CLAIM, 6), (SUGGESTION, 1), (INFORMATION, 1), (ACCUSATION, 1)), (1, 8)),
    "registered_overdue": Scenario(1, ((CLAIM, 3), (INFORMATION, 1)), (17, 40)),
    "objected": Scenario(2, ((CLAIM, 5), (SUGGESTION, 1)), (1, 9)),
    "routed": Scenario(4, ((CLAIM, 7), (SUGGESTION, 1), (ACCUSATION, 1)), (1, 10)),
    "routed_overdue": Scenario(1.5, _C, (17, 45)),
    "accepted": Scenario(11, ((CLAIM, 8), (SUGGESTION, 1), (ACCUSATION, 2)), (1, 52)),
    "accepted_extended": Scenario(3, ((CLAIM, 4), (ACCUSATION, 1)), (1, 15)),
    "accepted_overdue": Scenario(2, _C, (62, 140)),
    "refused": Scenario(6, _C),
    "replied": Scenario(4, _C, (1, 15)),
    "review_requested": Scenario(2, _C, (1, 25)),
    "reviewed": Scenario(1.5, _C, (1, 15)),
    "re_review_requested": Scenario(1, _C, (1, 25)),
    "closed_reply": Scenario(15, ((SUGGESTION, 6), (ACCUSATION, 4))),
    "closed_forwarded": Scenario(8, ((INFORMATION, 1),)),
    "closed_expired": Scenario(22, _C, (40, 290)),
    "closed_expired_review": Scenario(2, _C, (40, 250)),
    "closed_re_review": Scenario(2.5, _C, (2, 200)),
    # Repeats of another demo case: their dates follow the original's.
    "linked": Scenario(3, _C),
    "final_after_re_review": Scenario(1, _C),
    "repeat_new": Scenario(2.5, _C),
}
REPEAT_SCENARIOS = ("linked", "final_after_re_review", "repeat_new")
REVIEW_CHAIN = ("review_requested", "reviewed", "re_review_requested", "closed_expired_review", "closed_re_review")


def scenario_counts(cases: int) -> dict[str, int]:
    """How many cases follow each scenario: by weight, every scenario at least once when there are
    enough cases (the repeats need their originals)."""
    total = sum(s.weight for s in SCENARIOS.values())
    exact = {name: s.weight * cases / total for name, s in SCENARIOS.items()}
    floor = 1 if cases >= 2 * len(SCENARIOS) else 0
    counts = {name: max(floor, int(value)) for name, value in exact.items()}
    by_remainder = sorted(SCENARIOS, key=lambda n: exact[n] - int(exact[n]), reverse=True)
    while sum(counts.values()) < cases:
        for name in by_remainder:
            if sum(counts.values()) >= cases:
                break
            counts[name] += 1
    while sum(counts.values()) > cases:
        largest = max(counts, key=lambda n: counts[n])
        counts[largest] -= 1
    return counts


@dataclass(frozen=True)
class ScriptStep:
    """One step of a scenario: the action, who acts (staff on working days), days after the previous step."""

    action: str
    who: str = STAFF
    gap: tuple[int, int] = (0, 0)
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Step:
    at: datetime
    action: str
    params: dict[str, Any]


@dataclass
class CasePlan:
    """One demo case: what is registered, where it goes, and its dated steps. ``case`` and
    ``query_code`` are filled in when the registration step has run."""

    index: int
    scenario: str
    template: Template
    channel: str
    street: Unit | None
    unit: Unit
    petitioners: list[PetitionerInput]
    title: str = ""
    content: str = ""
    wrong_unit: Unit | None = None
    representatives: list[PetitionerInput] = field(default_factory=list)
    group_size: int = 1
    registered_unit: Unit | None = None
    accused_units: list[Unit] = field(default_factory=list)
    accused_persons: list[dict[str, str]] = field(default_factory=list)
    repeat_of: CasePlan | None = None
    # The places, amounts and names drawn for the text (a repeat petition tells the same story).
    details: dict[str, Any] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    received_at: datetime | None = None
    case: Any = None
    query_code: str = ""

    @property
    def matter_type(self) -> str:
        return self.template.matter_type

    def time_of(self, action: str) -> datetime | None:
        found = [s.at for s in self.steps if s.action == action]
        return found[-1] if found else None

    def open_until(self, now: datetime) -> datetime:
        """When the case stops being open (Art. 19 ¶3 links a repeat only to an open case)."""
        closing = {"refused": "refuse", "closed_forwarded": "route", "closed_reply": "reply",
                   "closed_re_review": "re_review_decide"}
        # Closed by the sweep once the petitioner's 30-day window has passed (Art. 35, 36).
        expiring = {"closed_expired": "reply", "closed_expired_review": "review_decide"}
        if self.scenario in closing:
            return self.time_of(closing[self.scenario]) or now
        if self.scenario in expiring:
            answered = self.time_of(expiring[self.scenario])
            return answered + timedelta(days=30) if answered else now
        return now


class Planner:
    """Lays out the demo cases: templates, people, units and dated steps."""

    def __init__(self, *, district: District, rng: random.Random, generator: PetitionGenerator, now: datetime,
                 calendar: WorkCalendar):
        self.district = district
        self.rng = rng
        self.gen = generator
        self.tz = timezone.get_current_timezone()
        self.now = timezone.localtime(now, self.tz)
        self.today = self.now.date()
        self.calendar = calendar
        self.nth: dict[str, int] = {}

    # --- Dates ----------------------------------------------------------------------------------

    def moment(self, who: str, day: date) -> datetime:
        """A time on ``day`` (staff: the working day at or before it, office hours; petitioners: 7–22 h)."""
        if who == STAFF:
            while not self.calendar.is_workday(day):
                day -= timedelta(days=1)
            minutes = self.rng.randint(8 * 60 + 40, 17 * 60 + 10)
        else:
            minutes = self.rng.randint(7 * 60, 22 * 60)
        return datetime.combine(day, time(minutes // 60, minutes % 60, self.rng.randint(0, 59)), tzinfo=self.tz)

    def timeline(self, script: list[ScriptStep], *, last_days: tuple[float, float],
                 not_before: datetime | None = None) -> list[Step] | None:
        """Dated steps whose last one falls ``last_days`` before today, laid out backwards; None when the
        first step cannot be placed after ``not_before`` (and inside the demo's history)."""
        earliest = not_before or (self.now - timedelta(days=HISTORY_DAYS + 15))
        lo, hi = last_days
        for attempt in range(30):
            span = (hi - lo) * (0.8 ** attempt)
            day = self.today - timedelta(days=round(self.rng.uniform(lo, lo + span)))
            times = [self.moment(script[-1].who, day)]
            for index in range(len(script) - 2, -1, -1):
                later = times[0]
                gap = self.rng.randint(*script[index + 1].gap)
                moment = self.moment(script[index].who, later.date() - timedelta(days=gap))
                if moment >= later:
                    moment = later - timedelta(minutes=self.rng.randint(15, 90))
                times.insert(0, moment)
            if times[0] >= earliest and times[-1] < self.now - timedelta(minutes=30):
                return [Step(at=t, action=s.action, params=dict(s.params)) for t, s in zip(times, script, strict=True)]
        return None

    def received_at(self, channel: str, registered: datetime) -> datetime:
        """When the petition arrived: letters a day or two before they are registered, online and hotline
        petitions at any hour before, visits and calls just before."""
        if channel in ("letter", "fax"):
            day = registered.date() - timedelta(days=self.rng.randint(0, 2))
            arrived = datetime.combine(day, time(9, self.rng.randint(0, 59)), tzinfo=self.tz)
        elif channel in ("online", "hotline"):
            arrived = registered - timedelta(minutes=self.rng.randint(20, 36 * 60))
        else:
            arrived = registered - timedelta(minutes=self.rng.randint(1, 40))
        return min(arrived, registered)

    # --- Scripts --------------------------------------------------------------------------------

    def script(self, plan: CasePlan) -> list[ScriptStep]:
        """The workflow steps of ``plan``'s scenario, with the gaps in days between them."""
        scenario, rng = plan.scenario, self.rng
        steps = [ScriptStep("register")]
        if scenario in ("registered", "registered_overdue", "linked", "final_after_re_review"):
            return steps
        if plan.wrong_unit is not None:
            steps += [ScriptStep("route_wrong", gap=(0, 3)), ScriptStep("object", gap=(1, 3))]
            if scenario == "objected":
                return steps
            steps.append(ScriptStep("route", gap=(0, 2)))
        else:
            steps.append(ScriptStep("route", gap=(0, 4)))
        if scenario in ("routed", "routed_overdue", "closed_forwarded"):
            return steps
        if scenario == "refused":
            return [*steps, ScriptStep("refuse", gap=(2, 10))]
        steps.append(ScriptStep("accept", gap=(0, 8)))
        if scenario in ("accepted", "accepted_overdue", "repeat_new"):
            return steps
        if scenario == "accepted_extended":
            return [*steps, ScriptStep("extend", gap=(35, 46))]
        if rng.random() < 0.1:
            steps += [ScriptStep("extend", gap=(35, 46)), ScriptStep("reply", gap=(5, 20))]
        elif rng.random() < 0.06:
            # Answered late: the overdue sweep marks the deadline before the reply meets it.
            steps.append(ScriptStep("reply", gap=(62, 70)))
        else:
            steps.append(ScriptStep("reply", gap=(8, 50)))
        chain = scenario in REVIEW_CHAIN
        if chain:
            steps.append(ScriptStep("rate", PETITIONER, (0, 4), {"rating": "dissatisfied"}))
            steps.append(ScriptStep("review_request", PETITIONER, (3, 20)))
        elif rng.random() < 0.7:
            steps.append(ScriptStep("rate", PETITIONER, (0, 6)))
            return steps
        else:
            return steps
        if scenario == "review_requested":
            return steps
        steps.append(ScriptStep("review_decide", gap=(8, 22)))
        if scenario in ("reviewed", "closed_expired_review"):
            if rng.random() < 0.5:
                steps.append(ScriptStep("rate", PETITIONER, (0, 4)))
            return steps
        steps.append(ScriptStep("re_review_request", PETITIONER, (3, 20)))
        if scenario == "re_review_requested":
            return steps
        steps.append(ScriptStep("re_review_decide", gap=(8, 22)))
        if rng.random() < 0.5:
            steps.append(ScriptStep("rate", PETITIONER, (0, 4)))
        return steps

    # --- Cases ----------------------------------------------------------------------------------

    def _pick(self, weighted: tuple[tuple[str, int], ...]) -> str:
        return self.rng.choices([v for v, _w in weighted], weights=[w for _v, w in weighted])[0]

    def _matter_type(self, scenario: str, nth: int) -> str:
        # The first cases of some scenarios are fixed so that a small demo still has every kind.
        forced = {("closed_reply", 0): ACCUSATION, ("closed_reply", 1): SUGGESTION, ("accepted", 0): ACCUSATION}
        return forced.get((scenario, nth)) or self._pick(SCENARIOS[scenario].matter_types)

    def _template(self, scenario: str, matter_type: str, *, group: bool) -> Template:
        candidates = [t for t in TEMPLATES if t.matter_type == matter_type]
        if matter_type == CLAIM:
            legal = scenario == "refused"
            candidates = [t for t in candidates if bool(t.legal_channel) == legal]
        if group:
            candidates = [t for t in candidates if t.group] or candidates
        return self.rng.choice(candidates)

    def _street(self, template: Template, channel: str) -> Unit | None:
        streets = self.district.streets()
        if template.rural:
            streets = [s for s in streets if s.code in spec.RURAL_TOWNS]
        elif channel == "service_point":
            streets = [s for s in streets if self.district.service_points_of(s)]
        elif template.category in ("DWZW", "ZZRS", "KJXX", "JJJC") and self.rng.random() < 0.5:
            return None
        weights = {code: weight for code, _name, weight in spec.STREETS}
        return self.rng.choices(streets, weights=[weights[s.code] for s in streets])[0]

    def _unit(self, template: Template, street: Unit | None) -> Unit:
        units = self.district.units
        if template.unit:
            return units[template.unit]
        found = category_default_unit(category=self.district.categories[template.category], street=street)
        return found or street or units["MH-BGS"]

    def _wrong_unit(self, unit: Unit, template: Template, street: Unit | None) -> Unit:
        """Where a case is first sent by mistake: the department when the street is competent, the street
        when a department is."""
        units = self.district.units
        default_code = next(c.default_unit for c in spec.CATEGORIES if c.code == template.category)
        if unit.kind == Unit.Kind.STREET and default_code and units[default_code] != unit:
            return units[default_code]
        if street is not None and street != unit:
            return street
        others = [units[code] for code, _name in spec.DEPARTMENTS if units[code] != unit]
        return self.rng.choice(others)

    def _accused(self, template: Template) -> tuple[Unit, str, str]:
        """The unit an accusation is made against (of the kind its template names) and a person there."""
        pool: list[Unit] = []
        for code in ACCUSED_UNITS[template.accused or "office"]:
            pool += self.district.streets() if code == "streets" else [self.district.units[code]]
        unit = self.rng.choice(pool)
        name, position = self.gen.accused_person()
        return unit, name, position

    def base_plan(self, index: int, scenario: str, *, channel: str | None = None) -> CasePlan:
        """A case of ``scenario`` that is not a repeat; ``channel`` forces the channel."""
        rng, gen = self.rng, self.gen
        nth = self.nth.get(scenario, 0)
        self.nth[scenario] = nth + 1
        matter_type = self._matter_type(scenario, nth)
        # The first claims accepted and closed are group visits, so that a small demo has them too.
        forced_group = matter_type == CLAIM and nth == 0 and scenario in ("accepted", "closed_expired")
        group = forced_group or (matter_type == CLAIM and channel is None and rng.random() < 0.12)
        if forced_group:
            channel = "visit"
        template = self._template(scenario, matter_type, group=group)
        group = group and template.group
        if channel is None:
            channel = ("visit" if rng.random() < 0.75 else "letter") if group else \
                rng.choices(CHANNELS, weights=CHANNEL_WEIGHTS)[0]
        street = self._street(template, channel)
        if channel == "service_point" and (street is None or not self.district.service_points_of(street)):
            channel = "online"
        unit = self._unit(template, street)
        anonymous_id = channel in ("hotline", "phone") and rng.random() < 0.4
        lead = gen.person(street=street, with_id=not anonymous_id)
        plan = CasePlan(index=index, scenario=scenario, template=template, channel=channel, street=street, unit=unit,
                        petitioners=[lead])
        accused_text = ""
        if matter_type == ACCUSATION:
            accused_unit, name, position = self._accused(template)
            plan.unit = self.district.units[spec.DISCIPLINE]
            plan.accused_units = [accused_unit]
            plan.accused_persons = [{"name": name, "position": position}]
            accused_text = f"{name}（{position}）"
        if group and channel == "visit":
            # 信访工作条例 Art. 20: a group visit elects at most 5 representatives.
            plan.group_size = rng.randint(6, 60)
            plan.representatives = [gen.person(street=street) for _ in range(rng.randint(1, 4))]
        elif group:
            plan.group_size = rng.randint(2, 30)
            plan.petitioners += [gen.person(street=street) for _ in range(rng.randint(1, 2))]
        if channel == "service_point" and street is not None:
            plan.registered_unit = rng.choice(self.district.service_points_of(street))
        detour = scenario == "objected" or (matter_type in (CLAIM, SUGGESTION) and rng.random() < 0.1
                                            and scenario not in ("registered", "registered_overdue", "closed_forwarded"))
        if detour:
            plan.wrong_unit = self._wrong_unit(plan.unit, template, street)
        steps = self.timeline(self.script(plan), last_days=SCENARIOS[scenario].last_step_days)
        if steps is None:  # pragma: no cover - only with absurd settings
            raise RuntimeError(f"cannot place a {scenario} case in the demo's history")
        received = self._dated(plan, steps)
        plan.title, plan.content, plan.details = gen.petition(
            template=template, channel=channel, street=street, person=lead, when=received,
            group_size=plan.group_size, representatives=1 + len(plan.representatives), point=plan.registered_unit,
            accused_unit=plan.accused_units[0] if plan.accused_units else None, accused_person=accused_text)
        return plan

    def _dated(self, plan: CasePlan, steps: list[Step]) -> date:
        """Give ``plan`` its steps and its date of receipt, which is returned."""
        plan.steps = steps
        plan.received_at = self.received_at(plan.channel, steps[0].at)
        return plan.received_at.date()

    def repeat_plan(self, index: int, scenario: str, originals: list[CasePlan]) -> CasePlan | None:
        """The same petitioner raising the same matter again: while the case is open (linked, Art. 19 ¶3),
        after its re-review (not accepted again, Art. 36 ¶3), or after it closed (a new case)."""
        now = self.now
        if scenario == "linked":
            pool = [p for p in originals if p.matter_type == CLAIM and p.scenario not in REPEAT_SCENARIOS
                    and min(p.open_until(now), now) - p.steps[0].at > timedelta(days=4)]
        elif scenario == "final_after_re_review":
            pool = [p for p in originals if p.scenario == "closed_re_review"
                    and now - p.open_until(now) > timedelta(days=4)]
        else:
            pool = [p for p in originals if p.scenario == "closed_expired"
                    and now - p.open_until(now) > timedelta(days=20)]
        if not pool:
            return None
        original = self.rng.choice(pool)
        channel = self.rng.choice(["visit", "phone", "online", "letter"])
        plan = CasePlan(index=index, scenario=scenario, template=original.template, channel=channel,
                        street=original.street, unit=original.unit, petitioners=[original.petitioners[0]],
                        repeat_of=original)
        if scenario == "linked":
            start, end = original.steps[0].at + timedelta(days=1), min(original.open_until(now), now)
        else:
            start, end = original.open_until(now) + timedelta(days=2), now
        last_days = ((now - end).total_seconds() / 86400 + 1, (now - start).total_seconds() / 86400)
        if scenario == "repeat_new":
            # Mostly still in handling within its 60 days; older ones stay overdue.
            last_days = (max(1.0, last_days[0]), min(last_days[1], 55.0))
        steps = self.timeline(self.script(plan), last_days=last_days, not_before=start)
        if steps is None:
            return None
        received = self._dated(plan, steps)
        plan.title, plan.content, plan.details = self.gen.petition(
            template=original.template, channel=channel, street=original.street, person=original.petitioners[0],
            when=received, repeat_of=original.details)
        return plan

    def plans(self, cases: int) -> list[CasePlan]:
        """Every demo case, in no particular order (``seed`` replays the steps in date order)."""
        counts = scenario_counts(cases)
        order = [name for name in SCENARIOS if name not in REPEAT_SCENARIOS for _ in range(counts[name])]
        self.rng.shuffle(order)
        plans: list[CasePlan] = []
        # The first plans take one channel each, so that every channel appears.
        forced_channels = list(CHANNELS)
        for scenario in order:
            channel = None
            if forced_channels and (self.nth.get(scenario, 0) or scenario not in ("accepted", "closed_expired")):
                channel = forced_channels.pop(0)
            plans.append(self.base_plan(len(plans), scenario, channel=channel))
        originals = list(plans)
        for scenario in REPEAT_SCENARIOS:
            for _ in range(counts[scenario]):
                plan = self.repeat_plan(len(plans), scenario, originals)
                plans.append(plan or self.base_plan(len(plans), "accepted"))
        return plans
