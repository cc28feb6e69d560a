"""``demo_seed``: the demo district with users for every role and a few hundred petitions, every step
driven through the services under ``clock_at`` so that events, deadlines, documents and the audit log
carry realistic dates.

The steps of all cases are replayed in date order, with the nightly sweeps (closing cases whose review
window lapsed, marking overdue deadlines) run for every day of the demo's history — as the worker would
have — and once more at the end.
"""

from __future__ import annotations

import heapq
import random
import time as clock
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from unittest import mock

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from xinfang.accounts.models import Unit, User
from xinfang.accounts.services import user_create
from xinfang.cases.models import Case, CaseDeadline
from xinfang.cases.services import (
    case_accept,
    case_close_expired,
    case_extend,
    case_object,
    case_rate,
    case_re_review_decide,
    case_re_review_request,
    case_refuse,
    case_register,
    case_reply,
    case_review_decide,
    case_review_request,
    case_route,
)
from xinfang.cases.services.registration import query_code_format
from xinfang.core.clock import clock_at
from xinfang.deadlines.selectors import work_calendar
from xinfang.deadlines.services import deadlines_mark_overdue
from xinfang.demo import texts
from xinfang.demo.alerts import SURGE_CASES, SURGE_MIN_CASES, alerts_demo_seed, surge_plans
from xinfang.demo.assessment import assessment_demo_seed
from xinfang.demo.district import District, district_create
from xinfang.demo.generator import PetitionGenerator
from xinfang.demo.governance import governance_demo_seed
from xinfang.demo.grassroots import GRASSROOTS_CASES, MIN_CASES, demo_grassroots
from xinfang.demo.logins import (
    DEMO_PASSWORD,
    DISTRICT_ACCOUNTS,
    DemoLogin,
    demo_logins,
    handler_username,
    head_username,
)
from xinfang.demo.repeats import REPEAT_CASES, repeats_demo_seed
from xinfang.demo.scenarios import HISTORY_DAYS, CasePlan, Planner, Step
from xinfang.demo.texts import CLAIM, INFORMATION
from xinfang.notifications.models import OutboxMessage

__all__ = ["DEMO_PASSWORD", "DemoSummary", "demo_seed"]


@dataclass
class DemoSummary:
    """What ``demo_seed`` made: cases per status and per closing reason, units, users, the logins to
    print, and a few query codes to try the public tracking endpoint with."""

    cases: int = 0
    status_counts: dict[str, int] = field(default_factory=dict)
    closed_reasons: dict[str, int] = field(default_factory=dict)
    overdue_deadlines: int = 0
    units: int = 0
    users_created: int = 0
    logins: list[DemoLogin] = field(default_factory=list)
    query_codes: list[tuple[str, str, str]] = field(default_factory=list)
    # The street and category codes of the planted surge the early warning finds (xinfang/demo/alerts.py).
    surge: tuple[str, str] | None = None
    seconds: float = 0.0


@dataclass
class DemoUsers:
    """The demo accounts by duty: bureau staff and each handling unit's handler and head."""

    registrar: User
    officer: User
    handlers: dict[str, User]
    heads: dict[str, User]
    created: int


def demo_users_create(*, district: District, generator: PetitionGenerator) -> DemoUsers:
    """One account per district role, and a handler and a head for every handling unit, all with
    ``DEMO_PASSWORD``."""
    created: dict[str, User] = {}
    for username, role, unit_code in DISTRICT_ACCOUNTS:
        created[username] = user_create(username=username, role=role, full_name=generator.name(),
                                        unit=district.units[unit_code] if unit_code else None)
    handlers, heads = {}, {}
    for unit in district.handling_units():
        handlers[unit.code] = user_create(username=handler_username(unit.code), role=User.Role.HANDLER, unit=unit,
                                          full_name=generator.name())
        heads[unit.code] = user_create(username=head_username(unit.code), role=User.Role.UNIT_HEAD, unit=unit,
                                       full_name=generator.name())
    # One hash for all: the password hasher is slow on purpose (about half a second per hash).
    ids = [u.pk for u in [*created.values(), *handlers.values(), *heads.values()]]
    User.objects.filter(pk__in=ids).update(password=make_password(DEMO_PASSWORD))
    return DemoUsers(registrar=created["registrar"], officer=created["officer"], handlers=handlers, heads=heads,
                     created=len(ids))


