"""The reference data pages (issue 3): units, categories with their routing defaults, the holiday calendar.

For the system admin who owns that data (三员: the audit admin and petition staff get 403, SECURITY.md 3).
Every write goes through a service, in one transaction, with its audit row (SECURITY.md 8); a refused
write shows its message and changes nothing; a calendar file is loaded all or nothing with the bad rows
listed (SECURITY.md 13) and recomputes the provisional deadlines (DOMAIN.md "Counting days").
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.conftest import VALID_ID, at
from xinfang.accounts.models import Unit
from xinfang.cases.models import Case, CaseDeadline, Category, CategoryStreetRoute
from xinfang.cases.selectors import category_default_unit
from xinfang.cases.services import PetitionerInput, case_register
from xinfang.core.audit import audit_verify
from xinfang.core.clock import clock_at
from xinfang.core.models import AuditEntry
from xinfang.deadlines.models import CalendarDay, CalendarYear
from xinfang.deadlines.services import deadline_compute

pytestmark = pytest.mark.django_db

CSV_2027 = """\
#years: 2027
date,kind,name
2027-01-01,holiday,元旦
2027-02-05,holiday,春节
2027-02-08,holiday,春节
2027-02-20,workday,春节
"""
# Three bad rows (a make-up working day on a Wednesday, an unknown kind, a date that is no date) among
# good ones: nothing may be applied.
CSV_2027_BROKEN = """\
date,kind,name
2027-01-01,holiday,元旦
2027-01-06,workday,不对
2027-02-05,vacation,春节
2027-13-01,holiday,十三月
"""


@pytest.fixture(autouse=True)
def _chinese(settings) -> Iterator[None]:
    """The pages in their first language (the test settings default to English): the texts these tests
    look for are the zh-hans ones."""
    settings.LANGUAGE_CODE = "zh-hans"
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def admin(client: Client, personas: dict[str, Any]) -> Client:
    client.force_login(personas["system_admin"])
    return client


def audits(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def paths_consistent() -> None:
    """Every unit's path is its parent's path plus its own key (the invariant the scoping relies on)."""
    units = {u.pk: u for u in Unit.objects.all()}
    for unit in units.values():
        expected = f"{units[unit.parent_id].path if unit.parent_id else '/'}{unit.pk}/"
        assert unit.path == expected, (unit.code, unit.path, expected)


def unit_post(unit: Unit, **changes: Any) -> dict[str, Any]:
    data = {"code": unit.code, "name": unit.name, "kind": unit.kind, "parent": unit.parent_id or "",
            "sort": unit.sort}
    if unit.scope_includes_children:
        data["scope_includes_children"] = "on"
    data.update(changes)
    return data


# --- Every page renders for the system admin; nobody else gets in ----------------------------------

def test_every_page_renders_for_the_system_admin(admin, district, categories):
    CategoryStreetRoute.objects.create(category=categories["housing"], street=district["street"],
                                       unit=district["housing_office"])
    pages = {
        reverse("reference:units"): ["区房管局物业科", "MH-FGJ-01", "职能部门"],
        reverse("reference:unit_create"): ["新增单位"],
        reverse("reference:unit_edit", args=[district["housing"].pk]): ["区房管局", "停用该单位"],
        reverse("reference:categories"): ["住房保障", "江川路街道", "区房管局物业科"],
        reverse("reference:category_create"): ["默认责任单位"],
        reverse("reference:category_edit", args=[categories["housing"].pk]): ["属地责任单位", "莘庄镇"],
        reverse("reference:calendar"): ["2026", "官方日历", "上传年度日历"],
        reverse("reference:calendar_year", args=[2026]): ["2026 年日历", "10 月"],
        reverse("reference:calendar_year", args=[2027]): ["尚未载入"],
        reverse("reference:calendar_day", args=["2026-10-01"]): ["2026-10-01", "休息日"],
    }
    for url, texts in pages.items():
        response = admin.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for text in texts:
            assert text in html, (url, text)
        # CSP: no inline script, no style attribute, no event handler attribute.
        assert "<script>" not in html and "style=" not in html and " onclick=" not in html
    # The navigation shows the reference pages now that their routes exist.
    home = admin.get(reverse("reference:units")).content.decode()
    assert 'href="/reference/units/"' in home and 'href="/reference/calendar/"' in home


def test_the_pages_speak_english_on_request(admin, district):
    html = admin.get(reverse("reference:calendar"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Upload a yearly calendar" in html and "上传年度日历" not in html


def test_the_units_page_is_an_indented_tree(admin, district):
    html = admin.get(reverse("reference:units")).content.decode()
    # Depth-first: the housing bureau's office right under the housing bureau.
    assert html.index("区房管局</th>") < html.index("区房管局物业科") < html.index("区人社局")
    assert 'class="tree-name depth-2"' in html


@pytest.mark.parametrize("persona", ["officer", "handler", "registrar", "audit_admin", "security_admin"])
def test_other_roles_get_403_everywhere(client, personas, district, categories, persona):
    client.force_login(personas[persona])
    unit, category = district["housing"], categories["housing"]
    gets = [reverse("reference:units"), reverse("reference:unit_create"),
            reverse("reference:unit_edit", args=[unit.pk]), reverse("reference:categories"),
            reverse("reference:category_create"), reverse("reference:category_edit", args=[category.pk]),
            reverse("reference:calendar"), reverse("reference:calendar_year", args=[2026]),
            reverse("reference:calendar_day", args=["2026-10-01"])]
    for url in gets:
        assert client.get(url).status_code == 403, url
    posts = {
        reverse("reference:unit_create"): {"code": "X", "name": "X", "kind": "department", "sort": 0},
        reverse("reference:unit_edit", args=[unit.pk]): unit_post(unit, name="改名"),
        reverse("reference:unit_deactivate", args=[district["street2"].pk]): {},
        reverse("reference:category_edit", args=[category.pk]): {"code": "ZFBZ", "name": "改名", "sort": 0},
        reverse("reference:category_routes", args=[category.pk]): {f"street_{district['street'].pk}": unit.pk},
        reverse("reference:calendar_day", args=["2026-10-12"]): {"kind": "holiday"},
        reverse("reference:calendar"): {"file": SimpleUploadedFile("c.csv", CSV_2027.encode())},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 403, url
    assert Unit.objects.get(pk=unit.pk).name == "区房管局"
    assert Unit.objects.get(pk=district["street2"].pk).active
    assert not CategoryStreetRoute.objects.exists()
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not CalendarDay.objects.filter(date=date(2026, 10, 12)).exists()
    # No link to the pages in the navigation either.
    assert "/reference/" not in client.get("/accounts/login/").content.decode()


def test_anonymous_is_sent_to_the_login_page(client, district):
    response = client.get(reverse("reference:units"))
    assert response.status_code == 302 and "login" in response["Location"]


# --- Units --------------------------------------------------------------------------------------------

def test_create_a_unit_under_a_parent(admin, district):
    response = admin.post(reverse("reference:unit_create"), {
        "code": "MH-JCL-01", "name": "江川路街道第一居委", "kind": "neighbourhood",
        "parent": district["street"].pk, "sort": 3, "scope_includes_children": "on"})
    assert response.status_code == 302
    unit = Unit.objects.get(code="MH-JCL-01")
    assert unit.parent == district["street"] and unit.kind == "neighbourhood" and unit.sort == 3
    assert unit.scope_includes_children and unit.active
    assert unit.path == f"{district['street'].path}{unit.pk}/"
    [entry] = audits("unit.create")
    assert entry.username == "sysadmin" and entry.object_id == str(unit.pk) and entry.detail["parent"] == "MH-JCL"
    assert "已新增单位" in admin.get(response["Location"]).content.decode()


def test_a_refused_create_keeps_what_was_typed_and_changes_nothing(admin, district):
    before = Unit.objects.count()
    response = admin.post(reverse("reference:unit_create"), {
        "code": "MH-FGJ", "name": "重复代码的单位", "kind": "department", "parent": district["gov"].pk, "sort": 0})
    assert response.status_code == 400
    html = response.content.decode()
    assert "单位代码已存在" in html and 'value="重复代码的单位"' in html
    response = admin.post(reverse("reference:unit_create"), {"code": "", "name": "", "kind": "planet", "sort": "x"})
    assert response.status_code == 400
    assert Unit.objects.count() == before and not audits("unit.create")


def test_edit_and_move_a_subtree_keeps_every_path_consistent(admin, district, personas):
    housing, office = district["housing"], district["housing_office"]
    url = reverse("reference:unit_edit", args=[housing.pk])
    response = admin.post(url, unit_post(housing, name="区住房保障和房屋管理局", parent=district["street"].pk,
                                         scope_includes_children="on"))
    assert response.status_code == 302, response.content.decode()
    housing.refresh_from_db()
    office.refresh_from_db()
    street = district["street"]
    assert housing.name == "区住房保障和房屋管理局" and housing.parent == street and housing.scope_includes_children
    assert housing.path == f"{street.path}{housing.pk}/"
    assert office.path == f"{street.path}{housing.pk}/{office.pk}/"
    paths_consistent()
    # Scoping follows the move: the housing bureau and its office are now under the street.
    under_street = set(Unit.objects.filter(path__startswith=street.path).values_list("code", flat=True))
    assert {"MH-JCL", "MH-FGJ", "MH-FGJ-01"} <= under_street
    [entry] = audits("unit.update")
    assert entry.detail["changes"]["parent"] == ["MH", "MH-JCL"]
    assert entry.detail["changes"]["name"] == ["区房管局", "区住房保障和房屋管理局"]
    assert entry.detail["moved_units"] == 2
    # And back to the top level: still consistent.
    assert admin.post(url, unit_post(housing, parent="")).status_code == 302
    housing.refresh_from_db()
    office.refresh_from_db()
    assert housing.path == f"/{housing.pk}/" and office.path == f"/{housing.pk}/{office.pk}/"
    paths_consistent()


@pytest.mark.parametrize("target", ["gov", "housing_office", "housing"])
def test_a_cycle_is_refused_with_a_message_and_nothing_changes(admin, district, target):
    """Moving a unit under itself or one of its descendants would cut the subtree off the tree."""
    mover = district["gov"] if target != "housing" else district["housing"]
    if target == "housing":
        target = "housing_office"
    before = list(Unit.objects.order_by("pk").values_list("pk", "parent_id", "path", "name"))
    response = admin.post(reverse("reference:unit_edit", args=[mover.pk]),
                          unit_post(mover, name="不应保存的名称", parent=district[target].pk))
    assert response.status_code == 400
    html = response.content.decode()
    assert "会形成循环" in html and 'value="不应保存的名称"' in html
    assert list(Unit.objects.order_by("pk").values_list("pk", "parent_id", "path", "name")) == before
    assert not audits("unit.update")


def test_deactivate_and_reactivate_a_unit(admin, district):
    street2 = district["street2"]
    response = admin.post(reverse("reference:unit_deactivate", args=[street2.pk]))
    assert response.status_code == 302
    street2.refresh_from_db()
    assert not street2.active and Unit.objects.filter(pk=street2.pk).exists()
    assert audits("unit.deactivate")[0].object_id == str(street2.pk)
    html = admin.get(reverse("reference:units")).content.decode()
    assert "已停用" in html
    # A deactivated unit is no longer offered as a parent.
    assert f'value="{street2.pk}"' not in admin.get(reverse("reference:unit_create")).content.decode()
    assert admin.post(reverse("reference:unit_reactivate", args=[street2.pk])).status_code == 302
    street2.refresh_from_db()
    assert street2.active and len(audits("unit.reactivate")) == 1


def test_a_unit_still_in_use_cannot_be_deactivated(admin, district, personas, categories):
    """The housing bureau has an active sub-unit, users, and is a category's default unit."""
    housing = district["housing"]
    response = admin.post(reverse("reference:unit_deactivate", args=[housing.pk]))
    assert response.status_code == 400
    html = response.content.decode()
    assert "该单位不能停用" in html and "下级单位" in html and "用户" in html and "住房保障" in html
    housing.refresh_from_db()
    assert housing.active and not audits("unit.deactivate")
    # GET is not a way to deactivate.
    assert admin.get(reverse("reference:unit_deactivate", args=[housing.pk])).status_code == 405


