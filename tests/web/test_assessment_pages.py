"""/assessment/ pages: scores, a unit, the cases behind a figure, definitions, the scheme editor, the report
and the export — permissions, scope (404 for another unit), bad input changing nothing, a pinned query
count, and files that open."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from tests.assessment.conftest import NOW, YEAR, build_world
from xinfang.accounts.models import Unit
from xinfang.assessment import report
from xinfang.assessment.metrics import METRICS
from xinfang.assessment.models import AssessmentScheme
from xinfang.assessment.selectors import Assessment, UnitScore, _figure, scheme_for_year
from xinfang.core.clock import clock_at
from xinfang.core.models import AuditEntry


@pytest.fixture
def world(personas, district, categories):
    return build_world(personas, district, categories)


@pytest.fixture(autouse=True)
def _now():
    with clock_at(NOW):
        yield


def _scheme_post(**overrides):
    data = {"year": YEAR, "min_n": 2, "max_interval": 1, "min_coverage": 0.3}
    for metric in METRICS:
        data[f"{metric.code}__weight"] = metric.default_weight
        data[f"{metric.code}__target"] = metric.default_target
    data.update(overrides)
    return data


def test_scores_page_for_officer_and_leader(world, login):
    for persona in ("officer", "leader"):
        response = login(persona).get(reverse("assessment:scores"), {"year": YEAR})
        assert response.status_code == 200
        body = response.content.decode()
        assert "区房管局" in body and "区人社局" in body and "样本不足" in body and "n=4" in body


def test_scores_page_ranks_after_the_scheme_is_saved(world, login):
    client = login("officer")
    response = client.post(reverse("assessment:scheme"), _scheme_post())
    assert response.status_code == 302
    body = client.get(reverse("assessment:scores"), {"year": YEAR}).content.decode()
    ranked, small = body.split("<h1>", 1)[1].split("样本不足、不参与排名的单位", 1)
    assert "区人社局" in ranked and "70.4" in ranked and "68.6" in ranked
    assert "区信访办" in small and "区信访办" not in ranked


def test_scores_page_query_count_is_pinned(world, login):
    client = login("officer")
    client.get(reverse("assessment:scores"), {"year": YEAR})
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("assessment:scores"), {"year": YEAR}).status_code == 200
    # Session, user, permissions (2), the scheme, the reader's unit, one query per metric (two for the
    # objections, plus the units they name), the units of the table, the session's idle-timeout touch (3, at most once a minute):
    # the same whatever the number of cases or units.
    assert len(queries) <= 21, [q["sql"][:120] for q in queries]


def test_permissions_and_scope(world, login, district):
    head = login("head")
    assert login("handler").get(reverse("assessment:scores")).status_code == 403
    body = head.get(reverse("assessment:scores"), {"year": YEAR}).content.decode()
    assert "区房管局" in body and "区人社局" not in body
    assert head.get(reverse("assessment:unit", args=[district["housing"].pk]), {"year": YEAR}).status_code == 200
    assert head.get(reverse("assessment:unit", args=[district["hr"].pk]), {"year": YEAR}).status_code == 404
    assert head.get(reverse("assessment:cases", args=[district["hr"].pk, "decide_on_time"]),
                    {"year": YEAR}).status_code == 404
    assert head.get(reverse("assessment:scheme")).status_code == 403
    assert head.get(reverse("assessment:report")).status_code == 403
    assert head.get(reverse("assessment:export")).status_code == 403
    assert login("leader").get(reverse("assessment:scheme")).status_code == 403


def test_drill_down_lists_the_cases(world, login, district):
    url = reverse("assessment:cases", args=[district["housing"].pk, "decide_on_time"])
    body = login("head").get(url, {"year": YEAR, "only": "miss"}).content.decode()
    assert world.cases["C"].number in body and world.cases["A"].number not in body
    body = login("officer").get(url, {"year": YEAR}).content.decode()
    assert all(world.cases[k].number in body for k in "ABC")
    assert login("officer").get(url, {"year": "abc"}).status_code == 400
    assert login("officer").get(reverse("assessment:cases", args=[district["housing"].pk, "nope"])).status_code == 404


def test_unit_page_and_definitions(world, login, district):
    body = login("officer").get(reverse("assessment:unit", args=[district["housing"].pk]),
                                {"year": YEAR}).content.decode()
    assert "按期办结率" in body and "66.7%" in body
    body = login("head").get(reverse("assessment:metrics")).content.decode()
    assert all(str(m.name) in body for m in METRICS) and "第二十二条" in body


@pytest.mark.parametrize("change, field", [
    ({"decide_on_time__weight": "-1"}, "decide_on_time__weight"),
    ({"decide_on_time__target": "0"}, "decide_on_time__target"),
    ({"decide_on_time__target": "1.2"}, "decide_on_time__target"),
    ({"satisfaction__weight": "abc"}, "satisfaction__weight"),
    ({"min_n": "0"}, "min_n"),
    ({"min_coverage": "2"}, "min_coverage"),
])
def test_scheme_editor_refuses_bad_input_and_changes_nothing(login, change, field):
    client = login("officer")
    response = client.post(reverse("assessment:scheme"), _scheme_post(**change))
    assert response.status_code == 400
    assert response.context["form"].errors.get(field), response.context["form"].errors
    assert not AssessmentScheme.objects.exists()


def test_scheme_editor_all_weights_zero(login):
    data = _scheme_post(**{f"{m.code}__weight": "0" for m in METRICS})
    response = login("officer").post(reverse("assessment:scheme"), data)
    assert response.status_code == 400 and "权重之和必须大于0" in response.content.decode()
    assert not AssessmentScheme.objects.exists()


def test_scheme_editor_shows_the_default_then_saves(login):
    client = login("officer")
    body = client.get(reverse("assessment:scheme"), {"year": YEAR}).content.decode()
    assert "尚未保存方案" in body
    assert client.post(reverse("assessment:scheme"), _scheme_post(min_n=7)).status_code == 302
    assert scheme_for_year(year=YEAR).min_n == 7
    assert AuditEntry.objects.filter(action="assessment.scheme_update").count() == 1


def test_report_draft_then_docx_with_tables_and_charts(world, login):
    client = login("officer")
    client.post(reverse("assessment:scheme"), _scheme_post())
    page = client.get(reverse("assessment:report"), {"year": YEAR})
    draft = page.context["form"].initial["recommendations"]
    assert "区房管局" in draft and "按期办结率" in draft  # housing 66.7% < 90%
    response = client.post(reverse("assessment:report"), {"year": YEAR, "recommendations": draft + "\n另：加强培训。"})
    assert response.status_code == 200
    assert response["Content-Type"] == report.DOCX_TYPE and "attachment" in response["Content-Disposition"]
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    # A–G received in 2026; all but the joined F routed; A B C E G accepted; the claims stay open after the
    # reply (the review window), so none closed.
    assert "全年共收到信访事项7件，其中转送交办6件，受理5件；全年办结0件。" in text and "另：加强培训。" in text
    routing = next(t for t in doc.tables if t.rows[0].cells[0].text == "项目")
    # Transfers: A B C G once, D and E twice (after the objections); three orders, none listed.
    assert [[c.text for c in r.cells] for r in routing.rows[1:]] == [["转送", "8"], ["交办", "0"], ["督办", "3"],
                                                                    ["其中挂牌督办", "0"]]
    headers = [[c.text for c in t.rows[0].cells] for t in doc.tables]
    assert ["排名", "单位", "得分", *[str(m.name) for m in METRICS]] in headers
    scores = next(t for t in doc.tables if t.rows[0].cells[0].text == "排名")
    assert [r.cells[1].text for r in scores.rows[1:3]] == ["区人社局", "区房管局"]
    assert len(doc.inline_shapes) >= 2  # the charts
    entry = AuditEntry.objects.get(action="assessment.report")
    assert entry.detail["year"] == YEAR


def test_report_without_a_cjk_font_labels_charts_with_codes(world, login, monkeypatch):
    monkeypatch.setattr(report, "cjk_font", lambda: None)
    response = login("leader").post(reverse("assessment:report"), {"year": YEAR, "recommendations": "建议。"})
    doc = Document(io.BytesIO(response.content))
    legends = [t for t in doc.tables if t.rows[0].cells[0].text == "图中代码"]
    assert legends and legends[0].rows[1].cells[0].text == "C1"


def test_report_form_errors(login):
    response = login("officer").post(reverse("assessment:report"), {"year": "abc", "recommendations": ""})
    assert response.status_code == 400 and not AuditEntry.objects.filter(action="assessment.report").exists()


def test_export_opens_and_is_audited(world, login):
    response = login("officer").get(reverse("assessment:export"), {"year": YEAR})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[:2] == ["目标考核", "指标明细"]
    names = [row[1] for row in workbook["目标考核"].iter_rows(values_only=True)]
    assert "区房管局" in names
    assert AuditEntry.objects.filter(action="assessment.export").count() == 1


def test_xlsx_cells_that_look_like_formulas_stay_text(district):
    scheme = scheme_for_year(year=YEAR)
    unit = Unit(pk=999, code="EVIL", name="=HYPERLINK(\"http://x\",\"y\")")
    row = UnitScore(unit=unit, figures=[_figure(m, [], scheme) for m in METRICS])
    body = report.scores_build_xlsx(assessment=Assessment(year=YEAR, scheme=scheme, as_of=date(2026, 11, 20),
                                                          small=[row]))
    sheet = load_workbook(io.BytesIO(body))["目标考核"]
    cell = sheet.cell(row=3, column=2)
    assert cell.value == unit.name and cell.data_type == "s"
