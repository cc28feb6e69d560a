"""Bulk import in the API, the /imports/ pages' flow: upload (every row checked, a masked preview, nothing
written) → confirm (all rows or none), only by the uploader, once; the same services and limits."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.api.builders import assert_error, check_each
from tests.conftest import VALID_ID
from tests.imports.conftest import LEDGER_HEADER, ledger_rows, write_csv
from xinfang.cases.models import Case
from xinfang.imports.models import ImportedRecord


def _upload(api: Any, name: str | None, tmp_path: Any, rows: list[list[str]], *, file_name: str = "台账.csv",
            mapping: str = "ledger") -> Any:
    data = write_csv(tmp_path / "upload.csv", LEDGER_HEADER, rows).read_bytes()
    return api(name).post("/api/v1/imports/", {"file": SimpleUploadedFile(file_name, data, "text/csv"),
                                               "mapping": mapping}, format="multipart")


def test_mappings(api):
    response = api("registrar").get("/api/v1/imports/mappings/")
    assert response.status_code == 200
    assert "ledger" in {m["key"] for m in response.json()}
    assert_error(api("handler").get("/api/v1/imports/mappings/"), 403)


def test_upload_preview_confirm(api, tmp_path, categories, settings):
    preview = _upload(api, "registrar", tmp_path, ledger_rows(3))
    assert preview.status_code == 200, preview.content
    body = preview.json()
    assert body["ok"] and (body["rows"], body["new"], body["already"], body["error_total"]) == (3, 3, 0, 0)
    assert body["preview"][0]["name"] == "张三" and body["preview"][0]["id_number"] == VALID_ID[:6] + "********" \
        + VALID_ID[-4:]
    assert VALID_ID not in preview.content.decode()
    assert Case.objects.count() == 0
    token = body["token"]
    assert [p.name for p in (settings.DATA_DIR / "imports").iterdir()] == [f"{token}.csv"]
    # Only the uploader may confirm it.
    assert_error(api("officer").post(f"/api/v1/imports/{token}/confirm/", format="json"), 404)
    done = api("registrar").post(f"/api/v1/imports/{token}/confirm/", {}, format="json")
    assert done.status_code == 200, done.content
    result = done.json()
    assert result["written"] and result["new"] == 3 and result["first"] and result["last"]
    assert Case.objects.count() == 3 and ImportedRecord.objects.count() == 3
    assert not list((settings.DATA_DIR / "imports").iterdir())
    # Once only.
    assert_error(api("registrar").post(f"/api/v1/imports/{token}/confirm/", format="json"), 404)
    # The same file again: every row imported before, nothing to confirm.
    again = _upload(api, "registrar", tmp_path, ledger_rows(3)).json()
    assert again["ok"] and again["already"] == 3 and again["new"] == 0 and again["token"] is None


def test_row_errors_are_the_preview_not_a_failure(api, tmp_path, categories, settings):
    rows = ledger_rows(3)
    rows[1][1] = "2026-13-01"
    response = _upload(api, "officer", tmp_path, rows)
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is False and body["token"] is None and body["error_total"] == 1
    assert body["errors"][0]["row"] == 3 and "2026-13-01" in body["errors"][0]["message"]
    assert not list((settings.DATA_DIR / "imports").iterdir()) and Case.objects.count() == 0


def test_refusals(api, tmp_path, categories):
    check_each({
        "not a spreadsheet": lambda: assert_error(_upload(api, "registrar", tmp_path, ledger_rows(1),
                                                          file_name="x.exe"), 400, "file"),
        "unknown mapping": lambda: assert_error(_upload(api, "registrar", tmp_path, ledger_rows(1),
                                                        mapping="nope"), 400, "mapping"),
        "no file": lambda: assert_error(api("registrar").post("/api/v1/imports/", {"mapping": "ledger"},
                                                              format="multipart"), 400, "file"),
        "json": lambda: assert_error(api("registrar").post("/api/v1/imports/", {"mapping": "ledger"},
                                                           format="json"), 415),
        "a handler may not import": lambda: assert_error(_upload(api, "handler", tmp_path, ledger_rows(1)), 403),
        "anonymous": lambda: assert_error(_upload(api, None, tmp_path, ledger_rows(1)), 401),
        "a made-up token": lambda: assert_error(api("registrar").post(f"/api/v1/imports/{'a' * 32}/confirm/",
                                                                      format="json"), 404),
        "a path for a token": lambda: assert_error(api("registrar").post("/api/v1/imports/..%2F..%2Fx/confirm/",
                                                                         format="json"), 404),
    })
    assert Case.objects.count() == 0
