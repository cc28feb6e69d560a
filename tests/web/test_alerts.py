"""The alerts pages (/alerts/) with the test client and the named personas: list with filters and a pinned
query count, the alert page with its cases through the gateway (404 for another unit), the actions with
clear errors that change nothing, the sensitive-period calendar and the group-visit notice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tests.alerts.conftest import NOW, TODAY, Plant
from xinfang.alerts.models import Alert, AlertNote, GroupVisitNotice, SensitivePeriod
from xinfang.alerts.services import AlertDraft, alert_raise
from xinfang.core.clock import clock_at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_clock():
    with clock_at(NOW), translation.override("zh-hans"):
        yield


@pytest.fixture
def plant(district, categories):
    return Plant(district=district, categories=categories)


def _alert(district, *, key="k", unit="housing", case_ids=(), severity="medium", rule=Alert.Rule.SPIKE,
           street="street"):
    alert, _ = alert_raise(draft=AlertDraft(
        rule=rule, key=key, severity=severity, title=f"预警{key}", explanation="近7天 10 件，预期约 1.0 件",
        figures={"observed": 10}, case_ids=list(case_ids), street=district[street] if street else None,
        unit=district[unit] if unit else None))
    assert alert is not None
    return alert


# A signed-in page costs 5 queries (session, user, 2 × permissions, the user's unit; the session is saved at
# most once a minute, accounts/middleware.py); the list adds the count, the sensitive-period banner, the
# street choices of the filter form and the rows, whatever their number.
LIST_QUERIES = 9


def test_list_page_filters_and_pinned_queries(district, personas, login):
    _alert(district, key="a", severity="high")
    _alert(district, key="b", unit="hr", street="street2", severity="low")
    c = _alert(district, key="c")
    Alert.objects.filter(pk=c.pk).update(status=Alert.Status.CLOSED, closed_at=NOW)
    client = login("officer")
    html = client.get("/alerts/").content.decode()
    assert "预警a" in html and "预警b" in html and "预警c" not in html  # open ones by default
    html = client.get("/alerts/", {"severity": "high"}).content.decode()
    assert "预警a" in html and "预警b" not in html
    html = client.get("/alerts/", {"street": district["street2"].pk, "status": ""}).content.decode()
    assert "预警b" in html and "预警a" not in html
    assert "预警c" in client.get("/alerts/", {"status": "closed"}).content.decode()
    bad = client.get("/alerts/", {"date_from": "2026-10-10", "date_to": "2026-10-01"})
    assert bad.status_code == 400 and "结束日期不能早于开始日期" in bad.content.decode()
    for i in range(5):
        _alert(district, key=f"more{i}")
    client.get("/alerts/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/alerts/").status_code == 200
    assert len(queries.captured_queries) == LIST_QUERIES, [q["sql"] for q in queries.captured_queries]
    # A unit handler sees their unit's alerts only.
    html = login("handler").get("/alerts/").content.decode()
    assert "预警a" in html and "预警b" not in html


def test_pages_need_the_permission(login):
    assert login("system_admin").get("/alerts/").status_code == 403
    assert login("audit_admin").get("/alerts/periods/").status_code == 403


def test_detail_shows_visible_cases_and_404_for_another_unit(district, personas, login, plant):
    mine = plant.case(received=NOW - timedelta(days=1), unit="housing", title="电梯故障")
    theirs = plant.case(received=NOW - timedelta(days=1), unit="hr", title="拖欠工资")
    alert = _alert(district, case_ids=[mine.pk, theirs.pk])
    html = login("handler").get(f"/alerts/{alert.pk}/").content.decode()
    assert mine.number in html and theirs.number not in html and "另有 1 件事项不在您的查看范围内" in html
    assert "签收" not in html.split("预警依据")[1]  # a handler reads only: no actions
    html = login("officer").get(f"/alerts/{alert.pk}/").content.decode()
    assert mine.number in html and theirs.number in html and f"alerts/{alert.pk}/acknowledge/" in html
    assert login("other_handler").get(f"/alerts/{alert.pk}/").status_code == 404
    assert login("officer").get("/alerts/999999/").status_code == 404


def test_actions_through_the_page(district, personas, login):
    alert = _alert(district)
    client = login("officer")
    response = client.post(f"/alerts/{alert.pk}/acknowledge/")
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == "acknowledged" and alert.owner == personas["officer"]
    again = client.post(f"/alerts/{alert.pk}/acknowledge/")
    assert again.status_code == 409 and "只有待处置的预警可以签收" in again.content.decode()
    # A note: empty is refused with the message next to the field, nothing written.
    empty = client.post(f"/alerts/{alert.pk}/note/", {"note-text": ""})
    assert empty.status_code == 400 and 'id="id_note-text"' in empty.content.decode()
    assert 'id="id_note-text_error"' in empty.content.decode()
    assert not AlertNote.objects.exists()
    assert client.post(f"/alerts/{alert.pk}/note/", {"note-text": "已电话联系街道核实"}).status_code == 302
    assert AlertNote.objects.get().text == "已电话联系街道核实"
    # Assign: a user who cannot see the alert is not among the choices.
    wrong = client.post(f"/alerts/{alert.pk}/assign/", {"assign-owner": personas["other_handler"].pk})
    assert wrong.status_code == 400
    assert client.post(f"/alerts/{alert.pk}/assign/", {"assign-owner": personas["leader"].pk}).status_code == 302
    alert.refresh_from_db()
    assert alert.owner == personas["leader"]
    # Close: a reason and a note are needed.
    bad = client.post(f"/alerts/{alert.pk}/close/", {"close-reason": "handled", "close-note": "x"})
    assert bad.status_code == 400 and "请说明处置情况或误报原因" in bad.content.decode()
    alert.refresh_from_db()
    assert alert.status == "acknowledged"
    assert client.post(f"/alerts/{alert.pk}/close/", {"close-reason": "false_alarm",
                                                      "close-note": "核实为同一人重复登记"}).status_code == 302
    alert.refresh_from_db()
    assert alert.status == "closed" and alert.close_reason == "false_alarm"
    assert client.get(f"/alerts/{alert.pk}/acknowledge/").status_code == 405
    # Another unit's handler cannot act on it either: 404.
    assert login("other_handler").post(f"/alerts/{alert.pk}/note/", {"note-text": "看看"}).status_code == 404


def test_sensitive_period_calendar(login, personas):
    client = login("officer")
    assert client.get("/alerts/periods/").status_code == 200
    bad = client.post("/alerts/periods/", {"name": "两会", "start": "2027-03-10", "end": "2027-03-01", "level": "2"})
    assert bad.status_code == 400 and "结束日期不能早于开始日期" in bad.content.decode()
    assert not SensitivePeriod.objects.exists()
    ok = client.post("/alerts/periods/", {"name": "全国两会", "start": "2027-03-01", "end": "2027-03-15", "level": "2"})
    assert ok.status_code == 302
    period = SensitivePeriod.objects.get()
    assert period.created_by == personas["officer"]
    assert client.post(f"/alerts/periods/{period.pk}/", {"name": "全国两会", "start": "2027-03-01",
                                                         "end": "2027-03-16", "level": "2"}).status_code == 302
    period.refresh_from_db()
    assert period.end.isoformat() == "2027-03-16"
    leader = login("leader")
    assert "全国两会" in leader.get("/alerts/periods/").content.decode()
    assert leader.post("/alerts/periods/", {"name": "x", "start": "2027-01-01", "end": "2027-01-02",
                                            "level": "1"}).status_code == 403
    assert leader.post(f"/alerts/periods/{period.pk}/delete/").status_code == 403
    assert client.post(f"/alerts/periods/{period.pk}/delete/").status_code == 302
    assert not SensitivePeriod.objects.exists()


def test_active_period_banner(login, personas):
    SensitivePeriod.objects.create(name="国庆", start=TODAY, end=TODAY + timedelta(days=3), level=1, created_at=NOW)
    assert "当前处于敏感时期“国庆”" in login("officer").get("/alerts/").content.decode()


def test_group_notice_page(district, login, plant):
    case = plant.case(received=NOW - timedelta(days=2), unit="street")
    client = login("street_handler")
    assert client.get("/alerts/notices/new/").status_code == 200
    bad = client.post("/alerts/notices/new/", {"source": "street", "reporting_unit": district["street"].pk,
                                               "expected_date": TODAY.isoformat(), "place": "区政府",
                                               "expected_people": "1", "subject": "动迁安置"})
    assert bad.status_code == 400 and not GroupVisitNotice.objects.exists()
    unknown = client.post("/alerts/notices/new/", {
        "source": "street", "reporting_unit": district["street"].pk, "expected_date": TODAY.isoformat(),
        "place": "区政府", "expected_people": "30", "subject": "动迁安置补偿", "case_number": "NOPE"})
    assert unknown.status_code == 400 and "未找到该编号的事项" in unknown.content.decode()
    ok = client.post("/alerts/notices/new/", {
        "source": "street", "reporting_unit": district["street"].pk, "street": district["street"].pk,
        "expected_date": (TODAY + timedelta(days=2)).isoformat(), "place": "区政府信访接待大厅",
        "expected_people": "30", "subject": "某小区动迁安置补偿标准不一", "case_number": case.number})
    notice = GroupVisitNotice.objects.get()
    assert ok.status_code == 302 and ok["Location"] == f"/alerts/{notice.alert_id}/"
    assert notice.case == case
    assert "区政府信访接待大厅" in client.get("/alerts/notices/").content.decode()
    assert "区政府信访接待大厅" not in login("other_handler").get("/alerts/notices/").content.decode()
    assert login("system_admin").get("/alerts/notices/new/").status_code == 403
