"""/exports/: export the case list (the current filter) as .xlsx or .csv, and 我的导出 — the user's
export jobs with their progress and download links (issue 4, "Export").

Thin views over ``xinfang/exports/services.py``: the list page's export form posts to ``new``; a small
masked export downloads at once, anything else becomes a background job and the user lands on ``jobs``,
whose table reloads itself every 2 s through htmx while a job runs (without JavaScript: reload the page).
The old address of the list's export, /cases/list/export.xlsx, is ``export_list_xlsx``.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from xinfang.accounts.access import cases_visible_to
from xinfang.cases.filters import CaseFilterSet
from xinfang.cases.models import Case
from xinfang.core.errors import ApplicationError, InvalidTransition, ValidationFailed
from xinfang.core.pages import form_add_service_errors, staff_page
from xinfang.exports.formats import CSV_TYPE, XLSX_TYPE
from xinfang.exports.forms import PREFIX, ExportForm
from xinfang.exports.models import ExportJob
from xinfang.exports.selectors import export_jobs_of
from xinfang.exports.services import (
    FULL_PERMISSION,
    ExportPlan,
    export_direct_csv,
    export_direct_max_rows,
    export_direct_name,
    export_direct_xlsx,
    export_download,
    export_error_message,
    export_keep,
    export_max_rows,
    export_request,
)

VIEW = "cases.view_case"
# Query parameters of the list that are not part of what is exported.
_NOT_FILTERS = ("page",)


def list_query(params: QueryDict) -> str:
    """The list's filter and sort from ``params`` as a query string (the page number left out)."""
    query = params.copy()
    for key in list(query.keys()):
        if key in _NOT_FILTERS or key.startswith(f"{PREFIX}-"):
            query.pop(key)
    return query.urlencode()


