"""The in-app inbox in the API: each user's own notifications, newest first, paginated; unread filter; mark
one or all read. A notification about a case the user may no longer see is not shown (SECURITY.md 1)."""

from __future__ import annotations

from tests.api.builders import assert_error, check_each
from xinfang.cases import services
from xinfang.notifications.models import Notification


def _list(api, name, **params):
    response = api(name).get("/api/v1/notifications/", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_list_mark_read_and_read_all(api, flow, personas):
    first, _ = flow.case_at("routed", title="电梯故障")
    second, _ = flow.case_at("routed", title="物业收费")
    body = _list(api, "handler")
    assert (body["count"], body["unread"]) == (2, 2)
    assert [n["case"]["number"] for n in body["results"]] == [second.number, first.number]  # newest first
    row = body["results"][0]
    assert set(row) == {"id", "kind", "text", "case", "created_at", "read_at"}
    assert row["kind"] == "routed" and row["read_at"] is None and row["case"] == {"id": second.pk,
                                                                                 "number": second.number}
    read = api("handler").post(f"/api/v1/notifications/{row['id']}/read/", format="json")
    assert read.status_code == 200 and read.json()["read_at"] is not None
    again = api("handler").post(f"/api/v1/notifications/{row['id']}/read/", {}, format="json")
    assert again.json()["read_at"] == read.json()["read_at"]  # the first time stays
    unread = _list(api, "handler", unread="true")
    assert (unread["count"], unread["unread"]) == (1, 1) and unread["results"][0]["case"]["id"] == first.pk
    assert _list(api, "handler", unread="false")["count"] == 2
    page = _list(api, "handler", limit=1, offset=1)
    assert (page["count"], page["limit"], page["offset"], len(page["results"])) == (2, 1, 1, 1)
    marked = api("handler").post("/api/v1/notifications/read-all/", format="json")
    assert marked.status_code == 200 and marked.json() == {"marked": 1}
    assert _list(api, "handler")["unread"] == 0
    # The head of the same unit has their own, still unread.
    assert _list(api, "head")["unread"] == 2


def test_notifications_are_private_and_scoped(api, flow, personas):
    case, _ = flow.case_at("routed")
    mine = Notification.objects.filter(user=personas["handler"]).get()
    # The handler's unit sends the case back: the notification about it leaves their inbox with the case.
    services.case_object(case=case, actor=personas["handler"], reason="不属于本单位职责范围")
    assert _list(api, "handler")["count"] == 0
    assert _list(api, "officer")["count"] == 1  # the bureau is told of the objection
    check_each({
        "read another's": lambda: assert_error(api("other_handler").post(f"/api/v1/notifications/{mine.pk}/read/",
                                                                         format="json"), 404),
        "read one out of scope": lambda: assert_error(
            api("handler").post(f"/api/v1/notifications/{mine.pk}/read/", format="json"), 404),
        "no such": lambda: assert_error(api("handler").post("/api/v1/notifications/999999/read/", format="json"), 404),
        "bad flag": lambda: assert_error(api("handler").get("/api/v1/notifications/", {"unread": "maybe"}), 400,
                                         "unread"),
        "bad body": lambda: assert_error(api("handler").post("/api/v1/notifications/read-all/", [1], format="json"),
                                         400),
        "anonymous": lambda: assert_error(api(None).get("/api/v1/notifications/"), 401),
    })
    mine.refresh_from_db()
    assert mine.read_at is None
    assert _list(api, "system_admin") == {"count": 0, "limit": 50, "offset": 0, "unread": 0, "results": []}
