"""The roll-up equals a live count over the gateway, after registrations, routing, status changes, a
category change and ratings, for every persona and scope; hand-computed figures on a small district;
overdue following the sweep, and the accusation rule subtracted live (docs/analytics.md)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import VALID_ID, at
from xinfang.analytics.models import DailyCount, RollupState
from xinfang.analytics.rollup import rollup_rebuild, rollup_refresh
from xinfang.analytics.selectors import overview, overview_breakdown, overview_live, scope_resolve
from xinfang.cases.models import Case
from xinfang.cases.services import PetitionerInput, case_rate
from xinfang.core.clock import clock_at
from xinfang.deadlines.services import deadlines_mark_overdue

START, END = date(2026, 1, 1), date(2026, 12, 31)
# Who looks, and at which scopes (every scope each may choose, and the default).
LOOKS = [("officer", ""), ("officer", "unit:MH-FGJ"), ("officer", "unit:MH-RSJ"), ("officer", "street:MH-JCL"),
         ("officer", "street:MH-XZ"), ("registrar", ""), ("leader", ""), ("leader", "unit:MH-JW"), ("handler", ""),
         ("head", ""), ("other_handler", ""), ("discipline_handler", ""), ("office_handler", "")]


def _rows() -> list[tuple]:
    return sorted(DailyCount.objects.values_list("day", "scope", "scope_id", "dim", "key", "new", "open", "group",
                                                 "repeat", "satisfied", "basically", "dissatisfied"))


def _assert_live(personas, start: date = START, end: date = END) -> None:
    for name, value in LOOKS:
        user = personas[name]
        scope = scope_resolve(user=user, value=value)
        data = overview(user=user, start=start, end=end, scope=scope)
        assert overview_breakdown(data) == overview_live(user=user, start=start, end=end, scope=scope), (name, value)


def _district(wf, district):
    """Eight cases over three days, in two streets, three categories, three channels; a group visit; a
    repeat; an accusation against the bureau itself (hidden from the bureau's staff, Art. 30 ¶3)."""
    made = {}
    made["a"] = wf.register("2026-06-01 09:00", title="小区电梯长期故障")
    made["b"] = wf.register("2026-06-01 10:00", channel=Case.Channel.VISIT, group_size=6, category="labour",
                            street=district["street2"], title="拖欠工资", id_number="", phone="13900000001",
                            representatives=[PetitionerInput(name="代表甲", id_number="", phone="13900000011",
                                                             address="莘庄1号")])
    made["c"] = wf.register("2026-06-01 11:00", channel=Case.Channel.ONLINE, category="property",
                            title="物业乱收费", id_number="", phone="13900000002")
    made["d"] = wf.register("2026-06-02 09:00", channel=Case.Channel.VISIT, group_size=3, title="噪声扰民",
                            id_number="", phone="13900000003")
    made["e"] = wf.register("2026-06-02 09:30", category=None, street=None, title="其他问题", id_number="",
                            phone="13900000004")
    made["x"] = wf.register("2026-06-02 10:00", matter_type=Case.MatterType.ACCUSATION, title="信访办干部违规",
                            accused_units=(district["bureau"],), id_number="", phone="13900000005")
    made["f"] = wf.register("2026-06-03 09:00", title="电梯又坏了", repeat_of=None, id_number=VALID_ID)
    return made


def test_rollup_equals_live_through_the_lifecycle(wf, personas, district, categories):
    made = _district(wf, district)
    rollup_rebuild()
    _assert_live(personas)

    # Routing, acceptance, a reply, a refusal, an accusation to the discipline body, a repeat, a rating.
    wf.route(made["a"], "2026-06-04 10:00")
    wf.route(made["b"], "2026-06-04 10:05", unit="hr")
    wf.route(made["c"], "2026-06-04 10:10")
    wf.route(made["x"], "2026-06-04 10:15", unit="discipline")
    wf.route(made["d"], "2026-06-04 10:20", unit="housing_office")
    wf.accept(made["a"], "2026-06-05 10:00")
    wf.accept(made["c"], "2026-06-05 10:05")
    wf.reply(made["a"], "2026-06-20 10:00")
    wf.refuse(made["b"], "2026-06-05 11:00", actor="other_handler")
    with clock_at(at("2026-06-21 10:00")):
        case_rate(case=Case.objects.get(pk=made["a"].pk), rating="basically_satisfied")
    made["g"] = wf.register("2026-06-22 09:00", repeat_of=made["a"], force_new=False, title="电梯仍未修好")
    _assert_live(personas)

    # A category change by a writer that bumps updated_at, as every writer of a case row does.
    Case.objects.filter(pk=made["c"].pk).update(category=categories["housing"], updated_at=at("2026-06-23 10:00"))
    _assert_live(personas)
    # What the refreshes left is exactly what a rebuild computes.
    refreshed = _rows()
    rollup_rebuild()
    assert _rows() == refreshed


def test_hand_computed_figures(wf, personas, district):
    made = _district(wf, district)
    wf.route(made["a"], "2026-06-04 10:00")
    wf.accept(made["a"], "2026-06-05 10:00")
    wf.reply(made["a"], "2026-06-20 10:00")
    with clock_at(at("2026-06-21 10:00")):
        case_rate(case=Case.objects.get(pk=made["a"].pk), rating="dissatisfied")
    officer, leader = personas["officer"], personas["leader"]
    data = overview(user=leader, start=START, end=END, scope=scope_resolve(user=leader))
    # The leader (unit: the district government) sees all seven.
    assert (data.new_cases, data.open, data.group_visits, data.repeats) == (7, 7, 1, 0)
    assert data.satisfaction.n == 1 and data.satisfaction.dissatisfied == 1
    assert {r.code: r.count for r in data.by_channel} == {"letter": 4, "visit": 2, "online": 1}
    assert {r.code: r.count for r in data.by_street} == {"MH-JCL": 5, "MH-XZ": 1, "": 1}
    assert {r.code: r.count for r in data.by_unit} == {"MH-FGJ": 1, "": 6}
    assert [(p.label, p.count) for p in data.monthly if p.count] == [("2026-06", 7)]
    assert sum(p.count for p in data.weekly) == 7 and len(data.monthly) == 12
    # The officer works at the bureau, which the accusation names: it is not counted for them.
    data = overview(user=officer, start=START, end=END, scope=scope_resolve(user=officer))
    assert data.new_cases == 6
    assert {r.code: r.count for r in data.by_matter} == {"claim": 6}
    # One street, one day.
    data = overview(user=officer, start=date(2026, 6, 1), end=date(2026, 6, 1),
                    scope=scope_resolve(user=officer, value="street:MH-JCL"))
    assert (data.new_cases, data.group_visits) == (2, 0)
    # A unit's figures: only the housing bureau's case.
    handler = personas["handler"]
    data = overview(user=handler, start=START, end=END, scope=scope_resolve(user=handler))
    assert (data.new_cases, data.open, data.satisfaction.dissatisfied) == (1, 1, 1)


def test_overdue_follows_the_sweep_without_a_case_update(wf, personas, district):
    case = wf.route(wf.register("2026-06-01 09:00"), "2026-06-02 10:00")
    wf.register("2026-06-01 10:00", id_number="", phone="13900000009")
    officer = personas["officer"]
    scope = scope_resolve(user=officer)
    assert overview(user=officer, start=START, end=END, scope=scope).overdue == 0
    stamp = Case.objects.get(pk=case.pk).updated_at
    with clock_at(at("2026-07-01 09:00")):
        assert deadlines_mark_overdue(today=date(2026, 7, 1)) >= 2
    assert Case.objects.get(pk=case.pk).updated_at == stamp  # no case update …
    data = overview(user=officer, start=START, end=END, scope=scope)
    assert data.overdue == 2  # … and the roll-up still follows (the overdue watermark)
    handler = personas["handler"]
    assert overview(user=handler, start=START, end=END, scope=scope_resolve(user=handler)).overdue == 1


def test_a_refresh_without_changes_writes_nothing(wf, personas):
    wf.register("2026-06-01 09:00")
    first = rollup_refresh()
    assert first.rebuilt
    state = RollupState.objects.get()
    again = rollup_refresh()
    assert not again.rebuilt and again.days == [] and again.rows == 0
    assert RollupState.objects.get().refreshed_at == state.refreshed_at
    wf.register("2026-06-02 09:00", id_number="", phone="13900000010")
    third = rollup_refresh()
    assert third.days == [date(2026, 6, 2)] and third.cases == 1


def test_scopes_outside_the_user_are_not_found(personas, district):
    from xinfang.core.errors import NotFound

    handler = personas["handler"]
    for value in ("district", "unit:MH-RSJ", "street:MH-JCL", "unit:NOPE", "garbage"):
        with pytest.raises(NotFound):
            scope_resolve(user=handler, value=value)
    with pytest.raises(NotFound):
        scope_resolve(user=personas["system_admin"])
    # A district-wide role's unit scope is the unit and the units below it.
    assert set(scope_resolve(user=personas["officer"], value="unit:MH-FGJ").unit_ids) == {
        district["housing"].pk, district["housing_office"].pk}
    # A unit member whose unit does not see its sub-units gets their own unit only.
    assert scope_resolve(user=handler).unit_ids == (district["housing"].pk,)