def export_form_context(request: HttpRequest, *, params: QueryDict, form: ExportForm | None = None) -> dict[str, Any]:
    """What the export form needs, on the list page and on the export page."""
    return {
        "export_form": form if form is not None else ExportForm(prefix=PREFIX,
                                                                initial={"query": list_query(params)}),
        "can_export_full": request.user.has_perm(FULL_PERMISSION),
        "export_direct_max": export_direct_max_rows(),
        "export_keep_hours": int(export_keep().total_seconds() // 3600),
    }


def _direct_response(plan: ExportPlan) -> HttpResponse:
    name = export_direct_name(plan)
    if plan.spec.file_format == ExportJob.Format.CSV:
        response = StreamingHttpResponse(export_direct_csv(plan), content_type=CSV_TYPE)
        response["Content-Disposition"] = content_disposition_header(True, name) or "attachment"
        return cast(HttpResponse, response)
    # Built in an anonymous temporary file, streamed from there (Django's FileResponse closes it).
    return cast(HttpResponse, FileResponse(export_direct_xlsx(plan), as_attachment=True, filename=name,
                                           content_type=XLSX_TYPE))


# -- asking for an export --------------------------------------------------------------------------

def _filter_labels(filterset: CaseFilterSet) -> list[tuple[str, str]]:
    """What the export will be filtered on, in words (hashes of ID or phone numbers are not shown)."""
    labels = {"number": _("编号"), "name": _("信访人姓名"), "id_hash": _("身份证号"), "phone_hash": _("电话"),
              "q": _("标题或内容"), "category": _("分类"), "street": _("所属街道"), "unit": _("承办单位"),
              "status": _("状态"), "channel": _("渠道"), "matter_type": _("事项类型"), "overdue": _("仅看已逾期"),
              "received_from": _("收到日期自"), "received_to": _("收到日期至")}
    names = {**dict(Case.Status.choices), **dict(Case.Channel.choices), **dict(Case.MatterType.choices)}
    shown = []
    for key, value in filterset.applied.items():
        if key in ("id_hash", "phone_hash"):
            text = _("（按号码加密比对）")
        elif key == "overdue":
            text = _("是")
        elif isinstance(value, list):
            text = "、".join(str(names.get(v, v)) for v in value)
        else:
            text = str(names.get(value, value)) if key in ("channel", "matter_type") else str(value)
        shown.append((labels.get(key, key), text))
    return shown


def _new_page(request: HttpRequest, *, params: QueryDict, form: ExportForm | None = None,
              status: int = 200) -> HttpResponse:
    filterset = CaseFilterSet(params, queryset=cases_visible_to(request.user))
    valid = filterset.is_valid()
    context = {
        **export_form_context(request, params=params, form=form),
        "filters": _filter_labels(filterset),
        "filter_errors": filterset.errors,
        "total": filterset.qs.count() if valid else None,
        "max_rows": export_max_rows(),
        "list_query": list_query(params),
    }
    return render(request, "exports/new.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_page(VIEW)
def export_new(request: HttpRequest) -> HttpResponse:
    """GET: the export page for the list filtered by the query string (what it holds, how many rows, the
    form). POST (the list page's form too): a small masked export downloads at once; a larger or full one
    becomes a job and the user is taken to 我的导出. A refusal shows the form again with the reason."""
    if request.method == "GET":
        return _new_page(request, params=request.GET)
    form = ExportForm(request.POST, prefix=PREFIX)
    if not form.is_valid():
        return _new_page(request, params=QueryDict(str(form.data.get(f"{PREFIX}-query", ""))), form=form,
                         status=400)
    params = form.params()
    data = form.cleaned_data
    try:
        plan = export_request(actor=request.user, params=params, sort=params.get("sort"),
                              file_format=data["format"], full=data["full"], reason=data["reason"])
    except ApplicationError as exc:
        form_add_service_errors(form, exc)
        return _new_page(request, params=params, form=form, status=exc.status_code)
    if plan.job is None:
        return _direct_response(plan)
    messages.success(request, _("导出已在后台开始，共 %(n)d 件；完成后可在下表下载。") % {"n": plan.total})
    return redirect("exports:jobs")


@require_GET
@staff_page(VIEW)
def export_list_xlsx(request: HttpRequest) -> HttpResponse:
    """GET /cases/list/export.xlsx, the list's export link before background exports: a small list is
    still served at once (masked .xlsx); a larger one goes to the export page to be started there (a GET
    queues nothing)."""
    params = request.GET
    try:
        plan = export_request(actor=request.user, params=params, sort=params.get("sort"), file_format="xlsx",
                              background=False)
    except ValidationFailed as exc:
        if exc.code == "too_large_for_direct":
            return HttpResponseRedirect(f"{reverse('exports:new')}?{list_query(params)}")
        messages.error(request, str(exc.message) if exc.code == "too_many" else _("筛选条件有误，请修改后再导出。"))
        return HttpResponseRedirect(f"{reverse('cases:list')}?{params.urlencode()}")
    return _direct_response(plan)


# -- 我的导出 ----------------------------------------------------------------------------------------

def _jobs_context(request: HttpRequest) -> dict[str, Any]:
    jobs = export_jobs_of(user=request.user)
    now = timezone.now()
    rows = [{"job": job, "error": export_error_message(job),
             "downloadable": job.status == ExportJob.Status.DONE and job.expires_at > now} for job in jobs]
    return {"rows": rows, "active": any(job.active for job in jobs),
            "keep_hours": int(export_keep().total_seconds() // 3600)}


@require_GET
@staff_page(VIEW)
def export_jobs(request: HttpRequest) -> HttpResponse:
    """我的导出: the user's export jobs, newest first, with progress, download links and failures."""
    return render(request, "exports/jobs.html", _jobs_context(request))


@require_GET
@staff_page(VIEW)
def export_jobs_table(request: HttpRequest) -> HttpResponse:
    """The table of 我的导出 alone, polled by htmx every 2 s while a job is queued or running."""
    return render(request, "exports/_jobs.html", _jobs_context(request))


@require_GET
@staff_page(VIEW)
def export_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The finished file of a job, for its owner only (404 for anyone else), as a download; audited."""
    try:
        exported = export_download(actor=request.user, job_id=pk)
    except InvalidTransition as exc:
        messages.error(request, str(exc.message))
        return redirect("exports:jobs")
    return cast(HttpResponse, FileResponse(exported.handle, as_attachment=True, filename=exported.name,
                                           content_type=exported.content_type))


urlpatterns: list[URLPattern] = [
    path("", export_jobs, name="jobs"),
    path("table/", export_jobs_table, name="jobs_table"),
    path("new/", export_new, name="new"),
    path("<int:pk>/download/", export_file, name="download"),
]