def test_a_unit_under_a_deactivated_parent_cannot_be_reactivated(admin, district):
    office = district["housing_office"]
    Unit.objects.filter(pk__in=[office.pk, district["housing"].pk]).update(active=False)
    response = admin.post(reverse("reference:unit_reactivate", args=[office.pk]))
    assert response.status_code == 400 and "上级单位已停用" in response.content.decode()
    office.refresh_from_db()
    assert not office.active and not audits("unit.reactivate")


def test_unknown_unit_is_404(admin, district):
    assert admin.get(reverse("reference:unit_edit", args=[999999])).status_code == 404


# --- Categories and routing defaults -----------------------------------------------------------------

def test_create_a_category_with_a_default_unit(admin, district, categories):
    response = admin.post(reverse("reference:category_create"), {
        "code": "ZFBZ-01", "name": "公租房", "parent": categories["housing"].pk,
        "default_unit": district["housing_office"].pk, "sort": 1})
    assert response.status_code == 302
    category = Category.objects.get(code="ZFBZ-01")
    assert category.parent == categories["housing"] and category.default_unit == district["housing_office"]
    assert category_default_unit(category=category, street=district["street"]) == district["housing_office"]
    [entry] = audits("category.create")
    assert entry.object_id == str(category.pk) and entry.detail["default_unit"] == "MH-FGJ-01"
    html = admin.get(reverse("reference:categories")).content.decode()
    assert html.index("住房保障</th>") < html.index("公租房</th>")


