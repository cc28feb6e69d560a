"""A small hand-built year (2026) for the assessment tests: every step done by the services, as the staff
would, at a set time. The figures each metric must give are worked out by hand in ``EXPECTED`` below.

Cases (all 申诉求决, received by the bureau's registrar, category 住房保障):

- A  received 03-02, routed 03-05 → housing (route due 03-17: on time), accepted 03-10 (accept due 03-20:
     on time), replied 04-01 (decide due 05-09: on time), rated 满意; supervised (order on the case, due
     06-10, replied 06-05: on time).
- B  received 03-02, routed 03-20 (late), accepted 04-10 (accept due ~04-04: late), extended by 30 days
     on 05-20 (decide due 06-09 → ~07-09), replied 07-01 (on time thanks to the extension), rated 不满意;
     on the backlog register from 07-01, still open.
- C  received 03-02, routed 03-05, accepted 03-06, replied 06-01 (decide due 05-05: late), not rated; on
     the backlog register from 07-01, closed 案结事了 on 09-01.
- D  received 03-02, routed 03-05 → housing, housing objects 03-06, the bureau routes it back to housing on
     03-10 (the objection overruled); housing never accepts (accept due 03-25 passed: late).
- E  received 03-02, routed 03-05 → housing, housing objects 03-06, the bureau routes it to hr on 03-09
     (objection upheld); hr accepts 03-09 and never replies (decide due ~05-08 passed: late).
- F  received 05-01 by the same petitioner as A, registered as a repeat of A (A still open: joined).
- G  received 06-01, routed 06-02 → hr, accepted 06-03, replied 06-10 (on time), not rated; linked by an
     officer as a repeat of E (CaseLink) on 06-11.
- An order on the housing unit itself (no case), issued 06-01, due 06-10, replied 06-15 (late); an order on
  hr, due 12-31, not replied (not yet due on NOW: not counted).
- H  received 2025-12-01 and routed the same day: outside 2026 for every metric.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import translation

from tests.conftest import at
from xinfang.cases import services as case_services
from xinfang.cases.models import Case, CaseRating
from xinfang.core.clock import clock_at
from xinfang.governance import services as governance
from xinfang.governance.models import BacklogEntry, SupervisionOrder
from xinfang.petitioners.models import CaseLink
from xinfang.petitioners.services import case_link

NOW = at("2026-11-20 10:00")
YEAR = 2026

# (numerator, n) per metric and unit key, worked out by hand from the story above.
EXPECTED: dict[str, dict[str, tuple[int, int]]] = {
    # A✓ B✗ C✓ D✓ E✓ (D and E: the deadline restarted by the objection, met by the new routing) G✓; H is 2025.
    "route_on_time": {"bureau": (5, 6)},
    "accept_on_time": {"housing": (2, 4), "hr": (2, 2)},
    "decide_on_time": {"housing": (2, 3), "hr": (1, 2)},
    "rating_participation": {"housing": (2, 3), "hr": (0, 1)},
    "satisfaction": {"housing": (1, 2)},
    "repeat_rate": {"housing": (1, 5), "hr": (1, 2)},
    "backlog_resolution": {"housing": (1, 2)},
    "objection_overruled": {"housing": (1, 2)},
    "supervision_on_time": {"housing": (1, 2)},
}


@pytest.fixture(autouse=True)
def _chinese_and_clean_cache():
    cache.clear()
    with translation.override("zh-hans"):
        yield
    cache.clear()


class World:
    """The cases of the story, by letter, and the helpers that made them."""

    def __init__(self, personas: dict[str, Any], district: dict[str, Any], categories: dict[str, Any]) -> None:
        self.p, self.d, self.c = personas, district, categories
        self.cases: dict[str, Case] = {}
        self.orders: dict[str, SupervisionOrder] = {}

    def register(self, letter: str, when: str, *, repeat_of: Case | None = None, name: str = "") -> Case:
        received = at(when)
        with clock_at(received):
            result = case_services.case_register(
                actor=self.p["registrar"], channel=Case.Channel.LETTER, received_at=received,
                matter_type=Case.MatterType.CLAIM, title=f"小区电梯长期故障{letter}",
                content=f"江川路某小区电梯已坏三个月（{letter}），物业一直不处理，请有关部门督促解决。",
                petitioners=[case_services.PetitionerInput(name=name or f"张{letter}", id_number="", phone="")],
                category=self.c["housing"], street=self.d["street"], force_new=repeat_of is None,
                repeat_of=repeat_of)
        self.cases[letter] = result.case
        return result.case

    def _fresh(self, case: Case) -> Case:
        return Case.objects.select_related("handling_unit").get(pk=case.pk)

    def route(self, case: Case, when: str, unit: str) -> None:
        with clock_at(at(when)):
            case_services.case_route(case=self._fresh(case), unit=self.d[unit], mode=Case.RouteMode.TRANSFER,
                                     actor=self.p["officer"])

    def accept(self, case: Case, when: str, who: str = "handler") -> None:
        with clock_at(at(when)):
            case_services.case_accept(case=self._fresh(case), actor=self.p[who])

    def object(self, case: Case, when: str) -> None:
        with clock_at(at(when)):
            case_services.case_object(case=self._fresh(case), actor=self.p["handler"], reason="不属于本单位职权范围")

    def extend(self, case: Case, when: str, days: int) -> None:
        with clock_at(at(when)):
            case_services.case_extend(case=self._fresh(case), actor=self.p["head"], days=days, reason="需要现场勘验")

    def reply(self, case: Case, when: str, who: str = "handler") -> None:
        with clock_at(at(when)):
            case_services.case_reply(case=self._fresh(case), actor=self.p[who], outcome=Case.Outcome.EXPLAIN,
                                     text="经核查，已督促物业企业限期维修电梯，现予解释说明。")

    def rate(self, case: Case, when: str, rating: str) -> None:
        with clock_at(at(when)):
            case_services.case_rate(case=self._fresh(case), rating=rating)


def build_world(personas: dict[str, Any], district: dict[str, Any], categories: dict[str, Any]) -> World:
    w = World(personas, district, categories)
    h = w.register("H", "2025-12-01 09:00")
    w.route(h, "2025-12-01 15:00", "housing")

    a = w.register("A", "2026-03-02 09:00", name="张三")
    w.route(a, "2026-03-05 10:00", "housing")
    w.accept(a, "2026-03-10 10:00")
    w.reply(a, "2026-04-01 10:00")
    w.rate(a, "2026-04-03 10:00", CaseRating.Rating.SATISFIED)

    b = w.register("B", "2026-03-02 09:10")
    w.route(b, "2026-03-20 10:00", "housing")
    w.accept(b, "2026-04-10 10:00")
    w.extend(b, "2026-05-20 10:00", 30)
    w.reply(b, "2026-07-01 10:00")
    w.rate(b, "2026-07-02 10:00", CaseRating.Rating.DISSATISFIED)

    c = w.register("C", "2026-03-02 09:20")
    w.route(c, "2026-03-05 10:00", "housing")
    w.accept(c, "2026-03-06 10:00")
    w.reply(c, "2026-06-01 10:00")

    d = w.register("D", "2026-03-02 09:30")
    w.route(d, "2026-03-05 10:00", "housing")
    w.object(d, "2026-03-06 10:00")
    w.route(d, "2026-03-10 10:00", "housing")

    e = w.register("E", "2026-03-02 09:40")
    w.route(e, "2026-03-05 10:00", "housing")
    w.object(e, "2026-03-06 11:00")
    w.route(e, "2026-03-09 10:00", "hr")
    w.accept(e, "2026-03-09 15:00", who="other_handler")

    w.register("F", "2026-05-01 09:00", repeat_of=Case.objects.get(pk=a.pk), name="张三")

    g = w.register("G", "2026-06-01 09:00")
    w.route(g, "2026-06-02 10:00", "hr")
    w.accept(g, "2026-06-03 10:00", who="other_handler")
    w.reply(g, "2026-06-10 10:00", who="other_handler")
    with clock_at(at("2026-06-11 10:00")):
        case_link(actor=personas["officer"], case=g, other=e, kind=CaseLink.Kind.REPEAT_OF, note="同一事项再次反映")

    with clock_at(at("2026-06-01 10:00")):
        w.orders["case"] = governance.supervision_issue(
            actor=personas["officer"], case=Case.objects.get(pk=a.pk), grounds=SupervisionOrder.Grounds.DELAY,
            text="该事项办理拖延，请立即研究处理并书面报告进展。", reply_due=date(2026, 6, 10))
        w.orders["unit"] = governance.supervision_issue(
            actor=personas["officer"], unit=district["housing"], grounds=SupervisionOrder.Grounds.DELAY,
            text="该单位多件事项办理拖延，请书面报告整改情况。", reply_due=date(2026, 6, 10))
        w.orders["future"] = governance.supervision_issue(
            actor=personas["officer"], unit=district["hr"], grounds=SupervisionOrder.Grounds.DELAY,
            text="请书面报告年度积案化解情况和下一步措施。", reply_due=date(2026, 12, 31))
    with clock_at(at("2026-06-05 10:00")):
        governance.supervision_reply(order=w.orders["case"], actor=personas["handler"], text="已督促物业维修，近期完成。")
    with clock_at(at("2026-06-15 10:00")):
        governance.supervision_reply(order=w.orders["unit"], actor=personas["handler"], text="已逐件排查并制定整改方案。")

    with clock_at(at("2026-07-01 10:00")):
        entry_b = governance.backlog_register(case=Case.objects.get(pk=b.pk), actor=personas["officer"],
                                              reason="多次信访，矛盾突出")
        entry_c = governance.backlog_register(case=Case.objects.get(pk=c.pk), actor=personas["officer"],
                                              reason="多次信访，矛盾突出")
        governance.backlog_leader_assign(entry=entry_c, leader=personas["leader"], actor=personas["officer"])
    assert entry_b.unit_id == district["housing"].pk
    with clock_at(at("2026-09-01 10:00")):
        governance.backlog_close(entry=BacklogEntry.objects.get(pk=entry_c.pk), actor=personas["leader"],
                                 outcome=BacklogEntry.Outcome.RESOLVED, summary="电梯已更换，信访人表示满意。")
    for letter in w.cases:
        w.cases[letter] = Case.objects.get(pk=w.cases[letter].pk)
    return w


@pytest.fixture
def world(personas, district, categories) -> World:
    return build_world(personas, district, categories)


@pytest.fixture
def now():
    with clock_at(NOW):
        yield NOW


def local(day: str) -> datetime:
    return at(day)
