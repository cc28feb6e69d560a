"""The public portal pages (issue 3), driven anonymously through Django's test client: submit, track by
query code, rate, ask for review and re-review; the per-address limits; and the rule that a query code
never appears in a URL."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone

from tests.cases.conftest import CONTENT, REPLY_TEXT, REVIEW_TEXT, TITLE, Workflow
from tests.conftest import VALID_ID, at
from xinfang.cases.models import Case, CaseAccused, CaseRating, Petitioner
from xinfang.cases.services.registration import query_code_normalize
from xinfang.core.clock import clock_at
from xinfang.core.crypto import token_hash
from xinfang.core.models import AuditEntry
from xinfang.portal import submission

pytestmark = pytest.mark.django_db

HOME = "/portal/"
PETITION = "/portal/petition/"
SUGGESTION = "/portal/suggestion/"
TRACK = "/portal/track/"
RATE = "/portal/track/rate/"
REVIEW = "/portal/track/review/"
RE_REVIEW = "/portal/track/re-review/"
IP = "203.0.113.7"
CODE_RE = re.compile(r'class="query-code"[^>]*>([0-9A-Z]{4}(?:-[0-9A-Z]{4}){3})<')
# While the reply is fresh (replied 07-01, review window until 07-31, Art. 35).
T_AFTER_REPLY = "2026-07-05 10:00"
# After the review decision (07-20; re-review window until 08-19, Art. 36).
T_AFTER_REVIEW = "2026-07-22 10:00"
# tests/conftest.py VALID_ID_2 has a wrong check digit; this one is valid (GB 11643 check code 7).
OTHER_ID = "310112198506120027"
STAFF_NAMES = {"registrar": "孙登记", "officer": "李经办", "handler": "赵承办", "head": "钱科长"}


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def wf(personas, district, categories) -> Workflow:
    # Staff with real names, so the test can prove that none of them is published.
    for key, full_name in STAFF_NAMES.items():
        personas[key].full_name = full_name
        personas[key].save(update_fields=["full_name"])
    return Workflow(personas=personas, district=district, categories=categories)


def petition(**overrides: Any) -> dict[str, Any]:
    data = {"matter_type": "claim", "title": TITLE, "content": CONTENT, "category": "", "street": "",
            "name": "张三", "id_number": VALID_ID, "phone": "13812345678", "address": "江川路1号",
            "consent": "on", "website": ""}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def text(response: Any) -> str:
    return response.content.decode()


def shown_code(response: Any) -> str:
    match = CODE_RE.search(text(response))
    assert match, "the result page shows no query code"
    return match.group(1)


def registered(wf: Workflow, *, until: str, **kwargs: Any) -> tuple[Case, str]:
    """A case taken through the workflow up to ``until`` (a state of tests/cases/conftest.py STATES),
    with its query code."""
    result = wf.register_result(**kwargs)
    case = result.case
    steps = {
        "registered": [], "accepted": [wf.route, wf.accept], "replied": [wf.route, wf.accept, wf.reply],
        "review_requested": [wf.route, wf.accept, wf.reply, wf.review_request],
        "reviewed": [wf.route, wf.accept, wf.reply, wf.review_request, wf.review_decide],
    }[until]
    for step in steps:
        case = step(case)
    return case, result.query_code


# --- home and submit ------------------------------------------------------------------------------------


def test_home_offers_both_entries_and_tracking(client: Client):
    response = client.get(HOME)
    assert response.status_code == 200
    body = text(response)
    for url in (PETITION, SUGGESTION, TRACK):
        assert f'href="{url}"' in body
    assert 'name="viewport"' in body
    assert 'class="public"' in body
    assert response["Cache-Control"] == "no-store"


def test_submit_form_has_a_label_for_every_field_and_a_privacy_notice(client: Client):
    body = text(client.get(PETITION))
    ids = re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', body)
    assert len(ids) >= 10
    for field_id in ids:
        assert f'for="{field_id}"' in body, field_id
    assert "个人信息保护告知" in body and "保存多久" in body and "谁能看到" in body
    assert re.search(r'<div class="hp" aria-hidden="true">.*?name="website"', body, re.S)
    assert 'style="' not in body and "<script>" not in body and " onclick=" not in body  # CSP


def test_submit_petition_registers_one_online_case_with_the_petitioner_encrypted(client: Client, categories,
                                                                                  district):
    response = client.post(PETITION, petition(category=categories["housing"].pk, street=district["street"].pk),
                           REMOTE_ADDR=IP)
    assert response.status_code == 200
    assert "Location" not in response
    assert response["Cache-Control"] == "no-store"
    code = shown_code(response)
    assert "请立即抄写或截图保存查询码" in text(response)

    case = Case.objects.get()
    assert case.query_code_hash == token_hash(query_code_normalize(code))
    assert (case.channel, case.matter_type, case.status) == ("online", "claim", "registered")
    assert (case.category, case.street) == (categories["housing"], district["street"])
    assert case.registered_by is None and case.registered_unit is None
    assert case.events.get().actor_name == "信访人"
    assert case.deadlines.filter(kind="route_by").exists()  # Art. 22
    person = Petitioner.objects.get()
    assert person.name == "张三"
    assert person.id_masked == "110101********4514"
    assert VALID_ID not in str(Petitioner.objects.values().get())
    assert "13812345678" not in str(Petitioner.objects.values().get())
    entry = AuditEntry.objects.get(action="portal.submit")
    assert (entry.ip, entry.result, entry.object_id) == (IP, "ok", str(case.pk))
    assert entry.detail["privacy_notice"]
    audit_text = str(list(AuditEntry.objects.values()))
    for secret in (VALID_ID, query_code_normalize(code), code):
        assert secret not in audit_text


def test_submit_suggestion_registers_a_suggestion(client: Client, district):
    form = client.get(SUGGESTION)
    assert 'name="matter_type"' not in text(form)
    response = client.post(SUGGESTION, petition(matter_type=None, title="建议增设社区食堂",
                                                content="建议在江川路街道增设社区食堂，方便老年人就餐。"))
    assert response.status_code == 200
    shown_code(response)
    assert Case.objects.get().matter_type == "suggestion"


@pytest.mark.parametrize(("overrides", "message"), [
    ({"id_number": "110101199003074515"}, "身份证号码校验位不正确"),
    ({"id_number": "1101011990"}, "身份证号码应为18位"),
    ({"consent": None}, "请阅读个人信息保护告知并勾选同意"),
    ({"website": "http://spam.example"}, "提交未成功"),
    ({"phone": "12345"}, "电话号码格式不正确"),
    ({"title": ""}, "请填写标题"),
])
def test_a_bad_submission_shows_the_error_keeps_the_input_and_writes_nothing(client: Client, district, overrides,
                                                                            message):
    response = client.post(PETITION, petition(**overrides), REMOTE_ADDR=IP)
    assert response.status_code == 200
    body = text(response)
    assert message in body
    assert 'class="query-code"' not in body
    assert CONTENT in body  # what was typed is kept
    assert Case.objects.count() == 0 and Petitioner.objects.count() == 0
    assert not AuditEntry.objects.filter(action="portal.submit", result="ok").exists()


def test_the_error_stands_next_to_its_field(client: Client, district):
    body = text(client.post(PETITION, petition(id_number="110101199003074515")))
    assert re.search(r'id="id_id_number".*?<p class="error" id="id_id_number_error">', body, re.S)


def test_the_sixth_submission_from_one_address_within_the_hour_is_refused(client: Client, district):
    for n in range(5):
        response = client.post(PETITION, petition(title=f"问题{n}", id_number=VALID_ID if n % 2 else OTHER_ID),
                               REMOTE_ADDR=IP)
        assert response.status_code == 200, n
        shown_code(response)
    response = client.post(PETITION, petition(title="第六件"), REMOTE_ADDR=IP)
    assert response.status_code == 429
    assert "每小时最多可提交5件" in text(response)
    assert response["Retry-After"] == "3600"
    assert Case.objects.count() == 5
    assert not Case.objects.filter(title="第六件").exists()
    assert AuditEntry.objects.filter(action="portal.submit", result="denied", ip=IP).count() == 1
    # Another address is not affected; the same address is welcome again an hour later.
    assert client.post(PETITION, petition(title="别处"), REMOTE_ADDR="198.51.100.9").status_code == 200
    with clock_at(timezone.now() + timedelta(minutes=61)):
        assert client.post(PETITION, petition(title="一小时后"), REMOTE_ADDR=IP).status_code == 200
    assert Case.objects.count() == 7


def test_the_limit_is_the_setting(client: Client, district, settings):
    settings.XINFANG = {**settings.XINFANG, "PORTAL_SUBMISSIONS_PER_HOUR": 1}
    assert client.post(PETITION, petition(), REMOTE_ADDR=IP).status_code == 200
    assert client.post(PETITION, petition(title="再来"), REMOTE_ADDR=IP).status_code == 429
    assert Case.objects.count() == 1


# --- track -----------------------------------------------------------------------------------------------


def test_track_shows_status_and_documents_but_no_staff_notes_or_accused(client: Client, wf: Workflow, district):
    case, code = registered(wf, until="replied", accused_units=[district["street2"]],
                            accused_persons=[{"name": "王某某", "position": "物业经理"}])
    assert CaseAccused.objects.filter(case=case).count() == 2
    with clock_at(at(T_AFTER_REPLY)):
        response = client.post(TRACK, {"query_code": code.lower()})
    assert response.status_code == 200
    body = text(response)
    for shown in (case.number, "已答复", "2026-06-01", "已转送交办", "受理告知书", "处理意见书", REPLY_TEXT,
                  "申请复查", "2026-07-31", "评价答复"):
        assert shown in body, shown
    for hidden in (*STAFF_NAMES.values(), "王某某", "物业经理", "莘庄镇", "请依法办理", CONTENT, "张三",
                   VALID_ID, "13812345678", "江川路1号"):
        assert hidden not in body, hidden
    assert response["Cache-Control"] == "no-store"


def test_a_code_typed_with_dashes_spaces_or_lower_case_is_found(client: Client, wf: Workflow):
    _case, code = registered(wf, until="registered")
    spaced = " ".join(code[i:i + 4] for i in range(0, 16, 4)).lower()
    assert client.post(TRACK, {"query_code": spaced}).status_code == 200
    assert "待转送交办" in text(client.post(TRACK, {"query_code": spaced}))


def test_no_url_takes_a_query_code(client: Client, wf: Workflow):
    _case, code = registered(wf, until="registered")
    with pytest.raises(Resolver404):
        resolve(f"{TRACK}{code}/")
    response = client.get(TRACK, {"query_code": code})
    assert response.status_code == 200
    assert "待转送交办" not in text(response)  # GET never looks a code up


def test_the_code_never_appears_in_a_url_or_location_header(client: Client, wf: Workflow, district):
    """Through a whole journey: submit, track, rate, ask for review; every requested URL, every Location
    header and every link or form target on every page is free of the code."""
    responses = [client.post(PETITION, petition(), REMOTE_ADDR=IP, follow=True)]
    submitted = shown_code(responses[0])
    case, code = registered(wf, until="replied")
    with clock_at(at(T_AFTER_REPLY)):
        responses += [client.post(TRACK, {"query_code": submitted}, follow=True),
                      client.post(TRACK, {"query_code": code}, follow=True),
                      client.post(RATE, {"query_code": code, "rating": "dissatisfied"}, follow=True),
                      client.post(REVIEW, {"query_code": code, "reason": "电梯仍未修好，要求复查"}, follow=True)]
    case.refresh_from_db()
    assert case.status == Case.Status.REVIEW_REQUESTED
    secrets = {c for raw in (submitted, code) for c in (raw, query_code_normalize(raw), raw.lower())}
    for response in responses:
        assert response.status_code == 200
        assert response.redirect_chain == []
        urls = [response.request["PATH_INFO"], response.request.get("QUERY_STRING", ""), response.get("Location", "")]
        urls += re.findall(r'(?:href|action|src)="([^"]*)"', text(response))
        for url in urls:
            for secret in secrets:
                assert secret not in url


# --- rate, review, re-review ----------------------------------------------------------------------------


def test_a_reply_is_rated_once(client: Client, wf: Workflow):
    case, code = registered(wf, until="replied")
    with clock_at(at(T_AFTER_REPLY)):
        first = client.post(RATE, {"query_code": code, "rating": "basically_satisfied"})
        assert first.status_code == 200
        assert "感谢您的评价" in text(first)
        assert 'action="/portal/track/rate/"' not in text(first)  # no longer offered
        again = client.post(RATE, {"query_code": code, "rating": "dissatisfied"})
    assert again.status_code == 409
    assert "您已经评价过该答复" in text(again)
    assert list(CaseRating.objects.filter(case=case).values_list("rating", flat=True)) == ["basically_satisfied"]


def test_rating_needs_a_reply_and_a_valid_choice(client: Client, wf: Workflow):
    case, code = registered(wf, until="accepted")
    with clock_at(at(T_AFTER_REPLY)):
        page = client.post(TRACK, {"query_code": code})
        assert "评价答复" not in text(page)
        early = client.post(RATE, {"query_code": code, "rating": "satisfied"})
        assert early.status_code == 409 and "尚未答复" in text(early)
    replied, code2 = registered(wf, until="replied", id_number=OTHER_ID, title="另一件事")
    with clock_at(at(T_AFTER_REPLY)):
        bad = client.post(RATE, {"query_code": code2, "rating": "great"})
    assert bad.status_code == 200 and "great" not in CaseRating.Rating.values
    assert "rate_form_rating_error" in text(bad)
    assert not CaseRating.objects.exists()


def test_review_is_offered_only_after_the_reply_and_within_30_days(client: Client, wf: Workflow):
    case, code = registered(wf, until="accepted")
    with clock_at(at(T_AFTER_REPLY)):
        assert 'action="/portal/track/review/"' not in text(client.post(TRACK, {"query_code": code}))
        refused = client.post(REVIEW, {"query_code": code, "reason": "我要复查"})
    assert refused.status_code == 409 and "不能申请复查" in text(refused)
    case.refresh_from_db()
    assert case.status == Case.Status.ACCEPTED

    case = wf.reply(case)
    with clock_at(at(T_AFTER_REPLY)):
        assert 'action="/portal/track/review/"' in text(client.post(TRACK, {"query_code": code}))
        no_reason = client.post(REVIEW, {"query_code": code, "reason": "  "})
        assert no_reason.status_code == 200 and "请写明申请理由" in text(no_reason)
        case.refresh_from_db()
        assert case.status == Case.Status.REPLIED
        done = client.post(REVIEW, {"query_code": code, "reason": "电梯仍未修好，要求复查"})
    assert done.status_code == 200 and "复查申请已提交" in text(done)
    case.refresh_from_db()
    assert case.status == Case.Status.REVIEW_REQUESTED
    assert "电梯仍未修好" not in text(done)  # the reason is a note for staff, not published back


def test_review_is_refused_after_the_window(client: Client, wf: Workflow):
    case, code = registered(wf, until="replied")
    with clock_at(at("2026-08-03 10:00")):  # review_request_by was Fri 07-31 (Art. 35)
        assert 'action="/portal/track/review/"' not in text(client.post(TRACK, {"query_code": code}))
        late = client.post(REVIEW, {"query_code": code, "reason": "电梯仍未修好，要求复查"})
    assert late.status_code == 409 and "2026-07-31" in text(late)
    case.refresh_from_db()
    assert case.status == Case.Status.REPLIED


def test_re_review_only_after_the_review_decision(client: Client, wf: Workflow):
    case, code = registered(wf, until="review_requested")
    with clock_at(at(T_AFTER_REVIEW)):
        page = text(client.post(TRACK, {"query_code": code}))
        assert 'action="/portal/track/re-review/"' not in page
        refused = client.post(RE_REVIEW, {"query_code": code, "reason": "不服复查意见"})
    assert refused.status_code == 409 and "不能申请复核" in text(refused)

    case = wf.review_decide(case)
    with clock_at(at(T_AFTER_REVIEW)):
        page = text(client.post(TRACK, {"query_code": code}))
        assert 'action="/portal/track/re-review/"' in page
        assert "复查意见书" in page and REVIEW_TEXT in page and "2026-08-19" in page
        done = client.post(RE_REVIEW, {"query_code": code, "reason": "不服复查意见，要求复核"})
    assert done.status_code == 200 and "复核申请已提交" in text(done)
    case.refresh_from_db()
    assert case.status == Case.Status.RE_REVIEW_REQUESTED


# --- wrong codes -----------------------------------------------------------------------------------------


def test_wrong_codes_get_a_clear_message_then_429(client: Client, wf: Workflow, settings):
    _case, code = registered(wf, until="registered")
    limit = settings.XINFANG["PORTAL_FAILURES_PER_WINDOW"]
    for n in range(limit):
        response = client.post(TRACK, {"query_code": f"ZZZZ-ZZZZ-ZZZZ-{n:04d}"}, REMOTE_ADDR=IP)
        assert response.status_code == 200
        assert "查询码不正确" in text(response)
    blocked = client.post(TRACK, {"query_code": code}, REMOTE_ADDR=IP)
    assert blocked.status_code == 429 and "查询码错误次数过多" in text(blocked)
    assert blocked["Retry-After"] == str(settings.XINFANG["PORTAL_WINDOW_SECONDS"])
    # The actions check the code again and are blocked as well.
    assert client.post(RATE, {"query_code": code, "rating": "satisfied"}, REMOTE_ADDR=IP).status_code == 429
    # Another address is not.
    assert client.post(TRACK, {"query_code": code}, REMOTE_ADDR="198.51.100.9").status_code == 200


def test_an_action_with_a_tampered_code_changes_nothing(client: Client, wf: Workflow):
    case, _code = registered(wf, until="replied")
    with clock_at(at(T_AFTER_REPLY)):
        response = client.post(REVIEW, {"query_code": "AAAA-BBBB-CCCC-DDDD", "reason": "电梯仍未修好"})
    assert response.status_code == 200 and "查询码不正确" in text(response)
    case.refresh_from_db()
    assert case.status == Case.Status.REPLIED
    assert client.get(RATE).status_code == 405


def test_dates_are_shanghai_dates(client: Client, wf: Workflow):
    """A matter received at 07:00 in Shanghai (23:00 UTC the day before) shows the Shanghai date."""
    case, code = registered(wf, until="registered", when="2026-06-01 07:00")
    with clock_at(at("2026-06-01 08:00")):
        body = text(client.post(TRACK, {"query_code": code}))
    assert '<time datetime="2026-06-01">2026-06-01</time>' in body
    assert "2026-05-31" not in body


@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="needs PostgreSQL: several connections to one database at once")
def test_two_simultaneous_submissions_cannot_both_pass_the_limit(transactional_db, settings):
    """Both pass the early check before either has written; the count made again under the audit chain
    lock lets exactly one through (xinfang/portal/submission.py)."""
    settings.XINFANG = {**settings.XINFANG, "PORTAL_SUBMISSIONS_PER_HOUR": 1}
    real = submission.portal_submissions_recent
    barrier = threading.Barrier(2)
    local = threading.local()

    def early_check_then_wait(**kwargs: Any) -> int:
        count = real(**kwargs)
        if not getattr(local, "checked", False):
            local.checked = True
            barrier.wait(timeout=30)
        return count

    statuses: list[int] = []
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            statuses.append(Client().post(PETITION, petition(title=f"同时{n}"), REMOTE_ADDR=IP).status_code)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    with mock.patch.object(submission, "portal_submissions_recent", early_check_then_wait):
        threads = [threading.Thread(target=work, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert errors == []
    assert sorted(statuses) == [200, 429]
    assert Case.objects.count() == 1
    assert AuditEntry.objects.filter(action="portal.submit", result="ok").count() == 1
