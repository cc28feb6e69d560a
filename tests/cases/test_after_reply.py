"""The petitioner's rating of an answer (case_rate): once per stage, 不满意 followed up by the bureau.
(Review and re-review requests, decisions and case_close_expired are in test_workflow.py.)"""

from __future__ import annotations

import pytest

from tests.cases.conftest import T_LATER, T_REPLY, case_snapshot, last_event
from tests.conftest import at
from xinfang.cases.models import Case, CaseEvent, CaseRating
from xinfang.cases.services import case_rate, case_review_request
from xinfang.core.clock import clock_at
from xinfang.core.errors import InvalidTransition, ValidationFailed
from xinfang.core.models import AuditEntry
from xinfang.notifications.models import Notification, OutboxMessage

R = CaseRating.Rating


def rate(case: Case, rating: str, when: str = T_LATER) -> CaseRating:
    with clock_at(at(when)):
        return case_rate(case=case, rating=rating)


def test_rating_of_the_reply(wf, district):
    case = wf.build("replied")
    rating = rate(case, R.SATISFIED, "2026-07-02 09:00")
    assert (rating.stage, rating.rating, rating.unit, rating.at) == (
        CaseRating.Stage.REPLY, R.SATISFIED, district["housing"], at("2026-07-02 09:00"))
    assert CaseRating.objects.get(case=case) == rating
    event = last_event(case)
    assert (event.action, event.from_status, event.to_status) == ("rated", "", "")
    # The petitioner rates through the query code: logged as the petitioner.
    assert (event.actor_id, event.actor_name) == (None, "信访人")
    assert event.data == {"stage": "reply", "rating": "satisfied"}
    assert event.note == str(R.SATISFIED.label)
    # A rating does not change the status, and a satisfied one tells nobody.
    assert Case.objects.get(pk=case.pk).status == Case.Status.REPLIED
    assert not Notification.objects.filter(case=case, kind="dissatisfied").exists()


def test_rating_only_once_per_stage(wf):
    case = wf.build("replied")
    rate(case, R.BASICALLY_SATISFIED)
    before = case_snapshot(case)
    for again in (R.DISSATISFIED, R.BASICALLY_SATISFIED):
        with clock_at(at(T_LATER)), pytest.raises(InvalidTransition) as caught:
            case_rate(case=case, rating=again)
        assert caught.value.status_code == 409
        assert case_snapshot(case) == before
    assert CaseRating.objects.get(case=case).rating == R.BASICALLY_SATISFIED


def test_each_answer_is_rated_once(wf):
    """The reply, the review opinion and the re-review opinion are each rated once (谁办理、谁接受评价)."""
    case = wf.reply(wf.accept(wf.route(wf.register())))
    rate(case, R.DISSATISFIED, "2026-07-02 09:00")
    wf.review_request(case)
    # While the review runs, the rated reply cannot be rated again.
    with pytest.raises(InvalidTransition):
        rate(case, R.SATISFIED, "2026-07-11 09:00")
    wf.review_decide(case)
    case.refresh_from_db()
    rate(case, R.DISSATISFIED, "2026-07-21 09:00")
    with pytest.raises(InvalidTransition):
        rate(case, R.SATISFIED, "2026-07-22 09:00")
    wf.re_review_request(case)
    wf.re_review_decide(case)
    case.refresh_from_db()
    rate(case, R.SATISFIED, "2026-08-02 09:00")
    with pytest.raises(InvalidTransition):
        rate(case, R.SATISFIED, "2026-08-03 09:00")
    assert list(CaseRating.objects.filter(case=case).order_by("at").values_list("stage", "rating")) == [
        ("reply", "dissatisfied"), ("review", "dissatisfied"), ("re_review", "satisfied")]
    assert CaseEvent.objects.filter(case=case, action="rated").count() == 3


def test_a_closed_suggestion_can_be_rated(wf):
    case = wf.build("closed_replied")
    assert rate(case, R.SATISFIED).stage == CaseRating.Stage.REPLY


@pytest.mark.parametrize("state", ["registered", "routed", "objected", "accepted", "refused", "linked",
                                   "closed_forwarded", "closed_final"])
def test_nothing_to_rate_before_an_answer(wf, state):
    case = wf.build(state)
    before = case_snapshot(case)
    with pytest.raises(InvalidTransition):
        rate(case, R.SATISFIED)
    assert case_snapshot(case) == before


@pytest.mark.parametrize("rating", ["", "good", "SATISFIED", None])
def test_rating_must_be_one_of_three(wf, rating):
    case = wf.build("replied")
    before = case_snapshot(case)
    with pytest.raises(ValidationFailed) as caught:
        rate(case, rating)
    assert set(caught.value.errors) == {"rating"}
    assert case_snapshot(case) == before


def test_dissatisfied_opens_a_follow_up_for_the_bureau(wf, personas):
    personas["officer"].email = "officer@xfb.example"
    personas["officer"].save(update_fields=["email"])
    case = wf.build("replied")
    rate(case, R.DISSATISFIED)
    notes = Notification.objects.filter(case=case, kind="dissatisfied")
    # The bureau's officers; not the unit that answered, not the registrar.
    assert list(notes.values_list("user__username", flat=True)) == ["officer"]
    assert case.number in notes.get().text
    mail = OutboxMessage.objects.get(case=case, channel=OutboxMessage.Channel.EMAIL)
    assert (mail.user, mail.petitioner) == (personas["officer"], None)
    assert mail.body == notes.get().text


def test_petitioner_requests_are_audited_as_the_petitioner_not_the_system(wf):
    case = wf.build("replied")
    wf.review_request(case)
    audit = AuditEntry.objects.filter(action="case.review_requested", object_id=str(case.pk)).get()
    assert (audit.username, audit.user_id) == ("anonymous", None)


def test_staff_may_act_for_the_petitioner(wf, personas):
    """A registrar entering the petitioner's letter asking for review: the log names the registrar."""
    case = wf.build("replied")
    with clock_at(at(T_REPLY)):
        case_review_request(case=case, reason="来信申请复查，电梯仍未修好", actor=personas["registrar"])
    event = last_event(case)
    assert (event.action, event.actor_id, event.actor_name) == ("review_requested", personas["registrar"].pk,
                                                                "registrar")
