"""Stock and flow of the register (控制增量、化解存量) against a small district computed by hand, and the
scoping of the register and of supervision: another unit's handler gets 404, an accused unit never sees
an accusation — in selectors, pages and the API alike."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.conftest import at
from tests.governance.conftest import NOW
from xinfang.core.clock import clock_at
from xinfang.core.errors import NotFound, ValidationFailed
from xinfang.core.models import AuditEntry
from xinfang.governance import services
from xinfang.governance.models import BacklogEntry
from xinfang.governance.selectors import (
    backlog_entries_visible,
    backlog_entry_access,
    backlog_stock_flow,
    backlog_team_candidates,
    supervision_order_access,
)
from xinfang.notifications.models import Notification


def enter(gov, *, unit: str, on: str, close: tuple[str, str] | None = None) -> BacklogEntry:
    case = gov.case(received=at("2026-07-01 09:00"), unit=unit)
    with clock_at(at(on)):
        entry = services.backlog_register(case=case, actor=gov.personas["officer"], reason="矛盾突出需要包案")
        services.backlog_leader_assign(entry=entry, leader=gov.personas["leader"], actor=gov.personas["officer"])
    if close:
        outcome, when = close
        with clock_at(at(when)):
            services.backlog_close(entry=entry, actor=gov.personas["leader"], outcome=outcome,
                                   summary="经包案化解，信访人签字确认。")
    return entry


def test_stock_and_flow_by_unit_match_the_hand_computed_figures(gov):
    # October 2026. 区房管局: two open at the start (one resolved in October), one added and stopped in October.
    # 区人社局: one closed before October (not counted at all), two added in October (the last at 23:00 on the
    # 31st), one entered on 1 November (outside the period).
    enter(gov, unit="housing", on="2026-09-10 10:00")
    enter(gov, unit="housing", on="2026-09-15 10:00", close=("resolved", "2026-10-05 10:00"))
    enter(gov, unit="housing", on="2026-10-03 10:00", close=("stopped", "2026-10-20 10:00"))
    enter(gov, unit="hr", on="2026-08-01 10:00", close=("resolved", "2026-09-20 10:00"))
    enter(gov, unit="hr", on="2026-10-10 10:00")
    enter(gov, unit="hr", on="2026-10-31 23:00")
    with clock_at(at("2026-11-01 00:30")):
        enter(gov, unit="hr", on="2026-11-01 00:30")
        figures = backlog_stock_flow(user=gov.personas["officer"], start=date(2026, 10, 1), end=date(2026, 10, 31))
    rows = {r.unit_name: (r.at_start, r.added, r.resolved, r.stopped, r.remaining) for r in figures.rows}
    assert rows == {"区房管局": (2, 1, 1, 1, 1), "区人社局": (0, 2, 0, 0, 2)}
    total = figures.total
    assert (total.at_start, total.added, total.resolved, total.stopped, total.remaining) == (2, 3, 1, 1, 3)
    assert total.remaining == total.at_start + total.added - total.resolved - total.stopped
    # Scoped like everything else: the housing bureau's handler sees its own row only.
    with clock_at(at("2026-11-01 00:30")):
        own = backlog_stock_flow(user=gov.personas["handler"], start=date(2026, 10, 1), end=date(2026, 10, 31))
    assert [(r.unit_name, r.at_start, r.remaining) for r in own.rows] == [("区房管局", 2, 1)]


def test_stock_and_flow_through_the_page_and_the_api(gov, client, api):
    enter(gov, unit="housing", on="2026-10-03 10:00")
    client.force_login(gov.personas["officer"])
    response = client.get("/governance/backlog/stats/", {"date_from": "2026-10-01", "date_to": "2026-10-31"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "区房管局" in html and "期初积案" in html
    body = api("officer").get("/api/v1/governance/backlog/stats/", {"from": "2026-10-01", "to": "2026-10-31"}).json()
    assert body["rows"] == [{"unit": {"code": "MH-FGJ", "name": "区房管局"}, "at_start": 0, "added": 1,
                             "resolved": 0, "stopped": 0, "remaining": 1}]
    assert body["total"]["remaining"] == 1
    for params in ({"from": "2026-10-31", "to": "2026-10-01"}, {"from": "1999-01-01", "to": "2000-01-02"},
                   {"from": "2020-01-01", "to": "2026-10-01"}, {"from": "nope"}, {"to": "9999-12-31"}):
        assert api("officer").get("/api/v1/governance/backlog/stats/", params).status_code == 400, params
    body = api("officer").get("/api/v1/governance/backlog/stats/", {"from": "nope"}).json()
    assert body["message"] == "参数 from 必须是 YYYY-MM-DD。" and body["errors"] == {"from": [body["message"]]}
    bad = client.get("/governance/backlog/stats/", {"date_from": "2026-10-31", "date_to": "2026-10-01"})
    assert bad.status_code == 400


# --- Scope ----------------------------------------------------------------------------------------------

def test_a_handler_of_another_unit_gets_404_everywhere(gov, client, api):
    entry = gov.entry()
    order = gov.order(entry.case)
    other = gov.personas["other_handler"]
    assert not backlog_entries_visible(user=other).exists()
    with pytest.raises(NotFound):
        backlog_entry_access(user=other, entry_id=entry.pk)
    with pytest.raises(NotFound):
        supervision_order_access(user=other, order_id=order.pk)
    assert AuditEntry.objects.filter(username="other", result="denied").count() == 2
    client.force_login(other)
    for url in (f"/governance/backlog/{entry.pk}/", f"/governance/supervision/{order.pk}/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/governance/supervision/{order.pk}/reply/", {"reply-text": "越权回复越权回复越权回复"}).status_code == 404
    assert entry.case.number not in client.get("/governance/backlog/").content.decode()
    for url in (f"/api/v1/governance/backlog/{entry.pk}/", f"/api/v1/governance/supervision/{order.pk}/"):
        assert api("other_handler").get(url).status_code == 404, url
    assert api("other_handler").get("/api/v1/governance/backlog/").json()["count"] == 0
    # The housing bureau's own staff see both.
    assert api("handler").get(f"/api/v1/governance/backlog/{entry.pk}/").status_code == 200
    assert client.get("/governance/backlog/999999/").status_code == 404


def test_an_accused_unit_never_sees_the_accusation_on_the_register_or_its_orders(gov, client, api):
    accusation = gov.case(matter_type="accusation", accused_units=("housing",), unit="discipline",
                          title="举报区房管局工作人员")
    entry = gov.entry(accusation)
    order = gov.order(accusation)
    assert order.unit == gov.district["discipline"]
    for name in ("handler", "head", "office_handler"):
        user = gov.personas[name]
        assert not backlog_entries_visible(user=user).exists(), name
        with pytest.raises(NotFound):
            backlog_entry_access(user=user, entry_id=entry.pk)
        with pytest.raises(NotFound):
            supervision_order_access(user=user, order_id=order.pk)
        assert api(name).get(f"/api/v1/governance/backlog/{entry.pk}/").status_code == 404
        assert api(name).get("/api/v1/governance/supervision/").json()["count"] == 0
        with clock_at(NOW):
            figures = backlog_stock_flow(user=user, start=NOW.date() - timedelta(days=30), end=NOW.date())
        assert figures.rows == [], name
    # Never offered for the team, and refused when named.
    names = {u.username for u in backlog_team_candidates(entry=entry)}
    assert "jw" in names and not names & {"handler", "head", "office"}
    with pytest.raises(ValidationFailed):
        services.backlog_team_set(entry=entry, members=[gov.personas["head"]], actor=gov.personas["leader"])
    # Not notified either.
    assert not Notification.objects.filter(user__unit=gov.district["housing"], case=accusation).exists()
    client.force_login(gov.personas["head"])
    assert client.get(f"/governance/backlog/{entry.pk}/").status_code == 404
    assert "举报" not in client.get("/governance/supervision/").content.decode()
