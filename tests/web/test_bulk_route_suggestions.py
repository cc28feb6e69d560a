"""Bulk routing with suggestions (issue 5): the ticked cases each with its suggested unit (xinfang/nlp)
preselected, accepted or corrected per row, recorded like on the route form; a bounded number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.api.builders import NOW, Flow
from tests.conftest import VALID_ID
from xinfang.cases.forms.detail import route_suggestion
from xinfang.cases.models import Case, CaseEvent, CategoryStreetRoute
from xinfang.core.clock import clock_at
from xinfang.core.models import AuditEntry
from xinfang.nlp.models import Suggestion
from xinfang.nlp.selectors import cases_route_suggest, classifier_forget

# Signed-in page (5, see test_lists.py) + the ticked cases (1) + suggestions: category/street routes,
# accepted routings and objections (one UNION ALL), candidate units, accused units (4) + the units of the
# row selects (1);
# the same for 2 cases as for 12.
REVIEW_QUERIES = 11
VALID_ID_2 = "310112198506120027"


@pytest.fixture(autouse=True)
def _frozen_clock(settings, tmp_path):
    settings.DATA_DIR = tmp_path  # no trained model: suggestions from the routing table
    cache.clear()
    classifier_forget()
    with clock_at(NOW):
        yield


@pytest.fixture
def flow(personas, district, categories) -> Flow:
    return Flow(personas=personas, district=district, categories=categories)


@pytest.fixture
def web(client, personas):
    def login(name: str) -> Any:
        client.force_login(personas[name])
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
        return client

    return login


def _review(client: Any, ids: list[int]) -> Any:
    return client.post(reverse("cases:bulk_route_review"), {"cases": ids, "next": reverse("cases:inbox")})


def test_review_shows_the_suggested_unit_of_each_case(web, flow, district, categories):
    CategoryStreetRoute.objects.create(category=categories["property"], street=district["street"],
                                       unit=district["street"])
    housing, _ = flow.register(title="公租房申请迟迟未审核")
    labour, _ = flow.register(title="公司拖欠工资", category="labour", id_number=VALID_ID_2)
    prop, _ = flow.register(title="物业擅自涨价", category="property")
    accusation, _ = flow.register(title="房管局干部违规", matter_type=Case.MatterType.ACCUSATION,
                                  accused_units=("housing",))
    response = _review(web("officer"), [housing.pk, labour.pk, prop.pk, accusation.pk, 999999])
    assert response.status_code == 200
    rows = {row.case_id: row for row in response.context["rows"]}
    assert rows[housing.pk].suggestion.unit.unit == district["housing"]
    assert rows[labour.pk].suggestion.unit.unit == district["hr"]
    assert rows[prop.pk].suggestion.unit.unit == district["street"]
    assert rows[prop.pk].suggestion.unit.source == "street"
    # Never the accused unit (信访工作条例 Art. 30 ¶3): nothing suggested, the officer chooses.
    assert rows[accusation.pk].suggestion.unit.unit is None
    assert rows[999999].case is None
    html = response.content.decode()
    assert '<option value="MH-FGJ" selected>区房管局</option>' in html
    assert '<option value="MH-RSJ" selected>区人社局</option>' in html
    assert "无建议，请选择" in html and "事项不存在或您无权查看，不会转送。" in html
    assert f'data-nlp-accept="id_unit-{labour.pk}" data-value="MH-RSJ"' in html
    # Nothing changed.
    for case in (housing, labour, prop, accusation):
        case.refresh_from_db()
        assert case.status == Case.Status.REGISTERED


def test_the_batch_agrees_with_the_route_form(web, flow, district, categories, personas):
    CategoryStreetRoute.objects.create(category=categories["property"], street=district["street"],
                                       unit=district["street"])
    cases = [flow.register(title="公租房申请", id_number=VALID_ID)[0],
             flow.register(title="拖欠工资", category="labour", id_number=VALID_ID_2)[0],
             flow.register(title="物业", category="property")[0],
             flow.register(title="举报", matter_type=Case.MatterType.ACCUSATION, accused_units=("housing",))[0]]
    # History: four confirmed routings of 住房保障 in this street to the property section.
    for _ in range(4):
        routed = flow.route(flow.register(title="历史事项")[0], unit="housing_office")
        Case.objects.filter(pk=routed.pk).update(accepted_at=NOW)
    # And an objection (退回) by the hr bureau of a 劳动和社会保障 case of this street.
    objected = flow.route(flow.register(title="历史事项", category="labour")[0], unit="hr")
    CaseEvent.objects.create(case=objected, action="objected", at=NOW, data={"unit": "MH-RSJ"})
    # A case registered without a category: the unit follows the category suggested from its text.
    categories["labour"].keywords = "工资 讨薪"
    categories["labour"].save(update_fields=["keywords"])
    uncategorised = flow.register(title="老板拖欠工资讨薪无果", id_number=VALID_ID_2)[0]
    Case.objects.filter(pk=uncategorised.pk).update(category=None)
    cases.append(uncategorised)
    batch = cases_route_suggest(list(Case.objects.filter(pk__in=[c.pk for c in cases])
                                     .select_related("category", "street")))
    assert batch[uncategorised.pk].category.category == categories["labour"]
    assert batch[uncategorised.pk].unit.unit == district["hr"] and batch[uncategorised.pk].unit.category_suggested
    for case in cases:
        single, _category = route_suggestion(Case.objects.get(pk=case.pk))
        got = batch[case.pk].unit
        assert (got.unit, got.source, got.confidence) == (single.unit, single.source, single.confidence), case.title
    assert batch[cases[0].pk].unit.unit == district["housing_office"]


def test_review_query_count_does_not_grow_with_the_cases(web, flow, django_assert_num_queries):
    few = [flow.register(title=f"事项{i}", category=("housing", "labour")[i % 2])[0].pk for i in range(2)]
    many = few + [flow.register(title=f"事项{i}", category=("housing", "labour", "property")[i % 3])[0].pk
                  for i in range(10)]
    client = web("officer")
    _review(client, few)  # warm-up: the session's first save
    with django_assert_num_queries(REVIEW_QUERIES):
        assert _review(client, few).status_code == 200
    with django_assert_num_queries(REVIEW_QUERIES):
        assert _review(client, many).status_code == 200


def test_route_each_records_accepted_and_corrected(web, flow, district):
    kept, _ = flow.register(title="公租房申请迟迟未审核")
    changed, _ = flow.register(title="拖欠工资", category="labour", id_number=VALID_ID_2)
    response = web("officer").post(reverse("cases:bulk_route_each"), {
        "cases": [kept.pk, changed.pk], f"unit-{kept.pk}": "MH-FGJ", f"unit-{changed.pk}": "MH-JCL",
        "mode": "assign", "note": "请按期办理", "next": reverse("cases:list")})
    assert response.status_code == 200
    assert response.context["done"] == 2 and response.context["refused"] == 0
    assert response.context["accepted"] == 1 and response.context["corrected"] == 1
    kept.refresh_from_db()
    changed.refresh_from_db()
    assert kept.status == Case.Status.ROUTED and kept.handling_unit == district["housing"]
    assert changed.handling_unit == district["street"] and changed.route_mode == "assign"
    records = {s.case_id: s for s in Suggestion.objects.filter(kind="unit")}
    assert records[kept.pk].accepted and records[kept.pk].chosen_unit == district["housing"]
    assert not records[changed.pk].accepted
    assert records[changed.pk].suggested_unit == district["hr"] and records[changed.pk].chosen_unit == district["street"]
    html = response.content.decode()
    assert "采用建议 1 件，更正建议 1 件" in html and "更正（建议为区人社局）" in html


def test_route_each_refusals_change_nothing(web, flow, district, personas):
    good, _ = flow.register(title="公租房")
    accusation, _ = flow.register(title="房管局干部违规", matter_type=Case.MatterType.ACCUSATION,
                                  accused_units=("housing",))
    events = CaseEvent.objects.filter(case=accusation).count()
    response = web("officer").post(reverse("cases:bulk_route_each"), {
        "cases": [good.pk, accusation.pk, 999999], f"unit-{good.pk}": "MH-FGJ",
        f"unit-{accusation.pk}": "MH-FGJ", "mode": "transfer"})
    assert response.status_code == 200
    outcomes = {r.outcome.case_id: r.outcome for r in response.context["each"]}
    assert outcomes[good.pk].ok and not outcomes[accusation.pk].ok and not outcomes[999999].ok
    accusation.refresh_from_db()
    assert accusation.status == Case.Status.REGISTERED and CaseEvent.objects.filter(case=accusation).count() == events
    assert not Suggestion.objects.filter(case=accusation).exists()
    assert outcomes[999999].reason == "事项不存在或您无权查看。"
    # The refusal of the accusation is audited like any bulk refusal.
    assert AuditEntry.objects.filter(action="case.route", result="denied", object_id=str(accusation.pk)).exists()


def test_route_each_form_errors_and_permission(web, flow):
    a, _ = flow.register(title="公租房")
    b, _ = flow.register(title="拖欠工资", category="labour", id_number=VALID_ID_2)
    url = reverse("cases:bulk_route_each")
    # A row without a unit, another with a unit that is not offered, no mode: 400, nothing routed.
    response = web("officer").post(url, {"cases": [a.pk, b.pk], f"unit-{a.pk}": "", f"unit-{b.pk}": "MH-XFB"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert f"unit-{a.pk}" in errors and f"unit-{b.pk}" in errors and "mode" in errors
    assert "请选择承办单位。" in response.content.decode()
    assert web("officer").post(url, {"mode": "transfer"}).status_code == 400
    assert web("officer").post(reverse("cases:bulk_route_review"), {}).status_code == 400
    assert web("handler").post(url, {"cases": [a.pk], f"unit-{a.pk}": "MH-FGJ", "mode": "transfer"}).status_code == 403
    assert web("handler").post(reverse("cases:bulk_route_review"), {"cases": [a.pk]}).status_code == 403
    for case in (a, b):
        case.refresh_from_db()
        assert case.status == Case.Status.REGISTERED
    assert not Suggestion.objects.exists()


def test_list_offers_the_review_button(web, flow):
    flow.register()
    html = web("officer").get(reverse("cases:list")).content.decode()
    assert f'formaction="{reverse("cases:bulk_route_review")}"' in html and "data-skip-confirm" in html
    assert "nlp/bulk-review.js" in html


# -- the same in the API (docs/api.md) -----------------------------------------------------------------

def test_api_suggestions_match_the_page(api, web, flow, district):
    housing, _ = flow.register(title="公租房申请迟迟未审核")
    accusation, _ = flow.register(title="房管局干部违规", matter_type=Case.MatterType.ACCUSATION,
                                  accused_units=("housing",))
    response = api("officer").post("/api/v1/cases/bulk-route/suggestions/",
                                   {"cases": [housing.pk, accusation.pk, 999999, housing.pk]}, format="json")
    assert response.status_code == 200
    body = {item["id"]: item for item in response.json()}
    assert len(response.json()) == 3
    assert body[housing.pk]["unit"] == {"code": "MH-FGJ", "name": "区房管局"} and body[housing.pk]["basis"] == "default"
    assert body[housing.pk]["category"]["code"] == "ZFBZ" and not body[housing.pk]["category_suggested"]
    assert body[accusation.pk]["found"] and body[accusation.pk]["unit"] is None and body[accusation.pk]["basis"] == "none"
    assert body[999999] == {"id": 999999, "found": False, "number": "", "unit": None, "basis": "none",
                            "confidence": 0.0, "reason": "", "category": None, "category_suggested": False}
    page = _review(web("officer"), [housing.pk]).context["rows"][0].suggestion.unit
    assert page.unit.code == body[housing.pk]["unit"]["code"] and page.confidence == body[housing.pk]["confidence"]
    assert api("handler").post("/api/v1/cases/bulk-route/suggestions/", {"cases": [housing.pk]},
                               format="json").status_code == 403
    assert api("officer").post("/api/v1/cases/bulk-route/suggestions/", {"cases": []},
                               format="json").status_code == 400


def test_api_route_each_records_and_refuses_like_the_page(api, flow, district):
    kept, _ = flow.register(title="公租房申请")
    changed, _ = flow.register(title="拖欠工资", category="labour", id_number=VALID_ID_2)
    accusation, _ = flow.register(title="房管局干部违规", matter_type=Case.MatterType.ACCUSATION,
                                  accused_units=("housing",))
    url = "/api/v1/cases/bulk-route/each/"
    # An unknown unit: 400 naming the row, nothing routed.
    response = api("officer").post(url, {"routes": [{"case": kept.pk, "unit": "MH-FGJ"},
                                                    {"case": changed.pk, "unit": "NOPE"}], "mode": "transfer"},
                                   format="json")
    assert response.status_code == 400 and "routes[1].unit" in response.json()["errors"]
    kept.refresh_from_db()
    assert kept.status == Case.Status.REGISTERED
    response = api("officer").post(url, {"routes": [{"case": kept.pk, "unit": "MH-FGJ"},
                                                    {"case": changed.pk, "unit": "MH-JCL"},
                                                    {"case": accusation.pk, "unit": "MH-FGJ"}],
                                         "mode": "transfer", "note": "请办理"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["done"], body["refused"], body["accepted"], body["corrected"]) == (2, 1, 1, 1)
    results = {r["id"]: r for r in body["results"]}
    assert results[kept.pk]["accepted"] and results[kept.pk]["suggested_unit"]["code"] == "MH-FGJ"
    assert not results[changed.pk]["accepted"] and results[changed.pk]["suggested_unit"]["code"] == "MH-RSJ"
    assert not results[accusation.pk]["ok"] and results[accusation.pk]["reason"]
    assert Suggestion.objects.filter(kind="unit").count() == 2
    assert api("officer").post(url, {"routes": [{"case": kept.pk, "unit": "MH-FGJ"}] * 2, "mode": "transfer"},
                               format="json").status_code == 400
    assert api("handler").post(url, {"routes": [{"case": kept.pk, "unit": "MH-FGJ"}], "mode": "transfer"},
                               format="json").status_code == 403
