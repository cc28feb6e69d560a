"""The API does what the pages do (issue 4, docs/api.md): every staff page and action is in the parity
table; the case list answers the same cases as the page for the same filters and sort; the search by a
full ID or phone number and bulk routing work as on the pages, with the same refusals."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.api.builders import PHONE, assert_error, check_each
from tests.conftest import VALID_ID, at
from xinfang.cases.models import Case, CaseEvent
from xinfang.core.models import AuditEntry

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"
VALID_ID_2 = "310112198506120027"
VALID_ID_3 = "310112198506120019"
# The namespaces of the staff pages (the portal is public and has its own API; exports are the exports
# app's, listed in the table by their own engineer's endpoints).
STAFF_NAMESPACES = ("cases", "reference", "imports", "accounts", "exports", "governance", "grassroots", "petitioners",
                    "repeats", "analytics", "alerts", "assessment")


def _page_routes() -> list[str]:
    """``namespace:name`` of every route of the staff pages."""
    names = []
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace in STAFF_NAMESPACES:
            names += [f"{entry.namespace}:{p.name}" for p in entry.url_patterns
                      if isinstance(p, URLPattern) and p.name]
    return names


def test_every_staff_page_and_action_is_in_the_parity_table():
    table = DOCS.read_text(encoding="utf-8")
    routes = _page_routes()
    assert "cases:inbox" in routes and "reference:calendar_day" in routes and "imports:confirm" in routes
    missing = [name for name in routes if f"`{name}`" not in table]
    assert not missing, missing


def test_every_api_path_in_the_table_exists(api):
    """The table names real endpoints: each ``/api/v1/…`` path of it is in the schema (exports aside)."""
    schema = api("officer").get("/api/v1/schema/").json()
    paths = set(schema["paths"])
    named = set(re.findall(r"`(?:GET|POST|PUT) (/api/v1/[^`?\s]*)", DOCS.read_text(encoding="utf-8")))
    assert named and not {p for p in named if p not in paths and not p.startswith("/api/v1/exports/")}, \
        named - paths


# -- the case list: the page's filters and sort, the same cases --------------------------------------

@pytest.fixture
def catalogue(flow, district):
    """Cases that differ in one attribute each (the page tests' catalogue, tests/web/test_lists.py)."""
    made: dict[str, Case] = {}
    made["base"], _ = flow.register(title="小区电梯长期故障")
    made["labour"], _ = flow.register(title="拖欠工资三个月", category="labour", name="李四", id_number=VALID_ID_2,
                                      phone="13900001111")
    made["suggestion"], _ = flow.register(title="建议增设公交线路", matter_type=Case.MatterType.SUGGESTION,
                                          name="王五", id_number=VALID_ID_3, phone="13900002222")
    made["routed"], _ = flow.case_at("routed", title="噪声扰民", name="赵六", id_number="", phone="13900003333")
    Case.objects.filter(pk=made["suggestion"].pk).update(channel=Case.Channel.VISIT, street=district["street2"],
                                                         received_at=at("2026-09-01 09:00"))
    made["accepted"], _ = flow.case_at("accepted", title="违章搭建", name="钱七", id_number="", phone="13900004444")
    made["hr"], _ = flow.register(title="拖欠社保", category="labour", name="孙八", id_number="", phone="")
    flow.route(made["hr"], unit="hr")
    made["accusation"], _ = flow.register(title="房管局干部违规", matter_type=Case.MatterType.ACCUSATION,
                                          accused_units=("housing",), name="周九", id_number="", phone="")
    flow.route(made["accusation"], unit="discipline")
    return made


def _page_numbers(client: Client, params: Any) -> list[str]:
    response = client.get(reverse("cases:list"), params)
    assert response.status_code == 200
    return [row.case.number for row in response.context["rows"]]


def _api_numbers(client: Any, params: Any) -> list[str]:
    response = client.get("/api/v1/cases/", params)
    assert response.status_code == 200, response.content
    return [row["number"] for row in response.json()["results"]]


FILTERS: list[dict[str, Any]] = [
    {},
    {"name": "李四"},
    {"name": "李"},
    {"q": "公交"},
    {"q": "物业一直不处理"},
    {"category": "LDSB"},
    {"street": "MH-XZ"},
    {"unit": "MH-FGJ"},
    {"status": "routed"},
    {"status": ["routed", "accepted"]},
    {"status": "routed,accepted,registered"},
    {"status": "nonsense"},
    {"channel": "visit"},
    {"matter_type": "suggestion"},
    {"matter_type": "accusation"},
    {"received_from": "2026-09-01", "received_to": "2026-09-30"},
    {"received_from": "2026-10-01"},
    {"sort": "number"},
    {"sort": "-number"},
    {"sort": "deadline"},
    {"sort": "unit", "status": "routed,accepted"},
    {"sort": "-category"},
    {"sort": "street"},
]


@pytest.mark.parametrize("params", FILTERS, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()) or "all")
def test_the_api_list_answers_the_pages_cases(api, personas, catalogue, params):
    for name in ("officer", "handler", "head", "other_handler", "discipline_handler"):
        page = Client()
        page.force_login(personas[name])
        assert _api_numbers(api(name), params) == _page_numbers(page, params), (name, params)


