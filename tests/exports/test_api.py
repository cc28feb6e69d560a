"""/api/v1/exports/: create (202 with the job), list the caller's jobs, follow one, download its file — and
the refusals in the API's one error shape."""

from __future__ import annotations

import csv
import io

from tests.api.builders import PHONE, assert_error
from tests.conftest import VALID_ID
from xinfang.core.models import AuditEntry
from xinfang.exports.models import ExportJob

URL = "/api/v1/exports/"


def test_create_follow_and_download_a_full_export(api, desk, run_jobs):
    client = api("officer")
    with run_jobs():
        response = client.post(URL, {"format": "csv", "full": True, "reason": "核对信访人联系方式",
                                     "filter": {"unit": "MH-FGJ", "status": "routed,accepted"}, "sort": "number"},
                               format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued" and body["full"] is True and body["personal_data"] is True
    assert body["filter"] == {"unit": "MH-FGJ", "status": "routed,accepted"} and body["sort"] == "number"
    job = client.get(f"{URL}{body['id']}/").json()
    assert job["status"] == "done" and job["percent"] == 100 and job["rows_done"] == job["rows_total"] == 2
    assert job["download_url"] == f"{URL}{body['id']}/download/"
    file = client.get(job["download_url"])
    assert file.status_code == 200 and file["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(file.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert [r[0] for r in rows[2:]] == sorted([desk["housing"].number, desk["housing_2"].number])
    assert VALID_ID in text and PHONE in text
    assert AuditEntry.objects.filter(action="export.download", result="ok").count() == 1
    assert AuditEntry.objects.get(action="case.export").detail["reason"] == "核对信访人联系方式"


def test_a_masked_export_through_the_api_is_always_a_job(api, desk, run_jobs):
    with run_jobs():
        response = api("handler").post(URL, {}, format="json")
    assert response.status_code == 202
    job = ExportJob.objects.get(pk=response.json()["id"])
    assert (job.format, job.full, job.status, job.rows_done) == ("xlsx", False, "done", 2)


def test_lists_and_reads_only_own_jobs(api, desk):
    mine = api("officer").post(URL, {"format": "csv"}, format="json").json()
    api("leader").post(URL, {"format": "csv"}, format="json")
    listed = api("officer").get(URL).json()
    assert listed["count"] == 1 and [j["id"] for j in listed["results"]] == [mine["id"]]
    assert listed["results"][0]["download_url"] is None
    assert_error(api("leader").get(f"{URL}{mine['id']}/"), 404)
    assert_error(api("leader").get(f"{URL}{mine['id']}/download/"), 404)
    assert AuditEntry.objects.filter(action__in=("export.read", "export.download"), result="denied").count() == 2
    assert_error(api("officer").get(f"{URL}999999/"), 404)


def test_a_download_before_the_file_is_ready_is_a_conflict(api, desk):
    job = api("officer").post(URL, {"format": "csv"}, format="json").json()
    assert_error(api("officer").get(f"{URL}{job['id']}/download/", HTTP_ACCEPT="text/csv"), 409)


def test_refusals_change_nothing(api, desk):
    assert_error(api("handler").post(URL, {"full": True, "reason": "想看完整号码"}, format="json"), 403)
    assert AuditEntry.objects.filter(action="case.export", result="denied").count() == 1
    assert_error(api("officer").post(URL, {"full": True}, format="json"), 400, "reason")
    assert_error(api("officer").post(URL, {"full": True, "reason": "核对"}, format="json"), 400, "reason")
    assert_error(api("officer").post(URL, {"format": "pdf"}, format="json"), 400, "format")
    assert_error(api("officer").post(URL, {"filter": {"received_from": "2026-10-10", "received_to": "2026-10-01"}},
                                     format="json"), 400, "filter.received_to")
    assert_error(api("officer").post(URL, {"filter": {"id_hash": "abc"}}, format="json"), 400, "filter.id_hash")
    # Found by the fuzzer: codes given as numbers were read as text (DRF's CharField).
    assert_error(api("officer").post(URL, {"filter": {"street": 0, "unit": 11}}, format="json"), 400,
                 "filter.street", "filter.unit")
    assert_error(api("officer").post(URL, {"full": "true", "reason": "核对身份信息"}, format="json"), 400, "full")
    assert_error(api("officer").post(URL, {"sort": "title"}, format="json"), 400, "sort")
    assert_error(api("officer").post(URL, ["csv"], format="json"), 400)
    assert_error(api("system_admin").post(URL, {}, format="json"), 403)
    assert_error(api(None).post(URL, {}, format="json"), 401)
    assert_error(api(None).get(URL), 401)
    assert not ExportJob.objects.exists()


def test_the_schema_describes_the_export_endpoints(api):
    schema = api("officer").get("/api/v1/schema/").json()
    paths = schema["paths"]
    assert set(paths[URL]) >= {"get", "post"} and "202" in paths[URL]["post"]["responses"]
    download = paths[URL + "{id}/download/"]["get"]["responses"]
    assert set(download["200"]["content"]) == {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/csv"}
    assert set(download) >= {"401", "403", "404", "409"}
