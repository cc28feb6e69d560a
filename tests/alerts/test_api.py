"""/api/v1/alerts/: the same selectors and services as the pages — scoped list with filters and paging,
detail with the cases through the gateway (404 out of scope), the actions, sensitive periods and notices."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.alerts.conftest import NOW, TODAY
from tests.api.builders import assert_error
from xinfang.alerts.models import Alert, GroupVisitNotice, SensitivePeriod
from xinfang.alerts.services import AlertDraft, alert_raise

pytestmark = pytest.mark.django_db


def _alert(district, *, key="k", unit="housing", case_ids=(), severity="medium", street="street"):
    alert, _ = alert_raise(draft=AlertDraft(
        rule=Alert.Rule.SPIKE, key=key, severity=severity, title=f"预警{key}", explanation="近7天 10 件",
        figures={"observed": 10, "p_value": 1e-6}, case_ids=list(case_ids), street=district[street],
        unit=district[unit] if unit else None))
    return alert


def test_list_is_scoped_filtered_and_paged(api, district):
    a = _alert(district, key="a", severity="high")
    b = _alert(district, key="b", unit="hr", street="street2")
    officer = api("officer")
    body = officer.get("/api/v1/alerts/").json()
    assert body["count"] == 2 and {r["id"] for r in body["results"]} == {a.pk, b.pk}
    assert body["results"][0]["figures"]["observed"] == 10
    assert [r["id"] for r in officer.get("/api/v1/alerts/?severity=high").json()["results"]] == [a.pk]
    assert [r["id"] for r in officer.get("/api/v1/alerts/?street=MH-XZ").json()["results"]] == [b.pk]
    page = officer.get("/api/v1/alerts/?limit=1&offset=1").json()
    assert page["count"] == 2 and len(page["results"]) == 1 and page["limit"] == 1
    assert [r["id"] for r in api("handler").get("/api/v1/alerts/").json()["results"]] == [a.pk]
    for bad in ("status=nope", "rule=x", "street=NOPE", "from=2026-13-01", "mine=yes", "limit=x"):
        assert officer.get(f"/api/v1/alerts/?{bad}").status_code == 400, bad
    body = assert_error(officer.get("/api/v1/alerts/?from=2026-13-01"), 400, "from")
    assert body["message"] == "参数 from 必须是 YYYY-MM-DD。" and body["errors"] == {"from": [body["message"]]}
    assert api("system_admin").get("/api/v1/alerts/").status_code == 403
    assert api(None).get("/api/v1/alerts/").status_code == 401
    officer.post(f"/api/v1/alerts/{a.pk}/acknowledge/", {}, format="json")
    assert [r["id"] for r in officer.get("/api/v1/alerts/?mine=true").json()["results"]] == [a.pk]
    assert [r["id"] for r in officer.get("/api/v1/alerts/?status=open").json()["results"]] == [b.pk]


def test_detail_and_404_out_of_scope(api, district, plant):
    mine = plant.case(received=NOW - timedelta(days=1), unit="housing")
    theirs = plant.case(received=NOW - timedelta(days=1), unit="hr")
    alert = _alert(district, case_ids=[mine.pk, theirs.pk])
    body = api("handler").get(f"/api/v1/alerts/{alert.pk}/").json()
    assert [c["id"] for c in body["cases"]] == [mine.pk] and body["hidden_cases"] == 1
    assert_error(api("other_handler").get(f"/api/v1/alerts/{alert.pk}/"), 404)
    assert_error(api("officer").get("/api/v1/alerts/987654/"), 404)


def test_actions(api, district, personas):
    alert = _alert(district)
    officer = api("officer")
    body = officer.post(f"/api/v1/alerts/{alert.pk}/acknowledge/", {"note": "已转街道核实"}, format="json").json()
    assert body["status"] == "acknowledged" and [n["text"] for n in body["notes"]] == ["已转街道核实"]
    assert_error(officer.post(f"/api/v1/alerts/{alert.pk}/acknowledge/", {}, format="json"), 409)
    assert_error(api("handler").post(f"/api/v1/alerts/{alert.pk}/notes/", {"text": "看过了"}, format="json"), 403)
    assert_error(officer.post(f"/api/v1/alerts/{alert.pk}/notes/", {"text": 12}, format="json"), 400, "text")
    body = officer.post(f"/api/v1/alerts/{alert.pk}/notes/", {"text": "已联系街道核实"}, format="json").json()
    assert [n["text"] for n in body["notes"]] == ["已转街道核实", "已联系街道核实"]
    assert_error(officer.post(f"/api/v1/alerts/{alert.pk}/assign/", {"owner": personas["other_handler"].pk},
                              format="json"), 400, "owner")
    body = officer.post(f"/api/v1/alerts/{alert.pk}/assign/", {"owner": personas["head"].pk}, format="json").json()
    assert body["owner"]["id"] == personas["head"].pk
    assert_error(officer.post(f"/api/v1/alerts/{alert.pk}/close/", {"reason": "maybe", "note": "x"}, format="json"),
                 400, "reason", "note")
    body = officer.post(f"/api/v1/alerts/{alert.pk}/close/", {"reason": "handled", "note": "已处置完毕"},
                        format="json").json()
    assert body["status"] == "closed" and body["close_reason"] == "handled"
    assert_error(api("other_handler").post(f"/api/v1/alerts/{alert.pk}/close/",
                                           {"reason": "handled", "note": "已处置完毕"}, format="json"), 404)


def test_sensitive_periods(api):
    officer = api("officer")
    body = {"name": "全国两会", "start": "2027-03-01", "end": "2027-03-15", "level": 2}
    created = officer.post("/api/v1/alerts/periods/", body, format="json")
    assert created.status_code == 201
    pk = created.json()["id"]
    assert_error(officer.post("/api/v1/alerts/periods/", {**body, "end": "2027-02-01"}, format="json"), 400, "end")
    assert_error(api("leader").post("/api/v1/alerts/periods/", body, format="json"), 403)
    assert api("leader").get("/api/v1/alerts/periods/?year=2027").json()["count"] == 1
    assert api("leader").get("/api/v1/alerts/periods/?year=2025").json()["count"] == 0
    assert_error(api("leader").get("/api/v1/alerts/periods/?year=abc"), 400, "year")
    updated = officer.put(f"/api/v1/alerts/periods/{pk}/", {**body, "level": 1}, format="json").json()
    assert updated["level"] == 1
    assert_error(officer.put("/api/v1/alerts/periods/999/", body, format="json"), 404)
    assert officer.delete(f"/api/v1/alerts/periods/{pk}/").status_code == 204
    assert not SensitivePeriod.objects.exists()


def test_group_notices(api, district, plant):
    case = plant.case(received=NOW - timedelta(days=1), unit="street")
    street = api("street_handler")
    body = {"source": "street", "reporting_unit": "MH-JCL", "street": "MH-JCL",
            "expected_date": (TODAY + timedelta(days=2)).isoformat(), "place": "区政府信访接待大厅",
            "expected_people": 30, "subject": "某小区动迁安置补偿标准不一", "case": case.pk}
    assert_error(street.post("/api/v1/alerts/notices/", {**body, "case": 999999}, format="json"), 400, "case")
    assert_error(street.post("/api/v1/alerts/notices/", {**body, "reporting_unit": "NOPE"}, format="json"), 400,
                 "reporting_unit")
    assert_error(street.post("/api/v1/alerts/notices/", {**body, "expected_people": "30"}, format="json"), 400,
                 "expected_people")
    assert not GroupVisitNotice.objects.exists()
    created = street.post("/api/v1/alerts/notices/", body, format="json")
    assert created.status_code == 201 and created.json()["alert"]
    assert street.get("/api/v1/alerts/notices/").json()["count"] == 1
    assert api("other_handler").get("/api/v1/alerts/notices/").json()["count"] == 0
    assert_error(api("system_admin").post("/api/v1/alerts/notices/", body, format="json"), 403)
