"""/api/v1/assessment/: the same figures as the selectors, the same scope, the scheme's read and update,
the report and the export."""

from __future__ import annotations

import io

import pytest
from docx import Document
from openpyxl import load_workbook

from tests.assessment.conftest import EXPECTED, NOW, YEAR
from xinfang.assessment.metrics import CODES, DEFAULT_SCHEME
from xinfang.assessment.models import AssessmentScheme
from xinfang.core.clock import clock_at
from xinfang.core.models import AuditEntry


@pytest.fixture(autouse=True)
def _now():
    with clock_at(NOW):
        yield


def _unit(data, code):
    return next(r for r in [*data["ranked"], *data["small_samples"]] if r["unit"]["code"] == code)


def test_scores_carry_every_metric_with_value_n_flag_and_definition(world, api, district):
    response = api("officer").get("/api/v1/assessment/", {"year": YEAR})
    assert response.status_code == 200, response.content
    data = response.json()
    assert [d["code"] for d in data["definitions"]] == list(CODES)
    assert all(d["numerator"] and d["denominator"] and d["article"] for d in data["definitions"])
    housing = _unit(data, "MH-FGJ")
    figures = {f["metric"]: f for f in housing["figures"]}
    for code, expected in EXPECTED.items():
        if "housing" in expected:
            assert (figures[code]["numerator"], figures[code]["n"]) == expected["housing"], code
            assert figures[code]["value"] == pytest.approx(expected["housing"][0] / expected["housing"][1])
            assert figures[code]["small_sample"] is True  # default minimum n of 10
    assert sorted(figures["decide_on_time"]["case_ids"]) == sorted(
        world.cases[k].pk for k in ("A", "B", "C"))
    assert data["scheme"]["saved"] is False and data["ranked"] == []


def test_unit_head_gets_their_unit_only(world, api, district):
    data = api("head").get("/api/v1/assessment/", {"year": YEAR}).json()
    assert [r["unit"]["code"] for r in [*data["ranked"], *data["small_samples"]]] == ["MH-FGJ"]
    assert api("head").get("/api/v1/assessment/", {"year": YEAR, "unit": district["hr"].pk}).status_code == 404
    assert api("head").get(f"/api/v1/assessment/units/{district['hr'].pk}/metrics/decide_on_time/cases/",
                           {"year": YEAR}).status_code == 404
    drill = api("head").get(f"/api/v1/assessment/units/{district['housing'].pk}/metrics/repeat_rate/cases/",
                            {"year": YEAR, "only": "hit"}).json()
    # The repeat F is joined to A (no handling unit): counted for housing, not a case its head may open.
    assert (drill["numerator"], drill["n"], drill["cases"], drill["hidden"]) == (1, 5, [], 1)
    repeat = next(f for f in data["small_samples"][0]["figures"] if f["metric"] == "repeat_rate")
    assert repeat["n"] == 5 and world.cases["F"].pk not in repeat["case_ids"]  # counted, not handed out
    assert sorted(repeat["case_ids"]) == sorted(world.cases[k].pk for k in "ABCD")
    assert api("handler").get("/api/v1/assessment/", {"year": YEAR}).status_code == 403
    assert api(None).get("/api/v1/assessment/", {"year": YEAR}).status_code == 401


def test_bad_parameters_are_400(world, api, district):
    officer = api("officer")
    assert officer.get("/api/v1/assessment/", {"year": "20x6"}).status_code == 400
    assert officer.get("/api/v1/assessment/", {"year": 1999}).status_code == 400
    for unit in ("abc", "", "0", "1.5"):  # not an id: 400 (the schema says an integer)
        assert officer.get("/api/v1/assessment/", {"unit": unit}).status_code == 400, unit
    assert officer.get("/api/v1/assessment/", {"unit": 999999}).status_code == 404  # no such unit
    assert officer.get("/api/v1/assessment/", {"unit": 2**64}).status_code == 400  # beyond any id, not a 500
    url = f"/api/v1/assessment/units/{district['housing'].pk}/metrics/decide_on_time/cases/"
    assert officer.get(url, {"only": "some"}).status_code == 400
    assert officer.get(url.replace("decide_on_time", "nope"), {"year": YEAR}).status_code == 404


def test_scheme_read_and_update(api):
    officer = api("officer")
    read = officer.get(f"/api/v1/assessment/schemes/{YEAR}/").json()
    assert read["saved"] is False and read["metrics"] == DEFAULT_SCHEME
    body = {"metrics": {**DEFAULT_SCHEME, "satisfaction": {"weight": 3, "target": 0.85}}, "min_n": 5,
            "max_interval": 0.5, "min_coverage": 0.4}
    bad = {**body, "metrics": {**DEFAULT_SCHEME, "satisfaction": {"weight": -3, "target": 0.85}}}
    response = officer.put(f"/api/v1/assessment/schemes/{YEAR}/", bad, format="json")
    assert response.status_code == 400 and "satisfaction.weight" in response.json()["errors"]
    assert not AssessmentScheme.objects.exists()
    assert api("leader").put(f"/api/v1/assessment/schemes/{YEAR}/", body, format="json").status_code == 403
    assert api("leader").get(f"/api/v1/assessment/schemes/{YEAR}/").status_code == 403
    saved = officer.put(f"/api/v1/assessment/schemes/{YEAR}/", body, format="json")
    assert saved.status_code == 200, saved.content
    assert saved.json()["saved"] is True and saved.json()["metrics"]["satisfaction"] == {"weight": 3.0, "target": 0.85}
    assert officer.get("/api/v1/assessment/", {"year": YEAR}).json()["scheme"]["min_n"] == 5


def test_report_and_export(world, api):
    response = api("leader").post("/api/v1/assessment/report/", {"year": YEAR, "recommendations": "建议一。\n建议二。"},
                                  format="json")
    assert response.status_code == 200
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "建议二。" in text and "2026年度信访情况报告" in text
    assert AuditEntry.objects.filter(action="assessment.report", object_id=str(YEAR)).count() == 1
    export = api("officer").get("/api/v1/assessment/export/", {"year": YEAR})
    assert export.status_code == 200
    workbook = load_workbook(io.BytesIO(export.content))
    assert "区房管局" in [row[1] for row in workbook.worksheets[0].iter_rows(values_only=True)]
    assert api("head").get("/api/v1/assessment/export/", {"year": YEAR}).status_code == 403
    assert api("head").post("/api/v1/assessment/report/", {"year": YEAR}, format="json").status_code == 403
    assert api("officer").post("/api/v1/assessment/report/", {"year": "x"}, format="json").status_code == 400


def test_metric_definitions(api):
    data = api("head").get("/api/v1/assessment/metrics/").json()
    assert [d["code"] for d in data] == list(CODES)
