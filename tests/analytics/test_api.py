"""/api/v1/analytics/: the same figures as the page from the same selector, scoped to the caller; bad
dates → 400 in the API's error shape; a scope outside the caller's → 404."""

from __future__ import annotations

from datetime import date

from tests.api.builders import assert_error
from tests.conftest import at
from xinfang.analytics.selectors import overview, scope_resolve
from xinfang.cases.models import Case
from xinfang.core.clock import clock_at

URL = "/api/v1/analytics/overview/"
PERIOD = {"start": "2026-01-01", "end": "2026-12-31"}


def _cases(wf, district):
    a = wf.route(wf.register("2026-06-01 09:00"), "2026-06-02 10:00")
    b = wf.route(wf.register("2026-06-01 10:00", category="labour", street=district["street2"], id_number="",
                             phone="13900000001"), "2026-06-02 10:05", unit="hr")
    c = wf.register("2026-06-03 09:00", channel=Case.Channel.ONLINE, id_number="", phone="13900000002")
    return a, b, c


def test_overview_fields_and_figures(api, wf, district, personas):
    _cases(wf, district)
    response = api("officer").get(URL, PERIOD)
    assert response.status_code == 200, response.content
    body = response.json()
    for key in ("new_cases", "open", "overdue", "by_category", "by_street", "by_unit", "by_channel", "weekly",
                "monthly", "satisfaction", "group_visits", "repeats", "backlog", "links"):
        assert key in body
    assert (body["new_cases"], body["open"], body["overdue"]) == (3, 3, 0)
    assert {r["code"]: r["count"] for r in body["by_category"]} == {"ZFBZ": 2, "LDSB": 1}
    assert {r["code"]: r["count"] for r in body["by_unit"]} == {"MH-FGJ": 1, "MH-RSJ": 1, "": 1}
    assert {r["code"]: r["count"] for r in body["by_channel"]} == {"letter": 2, "online": 1}
    assert body["by_street"][0] == {"id": str(district["street"].pk), "code": "MH-JCL", "name": "江川路街道",
                                    "count": 2, "cases": body["by_street"][0]["cases"]}
    assert body["by_street"][0]["cases"].startswith("/cases/list/?")
    user = personas["officer"]
    data = overview(user=user, start=date(2026, 1, 1), end=date(2026, 12, 31), scope=scope_resolve(user=user))
    assert body["new_cases"] == data.new_cases and len(body["weekly"]) == len(data.weekly)


def test_overview_is_scoped_to_the_caller(api, wf, district):
    _cases(wf, district)
    body = api("handler").get(URL, PERIOD).json()
    assert body["scope"]["kind"] == "unit" and body["new_cases"] == 1
    assert api("handler").get(URL, {**PERIOD, "unit": "MH-FGJ"}).json()["new_cases"] == 1
    for params in ({"unit": "MH-RSJ"}, {"street": "MH-JCL"}, {"unit": "NOPE"}, {"unit": "MH-FGJ", "street": "MH-XZ"}):
        assert_error(api("handler").get(URL, {**PERIOD, **params}), 404)
    body = api("officer").get(URL, {**PERIOD, "street": "MH-XZ"}).json()
    assert body["scope"] == {"kind": "street", "code": "MH-XZ", "name": "街道：莘庄镇"} and body["new_cases"] == 1
    assert body["backlog"] is None


def test_bad_dates_are_400_in_the_error_shape(api):
    body = assert_error(api("officer").get(URL, {"start": "2026-13-01"}), 400, "start")
    # The one message of the API for a bad date parameter (xinfang/api/fields.py date_param), naming it.
    assert body["message"] == "参数 start 必须是 YYYY-MM-DD。" and body["errors"] == {"start": [body["message"]]}
    assert_error(api("officer").get(URL, {"start": "2026-06-01", "end": "2026-05-01"}), 400, "end")
    assert_error(api("officer").get(URL, {"start": "1999-06-01", "end": "2026-05-01"}), 400, "end")
    assert_error(api("officer").get("/api/v1/analytics/hotspots/", {"end": "x"}), 400, "end")


def test_permissions(api):
    assert api(None).get(URL).status_code == 401
    assert api("system_admin").get(URL).status_code == 403
    assert api("audit_admin").get("/api/v1/analytics/hotspots/").status_code == 403


def test_hotspots_finds_a_planted_spike_and_stays_quiet_otherwise(api, wf, district):
    # Baseline (12 weeks before the 28 days): one labour case in 莘庄镇, three housing cases in 江川路.
    wf.register("2026-07-20 09:00", category="labour", street=district["street2"], id_number="", phone="13900000020")
    for day in (10, 11, 12):
        wf.register(f"2026-08-{day} 09:00", id_number="", phone=f"139000001{day}")
    # The window (2026-09-03 … 09-30): seven labour cases in 莘庄镇; housing in 江川路 at its usual rate.
    for day in range(10, 17):
        wf.register(f"2026-09-{day} 09:00", category="labour", street=district["street2"], title="拖欠工资",
                    content="公司拖欠工资三个月，老板失联，工人讨薪无门。", id_number="", phone=f"139000002{day}")
    wf.register("2026-09-20 09:00", id_number="", phone="13900000300")
    with clock_at(at("2026-09-30 18:00")):
        body = api("officer").get("/api/v1/analytics/hotspots/", {"end": "2026-09-30"}).json()
    assert [(c["category"]["code"], c["street"]["code"], c["count"], c["baseline"]) for c in body["cells"]] == [
        ("LDSB", "MH-XZ", 7, 1)]
    assert body["cells"][0]["p_value"] < 0.01 and body["cells"][0]["ratio"] > 5
    assert "拖欠工资" in [p["text"] for p in body["phrases"]]
    # The unit that handles none of it sees no hotspot.
    with clock_at(at("2026-09-30 18:00")):
        assert api("handler").get("/api/v1/analytics/hotspots/", {"end": "2026-09-30"}).json()["cells"] == []
