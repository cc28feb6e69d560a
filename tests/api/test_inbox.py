"""GET /api/v1/inbox/ and /api/v1/inbox/{queue}/: the workbench's queues, their counts and cases — the same
as the page /cases/ shows (same selectors, same sort, same scope), paginated like every API list."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.api.builders import assert_error, check_each
from xinfang.cases import services
from xinfang.cases.models import Case, CaseDeadline, CaseRating
from xinfang.deadlines.services import deadlines_mark_overdue

# Another valid GB 11643 number (the accusation's petitioner).
VALID_ID_2 = "310112198506120027"
ROW_KEYS = {"id", "number", "title", "channel", "matter_type", "status", "received_at", "category", "street",
            "handling_unit", "petitioners", "group_size", "next_deadline", "urgency", "routable"}


def _late(case: Case, kind: str, days: int = 3) -> None:
    CaseDeadline.objects.filter(case=case, kind=kind).update(due_date=timezone.localdate() - timedelta(days=days))
    deadlines_mark_overdue()


@pytest.fixture
def desk(flow) -> dict[str, Case]:
    """Cases in every queue of the bureau and of the housing bureau, another unit's case and an accusation
    against the housing bureau (handled by the discipline body)."""
    made: dict[str, Case] = {}
    made["registered"], _ = flow.register(title="电梯故障一")
    made["registered_late"], _ = flow.register(title="电梯故障二")
    _late(made["registered_late"], "route_by")
    made["objected"], _ = flow.case_at("routed", title="不属于本单位")
    services.case_object(case=made["objected"], actor=flow.personas["handler"], reason="不属于本单位职责范围")
    made["routed"], _ = flow.case_at("routed", title="物业不作为")
    made["routed_soon"], _ = flow.case_at("routed", title="物业收费不透明")
    CaseDeadline.objects.filter(case=made["routed_soon"], kind="accept_by").update(
        due_date=timezone.localdate() + timedelta(days=1))
    made["accepted"], _ = flow.case_at("accepted", title="加装电梯协调")
    made["accepted_late"], _ = flow.case_at("accepted", title="违章搭建")
    _late(made["accepted_late"], "decide_by")
    made["replied_unhappy"], _ = flow.case_at("replied", title="噪声扰民")
    services.case_rate(case=made["replied_unhappy"], rating=CaseRating.Rating.DISSATISFIED)
    made["hr"], _ = flow.register(title="拖欠工资", category="labour")
    flow.route(made["hr"], unit="hr")
    made["accusation"], _ = flow.register(title="房管局干部违规", matter_type=Case.MatterType.ACCUSATION,
                                          accused_units=("housing",), id_number=VALID_ID_2)
    flow.route(made["accusation"], unit="discipline")
    return made


def _page(personas: dict[str, Any], name: str, params: dict[str, Any]) -> Any:
    client = Client()
    client.force_login(personas[name])
    response = client.get(reverse("cases:inbox"), params)
    assert response.status_code == 200
    return response


def _api_numbers(api: Any, name: str, queue: str, **params: Any) -> list[str]:
    response = api(name).get(f"/api/v1/inbox/{queue}/", params)
    assert response.status_code == 200, response.content
    return [row["number"] for row in response.json()["results"]]


def test_queues_and_counts_are_the_pages(api, personas, desk):
    def check(name: str) -> None:
        body = api(name).get("/api/v1/inbox/").json()
        page = _page(personas, name, {})
        assert {q["key"]: q["count"] for q in body["queues"]} == {
            item["queue"].key: item["count"] for item in page.context["queues"]}, name
        assert [q["key"] for q in body["queues"]] == [item["queue"].key for item in page.context["queues"]]

    check_each({name: (lambda n=name: check(n)) for name in ("officer", "registrar", "leader", "handler", "head",
                                                              "other_handler", "discipline_handler")})
    body = api("officer").get("/api/v1/inbox/").json()
    assert body["side"] == "bureau" and body["due_soon_days"] == 3
    assert {q["key"]: q["count"] for q in body["queues"]} == {
        "to_route": 3, "objected": 1, "due_soon": 1, "overdue": 2, "dissatisfied": 1}
    assert next(q for q in body["queues"] if q["key"] == "overdue")["urgency"] == "late"
    unit = api("handler").get("/api/v1/inbox/").json()
    assert unit["side"] == "unit"
    assert {q["key"]: q["count"] for q in unit["queues"]} == {"to_accept": 2, "to_handle": 2, "due_soon": 1,
                                                              "overdue": 1}


@pytest.mark.parametrize(("name", "queue"), [
    ("officer", "to_route"), ("officer", "objected"), ("officer", "due_soon"), ("officer", "overdue"),
    ("officer", "dissatisfied"), ("handler", "to_accept"), ("handler", "to_handle"), ("handler", "due_soon"),
    ("handler", "overdue"), ("other_handler", "to_accept"), ("discipline_handler", "to_accept"),
])
def test_each_queue_lists_the_pages_cases_in_the_pages_order(api, personas, desk, name, queue):
    for sort in (None, "number", "-received", "deadline", "-deadline", "status"):
        params = {"queue": queue, **({"sort": sort} if sort else {})}
        page_numbers = [row.case.number for row in _page(personas, name, params).context["rows"]]
        api_params = {"sort": sort} if sort else {}
        assert _api_numbers(api, name, queue, **api_params) == page_numbers, (name, queue, sort)


def test_queue_rows_carry_what_the_page_shows(api, desk):
    body = api("handler").get("/api/v1/inbox/to_accept/").json()
    assert body["count"] == 2 and body["sort"] == "deadline" and body["queue"]["key"] == "to_accept"
    assert all(set(row) == ROW_KEYS for row in body["results"])
    first = body["results"][0]  # the soonest deadline first
    assert first["number"] == desk["routed_soon"].number
    assert first["next_deadline"]["days_left"] == 1 and first["urgency"] == "soon"
    assert first["petitioners"] == ["张三"] and first["routable"] is False
    late = api("officer").get("/api/v1/inbox/overdue/").json()["results"]
    assert {r["urgency"] for r in late} == {"late"}
    to_route = api("officer").get("/api/v1/inbox/to_route/").json()["results"]
    assert all(r["routable"] for r in to_route)


def test_pagination(api, flow):
    for i in range(7):
        flow.register(title=f"事项{i}", id_number="")
    client = api("officer")
    everything = _api_numbers(api, "officer", "to_route", sort="number", limit=200)
    first = client.get("/api/v1/inbox/to_route/", {"sort": "number", "limit": 3}).json()
    second = client.get("/api/v1/inbox/to_route/", {"sort": "number", "limit": 3, "offset": 3}).json()
    assert (first["count"], first["limit"], first["offset"]) == (7, 3, 0)
    assert [r["number"] for r in first["results"] + second["results"]] == everything[:6]
    beyond = client.get("/api/v1/inbox/to_route/", {"offset": 50}).json()
    assert beyond["count"] == 7 and beyond["results"] == []


def test_accusation_never_reaches_the_accused_unit(api, desk):
    number = desk["accusation"].number
    for name in ("handler", "head", "office_handler"):
        body = api(name).get("/api/v1/inbox/").json()
        for queue in body["queues"]:
            numbers = _api_numbers(api, name, queue["key"], limit=200)
            assert number not in numbers, (name, queue["key"])
    assert _api_numbers(api, "discipline_handler", "to_accept") == [number]


def test_refusals(api, desk):
    check_each({
        "anonymous": lambda: assert_error(api(None).get("/api/v1/inbox/"), 401),
        "anonymous queue": lambda: assert_error(api(None).get("/api/v1/inbox/to_route/"), 401),
        "admin": lambda: assert_error(api("system_admin").get("/api/v1/inbox/"), 403),
        "admin queue": lambda: assert_error(api("system_admin").get("/api/v1/inbox/to_route/"), 403),
        "another side's queue": lambda: assert_error(api("officer").get("/api/v1/inbox/to_accept/"), 404),
        "a unit asks the bureau's": lambda: assert_error(api("handler").get("/api/v1/inbox/to_route/"), 404),
        "no such queue": lambda: assert_error(api("officer").get("/api/v1/inbox/everything/"), 404),
        "bad sort": lambda: assert_error(api("officer").get("/api/v1/inbox/to_route/", {"sort": "content"}), 400,
                                         "sort"),
        "bad limit": lambda: assert_error(api("officer").get("/api/v1/inbox/to_route/", {"limit": "x"}), 400),
        "post": lambda: assert_error(api("officer").post("/api/v1/inbox/", {}, format="json"), 405),
    })


def test_query_counts_do_not_grow_with_rows(api, flow):
    """Pinned: token with user and unit (1), the permissions (2), then the tiles' one statement for every
    count (1); or a queue's count, its ids, the rows with their deadlines and the petitioners (4)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api("officer")

    def queries(url: str) -> int:
        client.get(url)  # warm the caches (permissions, calendar)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    for i in range(3):
        flow.register(title=f"电梯故障{i}", id_number="")
    few = {url: queries(url) for url in ("/api/v1/inbox/", "/api/v1/inbox/to_route/",
                                         "/api/v1/inbox/to_route/?sort=deadline")}
    for i in range(30):
        flow.register(title=f"物业问题{i}", id_number="")
    many = {url: queries(url) for url in few}
    assert few == many
    assert many == {"/api/v1/inbox/": 4, "/api/v1/inbox/to_route/": 7, "/api/v1/inbox/to_route/?sort=deadline": 7}