def test_changing_the_default_unit_changes_what_intake_suggests(admin, district, categories):
    category = categories["property"]
    assert category_default_unit(category=category, street=district["street"]) == district["housing"]
    response = admin.post(reverse("reference:category_edit", args=[category.pk]), {
        "code": "WYFW", "name": "物业服务", "parent": "", "default_unit": district["street"].pk, "sort": 0,
        "active": "on"})
    assert response.status_code == 302
    category.refresh_from_db()
    assert category_default_unit(category=category, street=district["street2"]) == district["street"]
    [entry] = audits("category.update")
    assert entry.detail["changes"]["default_unit"] == [district["housing"].pk, district["street"].pk]


def test_street_routes_override_the_default_and_can_be_removed(admin, district, categories):
    category = categories["property"]
    street, street2 = district["street"], district["street2"]
    url = reverse("reference:category_routes", args=[category.pk])
    response = admin.post(url, {f"street_{street.pk}": district["housing_office"].pk,
                                f"street_{street2.pk}": ""})
    assert response.status_code == 302
    assert category_default_unit(category=category, street=street) == district["housing_office"]
    assert category_default_unit(category=category, street=street2) == district["housing"]
    [entry] = audits("category.route_set")
    assert entry.detail == {"street": "MH-JCL", "from": None, "to": district["housing_office"].pk,
                            "to_code": "MH-FGJ-01"}
    # The page shows the stored route selected.
    html = admin.get(reverse("reference:category_edit", args=[category.pk])).content.decode()
    assert f'<option value="{district["housing_office"].pk}" selected>' in html
    # Change it, then remove it: back to the category's default.
    admin.post(url, {f"street_{street.pk}": street.pk, f"street_{street2.pk}": ""})
    assert category_default_unit(category=category, street=street) == street
    admin.post(url, {f"street_{street.pk}": "", f"street_{street2.pk}": ""})
    assert category_default_unit(category=category, street=street) == district["housing"]
    assert not CategoryStreetRoute.objects.exists()
    assert [e.detail["to"] for e in audits("category.route_set")] == [district["housing_office"].pk, street.pk, None]
    # Saving an unchanged table writes nothing and audits nothing.
    admin.post(url, {f"street_{street.pk}": "", f"street_{street2.pk}": ""})
    assert len(audits("category.route_set")) == 3


