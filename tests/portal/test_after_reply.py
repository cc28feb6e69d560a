"""POST /api/v1/portal/rate/, /review/, /re-review/: the petitioner's acts after an answer — each allowed
only in its status and window (信访工作条例 Art. 35, 36), once; refusals write nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from tests.api.builders import assert_error, check_each, db_counts
from tests.conftest import at
from xinfang.cases.models import Case, CaseEvent, CaseRating
from xinfang.cases.services.events import actor_display
from xinfang.core.clock import clock_at
from xinfang.core.models import AuditEntry

RATE, REVIEW, RE_REVIEW = "/api/v1/portal/rate/", "/api/v1/portal/review/", "/api/v1/portal/re-review/"
# How the case log names the petitioner ("信访人"), as opposed to the system ("系统").
PETITIONER = actor_display(AnonymousUser())


def _post(api, url, **body):
    return api(None).post(url, body, format="json")


def _refused(response, status, case, *fields):
    """``status`` in the error shape; the case unchanged."""
    before_status = case.status
    payload = assert_error(response, status, *fields)
    case.refresh_from_db()
    assert case.status == before_status
    return payload


# --- rating ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rating", ["satisfied", "basically_satisfied", "dissatisfied"])
def test_rate_after_the_reply(api, flow, rating):
    case, code = flow.case_at("replied")

    response = _post(api, RATE, query_code=code, rating=rating)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["can_rate"] is False and body["timeline"][-1]["action"] == "rated"
    stored = CaseRating.objects.get(case=case)
    assert (stored.stage, stored.rating, stored.unit.code) == ("reply", rating, "MH-FGJ")
    event = CaseEvent.objects.filter(case=case).order_by("-id").first()
    assert PETITIONER != actor_display(None)
    assert (event.action, event.actor_name, event.actor_id) == ("rated", PETITIONER, None)


def test_rate_only_once(api, flow):
    case, code = flow.case_at("replied")
    assert _post(api, RATE, query_code=code, rating="satisfied").status_code == 200
    before = db_counts()

    payload = _refused(_post(api, RATE, query_code=code, rating="dissatisfied"), 409, case)

    assert payload["code"] == "invalid_state"
    assert db_counts() == before
    assert CaseRating.objects.get(case=case).rating == "satisfied"


@pytest.mark.parametrize("status", ["registered", "routed", "accepted"])
def test_rate_before_a_reply_is_409(api, flow, status):
    case, code = flow.case_at(status)
    before = db_counts()
    _refused(_post(api, RATE, query_code=code, rating="satisfied"), 409, case)
    assert db_counts() == before


def test_each_answer_can_be_rated_once(api, flow):
    case, code = flow.case_at("replied")
    assert _post(api, RATE, query_code=code, rating="dissatisfied").status_code == 200
    flow.review_request(case)
    flow.review_decide(case)
    # The review opinion is a new answer (stage "review").
    assert api(None).get(f"/api/v1/portal/track/{code}/").json()["can_rate"] is True
    assert _post(api, RATE, query_code=code, rating="basically_satisfied").status_code == 200
    assert dict(CaseRating.objects.filter(case=case).values_list("stage", "rating")) == {
        "reply": "dissatisfied", "review": "basically_satisfied"}
    _refused(_post(api, RATE, query_code=code, rating="satisfied"), 409, case)


# --- review (复查) -------------------------------------------------------------------------------------


def test_review_request_within_30_days(api, flow):
    case, code = flow.case_at("replied")

    response = _post(api, REVIEW, query_code=code, reason="电梯仍未修好")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "review_requested" and body["review_request_by"] is None
    assert body["timeline"][-1]["action"] == "review_requested"
    case.refresh_from_db()
    assert case.status == "review_requested"
    event = CaseEvent.objects.filter(case=case, action="review_requested").get()
    assert (event.actor_name, event.note) == (PETITIONER, "电梯仍未修好")
    # The staff see who asked: the petitioner, not the system.
    detail = api("officer").get(f"/api/v1/cases/{case.pk}/").json()
    assert detail["events"][-1]["actor"] == PETITIONER
    assert detail["deadlines"]["review_decide_by"] == {"date": "2026-11-11", "provisional": False}
    audit = AuditEntry.objects.get(action="case.review_requested", object_id=str(case.pk))
    assert audit.username == "anonymous"


def test_review_window_last_day_allowed_next_day_refused(api, flow):
    """Replied 2026-10-12: 30 days end on 2026-11-11 (a Wednesday)."""
    allowed, code_allowed = flow.case_at("replied")
    late, code_late = flow.case_at("replied")
    assert api(None).get(f"/api/v1/portal/track/{code_late}/").json()["review_request_by"] == "2026-11-11"

    with clock_at(at("2026-11-11 23:30")):
        assert _post(api, REVIEW, query_code=code_allowed, reason="电梯仍未修好").status_code == 200
    with clock_at(at("2026-11-12 08:30")):
        before = db_counts()
        payload = _refused(_post(api, REVIEW, query_code=code_late, reason="电梯仍未修好"), 409, late)
        assert "2026-11-11" in payload["message"]
        assert db_counts() == before
    allowed.refresh_from_db()
    assert allowed.status == "review_requested"


@pytest.mark.parametrize("status", ["registered", "routed", "accepted", "review_requested", "reviewed", "closed"])
def test_review_request_in_another_status_is_409(api, flow, status):
    case, code = flow.case_at(status)
    before = db_counts()
    payload = _refused(_post(api, REVIEW, query_code=code, reason="电梯仍未修好"), 409, case)
    assert payload["code"] == "invalid_state"
    assert db_counts() == before


def test_no_review_of_a_suggestion(api, flow):
    """A suggestion closes with its reply: Art. 35 review concerns claims."""
    case, code = flow.case_at("accepted", matter_type=Case.MatterType.SUGGESTION, title="建议增设公交站点")
    flow.reply(case)
    assert case.status == "closed"
    _refused(_post(api, REVIEW, query_code=code, reason="不同意答复"), 409, case)


# --- re-review (复核) ----------------------------------------------------------------------------------


def test_re_review_after_the_review_decision(api, flow):
    case, code = flow.case_at("review_requested")
    _refused(_post(api, RE_REVIEW, query_code=code, reason="仍不满意原处理"), 409, case)  # not decided yet
    flow.review_decide(case)
    assert api(None).get(f"/api/v1/portal/track/{code}/").json()["re_review_request_by"] == "2026-11-11"

    response = _post(api, RE_REVIEW, query_code=code, reason="仍不满意原处理")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "re_review_requested"
    case.refresh_from_db()
    assert case.status == "re_review_requested"
    _refused(_post(api, RE_REVIEW, query_code=code, reason="再次申请复核"), 409, case)


def test_re_review_window_closes_30_days_after_the_review_opinion(api, flow):
    case, code = flow.case_at("reviewed")
    with clock_at(at("2026-11-12 08:30")):
        before = db_counts()
        _refused(_post(api, RE_REVIEW, query_code=code, reason="仍不满意原处理"), 409, case)
        assert db_counts() == before


@pytest.mark.parametrize("status", ["replied", "re_review_requested", "closed"])
def test_re_review_in_another_status_is_409(api, flow, status):
    case, code = flow.case_at(status)
    before = db_counts()
    _refused(_post(api, RE_REVIEW, query_code=code, reason="仍不满意原处理"), 409, case)
    assert db_counts() == before


# --- bad input ------------------------------------------------------------------------------------------


def test_bad_input_is_400_and_changes_nothing(api, flow):
    case, code = flow.case_at("replied")
    before = db_counts()
    long_code = "A" * 41

    def check(url, body, *fields):
        return lambda: _refused(api(None).post(url, body, format="json"), 400, case, *fields)

    check_each({
        "rate without code": check(RATE, {"rating": "satisfied"}, "query_code"),
        "rate without rating": check(RATE, {"query_code": code}, "rating"),
        "rate unknown rating": check(RATE, {"query_code": code, "rating": "great"}, "rating"),
        "rate rating as number": check(RATE, {"query_code": code, "rating": 5}, "rating"),
        "rate code too long": check(RATE, {"query_code": long_code, "rating": "satisfied"}, "query_code"),
        "rate code not a string": check(RATE, {"query_code": ["x"], "rating": "satisfied"}, "query_code"),
        "review without reason": check(REVIEW, {"query_code": code}, "reason"),
        "review blank reason": check(REVIEW, {"query_code": code, "reason": "  "}, "reason"),
        "review short reason": check(REVIEW, {"query_code": code, "reason": "不满"}, "reason"),
        "review reason too long": check(REVIEW, {"query_code": code, "reason": "长" * 5001}, "reason"),
        "review without code": check(REVIEW, {"reason": "电梯仍未修好"}, "query_code"),
        "re-review without reason": check(RE_REVIEW, {"query_code": code}, "reason"),
        "empty object": check(RATE, {}, "query_code", "rating"),
    })
    assert db_counts() == before


def test_malformed_bodies_are_400_or_415_and_change_nothing(api, flow, settings):
    case, code = flow.case_at("replied")
    before = db_counts()
    client = api(None)

    def check(url, raw, status, content_type="application/json"):
        return lambda: _refused(client.generic("POST", url, raw, content_type=content_type), status, case)

    checks = {}
    for url in (RATE, REVIEW, RE_REVIEW):
        valid = f'{{"query_code": "{code}", "rating": "satisfied", "reason": "电梯仍未修好"}}'
        checks.update({
            f"{url} truncated": check(url, valid[:-5], 400),
            f"{url} array": check(url, f"[{valid}]", 400),
            f"{url} string": check(url, '"text"', 400),
            f"{url} null": check(url, "null", 400),
            f"{url} deep": check(url, "[" * 50_000 + "]" * 50_000, 400),
            f"{url} not UTF-8": check(url, valid.encode("gbk"), 400),
            f"{url} form": check(url, f"query_code={code}&rating=satisfied", 415,
                                 "application/x-www-form-urlencoded"),
        })
    check_each(checks)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    padded = f'{{"query_code": "{code}", "rating": "satisfied", "padding": "{"x" * 5000}"}}'
    payload = _refused(client.generic("POST", RATE, padded, content_type="application/json"), 400, case)
    assert payload["code"] == "too_large"
    assert db_counts() == before
    assert not CaseRating.objects.exists()


def test_wrong_code_on_the_post_endpoints_is_404(api, flow):
    case, _code = flow.case_at("replied")
    before = db_counts()
    for url in (RATE, REVIEW, RE_REVIEW):
        _refused(_post(api, url, query_code="0000-0000-0000-0000", rating="satisfied", reason="电梯仍未修好"), 404,
                 case)
    assert db_counts() == before
