"""Bodies that are not what the API reads — malformed JSON, a JSON value that is not an object, another
content type, text that is not UTF-8, nesting too deep, a body over DATA_UPLOAD_MAX_MEMORY_SIZE — on
every staff endpoint that takes a body: one error shape, and nothing changed (SECURITY.md 13)."""

from __future__ import annotations

import json

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from tests.api.builders import assert_error, check_each, db_counts, registration_body
from xinfang.cases.models import Case
from xinfang.core.models import AuditEntry


@pytest.fixture
def endpoints(flow):
    """(persona, url, a valid body) for every staff endpoint that takes a body; the valid body would
    succeed, so a refusal below is the body's form and not its content."""
    registered, _ = flow.case_at("registered")
    routed = [flow.case_at("routed")[0] for _ in range(3)]  # accept, refuse and object: one case each
    accepted, _ = flow.case_at("accepted")
    review, _ = flow.case_at("review_requested")
    re_review, _ = flow.case_at("re_review_requested")
    pid = accepted.case_petitioners.get().petitioner_id
    return {
        "register": ("registrar", "/api/v1/cases/", registration_body(force_new=True)),
        "route": ("officer", f"/api/v1/cases/{registered.pk}/route/", {"unit": "MH-FGJ", "mode": "transfer"}),
        "accept": ("handler", f"/api/v1/cases/{routed[0].pk}/accept/", {"note": "已受理"}),
        "refuse": ("handler", f"/api/v1/cases/{routed[1].pk}/refuse/", {"reason": "已进入诉讼程序",
                                                                    "legal_channel": "litigation"}),
        "object": ("handler", f"/api/v1/cases/{routed[2].pk}/object/", {"reason": "不属于本单位职权范围"}),
        "extend": ("head", f"/api/v1/cases/{accepted.pk}/extend/", {"days": 10, "reason": "需要现场勘查"}),
        "reply": ("handler", f"/api/v1/cases/{accepted.pk}/reply/", {"outcome": "support",
                                                                    "text": "经核查，已督促物业于十日内修复电梯。"}),
        "review": ("officer", f"/api/v1/cases/{review.pk}/review/decide/", {"outcome": "uphold",
                                                                           "text": "维持原处理意见，督促落实。"}),
        "re-review": ("officer", f"/api/v1/cases/{re_review.pk}/re-review/decide/",
                      {"outcome": "uphold", "text": "维持复查意见，本事项终结。"}),
        "reveal": ("head", f"/api/v1/cases/{accepted.pk}/petitioners/{pid}/reveal/", {"reason": "核实身份信息"}),
    }


def _statuses():
    return dict(Case.objects.values_list("pk", "status"))


def _check_refused(api, endpoints, status, make_body, content_type="application/json", code=None):
    """Checks that each endpoint answers ``status`` in the error shape for ``make_body(valid_body)``."""

    def one(persona, url, valid):
        def check():
            response = api(persona).generic("POST", url, make_body(valid), content_type=content_type)
            payload = assert_error(response, status)
            if code:
                assert payload["code"] == code, payload
        return check

    return {f"{name}": one(*row) for name, row in endpoints.items()}


def test_valid_bodies_are_accepted(api, endpoints):
    """The control for the tests below: the same endpoints with their valid bodies succeed."""
    for name, (persona, url, body) in endpoints.items():
        response = api(persona).generic("POST", url, json.dumps(body), content_type="application/json")
        assert response.status_code in (200, 201), (name, response.content)


