"""The case list filters the analytics drill-downs added to ``CaseFilterSet`` (xinfang/cases/filters.py):
``unit_tree``, ``group``, ``repeat``, ``rating`` — each narrows a scoped queryset, never widens it."""

from __future__ import annotations

from tests.conftest import at
from xinfang.accounts.access import cases_visible_to
from xinfang.cases.filters import CaseFilterSet
from xinfang.cases.models import Case
from xinfang.cases.services import PetitionerInput, case_rate
from xinfang.core.clock import clock_at


def _numbers(user, **params) -> set[str]:
    filterset = CaseFilterSet(params, queryset=cases_visible_to(user))
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("number", flat=True))


def test_drill_down_filters(wf, personas, district):
    top = wf.route(wf.register("2026-06-01 09:00"), "2026-06-02 10:00", unit="housing")
    office = wf.route(wf.register("2026-06-01 10:00", id_number="", phone="13900000001"), "2026-06-02 10:05",
                      unit="housing_office")
    hr = wf.route(wf.register("2026-06-01 11:00", category="labour", id_number="", phone="13900000002"),
                  "2026-06-02 10:10", unit="hr")
    group = wf.register("2026-06-03 09:00", channel=Case.Channel.VISIT, group_size=6, id_number="",
                        phone="13900000003", representatives=[
                            PetitionerInput(name="代表甲", id_number="", phone="13900000011", address="江川路1号")])
    small = wf.register("2026-06-03 10:00", channel=Case.Channel.VISIT, group_size=4, id_number="",
                        phone="13900000004")
    wf.accept(top, "2026-06-04 10:00")
    wf.reply(top, "2026-06-10 10:00")
    with clock_at(at("2026-06-11 10:00")):
        case_rate(case=Case.objects.get(pk=top.pk), rating="dissatisfied")
    repeat = wf.register("2026-06-12 09:00", repeat_of=top, force_new=False, title="电梯仍未修好")
    officer, handler = personas["officer"], personas["handler"]

    assert _numbers(officer, unit_tree="MH-FGJ") == {top.number, office.number}
    assert _numbers(officer, unit_tree="MH-RSJ") == {hr.number}
    assert _numbers(officer, unit_tree="NOPE") == set()
    # Never wider than the reader's scope: the housing handler does not see the office's case.
    assert _numbers(handler, unit_tree="MH-FGJ") == {top.number}
    assert _numbers(officer, group="1") == {group.number}
    assert small.number not in _numbers(officer, group="true")
    assert _numbers(officer, repeat="1") == {repeat.number}
    assert _numbers(officer, rating="dissatisfied") == {top.number}
    assert _numbers(officer, rating="satisfied") == set()
    assert len(_numbers(officer)) == 6


def test_the_case_list_names_the_drill_down_filters_and_keeps_them(wf, personas, district, client):
    group = wf.register("2026-06-03 09:00", channel=Case.Channel.VISIT, group_size=6, id_number="",
                        phone="13900000003", representatives=[
                            PetitionerInput(name="代表甲", id_number="", phone="13900000011", address="江川路1号")])
    wf.register("2026-06-03 10:00", id_number="", phone="13900000004")
    client.force_login(personas["officer"])
    body = client.get("/cases/list/", {"group": "1", "unit_tree": "MH-FGJ"}).content.decode()
    # The filters the form has no field for are named, kept for the next search and can be dropped.
    assert "来自形势研判的筛选" in body and "集体访（5人以上）" in body and "区房管局及其下级单位承办" in body
    assert '<input type="hidden" name="group" value="1">' in body
    assert '<input type="hidden" name="unit_tree" value="MH-FGJ">' in body
    assert group.number not in body  # not routed to the housing bureau: filtered out
    body = client.get("/cases/list/", {"group": "1"}).content.decode()
    assert group.number in body and "区房管局及其下级单位承办" not in body
    assert "来自形势研判的筛选" not in client.get("/cases/list/").content.decode()


def test_a_nul_byte_in_a_filter_narrows_to_nothing(wf, personas):
    """PostgreSQL refuses NUL in a query (schemathesis found the 500): such a value matches no case."""
    case = wf.register("2026-06-01 09:00")
    officer = personas["officer"]
    assert _numbers(officer, number=case.number) == {case.number}
    assert _numbers(officer, number=case.number[:-1] + "\x00" + case.number[-1]) == set()
    assert _numbers(officer, q="电梯\x00", unit="MH\x00FGJ", status="registered,\x00") == set()
    assert _numbers(officer, status="registered,\x00") == {case.number}
