"""The suggestions on the pages (issue 5): the category and unit at intake (keyword rules until a model is
trained, and the page says which), the unit preselected on the case page's route form with its reason
(routing table corrected by the history of confirmed routings), and what the registrar and the officer
chose recorded as accepted or corrected."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client

from tests.conftest import at
from tests.nlp.classify_data import rows
from tests.web.test_intake import petition
from xinfang.cases import services as case_services
from xinfang.cases.models import Case
from xinfang.nlp.corpus import Corpus
from xinfang.nlp.models import Suggestion
from xinfang.nlp.selectors import classifier_forget
from xinfang.nlp.services import classifier_train

SUGGEST = "/cases/new/suggested-unit/"
LABOUR = {"title": "公司拖欠工资", "content": "老板三个月不发工资，也不给我们缴纳社会保险，请求帮助讨薪。"}


@pytest.fixture(autouse=True)
def _nlp_settings(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.XINFANG = {**settings.XINFANG, "NLP_MIN_LABELLED": 40}
    cache.clear()
    classifier_forget()
    yield
    classifier_forget()


@pytest.fixture
def keywords(categories):
    categories["labour"].keywords = "工资 社保 社会保险 讨薪"
    categories["labour"].save(update_fields=["keywords"])
    categories["property"].keywords = "物业 电梯 保安"
    categories["property"].save(update_fields=["keywords"])
    return categories


def login(personas, name: str) -> Client:
    client = Client()
    client.force_login(personas[name])
    return client


def trained() -> None:
    data = rows(30)
    classifier_train(corpus=Corpus(texts=[f"{t} {c}" for t, c, _ in data], labels=[label for *_, label in data]),
                     source="test", actor=None)


def register(personas, categories, district, *, title: str, content: str, category: str | None = "property",
             street: str = "street") -> Case:
    return case_services.case_register(
        actor=personas["registrar"], channel=Case.Channel.LETTER, received_at=at("2026-11-20 10:00"),
        matter_type=Case.MatterType.CLAIM, title=title, content=content, force_new=True,
        petitioners=[case_services.PetitionerInput(name="李四")],
        category=categories[category] if category else None, street=district[street] if street else None,
    ).case


# --- Intake --------------------------------------------------------------------------------------------


def test_intake_suggests_by_keywords_until_a_model_is_trained_and_says_so(personas, keywords):
    client = login(personas, "registrar")
    html = client.get("/cases/new/").content.decode()
    assert 'id="category-suggestion"' in html and "填写标题和内容后显示分类建议" in html
    # The fields ask for suggestions by POST (a petition's words never go into a URL).
    assert 'hx-post="/cases/new/suggested-unit/"' in html and 'hx-params="title,content,category,street"' in html

    html = client.post(SUGGEST, LABOUR, HTTP_HX_REQUEST="true").content.decode()
    labour = keywords["labour"]
    assert "建议分类：</strong>劳动和社会保障" in html
    assert f'data-nlp-accept="id_category" data-value="{labour.pk}"' in html
    assert re.search(r'<span class="chip">工资</span>', html)
    assert "暂按各分类的关键词推荐" in html and "需 40 件" in html
    # The unit follows the suggested category until one is chosen.
    assert "区人社局" in html and "按建议分类“劳动和社会保障”" in html

    html = client.post(SUGGEST, {**LABOUR, "category": labour.pk}, HTTP_HX_REQUEST="true").content.decode()
    assert "已采用" in html and "data-nlp-accept" not in html and "按建议分类" not in html


def test_intake_suggests_by_the_trained_model_with_its_words(personas, categories):
    trained()
    client = login(personas, "registrar")
    html = client.post(SUGGEST, LABOUR, HTTP_HX_REQUEST="true").content.decode()
    assert "建议分类：</strong>劳动和社会保障" in html and "由分类模型 v1 推荐" in html
    assert "置信度" in html and len(re.findall(r'<span class="chip">', html)) >= 1
    # Words in a URL are ignored: a GET answers the unit for the category and street alone.
    html = client.get(SUGGEST, {"category": categories["labour"].pk, **LABOUR}).content.decode()
    assert "建议分类" not in html and "区人社局" in html


def test_the_suggestion_endpoint_is_for_those_who_register(personas, categories):
    assert login(personas, "handler").post(SUGGEST, LABOUR).status_code == 403
    assert Client().post(SUGGEST, LABOUR).status_code in (302, 403)


def test_registration_records_whether_the_suggested_category_was_accepted(personas, keywords):
    client = login(personas, "registrar")
    accepted = petition(keywords, **LABOUR, category=str(keywords["labour"].pk))
    assert client.post("/cases/new/", accepted).status_code == 302
    corrected = petition(keywords, **LABOUR, category=str(keywords["housing"].pk))
    assert client.post("/cases/new/", corrected).status_code == 302
    first, second = Suggestion.objects.filter(kind="category").order_by("id")
    assert first.accepted and first.suggested_category == keywords["labour"] == first.chosen_category
    assert first.source == "keywords" and "工资" in first.words and first.actor == personas["registrar"]
    assert not second.accepted and second.chosen_category == keywords["housing"]
    assert second.suggested_category == keywords["labour"]
    # Nothing suggested (no keyword, no model): nothing recorded.
    assert client.post("/cases/new/", petition(keywords, title="来信", content="见附件")).status_code == 302
    assert Suggestion.objects.count() == 2


# --- Routing -------------------------------------------------------------------------------------------


def test_route_form_preselects_the_table_unit_then_what_history_confirms(personas, categories, district):
    officer = login(personas, "officer")
    case = register(personas, categories, district, title="物业不修电梯", content="电梯坏了三个月物业不修")
    html = officer.get(f"/cases/{case.pk}/").content.decode()
    assert re.search(rf'<option value="{district["housing"].pk}" selected>', html)
    assert "建议承办单位：</strong>区房管局" in html and "按分类默认" in html

    # Three earlier property cases of 江川路街道 were accepted by the street itself: history wins.
    for n in range(3):
        earlier = register(personas, categories, district, title=f"楼道堆物{n}", content="楼道堆物物业不清理")
        case_services.case_route(case=earlier, unit=district["street"], mode=Case.RouteMode.TRANSFER,
                                 actor=personas["officer"])
        case_services.case_accept(case=earlier, actor=personas["street_handler"])
    html = officer.get(f"/cases/{case.pk}/").content.decode()
    assert re.search(rf'<option value="{district["street"].pk}" selected>', html)
    assert "建议承办单位：</strong>江川路街道" in html and "已确认的 3 件事项中，3 件由该单位办理" in html


def test_routing_records_the_accepted_or_corrected_unit(personas, categories, district):
    officer = login(personas, "officer")
    kept = register(personas, categories, district, title="物业费上涨", content="物业费涨价没有公示")
    response = officer.post(f"/cases/{kept.pk}/route/", {"route-unit": district["housing"].pk, "route-mode": "transfer"})
    assert response.status_code == 302
    changed = register(personas, categories, district, title="电梯故障", content="电梯困人物业不来")
    officer.post(f"/cases/{changed.pk}/route/", {"route-unit": district["street"].pk, "route-mode": "transfer"})
    first, second = Suggestion.objects.filter(kind="unit").order_by("id")
    assert first.case_id == kept.pk and first.accepted and first.suggested_unit == district["housing"]
    assert first.source == "default" and first.actor == personas["officer"]
    assert second.case_id == changed.pk and not second.accepted
    assert second.suggested_unit == district["housing"] and second.chosen_unit == district["street"]
    # A refused routing (an accused unit, by a crafted post) records nothing.
    accusation = case_services.case_register(
        actor=personas["registrar"], channel=Case.Channel.LETTER, received_at=at("2026-11-20 10:00"),
        matter_type=Case.MatterType.ACCUSATION, title="反映房管局违规收费", content="房管局工作人员违规收费",
        petitioners=[case_services.PetitionerInput(name="王五")], category=categories["housing"],
        accused_units=[district["housing"]], force_new=True).case
    officer.post(f"/cases/{accusation.pk}/route/", {"route-unit": district["housing"].pk, "route-mode": "transfer"})
    assert Suggestion.objects.filter(case=accusation).count() == 0


def test_a_case_without_category_gets_the_suggested_one_at_routing(personas, keywords, district):
    case = register(personas, keywords, district, title="讨薪", content="工地拖欠工资半年", category=None)
    html = login(personas, "officer").get(f"/cases/{case.pk}/").content.decode()
    assert "建议分类：</strong>劳动和社会保障" in html and "按建议分类“劳动和社会保障”" in html
    assert re.search(rf'<option value="{district["hr"].pk}" selected>', html)


# --- The category's keywords ---------------------------------------------------------------------------


def test_the_system_admin_edits_a_categorys_keywords_and_intake_uses_them(personas, categories, district):
    from xinfang.core.models import AuditEntry

    admin = login(personas, "system_admin")
    category = categories["housing"]
    html = admin.get(f"/reference/categories/{category.pk}/").content.decode()
    assert 'name="keywords"' in html
    response = admin.post(f"/reference/categories/{category.pk}/", {
        "code": category.code, "name": category.name, "parent": "", "default_unit": district["housing"].pk,
        "sort": 0, "active": "on", "keywords": "公租房，廉租房、轮候\n住房补贴"})
    assert response.status_code == 302
    category.refresh_from_db()
    assert category.keywords == "公租房，廉租房、轮候\n住房补贴"
    entry = AuditEntry.objects.filter(action="category.update").latest("id")
    assert entry.detail["changes"]["keywords"] == ["", "公租房，廉租房、轮候\n住房补贴"]
    html = login(personas, "registrar").post(SUGGEST, {"title": "廉租房轮候", "content": "轮候五年"}).content.decode()
    assert "建议分类：</strong>住房保障" in html and '<span class="chip">轮候</span>' in html
