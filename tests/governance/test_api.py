"""/api/v1/governance/: the register and supervision through the API, with the one error shape; bad input
changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api.builders import assert_error
from tests.governance.conftest import PLAN, TODAY
from xinfang.cases.models import CaseEvent
from xinfang.governance.models import (
    AfterCareTask,
    BacklogEntry,
    BacklogMilestone,
    BacklogNote,
    SupervisionOrder,
    SupervisionReply,
)

BASE = "/api/v1/governance"


def counts() -> dict[str, int]:
    models = (BacklogEntry, BacklogMilestone, BacklogNote, AfterCareTask, SupervisionOrder, SupervisionReply,
              CaseEvent)
    return {m.__name__: m.objects.count() for m in models}


def test_an_officer_enters_a_case_and_a_leader_works_it_to_resolved(gov, api):
    case = gov.case()
    officer, leader = api("officer"), api("leader")
    created = officer.post(f"{BASE}/backlog/", {"case": case.pk, "reason": "多次重复信访，矛盾突出"}, format="json")
    assert created.status_code == 201, created.content
    entry = created.json()
    assert entry["source"] == "manual" and entry["outcome"] == "open" and entry["leader"] is None
    assert entry["case"]["number"] == case.number and entry["unit"] == {"code": "MH-FGJ", "name": "区房管局"}
    url = f"{BASE}/backlog/{entry['id']}"
    me = gov.personas["leader"]
    taken = leader.post(f"{url}/leader/", {"leader": me.pk}, format="json")
    assert taken.status_code == 200 and taken.json()["leader"]["id"] == me.pk
    team = leader.post(f"{url}/team/", {"members": [gov.personas["handler"].pk]}, format="json")
    assert [m["name"] for m in team.json()["team"]] == ["handler"]
    assert leader.post(f"{url}/plan/", {"plan": PLAN}, format="json").json()["plan"] == PLAN
    body = leader.post(f"{url}/milestones/", {"title": "约谈物业企业", "due_date": str(TODAY + timedelta(days=7))},
                       format="json").json()
    milestone = body["milestones"][0]
    done = api("handler").post(f"{url}/milestones/{milestone['id']}/done/", {"note": "已约谈"}, format="json")
    assert done.status_code == 200 and done.json()["milestones"][0]["done_note"] == "已约谈"
    note = leader.post(f"{url}/notes/", {"kind": "hearing", "held_on": str(TODAY), "text": "举行听证，各方陈述意见。",
                                         "participants": "区房管局、街道、律师"}, format="json")
    assert note.json()["notes"][0]["kind"] == "hearing"
    closed = leader.post(f"{url}/close/", {"outcome": "resolved", "summary": "电梯已更换，信访人表示满意。"},
                         format="json")
    assert closed.status_code == 200 and closed.json()["outcome"] == "resolved" and closed.json()["closed_at"]
    care = leader.post(f"{url}/aftercare/", {"kind": "counselling", "text": "定期回访疏导",
                                             "assignee": gov.personas["handler"].pk}, format="json").json()
    task = care["aftercare"][0]
    finished = api("handler").post(f"{url}/aftercare/{task['id']}/done/", {"note": "已回访两次"}, format="json")
    assert finished.json()["aftercare"][0]["status"] == "done"
    listed = leader.get(f"{BASE}/backlog/", {"mine": "true"}).json()
    assert listed["count"] == 1 and listed["results"][0]["outcome"] == "resolved"
    assert leader.get(f"{BASE}/backlog/", {"outcome": "open"}).json()["count"] == 0
    detail = api("handler").get(f"{url}/").json()
    assert [n["kind"] for n in detail["notes"]] == ["hearing"] and detail["closing_summary"]


def test_refusals_answer_the_error_shape_and_change_nothing(gov, api):
    entry = gov.entry()
    url = f"{BASE}/backlog/{entry.pk}"
    before = counts()
    assert_error(api("officer").post(f"{BASE}/backlog/", {"case": entry.case_id, "reason": "再次列入"},
                                     format="json"), 409)
    assert_error(api("officer").post(f"{BASE}/backlog/", {"case": 10**9, "reason": "不存在的事项"}, format="json"),
                 400, "case")
    assert_error(api("handler").post(f"{BASE}/backlog/", {"case": entry.case_id, "reason": "无权列入"},
                                     format="json"), 403)
    assert_error(api("leader").post(f"{url}/plan/", {"plan": "短"}, format="json"), 400, "plan")
    assert_error(api("leader").post(f"{url}/plan/", ["not", "an", "object"], format="json"), 400)
    assert_error(api("leader").post(f"{url}/plan/", "{", content_type="application/json"), 400)
    assert_error(api("leader").post(f"{url}/plan/", "plan=x", content_type="text/plain"), 415)
    assert_error(api("officer").post(f"{url}/plan/", {"plan": PLAN}, format="json"), 403)
    assert_error(api("leader").post(f"{url}/milestones/", {"title": "约谈", "due_date": "2020-01-01"},
                                    format="json"), 400, "due_date")
    assert_error(api("leader").post(f"{url}/milestones/999/done/", {}, format="json"), 404)
    assert_error(api("leader").post(f"{url}/team/", {"members": [10**9]}, format="json"), 400, "members")
    assert_error(api("leader").post(f"{url}/notes/", {"kind": "x", "held_on": str(TODAY), "text": "内容内容"},
                                    format="json"), 400, "kind")
    assert_error(api("leader").post(f"{url}/close/", {"outcome": "open", "summary": "尚未化解完毕的情况说明"},
                                    format="json"), 400, "outcome")
    assert_error(api("leader").post(f"{url}/leader/", {"leader": gov.personas["handler"].pk}, format="json"), 403)
    assert_error(api("other_handler").post(f"{url}/notes/", {"kind": "progress", "held_on": str(TODAY),
                                                             "text": "越权记录"}, format="json"), 404)
    assert_error(api("leader").get(f"{BASE}/backlog/", {"outcome": "nope"}), 400, "outcome")
    assert_error(api("leader").get(f"{BASE}/backlog/", {"mine": "yes"}), 400, "mine")
    assert_error(api(None).get(f"{BASE}/backlog/"), 401)
    assert_error(api("system_admin").get(f"{BASE}/backlog/"), 403)
    assert_error(api("leader").get(f"{BASE}/backlog/{2**63}/"), 404)
    assert counts() == before


def test_supervision_through_the_api(gov, api):
    case = gov.case()
    due = str(TODAY + timedelta(days=10))
    created = api("officer").post(f"{BASE}/supervision/", {"case": case.pk, "grounds": "delay", "reply_due": due,
                                                            "text": "该事项办理拖延，请立即研究处理。"}, format="json")
    assert created.status_code == 201, created.content
    order = created.json()
    assert order["unit"]["code"] == "MH-FGJ" and order["status"] == "open" and order["replies"] == []
    url = f"{BASE}/supervision/{order['id']}"
    replied = api("handler").post(f"{url}/reply/", {"text": "已责成物业十日内完成维修，结果另行报告。"}, format="json")
    assert replied.status_code == 200 and replied.json()["status"] == "replied"
    assert replied.json()["replies"][0]["review"] == ""
    listed = api("leader").post(f"{url}/escalate/", {"reason": "多次督办仍未落实"}, format="json")
    assert listed.json()["listed"] is True
    assert api("registrar").get(f"{BASE}/supervision/listed/").json()["count"] == 1
    assert api("handler").get(f"{BASE}/supervision/", {"listed": "true"}).json()["count"] == 1
    reviewed = api("officer").post(f"{url}/review/", {"accept": True, "note": "同意办结"}, format="json")
    assert reviewed.json()["status"] == "closed" and reviewed.json()["replies"][0]["review"] == "accepted"
    on_unit = api("leader").post(f"{BASE}/supervision/", {"unit": "MH-RSJ", "grounds": "other", "reply_due": due,
                                                           "text": "请报告本单位信访积案化解情况。"}, format="json")
    assert on_unit.status_code == 201 and on_unit.json()["case"] is None
    assert api("other_handler").get(f"{BASE}/supervision/").json()["count"] == 1
    assert api("other_handler").get(f"{url}/").status_code == 404


@pytest.mark.parametrize(("body", "fields"), [
    ({"grounds": "delay", "reply_due": "2026-10-20", "text": "请立即研究处理并书面报告。"}, ("case", "unit")),
    ({"case": 1, "unit": "MH-RSJ", "grounds": "delay", "reply_due": "2026-10-20", "text": "请立即研究处理并书面报告。"},
     ("case",)),
    ({"unit": "NOPE", "grounds": "delay", "reply_due": "2026-10-20", "text": "请立即研究处理并书面报告。"}, ("unit",)),
    ({"unit": "MH-RSJ", "grounds": "bad", "reply_due": "2026-10-20", "text": "请立即研究处理并书面报告。"}, ("grounds",)),
    ({"unit": "MH-RSJ", "grounds": "delay", "reply_due": "2026-10-12", "text": "请立即研究处理并书面报告。"},
     ("reply_due",)),
    ({"unit": "MH-RSJ", "grounds": "delay", "reply_due": "2026-10-20", "text": "短"}, ("text",)),
])
def test_bad_orders_through_the_api_change_nothing(gov, api, body, fields):
    case = gov.case()
    if body.get("case") == 1:
        body = {**body, "case": case.pk}
    before = counts()
    assert_error(api("officer").post(f"{BASE}/supervision/", body, format="json"), 400, *fields)
    assert counts() == before