@contextmanager
def _history_without_delivery() -> Iterator[None]:
    """The demo's history is in the past: its texts to petitioners and staff count as sent (set at the
    end), so no delivery job is queued for each of them."""
    with mock.patch("xinfang.notifications.tasks.outbox_deliver_task"):
        yield


class _Replay:
    """Runs the dated steps of every plan through the services, in date order."""

    def __init__(self, *, users: DemoUsers, generator: PetitionGenerator, rng: random.Random, district: District):
        self.users = users
        self.gen = generator
        self.rng = rng
        self.district = district
        self.petitioner = AnonymousUser()

    def run(self, plans: list[CasePlan], *, now: datetime) -> None:
        queue: list[tuple[datetime, int, CasePlan | None, int]] = []
        for each in plans:
            queue.append((each.steps[0].at, each.index, each, 0))
        tz = timezone.get_current_timezone()
        first = min(p.steps[0].at for p in plans).date() if plans else timezone.localdate(now)
        day = first + timedelta(days=1)
        sweep = len(plans)
        while day <= timezone.localdate(now):
            # The nightly sweep of the worker (xinfang.cases.tasks), once a day shortly after midnight.
            queue.append((datetime.combine(day, time(0, 30), tzinfo=tz), sweep, None, 0))
            sweep += 1
            day += timedelta(days=1)
        heapq.heapify(queue)
        while queue:
            at, order, plan, index = heapq.heappop(queue)
            with clock_at(at):
                if plan is None:
                    case_close_expired(today=timezone.localdate(at))
                    deadlines_mark_overdue(today=timezone.localdate(at))
                    continue
                step = plan.steps[index]
                try:
                    self.perform(plan, step)
                except Exception as exc:
                    raise RuntimeError(f"demo case {plan.index} ({plan.scenario}), step {step.action} at {at}: "
                                       f"{exc}") from exc
            if index + 1 < len(plan.steps):
                heapq.heappush(queue, (plan.steps[index + 1].at, order, plan, index + 1))

    def _handler(self, unit: Unit) -> User:
        return self.users.handlers[unit.code]

    def perform(self, plan: CasePlan, step: Step) -> None:
        """One step of one case, by the right person."""
        gen, rng, officer = self.gen, self.rng, self.users.officer
        case = plan.case
        action = step.action
        if action == "register":
            assert plan.received_at is not None  # noqa: S101 - set by the planner with the steps
            repeat_of = None
            if plan.repeat_of is not None:
                repeat_of = plan.repeat_of.case
                # The nightly sweep may have closed it since this process last looked.
                repeat_of.refresh_from_db(fields=["status", "closed_reason"])
            result = case_register(
                actor=self.users.registrar, channel=plan.channel, received_at=plan.received_at,
                matter_type=plan.matter_type, title=plan.title, content=plan.content, petitioners=plan.petitioners,
                group_size=plan.group_size, representatives=plan.representatives,
                category=self.district.categories[plan.template.category], street=plan.street,
                accused_units=plan.accused_units, accused_persons=plan.accused_persons, repeat_of=repeat_of,
                registered_unit=plan.registered_unit)
            plan.case, plan.query_code = result.case, result.query_code
        elif action in ("route", "route_wrong"):
            unit = plan.unit
            if action == "route_wrong":
                assert plan.wrong_unit is not None  # noqa: S101 - the script has this step only then
                unit = plan.wrong_unit
            # 交办 (with a report back) for group petitions and some others; 转送 for the rest (Art. 22).
            mode = Case.RouteMode.ASSIGN if plan.group_size > 5 or rng.random() < 0.25 else Case.RouteMode.TRANSFER
            notes = texts.ROUTE_NOTES["information" if plan.matter_type == INFORMATION else mode]
            case_route(case=case, unit=unit, mode=mode, actor=officer, note=gen.choice(notes))
        elif action == "object":
            assert plan.wrong_unit is not None  # noqa: S101 - the script has this step only then
            case_object(case=case, actor=self._handler(plan.wrong_unit),
                        reason=gen.objection(right_unit=plan.unit, street=plan.street))
        elif action == "accept":
            case_accept(case=case, actor=self._handler(plan.unit))
        elif action == "refuse":
            channel = plan.template.legal_channel
            case_refuse(case=case, actor=self._handler(plan.unit), reason=texts.REFUSAL_REASONS[channel],
                        legal_channel=channel)
        elif action == "extend":
            case_extend(case=case, actor=self.users.heads[plan.unit.code], days=rng.choice([15, 20, 30, 30]),
                        reason=gen.choice(texts.EXTENSION_REASONS))
        elif action == "reply":
            outcome = self._outcome(plan)
            case_reply(case=case, actor=self._handler(plan.unit), outcome=outcome,
                       text=gen.reply(matter_type=plan.matter_type, outcome=outcome, title=plan.title,
                                      street=plan.street, when=timezone.localdate()))
        elif action == "rate":
            case_rate(case=case, rating=step.params.get("rating") or self._rating(case), actor=self.petitioner)
        elif action == "review_request":
            case_review_request(case=case, reason=gen.choice(texts.REVIEW_REQUEST_REASONS), actor=self.petitioner)
        elif action == "review_decide":
            outcome = rng.choices(["uphold", "revise", "revoke"], weights=[75, 15, 10])[0]
            case_review_decide(case=case, actor=officer, outcome=outcome, text=texts.REVIEW_TEXTS[outcome])
        elif action == "re_review_request":
            case_re_review_request(case=case, reason=gen.choice(texts.RE_REVIEW_REQUEST_REASONS),
                                   actor=self.petitioner)
        elif action == "re_review_decide":
            outcome = rng.choices(["uphold", "revise"], weights=[85, 15])[0]
            case_re_review_decide(case=case, actor=officer, outcome=outcome, text=texts.RE_REVIEW_TEXTS[outcome])
        else:  # pragma: no cover - a scenario names an unknown step
            raise ValueError(action)

    def _outcome(self, plan: CasePlan) -> str:
        if plan.matter_type != CLAIM:
            return self.rng.choice(["support", "explain"])
        # Petitioners who go on to ask for review were mostly told no.
        if any(s.action == "review_request" for s in plan.steps):
            weights = [10, 45, 40, 5]
        else:
            weights = [38, 40, 12, 10]
        return self.rng.choices(["support", "explain", "reject", "mediated"], weights=weights)[0]

    def _rating(self, case: Case) -> str:
        weights = {"support": [85, 12, 3], "explain": [50, 38, 12], "reject": [15, 40, 45],
                   "mediated": [75, 22, 3]}.get(case.outcome, [70, 24, 6])
        return self.rng.choices(["satisfied", "basically_satisfied", "dissatisfied"], weights=weights)[0]