JSON = "application/json"
# name: (status, body from the valid body, content type, error code)
BAD_BODIES = {
    "truncated JSON": (400, lambda valid: '{"reason": ', JSON, "parse_error"),
    "single quotes": (400, lambda valid: "{'reason': 'x'}", JSON, "parse_error"),
    "trailing comma": (400, lambda valid: json.dumps(valid)[:-1] + ",}", JSON, "parse_error"),
    "extra brace": (400, lambda valid: json.dumps(valid) + "}", JSON, "parse_error"),
    "plain text": (400, lambda valid: "not json", JSON, "parse_error"),
    "NaN": (400, lambda valid: '{"days": NaN, "reason": "需要现场勘查"}', JSON, "parse_error"),
    "Infinity": (400, lambda valid: '{"days": Infinity, "reason": "需要现场勘查"}', JSON, "parse_error"),
    # A JSON value that is not one object; an array of the valid body too: the API takes no batches.
    "array of the valid body": (400, lambda valid: json.dumps([valid]), JSON, "invalid"),
    "empty array": (400, lambda valid: "[]", JSON, "invalid"),
    "string": (400, lambda valid: '"a string"', JSON, "invalid"),
    "number": (400, lambda valid: "42", JSON, "invalid"),
    "null": (400, lambda valid: "null", JSON, "invalid"),
    "true": (400, lambda valid: "true", JSON, "invalid"),
    # Deeper than Python's json module recurses: a RecursionError (500) before xinfang/api/parsers.py.
    "nested arrays": (400, lambda valid: "[" * 50_000 + "]" * 50_000, JSON, "parse_error"),
    "nested objects": (400, lambda valid: '{"a":' * 50_000 + "1" + "}" * 50_000, JSON, "parse_error"),
    # GBK without a charset: the padding makes every body carry bytes that are not UTF-8.
    "not UTF-8": (400, lambda valid: json.dumps({**valid, "padding": "信访事项"}, ensure_ascii=False).encode("gbk"),
                  JSON, "parse_error"),
    # Another content type: 415 Unsupported Media Type (DRF), in the one error shape, for valid JSON.
    "form-encoded": (415, json.dumps, "application/x-www-form-urlencoded", "unsupported_media_type"),
    "multipart": (415, json.dumps, "multipart/form-data; boundary=x", "unsupported_media_type"),
    "text/plain": (415, json.dumps, "text/plain", "unsupported_media_type"),
    "xml": (415, json.dumps, "application/xml", "unsupported_media_type"),
}


def test_bad_bodies_get_the_error_shape_and_change_nothing(api, endpoints):
    before, statuses = db_counts(), _statuses()
    checks = {}
    for kind, (status, make_body, content_type, code) in BAD_BODIES.items():
        for name, check in _check_refused(api, endpoints, status, make_body, content_type, code).items():
            checks[f"{kind} / {name}"] = check
    check_each(checks)
    assert db_counts() == before
    assert _statuses() == statuses


def _wrong_type(value):
    """A JSON value of another type than ``value``'s, that DRF's fields would still have converted (a number
    for a string, digits for a number, a string for a flag)."""
    if isinstance(value, bool):
        return "true"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return 9.899684426778791e-303 if len(value) < 4 else 12345678
    return "x"


def test_each_field_of_another_json_type_is_a_400_naming_it_and_changes_nothing(api, endpoints):
    """The fuzzer found ``{"reason": 9.9e-303}`` revealing an ID number (DRF's CharField read the number
    as the text "9.899684426778791e-303", long enough for a reason) and an export's ``"street": 0``
    accepted. Every field of every body, and a field inside a list of objects, given another JSON type."""
    before, statuses = db_counts(), _statuses()
    checks = {}

    def refused(persona, url, body, field):
        return lambda: assert_error(api(persona).post(url, body, format="json"), 400, field)

    for name, (persona, url, valid) in endpoints.items():
        for key, value in valid.items():
            checks[f"{name} / {key}"] = refused(persona, url, {**valid, key: _wrong_type(value)}, key)
    persona, url, valid = endpoints["register"]
    person = {**valid["petitioners"][0], "name": 1234}
    checks["register / petitioners.0.name"] = refused(persona, url, {**valid, "petitioners": [person]},
                                                      "petitioners.0.name")
    checks["register / petitioners.0"] = refused(persona, url, {**valid, "petitioners": ["张三"]}, "petitioners.0")
    check_each(checks)
    assert db_counts() == before
    assert _statuses() == statuses
    assert not AuditEntry.objects.filter(action="petitioner.reveal", result="ok").exists()


