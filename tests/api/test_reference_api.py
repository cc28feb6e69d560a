"""Reference data in the API: readable by staff (streets, routing table, the holiday calendar), administered
under /api/v1/reference/ with the permissions of the reference pages (the system admin's), through the
pages' services: audited, and a refused write changes nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.api.builders import assert_error, check_each
from xinfang.accounts.models import Unit
from xinfang.cases.models import Category, CategoryStreetRoute
from xinfang.core.models import AuditEntry
from xinfang.deadlines.models import CalendarDay, CalendarYear
from xinfang.deadlines.services import calendar_load

# -- readable by staff ---------------------------------------------------------------------------------


def test_streets_and_other_kinds(api, district):
    response = api("registrar").get("/api/v1/units/", {"kind": "street"})
    assert response.status_code == 200
    assert {u["code"] for u in response.json()} == {"MH-JCL", "MH-XZ"}
    assert_error(api("registrar").get("/api/v1/units/", {"kind": "planet"}), 400, "kind")


def test_routing_table(api, district, categories):
    CategoryStreetRoute.objects.create(category=categories["housing"], street=district["street"],
                                       unit=district["street"])
    assert api("handler").get("/api/v1/categories/routes/").json() == [
        {"category": "ZFBZ", "street": {"code": "MH-JCL", "name": "江川路街道"},
         "unit": {"code": "MH-JCL", "name": "江川路街道"}}]
    assert_error(api(None).get("/api/v1/categories/routes/"), 401)


def test_calendar_years_and_days(api, db):
    calendar_load(rows=[], years=[2026], source="test", audit=False)  # an official year without special days
    CalendarDay.objects.create(date=date(2026, 10, 1), kind=CalendarDay.Kind.HOLIDAY, name="国庆节")
    CalendarDay.objects.create(date=date(2026, 10, 10), kind=CalendarDay.Kind.WORKDAY, name="国庆节调休")
    body = api("handler").get("/api/v1/calendar/").json()
    years = {y["year"]: y for y in body["years"]}
    assert years[2026]["official"] and years[2026]["source"] == "test"
    assert (years[2026]["holidays"], years[2026]["workdays"]) == (1, 1)
    assert years[2027]["official"] is False and years[2027]["source"] is None
    assert isinstance(body["provisional_deadlines"], int)
    year = api("handler").get("/api/v1/calendar/2026/").json()
    assert year["days"] == [{"date": "2026-10-01", "kind": "holiday", "name": "国庆节"},
                            {"date": "2026-10-10", "kind": "workday", "name": "国庆节调休"}]
    assert api("handler").get("/api/v1/calendar/2031/").json()["official"] is False
    assert_error(api("handler").get("/api/v1/calendar/1999/"), 404)
    assert_error(api(None).get("/api/v1/calendar/"), 401)


# -- the units page ------------------------------------------------------------------------------------

def _unit_body(**overrides: Any) -> dict[str, Any]:
    return {"code": "MH-WJW", "name": "区卫健委", "kind": "department", "parent": "MH", "sort": 5,
            "scope_includes_children": False, **overrides}


def test_units_admin(api, district, personas):
    admin = api("system_admin")
    district["street2"].active = False
    district["street2"].save(update_fields=["active"])
    tree = admin.get("/api/v1/reference/units/").json()
    rows = {u["code"]: u for u in tree}
    assert rows["MH-XZ"]["active"] is False  # the whole tree, inactive units too
    assert rows["MH"]["depth"] == 0 and rows["MH-FGJ-01"]["depth"] == 2
    assert tree[0]["code"] == "MH"
    created = admin.post("/api/v1/reference/units/", _unit_body(), format="json")
    assert created.status_code == 201, created.content
    assert created.json() | {"users": 0} == {**_unit_body(), "active": True, "depth": 1, "users": 0,
                                             "descendants": 0}
    assert AuditEntry.objects.filter(action="unit.create", username="sysadmin").exists()
    moved = admin.put("/api/v1/reference/units/MH-WJW/", _unit_body(name="区卫生健康委", parent="MH-FGJ"),
                      format="json")
    assert moved.status_code == 200 and moved.json()["depth"] == 2 and moved.json()["name"] == "区卫生健康委"
    assert Unit.objects.get(code="MH-WJW").path.startswith(district["housing"].path)
    detail = admin.get("/api/v1/reference/units/MH-FGJ/").json()
    assert detail["users"] == 2 and detail["descendants"] == 2
    off = admin.post("/api/v1/reference/units/MH-WJW/deactivate/", format="json")
    assert off.status_code == 200 and off.json()["active"] is False
    on = admin.post("/api/v1/reference/units/MH-WJW/reactivate/", {}, format="json")
    assert on.status_code == 200 and on.json()["active"] is True


def test_unit_refusals_change_nothing(api, district):
    admin = api("system_admin")
    before = list(Unit.objects.order_by("pk").values_list("code", "name", "parent_id", "path", "active"))
    refused = admin.post("/api/v1/reference/units/MH-FGJ/deactivate/", format="json")
    body = assert_error(refused, 400, "active")
    assert len(body["errors"]["active"]) >= 2  # sub-units, users
    check_each({
        "code taken": lambda: assert_error(admin.post("/api/v1/reference/units/", _unit_body(code="MH-FGJ"),
                                                      format="json"), 400, "code"),
        "unknown parent": lambda: assert_error(admin.post("/api/v1/reference/units/", _unit_body(parent="NOPE"),
                                                          format="json"), 400, "parent"),
        "unknown kind": lambda: assert_error(admin.post("/api/v1/reference/units/", _unit_body(kind="planet"),
                                                        format="json"), 400, "kind"),
        "a cycle": lambda: assert_error(admin.put("/api/v1/reference/units/MH-FGJ/", _unit_body(
            code="MH-FGJ", name="区房管局", parent="MH-FGJ-01"), format="json"), 400, "parent"),
        "no such unit": lambda: assert_error(admin.get("/api/v1/reference/units/NOPE/"), 404),
        "no such unit to change": lambda: assert_error(admin.put("/api/v1/reference/units/NOPE/", _unit_body(),
                                                                 format="json"), 404),
        "the officer may not": lambda: assert_error(api("officer").get("/api/v1/reference/units/"), 403),
        "nor create": lambda: assert_error(api("officer").post("/api/v1/reference/units/", _unit_body(),
                                                               format="json"), 403),
        "the security admin neither": lambda: assert_error(
            api("security_admin").post("/api/v1/reference/units/MH-XZ/deactivate/", format="json"), 403),
        "anonymous": lambda: assert_error(api(None).get("/api/v1/reference/units/"), 401),
    })
    assert list(Unit.objects.order_by("pk").values_list("code", "name", "parent_id", "path", "active")) == before


# -- the categories page --------------------------------------------------------------------------------

def test_categories_admin(api, district, categories):
    admin = api("system_admin")
    Category.objects.create(code="OLD", name="停用分类", active=False)
    tree = {c["code"]: c for c in admin.get("/api/v1/reference/categories/").json()}
    assert tree["OLD"]["active"] is False and tree["ZFBZ"]["default_unit"] == {"code": "MH-FGJ", "name": "区房管局"}
    created = admin.post("/api/v1/reference/categories/", {"code": "WSJK", "name": "卫生健康", "parent": "ZFBZ",
                                                           "default_unit": "MH-RSJ", "keywords": "医院 疫苗"},
                         format="json")
    assert created.status_code == 201, created.content
    assert created.json()["parent"] == "ZFBZ" and created.json()["depth"] == 1
    assert created.json()["keywords"] == "医院 疫苗"
    changed = admin.put("/api/v1/reference/categories/WSJK/", {"code": "WSJK", "name": "卫生计生", "parent": None,
                                                               "default_unit": None, "active": False}, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.json() == {"code": "WSJK", "name": "卫生计生", "parent": None, "default_unit": None,
                              "active": False, "sort": 0, "depth": 0, "street_routes": [],
                              "keywords": "医院 疫苗"}  # left out: unchanged
    routes = admin.put("/api/v1/reference/categories/ZFBZ/routes/",
                       {"routes": [{"street": "MH-JCL", "unit": "MH-JCL"}]}, format="json")
    assert routes.status_code == 200 and routes.json() == {"changed": 1}
    assert [r["street"]["code"] for r in admin.get("/api/v1/reference/categories/ZFBZ/").json()["street_routes"]] \
        == ["MH-JCL"]
    # The whole table: a street left out falls back to the default.
    assert admin.put("/api/v1/reference/categories/ZFBZ/routes/", {"routes": []}, format="json").json() == \
        {"changed": 1}
    assert not CategoryStreetRoute.objects.exists()
    assert AuditEntry.objects.filter(action="category.route_set").count() == 2


def test_category_refusals(api, district, categories):
    admin = api("system_admin")
    check_each({
        "code taken": lambda: assert_error(admin.post("/api/v1/reference/categories/", {"code": "ZFBZ", "name": "x"},
                                                      format="json"), 400, "code"),
        "unknown unit": lambda: assert_error(admin.post("/api/v1/reference/categories/", {
            "code": "NEW", "name": "x", "default_unit": "NOPE"}, format="json"), 400, "default_unit"),
        "a cycle": lambda: assert_error(admin.put("/api/v1/reference/categories/ZFBZ/", {
            "code": "ZFBZ", "name": "住房保障", "parent": "ZFBZ"}, format="json"), 400, "parent"),
        "not a street": lambda: assert_error(admin.put("/api/v1/reference/categories/ZFBZ/routes/", {
            "routes": [{"street": "MH-FGJ", "unit": "MH-FGJ"}]}, format="json"), 400, "routes"),
        "unknown route unit": lambda: assert_error(admin.put("/api/v1/reference/categories/ZFBZ/routes/", {
            "routes": [{"street": "MH-JCL", "unit": "NOPE"}]}, format="json"), 400, "routes"),
        "no such category": lambda: assert_error(admin.get("/api/v1/reference/categories/NOPE/"), 404),
        "the registrar may not": lambda: assert_error(api("registrar").get("/api/v1/reference/categories/"), 403),
        "nor route": lambda: assert_error(api("officer").put("/api/v1/reference/categories/ZFBZ/routes/",
                                                             {"routes": []}, format="json"), 403),
    })
    assert not Category.objects.filter(code="NEW").exists() and not CategoryStreetRoute.objects.exists()


# -- the calendar page ------------------------------------------------------------------------------------

@pytest.fixture
def year_2027() -> dict[str, Any]:
    return {"years": [2027], "source": "国务院办公厅通知", "days": [
        {"date": "2027-01-01", "kind": "holiday", "name": "元旦"},
        {"date": "2027-02-06", "kind": "workday", "name": "春节调休"}]}


def test_calendar_load_and_day_set(api, db, year_2027):
    admin = api("system_admin")
    loaded = admin.post("/api/v1/calendar/", year_2027, format="json")
    assert loaded.status_code == 200, loaded.content
    assert loaded.json() == {"years": [2027], "days": 2, "recomputed": 0}
    assert CalendarYear.objects.get(year=2027).source == "国务院办公厅通知"
    assert AuditEntry.objects.filter(action="calendar.load", username="sysadmin").exists()
    holiday = admin.put("/api/v1/calendar/days/2027-01-04/", {"kind": "holiday", "name": "元旦调休"}, format="json")
    assert holiday.status_code == 200 and holiday.json() == {"date": "2027-01-04", "kind": "holiday",
                                                             "name": "元旦调休"}
    ordinary = admin.put("/api/v1/calendar/days/2027-01-04/", {"kind": None}, format="json")
    assert ordinary.json() == {"date": "2027-01-04", "kind": None, "name": ""}
    assert not CalendarDay.objects.filter(date=date(2027, 1, 4)).exists()


def test_calendar_refusals_change_nothing(api, db, year_2027):
    admin = api("system_admin")
    admin.post("/api/v1/calendar/", year_2027, format="json")
    before = list(CalendarDay.objects.values_list("date", "kind", "name"))
    check_each({
        "a day of another year": lambda: assert_error(admin.post("/api/v1/calendar/", {
            **year_2027, "days": [*year_2027["days"], {"date": "2028-01-01", "kind": "holiday"}]}, format="json"),
            400),
        "a make-up day on a weekday": lambda: assert_error(admin.post("/api/v1/calendar/", {
            "years": [2027], "days": [{"date": "2027-01-05", "kind": "workday"}]}, format="json"), 400),
        "a bad date": lambda: assert_error(admin.post("/api/v1/calendar/", {
            "days": [{"date": "2027-02-30", "kind": "holiday"}]}, format="json"), 400),
        "no days, no years": lambda: assert_error(admin.post("/api/v1/calendar/", {"days": []}, format="json"), 400),
        "a year out of range": lambda: assert_error(admin.post("/api/v1/calendar/", {"years": [1999], "days": []},
                                                               format="json"), 400),
        "day: workday on a weekday": lambda: assert_error(admin.put("/api/v1/calendar/days/2027-01-05/",
                                                                    {"kind": "workday"}, format="json"), 400, "kind"),
        "day: a year not loaded": lambda: assert_error(admin.put("/api/v1/calendar/days/2029-01-05/",
                                                                 {"kind": "holiday"}, format="json"), 400, "date"),
        "day: not a date": lambda: assert_error(admin.put("/api/v1/calendar/days/tomorrow/", {"kind": "holiday"},
                                                          format="json"), 404),
        "day: no kind": lambda: assert_error(admin.put("/api/v1/calendar/days/2027-01-05/", {}, format="json"), 400,
                                             "kind"),
        "the officer may not load": lambda: assert_error(api("officer").post("/api/v1/calendar/", year_2027,
                                                                             format="json"), 403),
        "nor edit a day": lambda: assert_error(api("officer").put("/api/v1/calendar/days/2027-01-05/",
                                                                  {"kind": "holiday"}, format="json"), 403),
    })
    assert list(CalendarDay.objects.values_list("date", "kind", "name")) == before


def test_head_needs_what_get_needs(api, district):
    assert api("officer").head("/api/v1/reference/units/").status_code == 403
    assert api("system_admin").head("/api/v1/reference/units/").status_code == 200