def _summary(plans: list[CasePlan], users: DemoUsers, district: District, started: float) -> DemoSummary:
    statuses = Counter(Case.objects.values_list("status", flat=True))
    reasons = Counter(Case.objects.filter(status=Case.Status.CLOSED).values_list("closed_reason", flat=True))
    summary = DemoSummary(
        cases=sum(statuses.values()),
        status_counts={s: statuses[s] for s in Case.Status.values if statuses[s]},
        closed_reasons=dict(sorted(reasons.items())),
        overdue_deadlines=CaseDeadline.objects.filter(overdue_at__isnull=False).count(),
        units=len(district.units), users_created=users.created, logins=demo_logins(),
    )
    # A few query codes to try the public tracking, rating and review endpoints with.
    current = dict(Case.objects.filter(pk__in=[p.case.pk for p in plans if p.case]).values_list("pk", "status"))
    wanted = [Case.Status.REPLIED, Case.Status.ACCEPTED, Case.Status.REVIEWED, Case.Status.CLOSED]
    for status in wanted:
        plan = next((p for p in plans if p.case and current.get(p.case.pk) == status), None)
        if plan is not None:
            summary.query_codes.append((plan.case.number, str(Case.Status(status).label),
                                        query_code_format(plan.query_code)))
    summary.seconds = round(clock.perf_counter() - started, 1)
    return summary


