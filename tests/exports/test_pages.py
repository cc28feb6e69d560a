"""The export pages: the list page's export form, /exports/new/, 我的导出 with its progress polling, and the
owner-only download — through the Django test client with the named personas."""

from __future__ import annotations

import csv
import io
import re
from io import BytesIO
from urllib.parse import urlencode

from django.urls import reverse
from openpyxl import load_workbook

from tests.api.builders import PHONE
from tests.conftest import VALID_ID
from xinfang.core.models import AuditEntry
from xinfang.exports.models import ExportJob
from xinfang.exports.services import export_request


def _post(client, **fields):
    data = {f"export-{key}": value for key, value in fields.items()}
    return client.post(reverse("exports:new"), data)


def test_the_list_page_has_the_export_form_and_full_export_only_for_those_allowed(web, desk):
    officer = web("officer").get(reverse("cases:list"), {"q": "物业", "page": "1"})
    html = officer.content.decode()
    assert f'action="{reverse("exports:new")}"' in html and 'name="export-format"' in html
    assert 'name="export-full"' in html and 'name="export-reason"' in html
    assert officer.context["export_form"]["query"].value() == "q=%E7%89%A9%E4%B8%9A"
    assert 'data-follow-query' in html
    handler = web("handler").get(reverse("cases:list")).content.decode()
    assert 'name="export-format"' in handler and 'name="export-full"' not in handler
    # 我的导出 is in the navigation.
    assert f'href="{reverse("exports:jobs")}"' in handler


