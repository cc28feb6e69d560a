"""The governance pages with the test client: navigation by permission, the register and the leader's list,
an entry's page and its actions, the rules, supervision pages, and the case page's panel and timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.governance.conftest import PLAN, TODAY
from xinfang.cases.models import CaseEvent
from xinfang.governance import services
from xinfang.governance.models import BacklogEntry, BacklogRule, SupervisionOrder


@pytest.fixture
def login(client, personas):
    def make(name: str):
        client.force_login(personas[name])
        return client
    return make


def nav(html: str) -> str:
    return html.split('aria-label="主导航"', 1)[1].split("</nav>", 1)[0]


@pytest.mark.parametrize(("name", "shown", "hidden"), [
    ("officer", ["积案台账", "督查督办"], ["我的包案"]),
    ("leader", ["积案台账", "我的包案", "督查督办"], []),
    ("handler", ["积案台账", "督查督办"], ["我的包案"]),
    ("system_admin", [], ["积案台账", "我的包案", "督查督办"]),
])
def test_navigation_by_permission(db, login, name, shown, hidden):
    page = reverse("reference:units") if name == "system_admin" else reverse("cases:list")
    html = login(name).get(page).content.decode()
    menu = nav(html)
    for label in shown:
        assert label in menu, (name, label)
    for label in hidden:
        assert label not in menu, (name, label)


def test_the_register_and_the_leaders_own_list(gov, login):
    mine = gov.entry()
    unassigned = gov.entry(leader=False)
    html = login("officer").get("/governance/backlog/").content.decode()
    assert mine.case.number in html and unassigned.case.number in html and "待确定" in html
    html = login("leader").get("/governance/backlog/mine/").content.decode()
    assert mine.case.number in html and unassigned.case.number not in html
    assert login("handler").get("/governance/backlog/mine/").status_code == 403
    assert login("system_admin").get("/governance/backlog/").status_code == 403


def test_an_officer_enters_a_case_from_its_number(gov, login):
    case = gov.case()
    client = login("officer")
    page = client.get(f"/governance/backlog/new/?number={case.number}")
    assert page.status_code == 200 and case.number in page.content.decode()
    bad = client.post("/governance/backlog/new/", {"number": "XF-0000-000000", "reason": "矛盾突出需要包案"})
    assert bad.status_code == 400 and "未找到该编号的事项" in bad.content.decode()
    short = client.post("/governance/backlog/new/", {"number": case.number, "reason": "无"})
    assert short.status_code == 400 and not BacklogEntry.objects.exists()
    done = client.post("/governance/backlog/new/", {"number": case.number, "reason": "矛盾突出需要包案"})
    entry = BacklogEntry.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/governance/backlog/{entry.pk}/"
    again = client.post("/governance/backlog/new/", {"number": case.number, "reason": "矛盾突出需要包案"})
    assert again.status_code == 409
    assert login("handler").post("/governance/backlog/new/", {"number": case.number, "reason": "x"}).status_code == 403


def test_a_leader_works_an_entry_through_its_page(gov, login):
    entry = gov.entry(leader=False)
    client = login("leader")
    url = f"/governance/backlog/{entry.pk}/"
    html = client.get(url).content.decode()
    assert 'id="action-take"' in html and 'id="action-close"' not in html
    assert client.post(f"{url}take/", {"take-note": ""}).status_code == 302
    html = client.get(url).content.decode()
    assert 'id="action-close"' in html and 'id="action-take"' not in html and 'id="action-leader"' not in html
    assert client.post(f"{url}plan/", {"plan-plan": PLAN}).status_code == 302
    bad = client.post(f"{url}plan/", {"plan-plan": "短"})
    assert bad.status_code == 400 and "化解方案至少10个字" in bad.content.decode()
    client.post(f"{url}milestone/", {"milestone-title": "约谈物业企业",
                                     "milestone-due_date": str(TODAY + timedelta(days=7))})
    milestone = entry.milestones.get()
    client.post(f"/governance/backlog/{entry.pk}/milestones/{milestone.pk}/done/", {"done-note": "已约谈"})
    client.post(f"{url}note/", {"note-kind": "meeting", "note-held_on": str(TODAY), "note-participants": "街道",
                                "note-text": "召开协调会，形成处理意见。"})
    response = client.post(f"{url}close/", {"close-outcome": "resolved", "close-summary": "电梯已更换，信访人满意。"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.outcome == "resolved" and entry.plan == PLAN and entry.milestones.get().done_at
    html = client.get(url).content.decode()
    assert "案结事了" in html and "召开协调会" in html and 'id="action-aftercare"' in html
    conflict = client.post(f"{url}close/", {"close-outcome": "stopped", "close-summary": "再次办结的情况说明"})
    assert conflict.status_code == 409 and "已化解" in conflict.content.decode()  # the form is gone: message on top
    assert client.post(f"{url}nope/", {}).status_code == 404


def test_entry_actions_are_refused_to_those_not_offered_them(gov, login):
    entry = gov.entry()
    before = CaseEvent.objects.count()
    client = login("handler")
    html = client.get(f"/governance/backlog/{entry.pk}/").content.decode()
    assert "action-" not in html
    assert client.post(f"/governance/backlog/{entry.pk}/plan/", {"plan-plan": PLAN}).status_code == 403
    assert login("officer").post(f"/governance/backlog/{entry.pk}/close/", {
        "close-outcome": "resolved", "close-summary": "电梯已更换，信访人满意。"}).status_code == 403
    assert CaseEvent.objects.count() == before


def test_the_rules_page(gov, login):
    client = login("officer")
    html = client.get("/governance/rules/").content.decode()
    assert "超过规定天数仍未办结" in html and "复查或复核后仍不满意" in html
    bad = client.post("/governance/rules/", {"kind": "open_days", "open_days-threshold": "3",
                                             "open_days-active": "on"})
    assert bad.status_code == 400 and not BacklogRule.objects.exists()
    ok = client.post("/governance/rules/", {"kind": "open_days", "open_days-threshold": "60",
                                            "open_days-active": "on"})
    assert ok.status_code == 302 and BacklogRule.objects.get().threshold == 60
    assert client.post("/governance/rules/", {"kind": "nope"}).status_code == 404
    assert login("leader").get("/governance/rules/").status_code == 403


def test_supervision_pages(gov, login):
    case = gov.case()
    client = login("officer")
    form = client.get(f"/governance/supervision/new/?number={case.number}")
    assert form.status_code == 200
    bad = client.post("/governance/supervision/new/", {"number": case.number, "grounds": "delay", "text": "短",
                                                       "reply_due": str(TODAY + timedelta(days=5))})
    assert bad.status_code == 400 and not SupervisionOrder.objects.exists()
    both = client.post("/governance/supervision/new/", {"number": case.number, "unit": gov.district["hr"].pk,
                                                        "grounds": "delay", "text": "该事项办理拖延，请立即处理。",
                                                        "reply_due": str(TODAY + timedelta(days=5))})
    assert both.status_code == 400 and not SupervisionOrder.objects.exists()
    done = client.post("/governance/supervision/new/", {"number": case.number, "grounds": "delay",
                                                        "text": "该事项办理拖延，请立即研究处理。",
                                                        "reply_due": str(TODAY + timedelta(days=5))})
    order = SupervisionOrder.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/governance/supervision/{order.pk}/"
    handler = login("handler")
    html = handler.get(f"/governance/supervision/{order.pk}/").content.decode()
    assert "书面回复" in html and "审核回复" not in html
    assert handler.post(f"/governance/supervision/{order.pk}/reply/", {"reply-text": "收到"}).status_code == 400
    assert handler.post(f"/governance/supervision/{order.pk}/reply/",
                        {"reply-text": "已责成物业十日内完成维修，结果另行报告。"}).status_code == 302
    officer = login("officer")
    assert "审核回复" in officer.get(f"/governance/supervision/{order.pk}/").content.decode()
    assert officer.post(f"/governance/supervision/{order.pk}/escalate/",
                        {"escalate-reason": "多次督办仍未落实"}).status_code == 302
    listed = login("registrar").get("/governance/supervision/listed/").content.decode()
    assert order.number in listed
    assert login("handler").post(f"/governance/supervision/{order.pk}/review/",
                                 {"review-decision": "accept"}).status_code == 403
    assert order.number in login("handler").get("/governance/supervision/?status=replied").content.decode()


def test_the_case_page_shows_the_entry_orders_and_labelled_events(gov, login):
    entry = gov.entry()
    order = gov.order(entry.case)
    services.supervision_escalate(order=order, actor=gov.personas["officer"], reason="多次督办仍未落实")
    html = login("handler").get(f"/cases/{entry.case_id}/").content.decode()
    assert f"/governance/backlog/{entry.pk}/" in html and f"/governance/supervision/{order.pk}/" in html
    for label in ("列入积案台账", "确定包案领导", "督办", "挂牌督办"):
        assert f"<strong>{label}</strong>" in html, label
    assert "backlog_registered" not in html and "supervision_issued" not in html
    officer_html = login("officer").get(f"/cases/{gov.case().pk}/").content.decode()
    assert "/governance/backlog/new/?number=" in officer_html and "/governance/supervision/new/?number=" in officer_html


def test_the_case_page_panel_costs_one_query(gov, login):
    case = gov.case()
    client = login("officer")
    client.get(f"/cases/{case.pk}/")
    with CaptureQueriesContext(connection) as without:
        client.get(f"/cases/{case.pk}/")
    gov.entry(case)
    gov.order(case)
    gov.order(case)
    client.get(f"/cases/{case.pk}/")
    with CaptureQueriesContext(connection) as with_both:
        client.get(f"/cases/{case.pk}/")
    # The same queries whether or not there are entries and orders (no query per order).
    assert len(with_both.captured_queries) == len(without.captured_queries)


def test_the_pages_speak_english(gov, login):
    entry = gov.entry()
    order = gov.order(entry.case)
    client = login("leader")
    client.cookies["django_language"] = "en"
    for url, english in ((f"/governance/backlog/{entry.pk}/", "Leader in charge and team"),
                         ("/governance/backlog/", "Backlog register"),
                         ("/governance/backlog/stats/", "Backlog stock and flow"),
                         (f"/governance/supervision/{order.pk}/", "Supervision order"),
                         ("/governance/supervision/listed/", "Listed supervision")):
        html = client.get(url).content.decode()
        main = html.split("<main", 1)[1].split("</main>", 1)[0]
        assert '<html lang="en">' in html and english in main, url
        for chinese in ("包案领导", "积案台账", "督办单", "化解方案", "回复期限", "存量"):
            assert chinese not in main, (url, chinese)
