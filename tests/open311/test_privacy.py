"""What Open311 publishes: no personal data, no staff, no internal text, no accused — and accusations
(检举控告) not at all (信访工作条例 Art. 30 ¶3, Art. 46(5))."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.api.builders import PHONE
from tests.conftest import VALID_ID
from xinfang.cases.models import Case

FORMATS = ("json", "xml")
OTHER_ID = "320502197503153014"  # valid GB 11643 numbers of two more people
THIRD_ID = "310104198801011237"


@pytest.fixture
def mixed(flow, open311, hotline_key):
    """An accusation against the housing bureau, a claim routed to it and replied, one submitted by the
    hotline — each with personal data that must never come out."""
    accusation, _ = flow.register(matter_type=Case.MatterType.ACCUSATION, title="举报房管局某科长收受贿赂",
                                  id_number=OTHER_ID, phone="13900001111", category="housing", name="李四",
                                  accused_units=("housing",), accused_persons=({"name": "王科长", "position": "科长"},))
    services_routed = flow.route(accusation, unit="discipline", note="内部意见：请纪委核查")
    claim, _ = flow.case_at("replied")
    answer = open311("json", hotline_key).post_request(
        service_code="WYFW", description="物业乱收费，联系人赵六，身份证见附件", first_name="六", last_name="赵",
        phone="13700002222", attribute={"id_number": THIRD_ID}, address_string="莘庄镇某路1号")
    return {"accusation": services_routed, "claim": claim, "hotline": answer[0]["service_request_id"]}


SECRETS = (VALID_ID, OTHER_ID, THIRD_ID, PHONE, "13900001111", "13700002222", "张三", "李四", "赵六",
           "王科长", "收受贿赂", "电梯", "物业乱收费", "莘庄镇某路", "内部意见", "经核查", "officer", "handler",
           "registrar", "江川路1号", "hotline-12345")


def _public_outputs(client: Client, numbers: list[str]) -> dict[str, bytes]:
    outputs = {}
    for fmt in FORMATS:
        for path in ("services", "requests", *[f"requests/{n}" for n in numbers]):
            outputs[f"{path}.{fmt}"] = client.get(f"/open311/v2/{path}.{fmt}").content
        outputs[f"requests.{fmt}?ids"] = client.get(f"/open311/v2/requests.{fmt}",
                                                    {"service_request_id": ",".join(numbers)}).content
        outputs[f"requests.{fmt}?all"] = client.get(f"/open311/v2/requests.{fmt}",
                                                    {"start_date": "2000-01-01", "status": "open,closed"}).content
    return outputs


def test_no_personal_data_staff_or_internal_text_in_any_public_output(mixed):
    numbers = [mixed["accusation"].number, mixed["claim"].number, mixed["hotline"]]
    outputs = _public_outputs(Client(), numbers)
    leaks = {name: [s for s in SECRETS if s.encode() in body] for name, body in outputs.items()}
    assert not any(leaks.values()), {k: v for k, v in leaks.items() if v}


@pytest.mark.parametrize("fmt", FORMATS)
def test_accusations_are_never_listed(open311, mixed, fmt):
    number = mixed["accusation"].number
    client = open311(fmt)
    listed = {r["service_request_id"] for r in client.requests(start_date="2000-01-01")}
    assert mixed["claim"].number in listed and mixed["hotline"] in listed and number not in listed
    assert number not in {r["service_request_id"] for r in client.requests(service_request_id=number)}
    assert number not in {r["service_request_id"] for r in client.requests(service_code="ZFBZ", status="open")}
    response = Client().get(f"/open311/v2/requests/{number}.{fmt}")
    missing = Client().get(f"/open311/v2/requests/XF-2026-999999.{fmt}")
    # Exactly like a number that does not exist: the answer does not even confirm the accusation exists.
    assert response.status_code == missing.status_code == 404
    assert response.content.replace(number.encode(), b"N") == missing.content.replace(b"XF-2026-999999", b"N")


def test_an_accusation_submitted_through_open311_is_registered_but_never_listed(open311, hotline_key, categories):
    answer = open311("json", hotline_key).post_request(
        service_code="ZFBZ", description="举报某单位工作人员违规", last_name="钱", first_name="七",
        attribute={"matter_type": "accusation"})
    number = answer[0]["service_request_id"]
    assert Case.objects.get(number=number).matter_type == "accusation"
    assert open311("json").requests(service_request_id=number) == []
