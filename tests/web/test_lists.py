"""The workbench (工作台), the case list, bulk routing and the export (issue 3, "Inboxes" and "Search and
lists"), through the Django test client with the named personas; cases are driven by the services."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from tests.api.builders import NOW, PHONE, Flow
from tests.conftest import VALID_ID, at
from xinfang.cases import services
from xinfang.cases.models import Case, CaseDeadline, CaseEvent, CaseRating
from xinfang.cases.selectors_inbox import inbox_counts, inbox_queue_cases
from xinfang.core.clock import clock_at
from xinfang.core.models import AuditEntry
from xinfang.deadlines.services import deadlines_mark_overdue

# Queries of one page, whatever the number of rows. Pinned: a change that adds a query per row fails here.
# Every signed-in page: session, user, 2 × permissions, the user's unit (header) = 5 (the session is saved
# at most once a minute: xinfang/accounts/middleware.py). The workbench adds the counts (1 aggregate), the page (count, ids, rows,
# petitioners) and, for an officer, the units of the bulk-routing form; the list adds the three choice
# lists of the filter form instead of the counts.
INBOX_QUERIES_OFFICER = 11
INBOX_QUERIES_UNIT = 10
LIST_QUERIES = 13
VALID_ID_2 = "310112198506120027"
VALID_ID_3 = "310112198506120019"


@pytest.fixture(autouse=True)
def _frozen_clock():
    with clock_at(NOW):
        yield


@pytest.fixture
def flow(personas, district, categories) -> Flow:
    return Flow(personas=personas, district=district, categories=categories)


@pytest.fixture
def web(client, personas):
    """``web("officer")``: the test client signed in as that persona, asking for Chinese (the text the
    tests look for is the zh-hans text)."""

    def login(name: str) -> Any:
        client.force_login(personas[name])
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
        return client

    return login


def _late(case: Case, kind: str, days: int = 3) -> None:
    """Make the open ``kind`` deadline of ``case`` overdue by ``days`` and let the sweep mark it."""
    CaseDeadline.objects.filter(case=case, kind=kind).update(due_date=timezone.localdate() - timedelta(days=days))
    deadlines_mark_overdue()


def _due_in(case: Case, kind: str, days: int) -> None:
    CaseDeadline.objects.filter(case=case, kind=kind).update(due_date=timezone.localdate() + timedelta(days=days))


def zh(text: str) -> str:
    """``text`` as the pages show it to a user asking for Chinese (whatever catalogs are compiled)."""
    with translation.override("zh-hans"):
        return translation.gettext(text)


def _numbers(response: Any) -> list[str]:
    return [row.case.number for row in response.context["rows"]]


def _counts(response: Any) -> dict[str, int]:
    return {item["queue"].key: item["count"] for item in response.context["queues"]}


@pytest.fixture
def desk(flow):
    """A district in motion: cases in every queue of the bureau and of the housing bureau."""
    cases: dict[str, Case] = {}
    cases["registered"], _ = flow.register(title="电梯故障一")
    cases["registered_late"], _ = flow.register(title="电梯故障二")
    _late(cases["registered_late"], "route_by")
    cases["objected"], _ = flow.case_at("routed", title="不属于本单位")
    services.case_object(case=cases["objected"], actor=flow.personas["handler"], reason="不属于本单位职责范围")
    cases["routed"], _ = flow.case_at("routed", title="物业不作为")
    cases["routed_soon"], _ = flow.case_at("routed", title="物业收费不透明")
    _due_in(cases["routed_soon"], "accept_by", 1)
    cases["accepted"], _ = flow.case_at("accepted", title="加装电梯协调")
    cases["accepted_late"], _ = flow.case_at("accepted", title="违章搭建")
    _late(cases["accepted_late"], "decide_by")
    cases["replied_unhappy"], _ = flow.case_at("replied", title="噪声扰民")
    services.case_rate(case=cases["replied_unhappy"], rating=CaseRating.Rating.DISSATISFIED)
    cases["replied_happy"], _ = flow.case_at("replied", title="路灯不亮")
    services.case_rate(case=cases["replied_happy"], rating=CaseRating.Rating.SATISFIED)
    # Another unit's case and an accusation against the housing bureau (handled by the discipline body).
    cases["hr"], _ = flow.register(title="拖欠工资", category="labour")
    flow.route(cases["hr"], unit="hr")
    cases["accusation"], _ = flow.register(title="房管局干部违规", matter_type=Case.MatterType.ACCUSATION,
                                           accused_units=("housing",), id_number=VALID_ID_2)
    flow.route(cases["accusation"], unit="discipline")
    for case in cases.values():
        case.refresh_from_db()
    return cases


# -- the workbench --------------------------------------------------------------------------------

def test_bureau_inbox_counts_per_queue(web, desk, personas):
    response = web("officer").get(reverse("cases:inbox"))
    assert response.status_code == 200
    assert _counts(response) == {"to_route": 3, "objected": 1, "due_soon": 1, "overdue": 2, "dissatisfied": 1}
    # The default queue is "to route", most urgent (overdue) first; tiles show the counts.
    assert _numbers(response)[0] == desk["registered_late"].number
    assert set(_numbers(response)) == {desk[k].number for k in ("registered", "registered_late", "objected")}
    html = response.content.decode()
    assert 'aria-current="true"' in html and '<span class="n">3</span>' in html
    assert 'class="late"' in html  # the overdue row is coloured


@pytest.mark.parametrize(("queue", "expected"), [
    ("objected", {"objected"}),
    ("due_soon", {"routed_soon"}),
    ("overdue", {"registered_late", "accepted_late"}),
    ("dissatisfied", {"replied_unhappy"}),
])
def test_bureau_queue_rows_match_counts(web, desk, queue, expected):
    response = web("officer").get(reverse("cases:inbox"), {"queue": queue})
    assert set(_numbers(response)) == {desk[k].number for k in expected}
    assert _counts(response)[queue] == len(expected)


def test_unit_inbox_counts_and_scope(web, desk, personas):
    response = web("handler").get(reverse("cases:inbox"))
    assert response.status_code == 200
    assert _counts(response) == {"to_accept": 2, "to_handle": 2, "due_soon": 1, "overdue": 1}
    assert set(_numbers(response)) == {desk["routed"].number, desk["routed_soon"].number}
    # The soonest deadline first, coloured "soon" with its days left.
    first = response.context["rows"][0]
    assert first.case == desk["routed_soon"] and first.tone == "soon" and first.days_left == 1
    handle = web("handler").get(reverse("cases:inbox"), {"queue": "to_handle"})
    assert set(_numbers(handle)) == {desk["accepted"].number, desk["accepted_late"].number}
    assert next(r for r in handle.context["rows"] if r.case == desk["accepted_late"]).tone == "late"
    # Another unit sees only its own case.
    other = web("other_handler").get(reverse("cases:inbox"))
    assert _counts(other) == {"to_accept": 1, "to_handle": 0, "due_soon": 0, "overdue": 0}
    assert _numbers(other) == [desk["hr"].number]


def test_counts_agree_with_the_queue_rows_for_everyone(desk, personas):
    """The tiles' counts (one statement, a subquery per queue) are the sizes of the queues' row sets."""
    for name in ("officer", "registrar", "handler", "head", "other_handler", "discipline_handler"):
        user = personas[name]
        counts = inbox_counts(user=user)
        assert counts == {key: inbox_queue_cases(user=user, key=key).count() for key in counts}, name


def test_accusation_never_reaches_the_accused_unit(web, desk, personas):
    number = desk["accusation"].number
    for name in ("handler", "head", "office_handler"):
        client = web(name)
        for url, params in ((reverse("cases:inbox"), {}), (reverse("cases:list"), {}),
                            (reverse("cases:list"), {"number": number}),
                            (reverse("cases:list"), {"q": "房管局干部"})):
            response = client.get(url, params)
            assert number not in _numbers(response), (name, url, params)
            if "number" not in params:  # (the filter field shows what was typed)
                assert number not in response.content.decode(), (name, url, params)
        assert all(inbox_queue_cases(user=personas[name], key=q).filter(pk=desk["accusation"].pk).count() == 0
                   for q in inbox_counts(user=personas[name]))
    # The discipline body it was routed to has it in its inbox.
    response = web("discipline_handler").get(reverse("cases:inbox"))
    assert _numbers(response) == [number]


def test_inbox_needs_a_case_role(web, client):
    assert web("system_admin").get(reverse("cases:inbox")).status_code == 403
    client.logout()
    response = client.get(reverse("cases:inbox"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_provisional_deadline_is_marked(web, flow):
    case, _ = flow.case_at("routed")
    CaseDeadline.objects.filter(case=case, kind="accept_by").update(provisional=True)
    response = web("handler").get(reverse("cases:inbox"))
    assert response.context["rows"][0].provisional
    assert 'badge provisional' in response.content.decode()


# -- search and lists -----------------------------------------------------------------------------

@pytest.fixture
def catalogue(flow, district):
    """Cases that differ in exactly one attribute each, for the filters."""
    made: dict[str, Case] = {}
    made["base"], _ = flow.register(title="小区电梯长期故障")
    made["labour"], _ = flow.register(title="拖欠工资三个月", category="labour", name="李四", id_number=VALID_ID_2,
                                      phone="13900001111")
    made["suggestion"], _ = flow.register(title="建议增设公交线路", matter_type=Case.MatterType.SUGGESTION,
                                          name="王五", id_number=VALID_ID_3, phone="13900002222")
    made["routed"], _ = flow.case_at("routed", title="楼下KTV噪声扰民", name="赵六", id_number="", phone="13900003333")
    Case.objects.filter(pk=made["suggestion"].pk).update(channel=Case.Channel.VISIT, street=district["street2"],
                                                         received_at=at("2026-09-01 09:00"))
    made["late"], _ = flow.case_at("accepted", title="违章搭建", name="钱七", id_number="", phone="13900004444")
    _late(made["late"], "decide_by")
    return made


@pytest.mark.parametrize(("params", "expected"), [
    ({}, {"base", "labour", "suggestion", "routed", "late"}),
    ({"number": "__base__"}, {"base"}),
    ({"name": "李四"}, {"labour"}),
    ({"name": "李"}, set()),  # full names only
    ({"q": "公交"}, {"suggestion"}),
    ({"q": "物业一直不处理"}, {"base", "labour", "suggestion", "routed", "late"}),  # content too
    ({"q": "ktv"}, {"routed"}),  # letters in any case (a Chinese term takes the plain LIKE: no case)
    ({"q": "Ktv噪声"}, {"routed"}),
    ({"category": "LDSB"}, {"labour"}),
    ({"street": "MH-XZ"}, {"suggestion"}),
    ({"unit": "MH-FGJ"}, {"routed", "late"}),
    ({"status": "routed"}, {"routed"}),
    ({"status": ["routed", "accepted"]}, {"routed", "late"}),
    ({"status": "routed,accepted"}, {"routed", "late"}),
    ({"status": "nonsense"}, set()),
    ({"channel": "visit"}, {"suggestion"}),
    ({"matter_type": "suggestion"}, {"suggestion"}),
    ({"overdue": "1"}, {"late"}),
    ({"received_from": "2026-09-01", "received_to": "2026-09-30"}, {"suggestion"}),
    ({"received_from": "2026-10-01"}, {"base", "labour", "routed", "late"}),
    ({"received_to": "2026-09-01"}, {"suggestion"}),
])
def test_each_filter_narrows(web, catalogue, params, expected):
    params = {k: (catalogue["base"].number if v == "__base__" else v) for k, v in params.items()}
    response = web("officer").get(reverse("cases:list"), params)
    assert response.status_code == 200
    assert set(_numbers(response)) == {catalogue[k].number for k in expected}
    assert response.context["page"].paginator.count == len(expected)


def test_bad_date_is_reported_not_raised(web, catalogue):
    response = web("officer").get(reverse("cases:list"), {"received_from": "2026-13-40"})
    assert response.status_code == 200
    assert "received_from" in response.context["filterset"].errors
    response = web("officer").get(reverse("cases:list"), {"received_from": "2026-10-02", "received_to": "2026-10-01"})
    assert "received_to" in response.context["filterset"].errors


def test_search_by_id_number_never_puts_it_in_the_url(web, catalogue):
    client = web("officer")
    response = client.post(reverse("cases:list"), {"person-id_number": VALID_ID_2, "person-keep": "status=registered&page=3"})
    assert response.status_code == 302
    location = response["Location"]
    assert VALID_ID_2 not in location and "id_hash=" in location
    query = parse_qs(urlparse(location).query)
    assert query["status"] == ["registered"] and "page" not in query
    page = client.get(location)
    assert _numbers(page) == [catalogue["labour"].number]
    html = page.content.decode()
    assert VALID_ID_2 not in html and "310112********0027" in html  # shown masked


def test_search_by_phone(web, catalogue):
    client = web("officer")
    response = client.post(reverse("cases:list"), {"person-phone": "139 0000 2222"})
    assert "13900002222" not in response["Location"]
    assert _numbers(client.get(response["Location"])) == [catalogue["suggestion"].number]


def test_search_by_invalid_id_number_shows_the_error(web, catalogue):
    response = web("officer").post(reverse("cases:list"), {"person-id_number": "110101199003074510"})
    assert response.status_code == 400
    assert response.context["person_form"].errors["id_number"]
    assert web("officer").post(reverse("cases:list"), {}).status_code == 400


def test_search_never_finds_what_the_user_may_not_see(web, catalogue, flow):
    response = web("other_handler").get(reverse("cases:list"), {"name": "李四"})
    assert _numbers(response) == []  # the labour case is still at the bureau
    client = web("other_handler")
    location = client.post(reverse("cases:list"), {"person-id_number": VALID_ID_2})["Location"]
    assert _numbers(client.get(location)) == []


def test_sorting_is_whitelisted(web, catalogue):
    client = web("officer")
    ascending = _numbers(client.get(reverse("cases:list"), {"sort": "number"}))
    assert ascending == sorted(ascending)
    assert _numbers(client.get(reverse("cases:list"), {"sort": "-number"})) == list(reversed(ascending))
    default = _numbers(client.get(reverse("cases:list")))
    for bogus in ("handling_unit__path", "-content", "'; DROP TABLE cases_case; --", "number,-id"):
        response = client.get(reverse("cases:list"), {"sort": bogus})
        assert response.status_code == 200 and _numbers(response) == default
        assert response.context["sort"] == "-received"
    by_deadline = client.get(reverse("cases:list"), {"sort": "deadline"})
    assert _numbers(by_deadline)[0] == catalogue["late"].number  # the earliest (overdue) deadline first


def test_pagination(web, flow):
    for i in range(55):
        flow.register(title=f"事项{i:02d}", id_number="")
    client = web("officer")
    first = client.get(reverse("cases:list"), {"sort": "number"})
    assert len(first.context["rows"]) == 50 and first.context["page"].paginator.num_pages == 2
    second = client.get(reverse("cases:list"), {"sort": "number", "page": 2})
    assert len(second.context["rows"]) == 5
    assert not set(_numbers(first)) & set(_numbers(second))
    assert 'rel="next"' in first.content.decode()
    assert client.get(reverse("cases:list"), {"page": 999}).context["page"].number == 2
    assert client.get(reverse("cases:list"), {"page": "abc"}).context["page"].number == 1


def test_htmx_request_gets_the_table_only(web, catalogue):
    response = web("officer").get(reverse("cases:list"), {"status": "routed"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and html.lstrip().startswith('<div id="results"')
    assert catalogue["routed"].number in html
    assert "HX-Request" in response["Vary"]
    full = web("officer").get(reverse("cases:list"), HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in full.content.decode()


def _page_queries(client: Any, url: str, params: dict[str, Any]) -> int:
    client.get(url, params)  # warm caches (permissions, calendar)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize(("persona", "url", "params", "pinned"), [
    ("officer", "cases:inbox", {}, INBOX_QUERIES_OFFICER),
    ("handler", "cases:inbox", {}, INBOX_QUERIES_UNIT),
    ("officer", "cases:list", {}, LIST_QUERIES),
    ("officer", "cases:list", {"sort": "deadline", "q": "故障"}, LIST_QUERIES),
])
def test_query_count_does_not_grow_with_rows(web, flow, persona, url, params, pinned,
                                             django_assert_max_num_queries):
    client = web(persona)

    def add(n: int) -> None:
        for i in range(n):
            case, _ = flow.register(title=f"电梯故障{i}", id_number="")
            if persona == "handler":
                flow.route(case)

    add(5)
    few = _page_queries(client, reverse(url), params)
    add(55)
    many = _page_queries(client, reverse(url), params)
    assert few == many, (few, many)
    with django_assert_max_num_queries(pinned):
        client.get(reverse(url), params)


# -- bulk routing ---------------------------------------------------------------------------------

def test_bulk_route_partial_refusal(web, flow, personas):
    good, _ = flow.register(title="物业不作为")
    objected, _ = flow.case_at("routed", title="退回事项")
    services.case_object(case=objected, actor=personas["handler"], reason="不属于本单位职责范围")
    accusation, _ = flow.register(title="房管局干部违规", matter_type=Case.MatterType.ACCUSATION,
                                  accused_units=("housing",), id_number=VALID_ID_2)
    already, _ = flow.case_at("routed", title="已转送")
    events_before = {c.pk: CaseEvent.objects.filter(case=c).count() for c in (accusation, already)}
    response = web("officer").post(reverse("cases:bulk_route"), {
        "cases": [good.pk, objected.pk, accusation.pk, already.pk, 999999], "unit": "MH-FGJ", "mode": "assign",
        "note": "请按期办理", "next": reverse("cases:inbox")})
    assert response.status_code == 200
    outcomes = {o.case_id: o for o in response.context["outcomes"]}
    assert outcomes[good.pk].ok and outcomes[objected.pk].ok
    assert not outcomes[accusation.pk].ok
    assert zh("不得将检举控告材料转给被检举控告的单位或其下属单位（《信访工作条例》第三十条）。") in outcomes[accusation.pk].reason
    assert not outcomes[already.pk].ok and outcomes[already.pk].reason
    assert not outcomes[999999].ok
    assert response.context["done"] == 2 and response.context["refused"] == 3
    for case in (good, objected):
        case.refresh_from_db()
        assert case.status == Case.Status.ROUTED and case.handling_unit.code == "MH-FGJ" and case.route_mode == "assign"
    # Refused cases changed nothing.
    accusation.refresh_from_db()
    already.refresh_from_db()
    assert accusation.status == Case.Status.REGISTERED and accusation.handling_unit is None
    assert already.status == Case.Status.ROUTED
    assert {c.pk: CaseEvent.objects.filter(case=c).count() for c in (accusation, already)} == events_before
    denied = AuditEntry.objects.filter(action="case.route", result="denied", object_id=str(accusation.pk))
    assert denied.exists()


def test_bulk_route_form_errors_and_permission(web, flow):
    case, _ = flow.register()
    response = web("officer").post(reverse("cases:bulk_route"), {"cases": [case.pk], "mode": "transfer"})
    assert response.status_code == 400 and "unit" in response.context["form"].errors
    response = web("officer").post(reverse("cases:bulk_route"), {"unit": "MH-FGJ", "mode": "transfer"})
    assert response.status_code == 400 and "cases" in response.context["form"].errors
    assert web("handler").post(reverse("cases:bulk_route"), {"cases": [case.pk], "unit": "MH-FGJ",
                                                             "mode": "transfer"}).status_code == 403
    case.refresh_from_db()
    assert case.status == Case.Status.REGISTERED


def test_bulk_controls_only_for_routers(web, flow):
    flow.register()
    assert web("officer").get(reverse("cases:inbox")).context["bulk_form"] is not None
    assert 'data-select-all="cases"' in web("officer").get(reverse("cases:list")).content.decode()
    assert web("registrar").get(reverse("cases:inbox")).context["bulk_form"] is None


# -- export ---------------------------------------------------------------------------------------

def _sheet_rows(response: Any) -> list[list[Any]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    # Streamed from a temporary file (xinfang/exports): getvalue() joins the stream.
    workbook = load_workbook(BytesIO(response.getvalue()))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def test_export_is_masked_scoped_and_audited(web, catalogue, desk):
    response = web("officer").get(reverse("cases:export"), {"q": "电梯"})
    rows = _sheet_rows(response)
    header, data = rows[0], rows[1:]
    assert header[0] == zh("编号") and zh("身份证号（脱敏）") in header
    expected = set(Case.objects.filter(title__contains="电梯").values_list("number", flat=True))
    assert {r[0] for r in data} == expected
    text = repr(rows)
    for secret in (VALID_ID, VALID_ID_2, VALID_ID_3, PHONE, "13900001111"):
        assert secret not in text
    assert "110101********4514" in text and "138****5678" in text
    entry = AuditEntry.objects.filter(action="case.export").latest("id")
    assert entry.detail["rows"] == len(expected) and entry.detail["filter"] == {"q": "电梯"}
    assert entry.username == "officer" and entry.detail["mode"] == "direct" and entry.detail["full"] is False


def test_export_of_a_handler_is_scoped(web, desk):
    rows = _sheet_rows(web("handler").get(reverse("cases:export")))
    numbers = {r[0] for r in rows[1:]}
    assert desk["accusation"].number not in numbers and desk["hr"].number not in numbers
    assert numbers == set(Case.objects.filter(handling_unit__code="MH-FGJ").values_list("number", flat=True))


def test_export_too_large_to_download_at_once_goes_to_the_export_page(web, catalogue, settings):
    # Behaviour changed with background exports (issue 4): the list is no longer cut; a list larger than a
    # direct download goes to the export page, where it is started as a background job (a GET queues nothing).
    settings.XINFANG = {**settings.XINFANG, "EXPORT_DIRECT_MAX_ROWS": 2}
    response = web("officer").get(reverse("cases:export"), {"q": "物业", "page": "2"})
    assert response.status_code == 302 and response["Location"] == f"{reverse('exports:new')}?q=%E7%89%A9%E4%B8%9A"
    assert not AuditEntry.objects.filter(action__in=("case.export", "export.request")).exists()


def test_export_writes_formulas_as_text(web, flow):
    flow.register(title="=HYPERLINK(\"http://example.com\",\"x\")")
    response = web("officer").get(reverse("cases:export"))
    sheet = load_workbook(BytesIO(response.getvalue())).active
    cell = sheet.cell(row=2, column=5)
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"


def test_export_with_bad_filter_goes_back_to_the_list(web, catalogue):
    response = web("officer").get(reverse("cases:export"), {"received_from": "yesterday"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("cases:list"))
    assert not AuditEntry.objects.filter(action="case.export").exists()


# -- the API list keeps its parameters -----------------------------------------------------------

def test_api_list_answers_its_old_parameters(api, catalogue):
    client = api("officer")

    def numbers(**params: Any) -> set[str]:
        response = client.get("/api/v1/cases/", params)
        assert response.status_code == 200, response.content
        return {r["number"] for r in response.json()["results"]}

    assert numbers(status="routed,accepted") == {catalogue["routed"].number, catalogue["late"].number}
    assert numbers(matter_type="suggestion") == {catalogue["suggestion"].number}
    assert numbers(unit="MH-FGJ") == {catalogue["routed"].number, catalogue["late"].number}
    assert numbers(number=f"  {catalogue['base'].number} ") == {catalogue["base"].number}
    assert numbers(overdue="true") == numbers(overdue="1") == {catalogue["late"].number}
    assert len(numbers(overdue="0")) == 5
    page = client.get("/api/v1/cases/", {"limit": 2, "offset": 1}).json()
    assert page["count"] == 5 and page["limit"] == 2 and page["offset"] == 1 and len(page["results"]) == 2
    assert client.get("/api/v1/cases/", {"limit": "x"}).status_code == 400
    assert client.get("/api/v1/cases/", {"received_from": "x"}).status_code == 400
