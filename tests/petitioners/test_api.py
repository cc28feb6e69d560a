"""/api/v1/petitioners/: the same selectors, services, permissions and scope as the pages."""

from __future__ import annotations

from tests.api.builders import assert_error
from tests.conftest import VALID_ID
from xinfang.petitioners.models import CaseLink


def test_history_api(world, api):
    pid = world.petitioner_ids["张三"]
    url = f"/api/v1/petitioners/{pid}/history/"
    body = api("officer").get(url).json()
    assert [row["number"] for row in body["cases"]] == [world.cases[k].number for k in ("c0", "c1", "c2", "c3", "c6")]
    assert (body["total"], body["repeats"], body["visits"]) == (5, 3, 1)
    assert body["cases"][1]["repeat_of"] is None and body["cases"][2]["repeat_of"]["number"] == world.cases["c1"].number
    assert VALID_ID not in str(body) and body["id_masked"]
    handler = api("handler").get(url).json()
    assert world.cases["c6"].number not in [row["number"] for row in handler["cases"]]
    assert api("other_handler").get(url).status_code == 404
    assert api(None).get(url).status_code == 401


def test_repeat_figures_api(world, api):
    url = "/api/v1/petitioners/repeat-figures/"
    body = api("officer").get(url, {"start": "2026-10-01", "end": "2026-10-31"}).json()
    assert (body["total"], body["repeats"], body["rate"]) == (6, 3, 0.5)
    assert {r["code"]: r["rate"] for r in body["by_street"]} == {"MH-JCL": 0.25, "MH-XZ": 1.0}
    assert body["top_petitioners"][0]["name"] == "张三" and body["top_petitioners"][0]["repeats"] == 2
    assert api("handler").get(url, {"start": "2026-10-01", "end": "2026-10-31"}).json()["total"] == 3
    bad = api("officer").get(url, {"start": "nope"})
    assert "start" in assert_error(bad, 400, "start")["message"]
    assert api("officer").get(url, {"start": "2026-10-31", "end": "2026-10-01"}).status_code == 400
    assert api("officer").get(url).status_code == 200
    assert api("system_admin").get(url).status_code == 403


def test_links_api(world, api):
    c = world.cases
    url = f"/api/v1/petitioners/cases/{c['c2'].pk}/links/"
    created = api("officer").post(url, {"other": c["c1"].pk, "kind": "repeat_of", "note": "同一事项"}, format="json")
    assert created.status_code == 201
    assert created.json()[0]["other"]["number"] == c["c1"].number and created.json()[0]["direction"] == "outgoing"
    assert api("officer").post(url, {"other": c["c1"].pk, "kind": "repeat_of"}, format="json").status_code == 400
    assert api("officer").post(url, {"other": c["c2"].pk, "kind": "repeat_of"}, format="json").status_code == 400
    assert api("officer").post(url, {"other": 10**9, "kind": "repeat_of"}, format="json").status_code == 400
    assert api("handler").post(url, {"other": c["c1"].pk, "kind": "related_to"}, format="json").status_code == 403
    assert api("handler").get(url).json()[0]["other"]["id"] == c["c1"].pk
    assert api("other_handler").get(url).status_code == 404
    link = CaseLink.objects.get()
    detail = f"/api/v1/petitioners/cases/{c['c2'].pk}/links/{link.pk}/"
    assert api("handler").delete(detail).status_code == 403
    assert api("officer").delete(f"/api/v1/petitioners/cases/{c['c4'].pk}/links/{link.pk}/").status_code == 404
    assert api("officer").delete(detail).status_code == 204
    assert not CaseLink.objects.exists()
