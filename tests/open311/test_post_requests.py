"""POST requests: a key allowed "open311.submit" registers a petition through case_register."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.api.builders import PHONE, db_counts
from tests.conftest import VALID_ID
from tests.open311.client import Open311Error
from xinfang.api.clients import api_client_create, api_client_revoke
from xinfang.cases.models import Case, CaseDeadline
from xinfang.core.models import AuditEntry

FORMATS = ("json", "xml")


def _submission(**overrides):
    fields = {"service_code": "WYFW", "description": "小区电梯坏了三个月，物业一直不修。\n请督促物业尽快修复。",
              "address_string": "江川路100弄", "lat": "31.0123", "long": "121.3456", "first_name": "三",
              "last_name": "张", "phone": PHONE, "email": "zhang@example.com", "device_id": "dev-1",
              "account_id": "acct-9", "media_url": "https://example.com/lift.jpg",
              "attribute": {"id_number": VALID_ID}}
    fields.update(overrides)
    return fields


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_registers_a_hotline_case(open311, hotline_key, categories, district, fmt):
    answer = open311(fmt, hotline_key).post_request(**_submission())
    assert len(answer) == 1
    case = Case.objects.get()
    assert answer[0]["service_request_id"] == case.number and answer[0]["account_id"] == "acct-9"
    assert "15日内转送交办" in answer[0]["service_notice"]
    assert len(answer[0]["query_code"]) == 19  # XXXX-XXXX-XXXX-XXXX, for the petitioner
    assert case.channel == Case.Channel.HOTLINE and case.matter_type == Case.MatterType.CLAIM
    assert case.registered_unit == district["bureau"] and case.registered_by is None
    assert case.category == categories["property"] and case.status == Case.Status.REGISTERED
    assert case.title == "小区电梯坏了三个月，物业一直不修。"
    assert "【位置】江川路100弄（纬度 31.012300，经度 121.345600）" in case.content
    assert "【图片链接】https://example.com/lift.jpg" in case.content
    petitioner = case.case_petitioners.get().petitioner
    assert petitioner.name == "张三" and petitioner.id_masked.startswith("110101") and petitioner.id_hash
    assert VALID_ID not in petitioner.id_number_encrypted and petitioner.phone_masked.endswith("5678")
    # Not stored: e-mail, device and account ids (no field; data minimisation).
    assert "zhang@example.com" not in case.content and "dev-1" not in case.content
    assert CaseDeadline.objects.filter(case=case, kind="route_by").exists()  # Art. 22: 15 days
    rows = AuditEntry.objects.filter(object_id=str(case.pk), object_type="cases.case")
    assert {(r.action, r.username) for r in rows} >= {("case.create", "apikey:hotline-12345"),
                                                       ("open311.submit", "apikey:hotline-12345")}


def test_post_form_urlencoded_and_json_with_header(hotline_key, categories):
    client = Client()
    response = client.post("/open311/v2/requests.json", "service_code=WYFW&description=%E7%94%B5%E6%A2%AF%E5%9D%8F"
                           f"&last_name=%E6%9D%8E&api_key={hotline_key}",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 201, response.content
    response = client.post("/open311/v2/requests.json",
                           {"service_code": "ZFBZ", "description": "公租房申请", "first_name": "Li", "last_name": "Wei",
                            "attribute": {"matter_type": "suggestion"}},
                           content_type="application/json", HTTP_X_API_KEY=hotline_key)
    assert response.status_code == 201, response.content
    case = Case.objects.get(number=response.json()[0]["service_request_id"])
    assert case.matter_type == "suggestion" and case.case_petitioners.get().petitioner.name == "Li Wei"


def test_an_online_client_submits_as_online(open311, categories, district):
    _c, key = api_client_create(name="city-app", unit_code="MH-XFB", actions=["open311.submit"], channel="online")
    open311("json", key).post_request(**_submission())
    assert Case.objects.get().channel == Case.Channel.ONLINE


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_needs_a_valid_key_allowed_to_submit(open311, hotline_key, categories, district, fmt):
    _c, reader = api_client_create(name="reader", unit_code="MH-XFB", actions=["open311.read"])
    before = db_counts()
    cases = {"no key": (None, 401), "unknown key": ("xfk_abcdefgh_" + "a" * 32, 401), "garbage": ("nonsense", 401),
             "not allowed": (reader, 403)}
    for name, (key, status) in cases.items():
        with pytest.raises(Open311Error) as caught:
            open311(fmt, key).post_request(**_submission())
        assert caught.value.status == status, name
        assert caught.value.errors and caught.value.errors[0]["code"] == status, name
        assert caught.value.errors[0]["description"], name
    api_client_revoke(name="hotline-12345")
    with pytest.raises(Open311Error) as caught:
        open311(fmt, hotline_key).post_request(**_submission())
    assert caught.value.status == 401
    assert db_counts() == before
    denied = AuditEntry.objects.filter(action="apikey.use", result="denied")
    assert {r.detail["reason"] for r in denied} == {"unknown_or_revoked", "action_not_allowed"}
    assert all(hotline_key not in str(r.detail) for r in AuditEntry.objects.all())


def test_a_key_in_the_url_is_refused_and_audited(hotline_key, categories):
    response = Client().post(f"/open311/v2/requests.json?api_key={hotline_key}", _submission())
    assert response.status_code == 401 and "X-API-Key" in response.json()[0]["description"]
    assert response["WWW-Authenticate"]
    assert not Case.objects.exists()
    row = AuditEntry.objects.get(action="apikey.use", result="denied")
    assert row.detail["reason"] == "key_in_url" and row.detail["prefix"] == hotline_key.split("_")[1]
    assert Client().get(f"/open311/v2/services.json?api_key={hotline_key}").status_code == 401


@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_input_is_a_400_list_naming_the_parameters_and_writes_nothing(open311, hotline_key, categories, fmt):
    before = db_counts()
    bad = {
        "service_code": _submission(service_code=""),
        "unknown service": _submission(service_code="NOPE"),
        "description": _submission(description=""),
        "last_name": _submission(first_name="", last_name=""),
        "phone": _submission(phone="12"),
        "attribute[id_number]": _submission(attribute={"id_number": "110101199003074515"}),
        "attribute[matter_type]": _submission(attribute={"matter_type": "gossip"}),
        "lat": _submission(lat="north"),
        "lat range": _submission(lat="95", long="1"),
        "media_url": _submission(media_url="javascript:alert(1)"),
    }
    for name, params in bad.items():
        with pytest.raises(Open311Error) as caught:
            open311(fmt, hotline_key).post_request(**params)
        assert caught.value.status == 400, name
        field = name.split()[0] if name != "unknown service" else "service_code"
        assert any(e["code"] == 400 and e["description"].startswith(f"{field}:") for e in caught.value.errors), \
            (name, caught.value.errors)
    assert db_counts() == before


def test_malformed_json_body_is_a_spec_400(hotline_key, db):
    response = Client().post("/open311/v2/requests.xml", "{not json", content_type="application/json",
                             HTTP_X_API_KEY=hotline_key)
    assert response.status_code == 400 and response["Content-Type"].startswith("text/xml")
    assert b"<errors><error><code>400</code>" in response.content


def test_other_methods_are_a_spec_405(client, db):
    response = client.delete("/open311/v2/requests.json")
    assert response.status_code == 405 and response.json()[0]["code"] == 405
    assert "GET" in response["Allow"]