def test_the_accusation_is_in_no_list_of_the_accused(api, catalogue):
    number = catalogue["accusation"].number
    for name in ("handler", "head", "office_handler"):
        for params in ({}, {"number": number}, {"q": "房管局干部"}, {"matter_type": "accusation"}, {"name": "周九"}):
            assert number not in _api_numbers(api(name), params), (name, params)
    assert _api_numbers(api("discipline_handler"), {}) == [number]


def test_list_refuses_an_unknown_sort(api, catalogue):
    assert_error(api("officer").get("/api/v1/cases/", {"sort": "content"}), 400, "sort")
    assert_error(api("officer").get("/api/v1/cases/", {"sort": ""}), 400, "sort")


@pytest.mark.parametrize("params", [{"received_from": "0001-01-01"}, {"received_to": "9999-12-31"}])
def test_dates_beyond_any_petition_are_refused_not_a_server_error(api, personas, catalogue, params):
    """Found by the fuzzer: local midnight of 0001-01-01 is before year 1 in UTC; 9999-12-31 has no next day."""
    assert_error(api("officer").get("/api/v1/cases/", params), 400, next(iter(params)))
    page = Client()
    page.force_login(personas["officer"])
    response = page.get(reverse("cases:list"), params)
    assert response.status_code == 200 and next(iter(params)) in response.context["filterset"].errors


def test_an_empty_date_is_no_filter_on_the_page_and_a_400_in_the_api(api, personas, catalogue):
    """The page's form sends its empty date fields; an API client sending ``received_from=`` broke the
    schema's ``format: date`` (found by the fuzzer) and is told so."""
    assert_error(api("officer").get("/api/v1/cases/", {"received_from": ""}), 400, "received_from")
    assert_error(api("officer").get("/api/v1/cases/", {"received_to": ""}), 400, "received_to")
    assert_error(api("officer").get("/api/v1/cases/", {"received_from": "20260901"}), 400, "received_from")
    page = Client()
    page.force_login(personas["officer"])
    response = page.get(reverse("cases:list"), {"received_from": "", "received_to": ""})
    assert response.status_code == 200 and not response.context["filterset"].errors
    assert response.context["page"].paginator.count == len(_api_numbers(api("officer"), {})) > 0


# -- the search by a full ID or phone number -----------------------------------------------------------