def _grassroots_seed(*, district: District, users: DemoUsers, generator: PetitionGenerator, now: datetime) -> None:
    """Mediation and grassroots work (xinfang/demo/grassroots.py), after the petitions' history."""
    demo_grassroots(district=district, generator=generator, now=now, registrar=users.registrar,
                    officer=users.officer, handlers=users.handlers, heads=users.heads)


def _governance_seed(*, users: DemoUsers, now: datetime, seed: int) -> None:
    """The backlog register with its leaders in charge, and supervision orders (xinfang/demo/governance.py),
    after the petitions' history; a random stream of its own, so the rest of the demo stays as it was."""
    governance_demo_seed(now=now, rng=random.Random(seed + 6), officer=users.officer,
                         leader=User.objects.get(username="leader"), handlers=users.handlers, heads=users.heads)


def demo_seed(*, cases: int = 300, seed: int = 2026, now: datetime | None = None) -> DemoSummary:
    """Create the demo district (units, categories, street routes), its users and ``cases`` petitions
    spread over the ~10 months before ``now``, all in one transaction. The same ``seed`` gives the same
    district, people and texts. Fails if the units already exist (run it on an empty database)."""
    started = clock.perf_counter()
    now = now or timezone.now()
    rng = random.Random(seed)
    generator = PetitionGenerator(rng=rng, today=timezone.localdate(now))
    with transaction.atomic(), _history_without_delivery():
        # The district and its staff exist before the first petition of the history.
        with clock_at(now - timedelta(days=HISTORY_DAYS + 20)):
            district = district_create()
            users = demo_users_create(district=district, generator=generator)
        planner = Planner(district=district, rng=rng, generator=generator, now=now, calendar=work_calendar())
        # The grassroots demo (service points, disputes, mediations, visits, reception days) registers a few
        # cases of its own: the planner makes that many fewer, so the demo has the number asked for.
        grassroots = GRASSROOTS_CASES if cases >= MIN_CASES else 0
        # The repeats demo (xinfang/demo/repeats.py) registers one more: a petition after re-review with
        # new facts, accepted as a new matter.
        repeats = REPEAT_CASES if cases >= MIN_CASES else 0
        # The surge of similar petitions in one street that the early warning finds (xinfang/demo/alerts.py):
        # replayed with the history, from a random stream of its own (the people from the generator).
        surge_cases = SURGE_CASES if cases >= SURGE_MIN_CASES else 0
        plans = planner.plans(cases - grassroots - repeats - surge_cases)
        surge = None
        if surge_cases:
            surge = surge_plans(district=district, generator=generator, calendar=planner.calendar, plans=plans,
                                rng=random.Random(seed + 10), now=now)
            plans += surge.plans
        _Replay(users=users, generator=generator, rng=rng, district=district).run(plans, now=now)
        if grassroots:
            _grassroots_seed(district=district, users=users, generator=generator, now=now)
        with clock_at(now):
            case_close_expired(today=timezone.localdate(now))
            deadlines_mark_overdue(today=timezone.localdate(now))
        _governance_seed(users=users, now=now, seed=seed)
        # This year's assessment scheme (xinfang/assessment, docs/assessment.md), saved by the officer.
        assessment_demo_seed(now=now, officer=users.officer)
        alerts_demo_seed(now=now, rng=random.Random(seed + 9), officer=users.officer,
                         leader=User.objects.get(username="leader"), surge=surge)
        if repeats:
            # The officer's case links and the override after re-review (issue 6): a stream of its own.
            repeats_demo_seed(now=now, rng=random.Random(seed + 7), officer=users.officer, registrar=users.registrar)
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).update(
            status=OutboxMessage.Status.SENT, sent_at=F("created_at"))
        summary = _summary(plans, users, district, started)
        summary.surge = (surge.street.code, surge.category) if surge else None
        return summary