def test_a_small_masked_csv_downloads_at_once(web, desk):
    response = _post(web("officer"), query=urlencode({"unit": "MH-FGJ", "sort": "number"}), format="csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == sorted([desk["housing"].number, desk["housing_2"].number])
    assert VALID_ID not in body.decode("utf-8-sig") and PHONE not in body.decode("utf-8-sig")
    assert AuditEntry.objects.get(action="case.export").detail["mode"] == "direct"
    assert not ExportJob.objects.exists()


def test_a_small_masked_xlsx_downloads_at_once(web, desk):
    response = _post(web("handler"), query="", format="xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(response.getvalue())).active.iter_rows(values_only=True))
    assert {r[0] for r in rows[1:]} == {desk["housing"].number, desk["housing_2"].number}


def test_a_full_export_becomes_a_job_and_its_owner_downloads_it(web, desk, run_jobs):
    client = web("officer")
    with run_jobs():
        response = _post(client, query="unit=MH-FGJ", format="xlsx", full="on", reason="核对信访人联系方式")
    assert response.status_code == 302 and response["Location"] == reverse("exports:jobs")
    job = ExportJob.objects.get()
    assert job.status == "done" and job.full and job.personal_data and job.owner.username == "officer"
    page = client.get(reverse("exports:jobs"))
    html = page.content.decode()
    download = reverse("exports:download", kwargs={"pk": job.pk})
    assert f'href="{download}"' in html and "含完整个人信息" in html and "导出已在后台开始" in html
    assert 'hx-trigger="every 2s"' not in html  # nothing runs: no polling
    file = client.get(download)
    assert file.status_code == 200 and file["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=utf-8''" in file["Content-Disposition"]
    rows = list(load_workbook(BytesIO(file.getvalue())).active.iter_rows(values_only=True))
    assert VALID_ID in repr(rows) and PHONE in repr(rows)
    assert AuditEntry.objects.filter(action="export.download", result="ok").count() == 1
    # Anyone else: page not found, audited.
    assert web("leader").get(download).status_code == 404
    assert web("handler").get(download).status_code == 404
    assert AuditEntry.objects.filter(action="export.download", result="denied").count() == 2


def test_a_large_masked_export_becomes_a_job(web, desk, settings, run_jobs):
    settings.XINFANG = {**settings.XINFANG, "EXPORT_DIRECT_MAX_ROWS": 1}
    with run_jobs():
        response = _post(web("handler"), query="", format="csv")
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert (job.status, job.rows_done, job.full, job.owner.username) == ("done", 2, False, "handler")


def test_the_jobs_table_polls_while_a_job_runs(web, desk, personas):
    plan = export_request(actor=personas["officer"], params={}, background=True)
    client = web("officer")
    html = client.get(reverse("exports:jobs")).content.decode()
    assert f'hx-get="{reverse("exports:jobs_table")}"' in html and 'hx-trigger="every 2s"' in html
    assert "排队中" in html and "<progress" in html
    ExportJob.objects.filter(pk=plan.job.pk).update(status="running", rows_done=2, rows_total=5)
    table = client.get(reverse("exports:jobs_table"))
    assert table.status_code == 200 and "<html" not in table.content.decode()
    assert 'value="40"' in table.content.decode() and "2 / 5" in table.content.decode()
    ExportJob.objects.filter(pk=plan.job.pk).update(status="failed", error="internal")
    done = client.get(reverse("exports:jobs_table")).content.decode()
    assert "every 2s" not in done and "生成文件时出错" in done
    # Another user's list is their own.
    assert "排队中" not in web("leader").get(reverse("exports:jobs")).content.decode()


def test_a_full_export_without_the_permission_is_refused_politely(web, desk):
    response = _post(web("handler"), query="", format="csv", full="on", reason="想看完整号码")
    assert response.status_code == 403
    assert "您没有导出完整个人信息的权限。" in response.content.decode()
    assert not ExportJob.objects.exists()
    assert AuditEntry.objects.filter(action="case.export", result="denied").count() == 1


def test_a_full_export_without_a_reason_shows_the_form_again(web, desk):
    response = _post(web("officer"), query="unit=MH-FGJ", format="csv", full="on", reason="")
    assert response.status_code == 400
    assert response.context["export_form"].errors["reason"]
    assert response.context["export_form"]["query"].value() == "unit=MH-FGJ"
    assert not ExportJob.objects.exists()


def test_a_bad_filter_shows_the_form_again(web, desk):
    response = _post(web("officer"), query="received_from=yesterday", format="csv")
    assert response.status_code == 400 and response.context["filter_errors"]
    assert not ExportJob.objects.exists() and not AuditEntry.objects.filter(action="case.export").exists()


def test_the_export_page_says_what_will_be_exported(web, desk):
    response = web("officer").get(reverse("exports:new"), {"unit": "MH-FGJ", "status": ["routed", "accepted"],
                                                           "page": "2"})
    assert response.status_code == 200 and response.context["total"] == 2
    assert ("承办单位", "MH-FGJ") in response.context["filters"]
    assert ("状态", "待受理、办理中") in response.context["filters"]
    assert "page" not in response.context["export_form"]["query"].value()


def test_the_old_export_address_still_serves_small_lists(web, desk):
    response = web("handler").get(reverse("cases:export"))
    assert response.status_code == 200
    rows = list(load_workbook(BytesIO(response.getvalue())).active.iter_rows(values_only=True))
    assert {r[0] for r in rows[1:]} == {desk["housing"].number, desk["housing_2"].number}


def test_export_pages_need_a_signed_in_user_with_case_access(client, web, desk):
    assert client.get(reverse("exports:jobs")).status_code == 302
    assert web("system_admin").get(reverse("exports:jobs")).status_code == 403
    assert web("system_admin").post(reverse("exports:new"), {"export-format": "csv"}).status_code == 403


def test_the_export_pages_speak_english(web, desk, personas, run_jobs):
    han = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
    with run_jobs():
        export_request(actor=personas["officer"], params={"unit": "MH-FGJ"}, full=True, reason="核对联系方式")
    export_request(actor=personas["officer"], params={}, background=True)
    client = web("officer")
    client.cookies["django_language"] = "en"
    for url in (reverse("exports:jobs"), f"{reverse('exports:new')}?unit=MH-FGJ&overdue=1"):
        html = client.get(url).content.decode()
        main = re.search(r"<main\b.*?</main>", html, re.S).group(0)
        assert not han.findall(main), (url, sorted(set(han.findall(main))))
    # The list page's export card (the rest of the page shows data: unit and category names).
    html = client.get(reverse("cases:list")).content.decode()
    card = re.search(r'<form[^>]*class="card export".*?</form>', html, re.S).group(0)
    assert "Export this list" in card and not han.findall(card)
    assert "My exports" in client.get(reverse("exports:jobs")).content.decode()