def test_person_search_gives_the_pages_filter(api, personas, catalogue):
    client = api("officer")
    response = client.post("/api/v1/cases/person-search/", {"id_number": VALID_ID_2}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["phone_hash"] is None and re.fullmatch(r"[0-9a-f]{64}", body["id_hash"])
    assert VALID_ID_2 not in response.content.decode()
    page = Client()
    page.force_login(personas["officer"])
    location = page.post(reverse("cases:list"), {"person-id_number": VALID_ID_2})["Location"]
    assert f"id_hash={body['id_hash']}" in location  # the same filter the page redirects to
    assert _api_numbers(client, {"id_hash": body["id_hash"]}) == [catalogue["labour"].number]
    phone = client.post("/api/v1/cases/person-search/", {"phone": "139 0000 2222"}, format="json").json()
    assert _api_numbers(client, {"phone_hash": phone["phone_hash"]}) == [catalogue["suggestion"].number]
    # Another unit finds nothing it may not see (the labour case is still at the bureau).
    other = api("other_handler")
    hashed = other.post("/api/v1/cases/person-search/", {"id_number": VALID_ID_2}, format="json").json()
    assert _api_numbers(other, {"id_hash": hashed["id_hash"]}) == []


def test_person_search_refusals(api, catalogue):
    client = api("officer")
    check_each({
        "bad check digit": lambda: assert_error(client.post("/api/v1/cases/person-search/",
                                                            {"id_number": VALID_ID[:-1] + "0"}, format="json"),
                                                400, "id_number"),
        "bad phone": lambda: assert_error(client.post("/api/v1/cases/person-search/", {"phone": "12"},
                                                      format="json"), 400, "phone"),
        "nothing": lambda: assert_error(client.post("/api/v1/cases/person-search/", {}, format="json"), 400),
        "not an object": lambda: assert_error(client.post("/api/v1/cases/person-search/", [VALID_ID],
                                                          format="json"), 400),
        "no case role": lambda: assert_error(api("system_admin").post("/api/v1/cases/person-search/",
                                                                      {"phone": PHONE}, format="json"), 403),
        "anonymous": lambda: assert_error(api(None).post("/api/v1/cases/person-search/", {"phone": PHONE},
                                                         format="json"), 401),
    })


# -- bulk routing ----------------------------------------------------------------------------------

def test_bulk_route_routes_each_and_reports_each(api, flow, personas):
    from xinfang.cases import services

    good, _ = flow.register(title="物业不作为")
    objected, _ = flow.case_at("routed", title="退回事项")
    services.case_object(case=objected, actor=personas["handler"], reason="不属于本单位职责范围")
    accusation, _ = flow.register(title="房管局干部违规", matter_type=Case.MatterType.ACCUSATION,
                                  accused_units=("housing",), id_number=VALID_ID_2)
    already, _ = flow.case_at("routed", title="已转送")
    events_before = {c.pk: CaseEvent.objects.filter(case=c).count() for c in (accusation, already)}
    response = api("officer").post("/api/v1/cases/bulk-route/", {
        "cases": [good.pk, objected.pk, accusation.pk, already.pk, 999999, good.pk], "unit": "MH-FGJ",
        "mode": "assign", "note": "请按期办理"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    results = {r["id"]: r for r in body["results"]}
    assert [r["id"] for r in body["results"]] == [good.pk, objected.pk, accusation.pk, already.pk, 999999]
    assert results[good.pk]["ok"] and results[objected.pk]["ok"] and results[good.pk]["number"] == good.number
    assert not results[accusation.pk]["ok"] and "第三十条" in results[accusation.pk]["reason"]
    assert not results[already.pk]["ok"] and results[already.pk]["reason"]
    assert results[999999] == {"id": 999999, "number": "", "ok": False, "reason": results[999999]["reason"]}
    assert (body["done"], body["refused"]) == (2, 3)
    for case in (good, objected):
        case.refresh_from_db()
        assert case.status == Case.Status.ROUTED and case.handling_unit.code == "MH-FGJ" and case.route_mode == "assign"
    accusation.refresh_from_db()
    assert accusation.status == Case.Status.REGISTERED and accusation.handling_unit is None
    assert {c.pk: CaseEvent.objects.filter(case=c).count() for c in (accusation, already)} == events_before
    assert AuditEntry.objects.filter(action="case.route", result="denied", object_id=str(accusation.pk)).exists()


def test_bulk_route_refusals_change_nothing(api, flow):
    case, _ = flow.register()

    def post(name: str | None, body: Any) -> Any:
        return api(name).post("/api/v1/cases/bulk-route/", body, format="json")

    ok = {"cases": [case.pk], "unit": "MH-FGJ", "mode": "transfer"}
    check_each({
        "no unit": lambda: assert_error(post("officer", {"cases": [case.pk], "mode": "transfer"}), 400, "unit"),
        "unknown unit": lambda: assert_error(post("officer", {**ok, "unit": "NOPE"}), 400, "unit"),
        "no cases": lambda: assert_error(post("officer", {**ok, "cases": []}), 400, "cases"),
        "too many": lambda: assert_error(post("officer", {**ok, "cases": list(range(1, 202))}), 400, "cases"),
        "bad id": lambda: assert_error(post("officer", {**ok, "cases": ["x"]}), 400),
        "bad mode": lambda: assert_error(post("officer", {**ok, "mode": "fax"}), 400, "mode"),
        "handler": lambda: assert_error(post("handler", ok), 403),
        "registrar": lambda: assert_error(post("registrar", ok), 403),
        "anonymous": lambda: assert_error(post(None, ok), 401),
    })
    case.refresh_from_db()
    assert case.status == Case.Status.REGISTERED
