"""/imports/: upload → preview (every row checked, personal numbers masked) → confirm → result, for
registrars and officers; others get 403. The upload is kept under a generated name between preview and
confirm, tied to the session, its hash checked, and removed afterwards (SECURITY.md 13, 14)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from tests.conftest import VALID_ID
from tests.imports.conftest import LEDGER_HEADER, ledger_rows, write_csv
from xinfang.cases.models import Case
from xinfang.imports.models import ImportedRecord

pytestmark = pytest.mark.django_db
TOKEN_RE = re.compile(r'name="token" value="([0-9a-f]{32})"')


@pytest.fixture(autouse=True)
def _setup(settings, tmp_path) -> Iterator[None]:
    settings.LANGUAGE_CODE = "zh-hans"
    settings.DATA_DIR = tmp_path / "data"
    with translation.override("zh-hans"):
        yield


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _upload(client: Client, tmp_path, rows, name="台账.csv", mapping="ledger"):
    data = write_csv(tmp_path / "upload.csv", LEDGER_HEADER, rows).read_bytes()
    return client.post("/imports/", {"file": SimpleUploadedFile(name, data, content_type="text/csv"),
                                     "mapping": mapping})


def test_upload_preview_confirm_result(tmp_path, categories, personas, settings):
    client = _client(personas["registrar"])
    page = client.get("/imports/")
    assert page.status_code == 200 and "信访台账" in page.content.decode()
    assert 'href="/imports/"' in client.get("/cases/list/").content.decode()  # the nav entry
    preview = _upload(client, tmp_path, ledger_rows(3))
    html = preview.content.decode()
    assert preview.status_code == 200, html
    assert "确认导入 3 件" in html and "张三" in html
    assert VALID_ID not in html and VALID_ID[:6] + "********" + VALID_ID[-4:] in html  # masked
    assert Case.objects.count() == 0
    token = TOKEN_RE.search(html).group(1)
    kept = list((settings.DATA_DIR / "imports").iterdir())
    assert [p.name for p in kept] == [f"{token}.csv"]  # a generated name, not the uploaded one
    done = client.post("/imports/confirm/", {"token": token})
    assert done.status_code == 302 and done["Location"] == "/imports/result/"
    assert Case.objects.count() == 3 and ImportedRecord.objects.count() == 3
    assert not list((settings.DATA_DIR / "imports").iterdir())
    result = client.get("/imports/result/").content.decode()
    assert "已从 台账.csv 导入 3 件信访事项" in result
    # The same token again: nothing happens twice.
    again = client.post("/imports/confirm/", {"token": token})
    assert again.status_code == 302 and Case.objects.count() == 3


def test_preview_lists_errors_and_offers_no_confirm(tmp_path, categories, personas, settings):
    rows = ledger_rows(3)
    rows[1][1] = "2026-13-01"
    page = _upload(_client(personas["officer"]), tmp_path, rows)
    html = page.content.decode()
    assert page.status_code == 400
    assert "来信来访日期" in html and "2026-13-01" in html and "确认导入" not in html
    assert not list((settings.DATA_DIR / "imports").iterdir())
    assert Case.objects.count() == 0


def test_wrong_file_types_are_refused(tmp_path, categories, personas):
    client = _client(personas["registrar"])
    page = client.post("/imports/", {"file": SimpleUploadedFile("x.exe", b"MZ\x90\x00", content_type="text/csv"),
                                     "mapping": "ledger"})
    assert page.status_code == 400 and "只能导入" in page.content.decode()
    gbk_binary = SimpleUploadedFile("x.csv", b"\xff\xfe\x00\x00" * 10, content_type="text/csv")
    page = client.post("/imports/", {"file": gbk_binary, "mapping": "ledger"})
    assert page.status_code == 400


def test_a_file_changed_after_preview_is_refused(tmp_path, categories, personas, settings):
    client = _client(personas["registrar"])
    token = TOKEN_RE.search(_upload(client, tmp_path, ledger_rows(3)).content.decode()).group(1)
    kept = settings.DATA_DIR / "imports" / f"{token}.csv"
    kept.write_bytes(kept.read_bytes() + "TZ-9,2026-03-01,某某,,,,,,,\n".encode())
    page = client.post("/imports/confirm/", {"token": token}, follow=True)
    assert "文件在预览之后被改动" in page.content.decode()
    assert Case.objects.count() == 0


def test_another_users_preview_cannot_be_confirmed(tmp_path, categories, personas):
    token = TOKEN_RE.search(_upload(_client(personas["registrar"]), tmp_path, ledger_rows(2)).content.decode()).group(1)
    page = _client(personas["officer"]).post("/imports/confirm/", {"token": token}, follow=True)
    assert "预览已失效" in page.content.decode()
    assert Case.objects.count() == 0


@pytest.mark.parametrize("persona", ["handler", "leader", "system_admin", "audit_admin"])
def test_others_get_403(tmp_path, categories, personas, persona):
    client = _client(personas[persona])
    assert client.get("/imports/").status_code == 403
    assert _upload(client, tmp_path, ledger_rows(1)).status_code == 403
    assert client.post("/imports/confirm/", {"token": "0" * 32}).status_code == 403
    assert Case.objects.count() == 0


def test_anonymous_is_sent_to_login():
    page = Client().get("/imports/")
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]