def test_a_route_to_an_inactive_unit_is_refused_and_nothing_is_saved(admin, district, categories):
    category = categories["property"]
    Unit.objects.filter(pk=district["hr"].pk).update(active=False)
    response = admin.post(reverse("reference:category_routes", args=[category.pk]), {
        f"street_{district['street'].pk}": district["housing_office"].pk,
        f"street_{district['street2'].pk}": district["hr"].pk})
    assert response.status_code == 400
    assert not CategoryStreetRoute.objects.exists() and not audits("category.route_set")


def test_a_category_cycle_is_refused(admin, district, categories):
    parent = categories["housing"]
    child = Category.objects.create(code="ZFBZ-01", name="公租房", parent=parent)
    response = admin.post(reverse("reference:category_edit", args=[parent.pk]), {
        "code": "ZFBZ", "name": "住房保障", "parent": child.pk, "default_unit": district["housing"].pk, "sort": 0,
        "active": "on"})
    assert response.status_code == 400 and "会形成循环" in response.content.decode()
    parent.refresh_from_db()
    assert parent.parent_id is None and not audits("category.update")


def test_a_duplicate_category_code_is_shown_next_to_the_field(admin, categories):
    response = admin.post(reverse("reference:category_create"), {"code": "ZFBZ", "name": "重复", "sort": 0})
    assert response.status_code == 400 and "分类代码已存在" in response.content.decode()
    assert Category.objects.filter(code="ZFBZ").count() == 1


# --- The holiday calendar -------------------------------------------------------------------------------

