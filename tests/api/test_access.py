"""Who may call what: 401 without (or with a bad) token, 404 for a case outside the caller's scope —
another unit's case, or an accusation against the caller's own unit (SECURITY.md 1–2) — with nothing
written and the denial audited."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.builders import assert_error, db_counts, registration_body
from xinfang.accounts.models import User
from xinfang.accounts.services import user_create
from xinfang.cases.models import Case
from xinfang.core.models import AuditEntry

ACTIONS = {
    "route": {"unit": "MH-FGJ", "mode": "transfer"},
    "accept": {},
    "refuse": {"reason": "已进入诉讼程序", "legal_channel": "litigation"},
    "object": {"reason": "不属于本单位职权范围"},
    "extend": {"days": 10, "reason": "需要现场勘查"},
    "reply": {"outcome": "support", "text": "经核查，已督促物业于十日内修复电梯。"},
    "review/decide": {"outcome": "uphold", "text": "维持原处理意见，督促落实。"},
    "re-review/decide": {"outcome": "uphold", "text": "维持复查意见，本事项终结。"},
}


def _endpoints(case):
    """Every staff endpoint as (method, url, body)."""
    pid = case.case_petitioners.get().petitioner_id
    rows = [("get", "/api/v1/units/", None), ("get", "/api/v1/categories/", None),
            ("get", "/api/v1/cases/", None), ("post", "/api/v1/cases/", registration_body()),
            ("get", f"/api/v1/cases/{case.pk}/", None),
            ("post", f"/api/v1/cases/{case.pk}/petitioners/{pid}/reveal/", {"reason": "核实身份信息"})]
    rows += [("post", f"/api/v1/cases/{case.pk}/{action}/", body) for action, body in ACTIONS.items()]
    return rows


def _call(client, method, url, body):
    return getattr(client, method)(url, body, format="json") if method == "post" else client.get(url)


@pytest.mark.parametrize("credentials", [None, "Token 0123456789abcdef0123456789abcdef01234567", "Token",
                                         "Bearer abc", "Basic cmVnaXN0cmFyOnBhc3N3b3Jk"],
                         ids=["none", "unknown token", "empty token", "bearer", "basic"])
def test_every_staff_endpoint_needs_a_valid_token(flow, credentials):
    case, _ = flow.case_at("routed")
    client = APIClient()
    if credentials:
        client.credentials(HTTP_AUTHORIZATION=credentials)
    before = db_counts()

    for method, url, body in _endpoints(case):
        response = _call(client, method, url, body)
        assert_error(response, 401)
        assert response["WWW-Authenticate"] == 'Token', url

    assert db_counts() == before
    assert Case.objects.get(pk=case.pk).status == "routed"


def test_token_of_a_deactivated_user_is_refused(api, flow, personas):
    case, _ = flow.register()
    client = api("officer")
    personas["officer"].is_active = False
    personas["officer"].save(update_fields=["is_active"])
    assert_error(client.get(f"/api/v1/cases/{case.pk}/"), 401)
    assert_error(client.post(f"/api/v1/cases/{case.pk}/route/", ACTIONS["route"], format="json"), 401)
    assert Case.objects.get(pk=case.pk).status == "registered"


@pytest.mark.parametrize("persona", ["other_handler", "street_handler", "office_handler", "system_admin",
                                     "audit_admin"])
def test_case_of_another_unit_is_404_on_every_case_endpoint(api, flow, persona):
    case, _ = flow.case_at("routed")
    client = api(persona)
    before = db_counts()
    denied_before = AuditEntry.objects.filter(result="denied", object_id=str(case.pk)).count()

    case_urls = [row for row in _endpoints(case) if f"/cases/{case.pk}/" in row[1]]
    for method, url, body in case_urls:
        payload = assert_error(_call(client, method, url, body), 404)
        assert payload["code"] == "not_found"

    assert db_counts() == before
    assert Case.objects.get(pk=case.pk).status == "routed"
    # Every denial is audited (SECURITY.md 8).
    assert AuditEntry.objects.filter(result="denied", object_id=str(case.pk)).count() == denied_before + len(case_urls)


def test_a_missing_case_looks_like_a_foreign_one(api, flow):
    case, _ = flow.case_at("routed")
    foreign = api("other_handler").post(f"/api/v1/cases/{case.pk}/accept/", {}, format="json")
    missing = api("other_handler").post("/api/v1/cases/999999/accept/", {}, format="json")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()


@pytest.fixture
def accusation(flow):
    """An accusation against the housing bureau, routed to the discipline commission."""
    case, _ = flow.register(matter_type=Case.MatterType.ACCUSATION, title="房管局工作人员收受好处",
                            accused_units=("housing",))
    flow.route(case, unit="discipline")
    return case


@pytest.fixture
def housing_leader(district, api):
    """A district-wide role (sees every case) held by a member of the accused unit."""
    user = user_create(username="housing_leader", role=User.Role.LEADER, unit=district["housing"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_accusation_never_reaches_the_accused_unit(api, flow, accusation, housing_leader):
    ordinary, _ = flow.case_at("routed")
    # The district-wide role sees ordinary cases...
    assert housing_leader.get(f"/api/v1/cases/{ordinary.pk}/").status_code == 200
    listed = [r["id"] for r in housing_leader.get("/api/v1/cases/").json()["results"]]
    assert ordinary.pk in listed
    # ...but not the accusation against its own unit: not in the list, 404 on every endpoint.
    assert accusation.pk not in listed
    assert accusation.pk not in [r["id"] for r in housing_leader.get(
        f"/api/v1/cases/?number={accusation.number}").json()["results"]]
    before = db_counts()
    for method, url, body in [row for row in _endpoints(accusation) if f"/cases/{accusation.pk}/" in row[1]]:
        assert_error(_call(housing_leader, method, url, body), 404)
    for persona in ("handler", "head", "office_handler"):
        assert_error(api(persona).get(f"/api/v1/cases/{accusation.pk}/"), 404)
    assert db_counts() == before
    assert AuditEntry.objects.filter(username="housing_leader", object_id=str(accusation.pk),
                                     result="denied").exists()
    # Positive controls: the discipline commission handles it and a leader elsewhere sees it.
    assert api("discipline_handler").get(f"/api/v1/cases/{accusation.pk}/").status_code == 200
    assert api("leader").get(f"/api/v1/cases/{accusation.pk}/").status_code == 200


def test_accusation_cannot_be_probed_through_repeat_of_by_the_accused(api, district, accusation):
    # A registrar who works in the accused unit cannot confirm the accusation exists through repeat_of:
    # it answers exactly as for a case that does not exist, and nothing is registered.
    user = user_create(username="housing_registrar", role=User.Role.REGISTRAR, unit=district["housing"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    before = db_counts()

    hidden = client.post("/api/v1/cases/", registration_body(repeat_of=accusation.pk), format="json")
    missing = client.post("/api/v1/cases/", registration_body(repeat_of=999999), format="json")

    assert_error(hidden, 400, "repeat_of")
    assert hidden.json() == missing.json()
    assert db_counts() == before
    # Positive control: the bureau's registrar can name it.
    linked = api("registrar").post("/api/v1/cases/", registration_body(repeat_of=accusation.pk), format="json")
    assert linked.status_code == 201 and linked.json()["linked_to"]["id"] == accusation.pk
