"""/imports/: upload a 12345 export or a ledger, preview it (every row checked), confirm, see the result.

For registrars and bureau officers (``cases.register_case``). Between preview and confirm the upload is
kept in a private directory under a generated name (never the uploaded one, never served, SECURITY.md 14),
named in the uploader's session only, and its SHA-256 is checked again before anything is written; it is
deleted after the import or when the preview shows errors. Stale files are swept on the next upload.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from xinfang.core.errors import ValidationFailed
from xinfang.core.pages import staff_page
from xinfang.imports.forms import ImportConfirmForm, ImportUploadForm
from xinfang.imports.mapping import mappings_shipped
from xinfang.imports.reader import WEB_MAX_BYTES, WEB_MAX_ROWS
from xinfang.imports.services import ImportReport, import_analyse, import_report_summary, import_run
from xinfang.imports.uploads import upload_path, upload_store

REGISTER = "cases.register_case"
SESSION_KEY = "imports_pending"
RESULT_KEY = "imports_result"
PREVIEW_ROWS = 10


@staff_page(REGISTER)
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    """Upload and preview: every row checked, the first rows shown as they will be registered."""
    if request.method == "GET":
        return _upload_page(request, ImportUploadForm())
    form = ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _upload_page(request, form, status=400)
    key = form.cleaned_data["mapping"]
    mapping = mappings_shipped()[key]
    stored = upload_store(form.cleaned_data["file"])
    token = stored.token
    report = import_analyse(path=stored.path, mapping=mapping, file_name=stored.name, preview_rows=PREVIEW_ROWS,
                            max_bytes=WEB_MAX_BYTES, max_rows=WEB_MAX_ROWS, file_hash=stored.sha256)
    can_confirm = report.ok and report.new > 0
    if can_confirm:
        pending = request.session.get(SESSION_KEY, {})
        pending = dict(list(pending.items())[-4:])  # at most five previews waiting per session
        pending[token] = {"hash": report.file_hash, "mapping": key, "name": stored.name, "suffix": stored.suffix}
        request.session[SESSION_KEY] = pending
    else:
        stored.path.unlink(missing_ok=True)
    return render(request, "imports/preview.html", {
        "report": report, "mapping": mapping, "mapping_key": key, "can_confirm": can_confirm,
        "confirm_form": ImportConfirmForm(initial={"token": token}), "fields": _preview_fields(),
    }, status=200 if report.ok else 400)


@staff_page(REGISTER)
@require_POST
def confirm(request: HttpRequest) -> HttpResponse:
    """Write the previewed file: one transaction, all rows or none."""
    form = ImportConfirmForm(request.POST)
    pending = request.session.get(SESSION_KEY, {})
    entry = pending.get(form.cleaned_data["token"]) if form.is_valid() else None
    if entry is None:
        messages.error(request, _("预览已失效或不属于您，请重新上传文件。"))
        return redirect("imports:upload")
    token = form.cleaned_data["token"]
    pending.pop(token, None)
    request.session[SESSION_KEY] = pending
    target = upload_path(token, entry["suffix"])
    if not target.is_file():
        messages.error(request, _("预览已失效或不属于您，请重新上传文件。"))
        return redirect("imports:upload")
    mapping = mappings_shipped()[entry["mapping"]]
    try:
        report = import_run(path=target, mapping=mapping, actor=request.user, file_name=entry["name"],
                            expected_hash=entry["hash"], max_bytes=WEB_MAX_BYTES, max_rows=WEB_MAX_ROWS)
    except ValidationFailed as exc:
        messages.error(request, str(exc.message))
        return redirect("imports:upload")
    finally:
        target.unlink(missing_ok=True)
    request.session[RESULT_KEY] = _result_summary(report)
    return redirect("imports:result")


@staff_page(REGISTER)
@require_http_methods(["GET"])
def result(request: HttpRequest) -> HttpResponse:
    """What the last import of this session did."""
    summary = request.session.get(RESULT_KEY)
    if summary is None:
        return redirect("imports:upload")
    return render(request, "imports/result.html", {"summary": summary})


def _result_summary(report: ImportReport) -> dict[str, Any]:
    return import_report_summary(report)


def _preview_fields() -> list[tuple[str, str]]:
    return [("received_at", _("收到时间")), ("channel", _("渠道")), ("matter_type", _("事项类型")),
            ("title", _("标题")), ("name", _("信访人")), ("id_number", _("身份证号")), ("phone", _("电话")),
            ("category", _("分类")), ("street", _("所属街道")), ("group_size", _("人数"))]


def _upload_page(request: HttpRequest, form: ImportUploadForm, *, status: int = 200) -> HttpResponse:
    return render(request, "imports/upload.html", {"form": form, "mappings": mappings_shipped()}, status=status)


urlpatterns = [
    path("", upload, name="upload"),
    path("confirm/", confirm, name="confirm"),
    path("result/", result, name="result"),
]