def test_the_year_grid_shows_holidays_and_make_up_days(admin):
    html = admin.get(reverse("reference:calendar_year", args=[2026])).content.decode()
    # 2026-10-01 National Day (holiday), 2026-10-10 a make-up Saturday (chinese-calendar's data).
    assert 'href="/reference/calendar/day/2026-10-01/"' in html
    assert CalendarDay.objects.get(date=date(2026, 10, 1)).kind == "holiday"
    assert CalendarDay.objects.get(date=date(2026, 10, 10)).kind == "workday"
    assert "cal-day holiday" in html and "cal-day workday" in html and "cal-day rest" in html
    assert admin.get(reverse("reference:calendar_year", args=[1999])).status_code == 404
    assert admin.get(reverse("reference:calendar_day", args=["2026-02-30"])).status_code == 404


def test_edit_one_day_recomputes_the_deadlines_and_is_audited(admin, personas, district, categories):
    # A matter received Wed 2026-09-30: its 5-working-day objection window ends Tue 10-13 (DOMAIN.md).
    assert deadline_compute(start=date(2026, 9, 30), days=5, counting="working").date == date(2026, 10, 13)
    url = reverse("reference:calendar_day", args=["2026-10-12"])
    response = admin.post(url, {"kind": "holiday", "name": "测试调整"})
    assert response.status_code == 302
    day = CalendarDay.objects.get(date=date(2026, 10, 12))
    assert (day.kind, day.name) == ("holiday", "测试调整")
    assert deadline_compute(start=date(2026, 9, 30), days=5, counting="working").date == date(2026, 10, 14)
    [entry] = audits("calendar.day_set")
    assert entry.object_id == "2026-10-12" and entry.detail["from"] is None and entry.detail["to"] == ["holiday", "测试调整"]
    # Back to an ordinary day: the row goes, the deadline comes back.
    assert admin.post(url, {"kind": "", "name": ""}).status_code == 302
    assert not CalendarDay.objects.filter(date=date(2026, 10, 12)).exists()
    assert deadline_compute(start=date(2026, 9, 30), days=5, counting="working").date == date(2026, 10, 13)
    assert len(audits("calendar.day_set")) == 2


def test_editing_a_day_recomputes_a_running_case_deadline(admin, personas, district, categories):
    moment = at("2026-09-30 10:00")
    with clock_at(moment):
        case = case_register(actor=personas["registrar"], channel=Case.Channel.LETTER, received_at=moment,
                             matter_type=Case.MatterType.CLAIM, title="小区电梯长期故障", content="电梯坏了，请督促修理。",
                             petitioners=[PetitionerInput(name="张三", id_number=VALID_ID, phone="13812345678")],
                             category=categories["housing"], street=district["street"], force_new=True).case
    deadline = CaseDeadline.objects.get(case=case, kind="route_by")
    before = deadline.due_date
    # Make the last day a rest day: the deadline moves on to the next working day. (The admin's request
    # runs at the real time: the registration's clock only fixed the deadline's start.)
    assert admin.post(reverse("reference:calendar_day", args=[before.isoformat()]),
                      {"kind": "holiday", "name": ""}).status_code == 302
    deadline.refresh_from_db()
    assert deadline.due_date > before and not deadline.provisional
    assert audits("calendar.day_set")[0].detail["recomputed"] == 1


def test_a_make_up_day_on_a_weekday_is_refused(admin):
    response = admin.post(reverse("reference:calendar_day", args=["2026-10-14"]), {"kind": "workday", "name": ""})
    assert response.status_code == 400 and "本来就是工作日" in response.content.decode()
    assert not CalendarDay.objects.filter(date=date(2026, 10, 14)).exists() and not audits("calendar.day_set")


def test_a_day_of_a_year_not_loaded_cannot_be_edited(admin):
    response = admin.post(reverse("reference:calendar_day", args=["2027-03-01"]), {"kind": "holiday", "name": ""})
    assert response.status_code == 400 and "尚未载入" in response.content.decode()
    assert not CalendarDay.objects.filter(date__year=2027).exists() and not audits("calendar.day_set")


