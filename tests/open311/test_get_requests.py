"""GET requests and requests/{id}: public, filtered, statuses mapped, expected dates from the deadlines,
limited per address."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api.builders import NOW
from tests.conftest import at
from tests.open311.client import Open311Error
from xinfang.api.clients import api_client_create
from xinfang.cases import services
from xinfang.cases.models import Case
from xinfang.open311 import selectors

FORMATS = ("json", "xml")


@pytest.mark.parametrize("fmt", FORMATS)
def test_statuses_agencies_and_dates(open311, flow, fmt):
    registered, _ = flow.case_at("registered")
    routed, _ = flow.case_at("routed")
    accepted, _ = flow.case_at("accepted")
    closed, _ = flow.case_at("closed")
    by_id = {r["service_request_id"]: r for r in open311(fmt).requests()}
    assert set(by_id) == {registered.number, routed.number, accepted.number, closed.number}
    r = by_id[registered.number]
    # Received Fri 2026-10-09: route within 15 days (Art. 22); no handling unit yet.
    route_by = registered.deadlines.get(kind="route_by").due_date.isoformat()
    assert r == {"service_request_id": registered.number, "status": "open", "status_notes": "已登记",
                 "service_name": "住房保障", "service_code": "ZFBZ", "agency_responsible": "",
                 "requested_datetime": "2026-10-09T09:00:00+08:00", "updated_datetime": "2026-10-12T10:00:00+08:00",
                 "expected_datetime": f"{route_by}T23:59:59+08:00"}
    assert by_id[routed.number]["status_notes"] == "已转送交办"
    assert by_id[routed.number]["agency_responsible"] == "区房管局"
    assert by_id[accepted.number]["status_notes"] == "已受理" and by_id[accepted.number]["status"] == "open"
    decide_by = accepted.deadlines.get(kind="decide_by").due_date.isoformat()
    assert by_id[accepted.number]["expected_datetime"] == f"{decide_by}T23:59:59+08:00"
    assert by_id[closed.number]["status"] == "closed" and by_id[closed.number]["status_notes"] == "已作出复核意见"
    assert "expected_datetime" not in by_id[closed.number]
    assert by_id[closed.number]["updated_datetime"].startswith("2026-10-12T10:00:00")


def test_json_and_xml_list_the_same(open311, flow):
    flow.case_at("routed")
    flow.case_at("closed")
    assert open311("json").requests() == open311("xml").requests()


@pytest.mark.parametrize("fmt", FORMATS)
def test_filters(open311, flow, personas, categories, fmt):
    a, _ = flow.case_at("registered")
    b, _ = flow.case_at("accepted", category="labour")
    c, _ = flow.case_at("closed")
    old = services.case_register(
        actor=personas["registrar"], channel="letter", received_at=NOW - timedelta(days=100), matter_type="claim",
        title="旧事项", content="一百天前的来信", petitioners=[services.PetitionerInput(name="王五")],
        category=categories["housing"], force_new=True).case
    client = open311(fmt)

    def ids(**filters):
        return {r["service_request_id"] for r in client.requests(**filters)}

    assert ids() == {a.number, b.number, c.number}  # the last 90 days by default
    assert ids(service_request_id=f"{a.number},{old.number},XF-1999-000001") == {a.number, old.number}
    # service_request_id overrides every other parameter (spec).
    assert ids(service_request_id=old.number, status="open", service_code="LDSB") == {old.number}
    assert ids(service_code="LDSB") == {b.number}
    assert ids(service_code="LDSB,ZFBZ") == {a.number, b.number, c.number}
    assert ids(status="open") == {a.number, b.number}
    assert ids(status="closed") == {c.number}
    assert ids(status="open,closed") == {a.number, b.number, c.number}
    assert ids(start_date="2026-06-01T00:00:00+08:00") == {a.number, b.number, c.number, old.number}
    assert ids(start_date="2026-06-01T00:00:00Z", end_date="2026-07-31T00:00:00+08:00") == {old.number}
    assert ids(start_date="2026-10-09", end_date="2026-10-09") == {a.number, b.number, c.number}  # whole days
    assert ids(end_date="2026-07-31T00:00:00+08:00") == {old.number}  # the 90 days before the end
    assert ids(end_date="2026-10-08T23:59:59+08:00") == set()  # 07-10 .. 10-08: none
    assert client.request(old.number)["service_request_id"] == old.number


@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_filters_are_spec_400s(open311, db, fmt):
    for filters in ({"start_date": "yesterday"}, {"end_date": "2026-13-01"}, {"status": "pending"},
                    {"start_date": "2026-10-10", "end_date": "2026-10-01"}):
        with pytest.raises(Open311Error) as caught:
            open311(fmt).requests(**filters)
        assert caught.value.status == 400 and caught.value.errors[0]["code"] == 400, filters
        assert caught.value.errors[0]["description"].startswith(next(iter(filters))), caught.value.errors


def test_at_most_1000_results(open311, flow, monkeypatch):
    monkeypatch.setattr(selectors, "MAX_RESULTS", 2)
    made = [flow.register(title=f"事项{i}")[0] for i in range(3)]
    assert len(open311("json").requests()) == 2
    with pytest.raises(Open311Error) as caught:  # more ids than one answer may hold
        open311("json").requests(service_request_id=",".join(c.number for c in made))
    assert caught.value.status == 400


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_request_and_unknown_ids(open311, flow, fmt):
    case, _ = flow.case_at("routed")
    assert open311(fmt).request(case.number)["agency_responsible"] == "区房管局"
    for missing in ("XF-2026-999999", "nope"):
        with pytest.raises(Open311Error) as caught:
            open311(fmt).request(missing)
        assert caught.value.status == 404 and caught.value.errors[0]["code"] == 404


def test_a_submitted_request_can_be_read_back(open311, hotline_key, categories):
    answer = open311("xml", hotline_key).post_request(service_code="ZFBZ", description="公租房排队进度",
                                                      last_name="赵", first_name="六")
    request = open311("xml").request(answer[0]["service_request_id"])
    assert request["status"] == "open" and request["status_notes"] == "已登记" and request["service_code"] == "ZFBZ"


def test_linked_repeat_is_closed_with_a_public_note(open311, flow):
    first, _ = flow.case_at("accepted")
    repeat = services.case_register(
        actor=flow.personas["registrar"], channel="letter", received_at=at("2026-10-10 09:00"), matter_type="claim",
        title="again", content="同一事项再次反映", petitioners=[services.PetitionerInput(name="张三")],
        repeat_of=first).case
    assert repeat.status == Case.Status.LINKED
    answer = open311("json").request(repeat.number)
    assert answer["status"] == "closed" and answer["status_notes"] == "已并入正在办理的事项"


@pytest.mark.parametrize("fmt", FORMATS)
def test_public_reads_are_limited_per_address(open311, settings, district, fmt):
    settings.XINFANG = {**settings.XINFANG, "OPEN311_READS_PER_WINDOW": 3}
    client = open311(fmt)
    for _ in range(3):
        client.services()
    with pytest.raises(Open311Error) as caught:
        client.requests()
    assert caught.value.status == 429 and caught.value.errors[0]["code"] == 429
    # Another address is not affected.
    other = open311(fmt)
    other.http.defaults["REMOTE_ADDR"] = "10.0.0.9"
    assert other.services() == []
    # A partner system with a key allowed "open311.read" is not limited.
    _c, key = api_client_create(name="partner", unit_code="MH-XFB", actions=["open311.read"])
    partner = open311(fmt)
    partner.http.defaults["HTTP_X_API_KEY"] = key
    for _ in range(5):
        partner.services()
