"""Shared by the governance tests: the clock at NOW, and ``gov`` — cases driven through the lifecycle
services and backlog entries and supervision orders made through the governance services, as the staff
would."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import translation

from tests.conftest import at
from xinfang.cases import services as case_services
from xinfang.cases.models import Case
from xinfang.core.clock import clock_at
from xinfang.governance import services
from xinfang.governance.models import BacklogEntry, SupervisionOrder

# Every governance test runs at NOW (a Monday).
NOW = at("2026-10-12 10:00")
TODAY = NOW.date()
# The handler persona of each unit a case may be routed to (tests/conftest.py).
HANDLERS = {"housing": "handler", "hr": "other_handler", "discipline": "discipline_handler",
            "street": "street_handler"}
PLAN = "由区领导牵头，区房管局、街道组成专班，约谈物业企业，三十日内完成电梯更换。"


@pytest.fixture(autouse=True)
def _frozen_clock():
    # In Chinese, whatever an earlier test's request left active (events are written in the actor's language).
    with clock_at(NOW), translation.override("zh-hans"):
        yield


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@dataclass
class Gov:
    """Builds cases, entries and orders through the services, as the right persona for each step."""

    personas: dict[str, Any]
    district: dict[str, Any]
    categories: dict[str, Any]
    counter: int = 0

    def case(self, *, received: datetime | None = None, channel: str = Case.Channel.LETTER, group_size: int = 1,
             matter_type: str = Case.MatterType.CLAIM, accused_units: tuple[str, ...] = (), to: str = "accepted",
             unit: str = "housing", repeat_of: Case | None = None, title: str = "") -> Case:
        """A case received at ``received`` (3 days ago by default) and driven to ``to`` (registered, routed,
        accepted, replied, reviewed)."""
        self.counter += 1
        received = received or NOW - timedelta(days=3)
        representatives = []
        if group_size > 5:
            representatives = [case_services.PetitionerInput(name="李四", id_number="", phone="")]
        with clock_at(received):
            result = case_services.case_register(
                actor=self.personas["registrar"], channel=channel, received_at=received, matter_type=matter_type,
                title=title or f"小区电梯长期故障{self.counter}",
                content=f"江川路某小区电梯已坏三个月（{self.counter}），物业一直不处理，请有关部门督促解决。",
                petitioners=[case_services.PetitionerInput(name="张三", id_number="", phone="")],
                group_size=group_size, representatives=representatives,
                category=self.categories["housing"], street=self.district["street"], force_new=True,
                accused_units=[self.district[u] for u in accused_units], repeat_of=repeat_of)
        case = result.case
        if to == "registered" or case.status != Case.Status.REGISTERED:
            return case
        case_services.case_route(case=case, unit=self.district[unit], mode=Case.RouteMode.TRANSFER,
                                 actor=self.personas["officer"])
        if to == "routed":
            return case
        handler = self.personas[HANDLERS[unit]]
        case_services.case_accept(case=case, actor=handler)
        if to == "accepted":
            return case
        case_services.case_reply(case=case, actor=handler, outcome=Case.Outcome.REJECT,
                                 text="经核查，电梯维修属业主大会决定事项，不予支持。")
        if to == "replied":
            return case
        case_services.case_review_request(case=case, reason="不服处理意见，请求复查")
        case_services.case_review_decide(case=case, actor=self.personas["officer"],
                                         outcome=Case.ReviewOutcome.UPHOLD, text="维持原处理意见，督促落实。")
        assert to == "reviewed"
        return case

    def entry(self, case: Case | None = None, *, leader: bool = True, **case_kwargs: Any) -> BacklogEntry:
        """A case entered by the officer, with the leader in charge unless ``leader=False``."""
        case = case or self.case(**case_kwargs)
        entry = services.backlog_register(case=case, actor=self.personas["officer"], reason="多次重复信访，矛盾突出")
        if leader:
            services.backlog_leader_assign(entry=entry, leader=self.personas["leader"], actor=self.personas["officer"])
            entry.refresh_from_db()
        return entry

    def order(self, case: Case | None = None, *, unit: str | None = None, due: date | None = None,
              actor: str = "officer") -> SupervisionOrder:
        if case is None and unit is None:
            case = self.case()
        return services.supervision_issue(
            actor=self.personas[actor], case=case, unit=self.district[unit] if unit else None,
            grounds=SupervisionOrder.Grounds.DELAY, text="该事项办理拖延，请立即研究处理并书面报告进展。",
            reply_due=due or TODAY + timedelta(days=10))


@pytest.fixture
def gov(personas, district, categories) -> Gov:
    return Gov(personas=personas, district=district, categories=categories)


def pytest_runtest_setup(item):  # noqa: ANN001 - pytest hook
    """Tests marked ``postgres_only`` need several connections to one database (SQLite's in-memory test
    database cannot give that): skipped on SQLite, before any fixture is set up."""
    if item.get_closest_marker("postgres_only"):
        from django.db import connection

        if connection.vendor != "postgresql":
            pytest.skip("needs PostgreSQL (run with DATABASE_URL=postgres://…)")