def test_body_over_the_size_limit_is_400(api, endpoints, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    before, statuses = db_counts(), _statuses()
    # Valid bodies padded with a field the API ignores: only the size is wrong.
    check_each(_check_refused(api, endpoints, 400, lambda valid: json.dumps({**valid, "padding": "x" * 5000}),
                              code="too_large"))
    assert db_counts() == before
    assert _statuses() == statuses


def test_size_limit_is_the_configured_one(api, categories):
    limit = django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert limit == 2 * 1024 * 1024  # config/settings.py default (XINFANG_MAX_BODY_BYTES)
    client = api("registrar")

    def padded(total):
        body = json.dumps(registration_body(padding=""))
        return body[:-1] + ', "padding2": "' + "x" * (total - len(body.encode()) - 16) + '"}'

    under, over = padded(limit - 100), padded(limit + 100)
    assert len(under.encode()) <= limit < len(over.encode())
    before = db_counts()
    assert_error(client.generic("POST", "/api/v1/cases/", over, content_type="application/json"), 400)
    assert db_counts() == before
    response = client.generic("POST", "/api/v1/cases/", under, content_type="application/json")
    assert response.status_code == 201, response.content[:300]


def test_empty_body_is_a_missing_fields_error(api, categories):
    before = db_counts()
    payload = assert_error(api("registrar").generic("POST", "/api/v1/cases/", "", content_type="application/json"),
                           400)
    assert {"channel", "received_at", "matter_type", "title", "content", "petitioners"} <= set(payload["errors"])
    assert db_counts() == before


def test_list_offset_beyond_64_bits_is_400_not_500(api, flow):
    flow.case_at("registered")
    assert_error(api("officer").get(f"/api/v1/cases/?offset={10**20}"), 400, "offset")
    assert api("officer").get(f"/api/v1/cases/?offset={10**6}").json()["results"] == []


def test_ids_beyond_64_bits_are_404_not_500(api, flow):
    case, _ = flow.case_at("accepted")
    huge = 10**20
    assert_error(api("officer").get(f"/api/v1/cases/{huge}/"), 404)
    assert_error(api("handler").post(f"/api/v1/cases/{huge}/accept/", {}, format="json"), 404)
    assert_error(api("head").post(f"/api/v1/cases/{case.pk}/petitioners/{huge}/reveal/", {"reason": "核实身份信息"},
                                  format="json"), 404)
    assert_error(api("registrar").post("/api/v1/cases/", registration_body(repeat_of=huge), format="json"), 400,
                 "repeat_of")


def test_unknown_api_paths_are_404_in_the_error_shape(api, flow):
    case, _ = flow.case_at("routed")
    client = api("officer")
    for url in ("/api/v1/nope/", "/api/v1/cases/abc/", f"/api/v1/cases/{case.pk}/delete/", "/api/v1/portal/x/",
                "/api/v1/cases/-1/"):
        payload = assert_error(client.get(url), 404)
        assert payload["code"] == "not_found", url
    assert_error(api(None).post("/api/v1/cases/1/approve/", {}, format="json"), 404)
    # A missing slash is still redirected to the endpoint (APPEND_SLASH), not answered 404.
    response = client.get("/api/v1/cases")
    assert response.status_code == 301 and response["Location"] == "/api/v1/cases/"


def test_unknown_paths_found_by_the_fuzzer_are_404_in_the_error_shape(api, personas):
    """tests/api/test_fuzz.py found two unknown paths answered with an HTML page: one with an encoded newline
    (the site's 404 page) and a POST with a session cookie but no CSRF token (Django's CSRF 403 page)."""
    assert_error(api("officer").get("/api/v1/cases/%0A/"), 404)
    assert_error(api("officer").post("/api/v1/cases/1%0A2/accept/", {}, format="json"), 404)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(personas["officer"])
    payload = assert_error(client.post("/api/v1/cases/abc/accept/", {}, format="json"), 404)
    assert payload["code"] == "not_found"


def test_methods_an_endpoint_does_not_have_are_405(api, flow):
    case, _ = flow.case_at("routed")
    before = db_counts()
    checks = {}
    for method, url in [("delete", f"/api/v1/cases/{case.pk}/"), ("put", f"/api/v1/cases/{case.pk}/"),
                        ("patch", "/api/v1/cases/"), ("get", f"/api/v1/cases/{case.pk}/accept/"),
                        ("post", "/api/v1/units/"), ("put", "/api/v1/portal/rate/"),
                        ("post", "/api/v1/portal/track/ABCD-ABCD-ABCD-ABCD/")]:
        client = api(None) if "/portal/" in url else api("officer")
        checks[f"{method} {url}"] = (lambda c, m, u: lambda: assert_error(
            getattr(c, m)(u, {}, format="json"), 405))(client, method, url)
    check_each(checks)
    assert db_counts() == before
    assert Case.objects.get(pk=case.pk).status == "routed"
