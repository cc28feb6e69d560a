"""The case page (issue 3): who sees it, what it shows, the actions offered per status and role, each
action's POST (success, refusal, 409), the audited reveal of personal data, and its query count."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests.conftest import VALID_ID, at
from tests.web.conftest import NOW, PHONE
from xinfang.cases import services
from xinfang.cases.models import Case, CaseDocument, CaseEvent
from xinfang.cases.services.events import case_event_append
from xinfang.core.clock import clock_at
from xinfang.core.models import AuditEntry

# Every test runs at NOW (clients sign in inside it), in Chinese: deadlines and days left are fixed.


@pytest.fixture(autouse=True)
def _frozen_clock(settings) -> Iterator[None]:
    # In Chinese (the test settings default to English, whose catalogue translates these texts).
    settings.LANGUAGE_CODE = "zh-hans"
    with clock_at(at(NOW)), translation.override("zh-hans"):
        yield


def page(client: Client, case: Case) -> str:
    response = client.get(f"/cases/{case.pk}/")
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def actions_in(html: str) -> set[str]:
    return set(re.findall(r'id="action-([a-z_]+)"', html))


def related_section(html: str) -> str:
    return html.split('id="h-related"')[1].split("</section>")[0]


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


# --- Who sees the page ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["registrar", "officer", "leader", "handler", "head"])
def test_page_renders_for_every_role_that_may_see_the_case(cases, login, role):
    case = cases.accepted()
    client = login(role)
    response = client.get(f"/cases/{case.pk}/")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert case.number in html and case.title in html and "江川路街道" in html and "区房管局" in html
    assert "办理中" in html and "住房保障" in html and "来信" in html
    # Masked only: first 6 and last 4 of the ID, the phone masked too.
    assert case.case_petitioners.get().petitioner.id_masked in html
    assert VALID_ID not in html and PHONE not in html
    assert AuditEntry.objects.filter(action="case.read", object_id=str(case.pk), username=role).exists()


def test_page_answers_404_outside_the_scope_and_audits_the_denial(cases, login):
    case = cases.accepted()
    assert login("other_handler").get(f"/cases/{case.pk}/").status_code == 404
    assert login("street_handler").get(f"/cases/{case.pk}/").status_code == 404
    assert AuditEntry.objects.filter(action="case.read", object_id=str(case.pk), result="denied").count() == 2
    # A missing case looks the same.
    assert login("handler").get("/cases/999999/").status_code == 404


def test_admins_and_anonymous_do_not_get_the_page(cases, login):
    case = cases.register()
    assert login("system_admin").get(f"/cases/{case.pk}/").status_code == 403
    response = Client().get(f"/cases/{case.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_accusation_is_invisible_to_the_accused_unit_and_its_sub_units(cases, login, district):
    case = cases.register(matter_type=Case.MatterType.ACCUSATION, title="反映房管局工作人员违规收费",
                          accused_units=[district["housing"]])
    services.case_route(case=case, unit=district["discipline"], mode=Case.RouteMode.ASSIGN,
                        actor=cases.personas["officer"])
    for name in ("handler", "head", "office_handler"):
        assert login(name).get(f"/cases/{case.pk}/").status_code == 404, name
    html = page(login("discipline_handler"), case)
    assert "反映房管局工作人员违规收费" in html and {"accept", "refuse", "object"} <= actions_in(html)


# --- What the page shows ----------------------------------------------------------------------------


def test_timeline_deadlines_and_provisional_mark(cases, login):
    case = cases.accepted()
    html = page(login("handler"), case)
    # Timeline: time, actor, action, old → new.
    assert "2026-11-20 10:00" in html and "registrar" in html and "转送交办" in html and "受理" in html
    assert "待受理 → 办理中" in html
    # Deadlines: the route and acceptance met, the 60-day handling deadline open, in 2027: provisional.
    assert "转送交办期限" in html and "受理告知期限" in html and "办结期限" in html
    assert "已完成" in html and "剩余60天" in html
    assert 'class="badge provisional"' in html and "2027年的节假日安排尚未载入系统" in html
    # The objection window was cancelled by the acceptance: not shown.
    assert "异议期限" not in html


def test_overdue_deadline_is_marked(cases, login, personas):
    case = cases.routed()
    with clock_at(at("2026-12-10 10:00")):
        client = Client()
        client.force_login(personas["officer"])
        html = page(client, case)
    assert "已超期3天" in html and "2026-12-07" in html and 'class="late"' in html


def test_documents_ratings_and_related_cases(cases, login, personas):
    original = cases.replied()
    services.case_rate(case=original, rating="dissatisfied")
    repeat = cases.register(repeat_of=original, force_new=False)
    assert repeat.status == Case.Status.LINKED
    html = page(login("officer"), original)
    assert "受理告知书" in html and "处理意见书" in html
    doc = CaseDocument.objects.get(case=original, kind=CaseDocument.Kind.REPLY_OPINION)
    assert f"/cases/{original.pk}/documents/{doc.pk}.docx" in html
    assert "不满意" in html
    assert repeat.number in related_section(html) and "重复信访" in related_section(html)
    repeat_html = page(login("officer"), repeat)
    assert original.number in repeat_html and "原信访事项" in repeat_html
    # The linked repeat has no handling unit: the unit's handler does not see it listed.
    assert repeat.number not in related_section(page(login("handler"), original))


# --- Actions offered -----------------------------------------------------------------------------------


def test_actions_offered_match_status_and_role(cases, login):
    registered = cases.register()
    assert actions_in(page(login("registrar"), registered)) == set()
    assert actions_in(page(login("leader"), registered)) == set()
    assert actions_in(page(login("officer"), registered)) == {"route"}

    routed = cases.routed(title="楼道堆物")
    assert actions_in(page(login("handler"), routed)) == {"accept", "refuse", "object"}
    assert actions_in(page(login("head"), routed)) == {"accept", "refuse", "object"}
    assert actions_in(page(login("officer"), routed)) == set()

    accepted = cases.accepted(title="噪声扰民")
    assert actions_in(page(login("handler"), accepted)) == {"reply"}
    assert actions_in(page(login("head"), accepted)) == {"reply", "extend"}
    services.case_extend(case=accepted, actor=cases.personas["head"], days=10, reason="需要现场勘查")
    assert actions_in(page(login("head"), accepted)) == {"reply"}  # one extension only (Art. 34)

    review = cases.review_requested()
    assert actions_in(page(login("officer"), review)) == {"review_decide"}
    assert actions_in(page(login("handler"), review)) == set()


def test_objection_is_no_longer_offered_after_five_working_days(cases, personas):
    case = cases.routed()  # Fri 2026-11-20: the window ends Fri 2026-11-27
    with clock_at(at("2026-11-30 09:00")):
        client = Client()
        client.force_login(personas["handler"])
        assert actions_in(page(client, case)) == {"accept", "refuse"}


def test_route_form_preselects_the_default_unit_and_never_offers_accused_units(cases, login, district):
    html = page(login("officer"), cases.register())
    assert re.search(rf'<option value="{district["housing"].pk}" selected>', html)
    assert "建议：区房管局" in html

    accusation = cases.register(matter_type=Case.MatterType.ACCUSATION, title="反映房管局工作人员违规收费",
                                accused_units=[district["housing"]])
    html = page(login("officer"), accusation)
    options = set(re.findall(r'<option value="(\d+)"', html))
    assert str(district["housing"].pk) not in options and str(district["housing_office"].pk) not in options
    assert str(district["discipline"].pk) in options and str(district["bureau"].pk) not in options
    assert not re.search(r'<option value="\d+" selected>', html)


# --- Actions posted ------------------------------------------------------------------------------------


def test_route_post_redirects_back_with_a_message(cases, login, district):
    case = cases.register()
    client = login("officer")
    response = client.post(f"/cases/{case.pk}/route/", {"route-unit": district["housing"].pk, "route-mode": "assign",
                                                        "route-note": "请于十日内反馈"})
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    case = fresh(case)
    assert case.status == Case.Status.ROUTED and case.handling_unit == district["housing"] and case.route_mode == "assign"
    assert "已转送交办。" in client.get(response["Location"]).content.decode()


def test_route_to_an_accused_unit_by_a_crafted_post_is_refused_and_audited(cases, login, district):
    case = cases.register(matter_type=Case.MatterType.ACCUSATION, title="反映房管局工作人员违规收费",
                          accused_units=[district["housing"]])
    response = login("officer").post(f"/cases/{case.pk}/route/", {"route-unit": district["housing_office"].pk,
                                                                   "route-mode": "transfer"})
    assert response.status_code == 400
    assert "第三十条" in response.content.decode()
    assert fresh(case).status == Case.Status.REGISTERED
    assert AuditEntry.objects.filter(action="case.route", result="denied", object_id=str(case.pk)).exists()


def test_registrar_cannot_route_by_post(cases, login, district):
    case = cases.register()
    response = login("registrar").post(f"/cases/{case.pk}/route/", {"route-unit": district["housing"].pk,
                                                                     "route-mode": "transfer"})
    assert response.status_code == 403
    assert fresh(case).status == Case.Status.REGISTERED


def test_accept_post_issues_the_notice(cases, login):
    case = cases.routed()
    client = login("handler")
    response = client.post(f"/cases/{case.pk}/accept/", {"accept-note": ""}, follow=True)
    assert response.status_code == 200 and "已受理，受理告知书已生成。" in response.content.decode()
    assert fresh(case).status == Case.Status.ACCEPTED
    assert CaseDocument.objects.filter(case=case, kind=CaseDocument.Kind.ACCEPTANCE_NOTICE).count() == 1


def test_accept_twice_answers_409_and_changes_nothing(cases, login):
    case = cases.accepted()
    events = CaseEvent.objects.filter(case=case).count()
    response = login("handler").post(f"/cases/{case.pk}/accept/", {"accept-note": ""})
    assert response.status_code == 409
    assert "不能受理" in response.content.decode()
    assert CaseEvent.objects.filter(case=case).count() == events
    assert CaseDocument.objects.filter(case=case, kind=CaseDocument.Kind.ACCEPTANCE_NOTICE).count() == 1


def test_refuse_with_errors_keeps_what_was_typed_and_changes_nothing(cases, login):
    case = cases.routed()
    response = login("handler").post(f"/cases/{case.pk}/refuse/", {"refuse-reason": "不属实",
                                                                    "refuse-legal_channel": "none"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "请写明不予受理的理由。" in html
    assert "申诉求决事项不予受理时，必须告知信访人应当通过的法定途径。" in html
    assert "不属实</textarea>" in html
    assert 'id="action-refuse" open' in html
    assert fresh(case).status == Case.Status.ROUTED


def test_refuse_with_legal_channel(cases, login):
    case = cases.routed()
    response = login("handler").post(f"/cases/{case.pk}/refuse/", {
        "refuse-reason": "属于劳动争议，应当申请仲裁", "refuse-legal_channel": "arbitration"})
    assert response.status_code == 302
    case = fresh(case)
    assert case.status == Case.Status.REFUSED and case.legal_channel == "arbitration"
    html = page(login("handler"), case)
    assert "属于劳动争议，应当申请仲裁" in html and "仲裁（含劳动人事争议仲裁）" in html
    assert actions_in(html) == set()


def test_object_sends_the_case_back_and_leaves_the_handler_on_the_workbench(cases, login):
    case = cases.routed()
    client = login("handler")
    response = client.post(f"/cases/{case.pk}/object/", {"object-reason": "属于区人社局职权范围"})
    assert response.status_code == 302 and response["Location"] == reverse("cases:inbox")
    assert fresh(case).status == Case.Status.OBJECTED
    assert client.get(f"/cases/{case.pk}/").status_code == 404


def test_extend_needs_the_head_and_at_most_30_days(cases, login):
    case = cases.accepted()
    assert login("handler").post(f"/cases/{case.pk}/extend/", {"extend-days": "10",
                                                                "extend-reason": "需要现场勘查"}).status_code == 403
    head = login("head")
    response = head.post(f"/cases/{case.pk}/extend/", {"extend-days": "31", "extend-reason": "需要现场勘查"})
    assert response.status_code == 400 and "需要现场勘查</textarea>" in response.content.decode()
    assert fresh(case).extension_days == 0
    response = head.post(f"/cases/{case.pk}/extend/", {"extend-days": "20", "extend-reason": "需要现场勘查"})
    assert response.status_code == 302 and fresh(case).extension_days == 20
    assert CaseDocument.objects.filter(case=case, kind=CaseDocument.Kind.EXTENSION_NOTICE).exists()


def test_reply_is_drafted_per_outcome_edited_and_issued(cases, login):
    case = cases.accepted()
    client = login("handler")
    html = page(client, case)
    # Pre-filled with the draft of the preselected outcome, blanks marked.
    assert "本单位予以支持" in html and "〔待填写" in html
    # "Generate draft" for another outcome: the form comes back with that draft, nothing is saved.
    response = client.post(f"/cases/{case.pk}/reply/", {"reply-outcome": "reject", "reply-text": "x", "draft": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "本单位不予支持" in html and '<option value="reject" selected>' in html
    assert fresh(case).status == Case.Status.ACCEPTED
    # A draft whose blanks are still there is not issued.
    response = client.post(f"/cases/{case.pk}/reply/", {"reply-outcome": "reject",
                                                        "reply-text": "经核查〔待填写：事实〕，不予支持。"})
    assert response.status_code == 400 and "请填写或删除后再签发" in response.content.decode()
    assert fresh(case).status == Case.Status.ACCEPTED
    text = "经核查，您反映的电梯故障已由物业于11月18日修复，诉求不予支持。"
    response = client.post(f"/cases/{case.pk}/reply/", {"reply-outcome": "reject", "reply-text": text})
    assert response.status_code == 302
    case = fresh(case)
    assert case.status == Case.Status.REPLIED and case.outcome == "reject" and case.reply_text == text
    assert CaseDocument.objects.get(case=case, kind=CaseDocument.Kind.REPLY_OPINION).body == text


def test_reply_too_short_shows_the_service_message_next_to_the_field(cases, login):
    case = cases.accepted()
    response = login("handler").post(f"/cases/{case.pk}/reply/", {"reply-outcome": "support", "reply-text": "同意"})
    assert response.status_code == 400
    assert re.search(r'id="id_reply-text_error">处理意见书正文至少10个字', response.content.decode())
    assert fresh(case).status == Case.Status.ACCEPTED


def test_review_and_re_review_decisions_by_the_officer(cases, login):
    case = cases.review_requested()
    client = login("officer")
    response = client.post(f"/cases/{case.pk}/review_decide/", {
        "review_decide-outcome": "uphold", "review_decide-text": "经复查，原处理意见认定事实清楚，予以维持。"})
    assert response.status_code == 302 and fresh(case).status == Case.Status.REVIEWED
    services.case_re_review_request(case=fresh(case), reason="仍不服，请求复核")
    response = client.post(f"/cases/{case.pk}/re_review_decide/", {
        "re_review_decide-outcome": "uphold", "re_review_decide-text": "经复核，维持复查意见，本意见为最终意见。"})
    assert response.status_code == 302 and fresh(case).status == Case.Status.CLOSED


def test_htmx_success_redirects_the_client_and_errors_swap_the_form(cases, login):
    case = cases.routed()
    client = login("handler")
    response = client.post(f"/cases/{case.pk}/object/", {"object-reason": "短"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<details class="case-action" id="action-object" open')
    assert "请详细说明异议理由。" in html and "<html" not in html
    accepted = cases.accepted(title="噪声扰民")
    response = client.post(f"/cases/{accepted.pk}/reply/", {"reply-outcome": "explain", "reply-text": "", "draft": "1"},
                           HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and "现向您解释说明如下" in html
    assert fresh(accepted).status == Case.Status.ACCEPTED
    response = client.post(f"/cases/{case.pk}/accept/", {"accept-note": "ok"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Redirect"] == f"/cases/{case.pk}/"
    assert fresh(case).status == Case.Status.ACCEPTED


def test_get_on_an_action_url_goes_back_to_the_page(cases, login):
    case = cases.routed()
    response = login("handler").get(f"/cases/{case.pk}/accept/")
    assert response.status_code == 302 and fresh(case).status == Case.Status.ROUTED


def test_actions_on_a_case_outside_the_scope_answer_404(cases, login):
    case = cases.routed()
    response = login("other_handler").post(f"/cases/{case.pk}/accept/", {"accept-note": ""})
    assert response.status_code == 404 and fresh(case).status == Case.Status.ROUTED


# --- Reveal of personal data ---------------------------------------------------------------------------


def _petitioner_id(case: Case) -> int:
    return case.case_petitioners.get().petitioner_id


def test_reveal_is_offered_only_with_the_permission(cases, login):
    case = cases.accepted()
    assert "查看完整信息" not in page(login("handler"), case)
    assert "查看完整信息" in page(login("head"), case)
    assert "查看完整信息" in page(login("officer"), case)


def test_reveal_without_permission_is_refused_and_audited(cases, login):
    case = cases.accepted()
    url = f"/cases/{case.pk}/petitioners/{_petitioner_id(case)}/reveal/"
    pid = _petitioner_id(case)
    response = login("handler").post(url, {f"reveal{pid}-reason": "核实身份以便上门"})
    assert response.status_code == 403 and VALID_ID not in response.content.decode()
    assert AuditEntry.objects.filter(action="petitioner.reveal", result="denied").exists()


def test_reveal_needs_a_reason_and_is_audited(cases, login):
    case = cases.accepted()
    pid = _petitioner_id(case)
    url = f"/cases/{case.pk}/petitioners/{pid}/reveal/"
    client = login("head")
    response = client.post(url, {f"reveal{pid}-reason": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and VALID_ID not in response.content.decode()
    response = client.post(url, {f"reveal{pid}-reason": "短"})
    assert response.status_code == 400 and VALID_ID not in response.content.decode()
    assert not AuditEntry.objects.filter(action="petitioner.reveal", result="ok").exists()

    response = client.post(url, {f"reveal{pid}-reason": "上门办信核实身份"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and VALID_ID in html and PHONE in html and "<html" not in html
    entry = AuditEntry.objects.get(action="petitioner.reveal", result="ok")
    assert entry.username == "head" and entry.detail["reason"] == "上门办信核实身份"
    # Without JS: a page of its own; the case page itself still shows masked numbers only.
    response = client.post(url, {f"reveal{pid}-reason": "上门办信核实身份"})
    assert response.status_code == 200 and VALID_ID in response.content.decode()
    assert VALID_ID not in page(client, case)


def test_reveal_of_a_petitioner_of_another_case_answers_404(cases, login):
    case = cases.accepted()
    other = cases.accepted(title="另一事项", id_number="310112198506120027")
    response = login("head").post(f"/cases/{case.pk}/petitioners/{_petitioner_id(other)}/reveal/",
                                  {f"reveal{_petitioner_id(other)}-reason": "上门办信核实身份"})
    assert response.status_code == 404


def test_full_id_number_never_appears_on_any_page_state(cases, login):
    for case in (cases.register(), cases.routed(title="二"), cases.accepted(title="三"), cases.replied(title="四")):
        for name in ("officer", "registrar", "leader"):
            html = page(login(name), case)
            assert VALID_ID not in html and PHONE not in html


# --- Query count ---------------------------------------------------------------------------------------

# 25: one of them reads the backlog entry and the supervision orders of the case (xinfang/governance).
# 27: the route form's suggested unit also reads the routing history of the category and street (confirmed
# routings, objections: xinfang/nlp), two aggregate queries, however many cases there are.
# 26: those two counts are one statement (a UNION ALL; nlp/selectors.py ``routing_history``).
CASE_PAGE_MAX_QUERIES = 26


def _count(client: Client, case: Case) -> int:
    with CaptureQueriesContext(connection) as ctx:
        page(client, case)
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", ["officer", "head"])
def test_case_page_queries_are_pinned_and_do_not_grow_with_events(cases, login, role,
                                                                   django_assert_max_num_queries):
    case = cases.accepted() if role == "head" else cases.register()
    client = login(role)
    page(client, case)  # warm the session and the calendar cache
    with django_assert_max_num_queries(CASE_PAGE_MAX_QUERIES):
        page(client, case)
    before = _count(client, case)
    for i in range(30):
        case_event_append(case=case, actor=cases.personas["officer"], action="repeat_received", note=f"重复来信 {i}")
    assert _count(client, case) == before


def test_page_renders_in_english(cases, login):
    case = cases.accepted()
    client = login("head")
    response = client.get(f"/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html and case.number in html and 'id="action-reply"' in html
