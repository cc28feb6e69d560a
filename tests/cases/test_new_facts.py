"""A repeat after re-review (信访工作条例 Art. 36 ¶3) and its audited override for new facts or reasons
(xinfang/cases/services/new_facts.py): the service, the case page and the API.

The refusal of a second parallel case (a repeat of an open matter joins it, Art. 19 ¶3) and the refusal of
a repeat after re-review at registration are tested in test_registration.py; here: what happens next."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from tests.cases.conftest import T_LATER, case_snapshot, events_of
from tests.conftest import at
from xinfang.cases.models import Case, CaseDeadline, CaseEvent
from xinfang.cases.selectors_actions import case_actions_allowed
from xinfang.cases.services import case_accept_new_facts
from xinfang.core.clock import clock_at
from xinfang.core.errors import Forbidden, InvalidTransition, ValidationFailed
from xinfang.core.models import AuditEntry

S = Case.Status
STATEMENT = "信访人提交了2026年7月新的房屋检测报告，证明电梯故障导致的房屋损坏，复核时没有该事实。"


def override(wf: Any, case: Case, *, actor: str = "officer", statement: str = STATEMENT,
             when: str = T_LATER) -> Case:
    with clock_at(at(when)):
        return case_accept_new_facts(case=case, actor=wf.personas[actor], statement=statement)


def refused_without_writing(wf: Any, case: Case, exc_type: type[Exception], *, audited: int = 0,
                            **kwargs: Any) -> Exception:
    case.refresh_from_db()
    original = case.repeat_of
    before = case_snapshot(case)
    before_original = case_snapshot(original) if original else None
    with pytest.raises(exc_type) as caught:
        override(wf, case, **kwargs)
    after = case_snapshot(case)
    assert after["audit"] == before["audit"] + audited
    assert {**after, "audit": before["audit"]} == before
    if original is not None:
        assert {**case_snapshot(original), "audit": 0} == {**before_original, "audit": 0}
    return caught.value


# --- The service -----------------------------------------------------------------------------------------

def test_a_repeat_after_re_review_is_refused_and_offers_only_the_override(wf):
    case = wf.build("closed_final")
    case.refresh_from_db()
    assert (case.status, case.closed_reason) == (S.CLOSED, "final_after_re_review")
    assert case_actions_allowed(user=wf.personas["officer"], case=case) == ["accept_new_facts"]
    for persona in ("registrar", "leader", "handler", "head"):
        assert case_actions_allowed(user=wf.personas[persona], case=case) == []


def test_the_override_accepts_the_petition_as_a_new_matter(wf):
    case = wf.build("closed_final")
    original = case.repeat_of
    audit_before = AuditEntry.objects.count()
    override(wf, case)
    case.refresh_from_db()
    assert (case.status, case.closed_reason, case.closed_at) == (S.REGISTERED, "", None)
    assert case.repeat_of == original  # the history stays
    # On this case's timeline, with the statement …
    assert events_of(case)[-1] == ("accepted_new_facts", S.CLOSED, S.REGISTERED, "officer")
    event = CaseEvent.objects.filter(case=case).order_by("-id").first()
    assert (event.note, event.data, event.at) == (STATEMENT, {"case": original.pk}, at(T_LATER))
    # … and on the re-reviewed matter's, which itself stays closed for good.
    back = CaseEvent.objects.filter(case=original).order_by("-id").first()
    assert (back.action, back.data) == ("new_facts_case", {"case": case.pk})
    assert case.number in back.note and STATEMENT in back.note
    original.refresh_from_db()
    assert (original.status, original.closed_reason) == (S.CLOSED, "re_reviewed")
    # Art. 22: 15 days to route, counted from the decision (Wed 2026-08-05 → Thu 08-20).
    route_by = CaseDeadline.objects.get(case=case, kind="route_by")
    assert (route_by.start_date, route_by.due_date, route_by.met_at) == (date(2026, 8, 5), date(2026, 8, 20), None)
    # The audit row names the decision, the original and the statement.
    rows = AuditEntry.objects.filter(pk__gt=0).order_by("-id")[: AuditEntry.objects.count() - audit_before]
    actions = {r.action: r for r in rows}
    assert {"case.accepted_new_facts", "case.accept_new_facts"} <= set(actions)
    row = actions["case.accept_new_facts"]
    assert (row.username, row.result, row.object_id) == ("officer", "ok", str(case.pk))
    assert row.detail == {"original": original.pk, "statement": STATEMENT}
    # From here on it is an ordinary registered matter: the officer may route it, and not override again.
    assert case_actions_allowed(user=wf.personas["officer"], case=case) == ["route"]
    routed = wf.route(case, T_LATER)
    assert routed.status == S.ROUTED


def test_the_petitioner_sees_the_override_when_tracking_the_case(wf):
    from xinfang.portal.apis import portal_case_data

    case = wf.build("closed_final")
    override(wf, case)
    case = Case.objects.prefetch_related("events", "deadlines", "ratings", "documents").get(pk=case.pk)
    texts = [e["text"] for e in portal_case_data(case)["timeline"]]
    assert "因提出新的事实和理由，已重新登记办理" in texts
    # The note on the re-reviewed matter is staff-only.
    original = Case.objects.prefetch_related("events", "deadlines", "ratings", "documents").get(pk=case.repeat_of_id)
    assert all(e["action"] != "new_facts_case" for e in portal_case_data(original)["timeline"])


def test_a_second_override_of_the_same_petition_is_refused(wf):
    case = wf.build("closed_final")
    stale = Case.objects.get(pk=case.pk)
    override(wf, case)
    # A second officer acting on a copy read before the first: the conditional update refuses it.
    before = case_snapshot(case)
    with pytest.raises(InvalidTransition):
        override(wf, stale)
    assert case_snapshot(case) == before
    refused_without_writing(wf, Case.objects.get(pk=case.pk), InvalidTransition)


@pytest.mark.parametrize("state", ["registered", "routed", "accepted", "replied", "linked", "closed_re_reviewed",
                                   "closed_replied", "closed_forwarded", "refused", "re_review_requested"])
def test_the_override_is_refused_in_every_other_state(wf, state):
    case = wf.build(state)
    assert "accept_new_facts" not in case_actions_allowed(user=wf.personas["officer"], case=case)
    exc = refused_without_writing(wf, case, InvalidTransition)
    assert exc.status_code == 409
    assert "第三十六条第三款" in str(exc.message)


@pytest.mark.parametrize("persona", ["registrar", "leader", "handler", "head", "system_admin"])
def test_only_the_bureau_officer_may_override_and_a_denial_is_audited(wf, persona):
    case = wf.build("closed_final")
    exc = refused_without_writing(wf, case, Forbidden, audited=1, actor=persona)
    assert exc.status_code == 403
    denied = AuditEntry.objects.order_by("-id").first()
    assert (denied.action, denied.result, denied.username) == ("case.accept_new_facts", "denied",
                                                              wf.personas[persona].username)


@pytest.mark.parametrize("statement", ["", "   ", "有新情况", "x" * 2001, "新的事实\x00和理由，房屋检测报告"])
def test_the_override_needs_a_written_statement_of_the_new_facts(wf, statement):
    case = wf.build("closed_final")
    exc = refused_without_writing(wf, case, ValidationFailed, statement=statement)
    assert list(exc.errors) == ["statement"]


# --- The case page ---------------------------------------------------------------------------------------

def client_for(wf: Any, persona: str) -> Client:
    client = Client()
    client.force_login(wf.personas[persona])
    return client


def test_the_case_page_shows_the_refusal_with_the_override_form(wf):
    case = wf.build("closed_final")
    with clock_at(at(T_LATER)):
        html = client_for(wf, "officer").get(f"/cases/{case.pk}/").content.decode()
        plain = client_for(wf, "registrar").get(f"/cases/{case.pk}/").content.decode()
    assert 'id="final-after-re-review"' in html
    assert case.repeat_of.number in html
    assert f'action="/cases/{case.pk}/accept_new_facts/"' in html
    assert 'name="accept_new_facts-statement"' in html
    # The registrar sees the refusal but not the form.
    assert 'id="final-after-re-review"' in plain
    assert "accept_new_facts-statement" not in plain


def test_the_override_from_the_case_page(wf):
    case = wf.build("closed_final")
    client = client_for(wf, "officer")
    url = f"/cases/{case.pk}/accept_new_facts/"
    with clock_at(at(T_LATER)):
        before = case_snapshot(case)
        bad = client.post(url, {"accept_new_facts-statement": "有新情况"})
        assert bad.status_code == 400
        assert "至少10个字" in bad.content.decode()
        assert case_snapshot(case) == before
        empty = client.post(url, {"accept_new_facts-statement": ""})
        assert empty.status_code == 400
        assert case_snapshot(case) == before
        ok = client.post(url, {"accept_new_facts-statement": STATEMENT})
    assert ok.status_code == 302 and ok["Location"] == f"/cases/{case.pk}/"
    case.refresh_from_db()
    assert case.status == S.REGISTERED
    with clock_at(at(T_LATER)):
        page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="final-after-re-review"' not in page
    assert "因新的事实和理由作为新事项受理" in page  # the timeline


def test_the_case_page_refuses_the_override_to_others(wf):
    case = wf.build("closed_final")
    before = case_snapshot(case)
    with clock_at(at(T_LATER)):
        registrar = client_for(wf, "registrar").post(f"/cases/{case.pk}/accept_new_facts/",
                                                     {"accept_new_facts-statement": STATEMENT})
        # A unit does not see a petition that was never routed: 404.
        handler = client_for(wf, "handler").post(f"/cases/{case.pk}/accept_new_facts/",
                                                 {"accept_new_facts-statement": STATEMENT})
    assert registrar.status_code == 403
    assert handler.status_code == 404
    after = case_snapshot(case)
    assert {**after, "audit": 0} == {**before, "audit": 0}


# --- The API ---------------------------------------------------------------------------------------------

def test_the_override_through_the_api(wf, api):
    case = wf.build("closed_final")
    url = f"/api/v1/cases/{case.pk}/accept-new-facts/"
    with clock_at(at(T_LATER)):
        actions = api("officer").get(f"/api/v1/cases/{case.pk}/actions/")
        assert actions.status_code == 200 and actions.json()["allowed"] == ["accept_new_facts"]
        before = case_snapshot(case)
        short = api("officer").post(url, {"statement": "有新情况"}, format="json")
        missing = api("officer").post(url, {}, format="json")
        forbidden = api("registrar").post(url, {"statement": STATEMENT}, format="json")
        hidden = api("handler").post(url, {"statement": STATEMENT}, format="json")
        assert (short.status_code, missing.status_code, forbidden.status_code, hidden.status_code) == (
            400, 400, 403, 404)
        assert "statement" in short.json()["errors"]
        assert {**case_snapshot(case), "audit": 0} == {**before, "audit": 0}
        ok = api("officer").post(url, {"statement": STATEMENT}, format="json")
        assert ok.status_code == 200
        assert (ok.json()["status"], ok.json()["deadlines"]["route_by"]["date"]) == ("registered", "2026-08-20")
        again = api("officer").post(url, {"statement": STATEMENT}, format="json")
    assert again.status_code == 409
