"""Shared by the alerts tests: the clock at NOW, and ``plant`` — cases written straight into the tables
(hundreds of them for the statistics, where driving each through the services would only cost time; the
rules read nothing else)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import translation

from tests.conftest import at
from xinfang.alerts.models import SensitivePeriod
from xinfang.cases.models import Case, CaseAccused, CaseDeadline, CasePetitioner, Petitioner
from xinfang.core.clock import clock_at

NOW = at("2026-10-12 10:00")  # a Monday
TODAY = NOW.date()
_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with clock_at(NOW), translation.override("zh-hans"):
        yield


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@dataclass
class Plant:
    district: dict[str, Any]
    categories: dict[str, Any]
    people: dict[str, Petitioner] = field(default_factory=dict)

    def person(self, name: str) -> Petitioner:
        if name not in self.people:
            self.people[name] = Petitioner.objects.create(name=name)
        return self.people[name]

    def case(self, *, received: datetime, street: str | None = "street", category: str | None = "housing",
             unit: str | None = "housing", person: str | None = None, title: str = "小区电梯长期故障",
             content: str = "", status: str = Case.Status.ACCEPTED, repeat_of: Case | None = None,
             matter_type: str = Case.MatterType.CLAIM, group_size: int = 1,
             accused_units: tuple[str, ...] = ()) -> Case:
        n = next(_numbers)
        case = Case.objects.create(
            number=f"T{n:08d}", query_code_hash=f"plant-{n}", channel=Case.Channel.LETTER, received_at=received,
            matter_type=matter_type, title=title, content=content or f"{title}（第{n}件）", status=status,
            category=self.categories[category] if category else None,
            street=self.district[street] if street else None,
            handling_unit=self.district[unit] if unit else None, repeat_of=repeat_of, group_size=group_size)
        CasePetitioner.objects.create(case=case, petitioner=self.person(person or f"信访人{n}"), position=0)
        for code in accused_units:
            CaseAccused.objects.create(case=case, unit=self.district[code])
        return case

    def many(self, count: int, *, start: datetime, end: datetime, **kwargs: Any) -> list[Case]:
        """``count`` cases spread evenly between ``start`` and ``end``."""
        step = (end - start) / max(count, 1)
        return [self.case(received=start + step * i, **kwargs) for i in range(count)]

    def deadline(self, case: Case, *, due: date, start: date | None = None, met_at: datetime | None = None,
                 kind: str = "decide_by") -> CaseDeadline:
        return CaseDeadline.objects.create(case=case, kind=kind, start_date=start or due - timedelta(days=60),
                                           days=60, counting="calendar", due_date=due, met_at=met_at)


@pytest.fixture
def plant(district, categories) -> Plant:
    return Plant(district=district, categories=categories)


@pytest.fixture
def critical_period(personas) -> SensitivePeriod:
    return SensitivePeriod.objects.create(name="全国两会", start=TODAY - timedelta(days=2), end=TODAY + timedelta(days=8),
                                          level=SensitivePeriod.Level.CRITICAL, created_at=NOW,
                                          created_by=personas["officer"])