def test_upload_a_year_file_makes_the_provisional_deadlines_official(admin, personas, district, categories):
    # Received 2026-12-20: the 15-day routing deadline ends in 2027, not loaded yet → provisional.
    moment = at("2026-12-20 10:00")
    with clock_at(moment):
        case = case_register(actor=personas["registrar"], channel=Case.Channel.LETTER, received_at=moment,
                             matter_type=Case.MatterType.CLAIM, title="小区电梯长期故障", content="电梯坏了，请督促修理。",
                             petitioners=[PetitionerInput(name="张三", id_number=VALID_ID, phone="13812345678")],
                             category=categories["housing"], street=district["street"], force_new=True).case
    deadline = CaseDeadline.objects.get(case=case, kind="route_by")
    assert deadline.provisional
    response = admin.post(reverse("reference:calendar"), {
        "file": SimpleUploadedFile("calendar-2027.csv", CSV_2027.encode("utf-8"), content_type="text/csv"),
        "source": "国务院办公厅通知（测试）"})
    assert response.status_code == 302
    page = admin.get(response["Location"]).content.decode()
    assert "已载入 2027 年官方日历" in page
    deadline.refresh_from_db()
    assert not deadline.provisional
    assert CalendarYear.objects.get(year=2027).source == "国务院办公厅通知（测试）"
    assert set(CalendarDay.objects.filter(date__year=2027).values_list("date", "kind")) == {
        (date(2027, 1, 1), "holiday"), (date(2027, 2, 5), "holiday"), (date(2027, 2, 8), "holiday"),
        (date(2027, 2, 20), "workday")}
    [entry] = audits("calendar.load")
    assert entry.username == "sysadmin" and entry.detail["years"] == [2027] and entry.detail["recomputed"] == 1
    # The year can now be edited day by day.
    assert 'href="/reference/calendar/day/2027-03-01/"' in admin.get(
        reverse("reference:calendar_year", args=[2027])).content.decode()


def test_upload_a_json_file(admin):
    body = '{"years": [2027], "days": [{"date": "2027-01-01", "kind": "holiday", "name": "元旦"}]}'
    response = admin.post(reverse("reference:calendar"), {
        "file": SimpleUploadedFile("c.json", body.encode(), content_type="application/json")})
    assert response.status_code == 302
    assert CalendarYear.objects.filter(year=2027).exists()
    assert CalendarYear.objects.get(year=2027).source == "upload c.json"


def test_a_broken_file_changes_nothing_and_lists_every_bad_row(admin):
    days_before = CalendarDay.objects.count()
    response = admin.post(reverse("reference:calendar"), {
        "file": SimpleUploadedFile("calendar-2027.csv", CSV_2027_BROKEN.encode("utf-8"))})
    assert response.status_code == 400
    html = response.content.decode()
    assert "日历文件有错误，未做任何修改" in html
    assert "第 3 行" in html and "第 4 行" in html and "第 5 行" in html and "第 2 行" not in html
    assert CalendarDay.objects.count() == days_before
    assert not CalendarYear.objects.filter(year=2027).exists() and not audits("calendar.load")


@pytest.mark.parametrize(("name", "body", "message"), [
    ("calendar.exe", b"MZ\x90\x00", "只接受 .csv 或 .json 文件"),
    ("calendar.csv", "2027-01-01,holiday,元旦\n".encode("gbk"), "UTF-8"),
    ("calendar.csv", b"x" * (300 * 1024), "文件过大"),
    ("calendar.json", b"{not json", "格式不正确"),
    ("calendar.csv", b"", "提交的信息有误"),
])
def test_bad_uploads_are_refused_cleanly(admin, name, body, message):
    years_before = list(CalendarYear.objects.values_list("year", flat=True))
    response = admin.post(reverse("reference:calendar"), {"file": SimpleUploadedFile(name, body)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert list(CalendarYear.objects.values_list("year", flat=True)) == years_before


def test_every_write_of_the_pages_keeps_the_audit_chain_valid(admin, district, categories):
    admin.post(reverse("reference:unit_create"), {"code": "N1", "name": "新单位", "kind": "department",
                                                  "parent": district["gov"].pk, "sort": 0})
    admin.post(reverse("reference:unit_edit", args=[district["hr"].pk]), unit_post(district["hr"], name="区人社"))
    admin.post(reverse("reference:unit_deactivate", args=[district["street2"].pk]))
    admin.post(reverse("reference:category_create"), {"code": "QT", "name": "其他", "sort": 9})
    admin.post(reverse("reference:calendar_day", args=["2026-10-12"]), {"kind": "holiday"})
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"unit.create", "unit.update", "unit.deactivate", "category.create", "calendar.day_set"} <= actions
    assert AuditEntry.objects.filter(action__in=["unit.create", "unit.update", "unit.deactivate",
                                                 "category.create", "calendar.day_set"],
                                     username="sysadmin", role="system_admin").count() == 5
    assert audit_verify().ok
