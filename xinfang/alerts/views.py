"""/alerts/: the alert list and page (acknowledge, assign, notes, close), the sensitive-period calendar and
the group-visit notices. Thin views over ``xinfang.alerts.selectors`` and ``services``; an alert outside the
user's scope answers 404."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.accounts.access import cases_visible_to
from xinfang.alerts import services
from xinfang.alerts.forms import (
    AlertAssignForm,
    AlertCloseForm,
    AlertFilterForm,
    AlertNoteForm,
    GroupNoticeForm,
    SensitivePeriodForm,
)
from xinfang.alerts.models import Alert, SensitivePeriod
from xinfang.alerts.selectors import (
    VIEW_ALERT,
    VIEW_PERIODS,
    AlertFilters,
    alert_access,
    alert_detail,
    alert_list,
    alerts_visible_to,
    group_notices_visible_to,
    sensitive_period_active,
    sensitive_period_get,
    sensitive_periods,
)
from xinfang.core.errors import Forbidden, InvalidTransition, ValidationFailed
from xinfang.core.pages import form_add_service_errors, staff_page

PAGE_SIZE = 50


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_GET
@staff_page(VIEW_ALERT)
def alert_list_page(request: HttpRequest) -> HttpResponse:
    """GET /alerts/: the alerts the user may see, newest first, with filters."""
    form = AlertFilterForm(request.GET or None, initial={"status": "active"})
    # Without filters the list shows the alerts not yet closed (the work to do).
    filters = form.filters() if request.GET else AlertFilters(status="active")
    rows = alert_list(user=request.user, filters=filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "alerts/list.html", {
        "form": form, "page": page, "query": _query(request), "period": sensitive_period_active(), "tab": "alerts"},
        status=400 if request.GET and not form.is_valid() else 200)


def _detail_page(request: HttpRequest, alert: Alert, *, bound: dict[str, forms.Form] | None = None,
                 status: int = 200) -> HttpResponse:
    user: Any = request.user
    bound = bound or {}
    detail = alert_detail(user=user, alert=alert)
    can_handle = user.has_perm(services.HANDLE_ALERT) and not alert.is_closed
    context = {
        "detail": detail, "alert": alert, "tab": "alerts", "can_handle": can_handle,
        "acknowledge": can_handle and alert.status == Alert.Status.OPEN,
        "note_form": bound.get("note") or AlertNoteForm(prefix="note") if can_handle else None,
        "assign_form": bound.get("assign") or AlertAssignForm(
            prefix="assign", candidates=services.alert_owner_candidates(alert=alert),
            initial={"owner": alert.owner_id}) if can_handle else None,
        "close_form": bound.get("close") or AlertCloseForm(prefix="close") if can_handle else None,
    }
    for name, form in bound.items():
        if context.get(f"{name}_form") is None:
            for error in form.non_field_errors():
                messages.error(request, str(error))
    return render(request, "alerts/detail.html", context, status=status)


@require_GET
@staff_page(VIEW_ALERT)
def alert_detail_page(request: HttpRequest, pk: int) -> HttpResponse:
    """GET /alerts/<pk>/: explanation, figures, the cases behind it the user may see, notes and actions."""
    return _detail_page(request, alert_access(user=request.user, alert_id=pk))


_FORMS: dict[str, type[forms.Form]] = {"note": AlertNoteForm, "assign": AlertAssignForm, "close": AlertCloseForm}
_DONE = {"acknowledge": gettext_lazy("已签收。"), "note": gettext_lazy("跟进情况已记录。"),
         "assign": gettext_lazy("负责人已指定。"), "close": gettext_lazy("预警已关闭。")}


@require_POST
@staff_page(VIEW_ALERT)
def alert_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """POST /alerts/<pk>/<acknowledge|assign|note|close>/: one step through its service."""
    alert = alert_access(user=request.user, alert_id=pk, action="alert.update")
    if action == "acknowledge":
        try:
            services.alert_acknowledge(alert=alert, actor=request.user)
        except InvalidTransition as exc:
            messages.error(request, str(exc.message))
            return _detail_page(request, alert_access(user=request.user, alert_id=pk), status=exc.status_code)
        messages.success(request, str(_DONE[action]))
        return redirect("alerts:detail", pk=alert.pk)
    form_class = _FORMS.get(action)
    if form_class is None:
        raise Http404
    if form_class is AlertAssignForm:
        form: forms.Form = AlertAssignForm(request.POST, prefix=action,
                                           candidates=services.alert_owner_candidates(alert=alert))
    else:
        form = form_class(request.POST, prefix=action)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "note":
                services.alert_note_add(alert=alert, actor=request.user, text=data["text"])
            elif action == "assign":
                services.alert_assign(alert=alert, actor=request.user, owner=data["owner"])
            else:
                services.alert_close(alert=alert, actor=request.user, reason=data["reason"], note=data["note"])
        except (ValidationFailed, InvalidTransition) as exc:
            form_add_service_errors(form, exc)
            status = exc.status_code
        else:
            messages.success(request, str(_DONE[action]))
            return redirect("alerts:detail", pk=alert.pk)
    return _detail_page(request, alert_access(user=request.user, alert_id=pk), bound={action: form}, status=status)


# --- Sensitive periods -------------------------------------------------------------------------------------

@staff_page(VIEW_PERIODS)
@require_http_methods(["GET", "POST"])
def periods_page(request: HttpRequest) -> HttpResponse:
    """GET /alerts/periods/: the calendar; POST: add a period (``alerts.add_sensitiveperiod``)."""
    can_add = request.user.has_perm("alerts.add_sensitiveperiod")
    form = SensitivePeriodForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if not can_add:
            raise Forbidden(_("您没有维护敏感时期的权限。"))
        status = 400
        if form.is_valid():
            try:
                services.sensitive_period_save(actor=request.user, **form.cleaned_data)
            except ValidationFailed as exc:
                form_add_service_errors(form, exc)
            else:
                messages.success(request, _("敏感时期已添加。"))
                return redirect("alerts:periods")
    return render(request, "alerts/periods.html", {
        "periods": list(sensitive_periods()), "form": form if can_add else None, "active": sensitive_period_active(),
        "tab": "periods"}, status=status)


@staff_page("alerts.change_sensitiveperiod")
@require_http_methods(["GET", "POST"])
def period_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """GET/POST /alerts/periods/<pk>/: change a period."""
    period = sensitive_period_get(pk)
    if request.method == "GET":
        form = SensitivePeriodForm(initial={"name": period.name, "start": period.start, "end": period.end,
                                            "level": period.level, "note": period.note})
        return render(request, "alerts/period_edit.html", {"form": form, "period": period, "tab": "periods"})
    form = SensitivePeriodForm(request.POST)
    if form.is_valid():
        try:
            services.sensitive_period_save(actor=request.user, period=period, **form.cleaned_data)
        except ValidationFailed as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("敏感时期已修改。"))
            return redirect("alerts:periods")
    period.refresh_from_db()
    return render(request, "alerts/period_edit.html", {"form": form, "period": period, "tab": "periods"}, status=400)


@require_POST
@staff_page("alerts.delete_sensitiveperiod")
def period_delete(request: HttpRequest, pk: int) -> HttpResponse:
    period: SensitivePeriod = sensitive_period_get(pk)
    services.sensitive_period_delete(actor=request.user, period=period)
    messages.success(request, _("敏感时期已删除。"))
    return redirect("alerts:periods")


# --- Group-visit notices -----------------------------------------------------------------------------------

@require_GET
@staff_page(VIEW_ALERT)
def notices_page(request: HttpRequest) -> HttpResponse:
    """GET /alerts/notices/: the notices of announced group visits whose alert the user may see."""
    page = Paginator(group_notices_visible_to(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "alerts/notices.html", {"page": page, "query": _query(request), "tab": "notices"})


@staff_page(services.REPORT_GROUP_NOTICE)
@require_http_methods(["GET", "POST"])
def notice_new(request: HttpRequest) -> HttpResponse:
    """GET/POST /alerts/notices/new/: record a notice; its alert is raised at once."""
    user: Any = request.user
    if request.method == "GET":
        form = GroupNoticeForm(initial={"reporting_unit": user.unit_id,
                                        "street": user.unit_id if user.unit and user.unit.kind == "street" else None})
        return render(request, "alerts/notice_new.html", {"form": form, "tab": "notices"})
    form = GroupNoticeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        case = None
        number = data["case_number"].strip()
        if number:
            case = cases_visible_to(user).filter(number=number).first()
            if case is None:
                form.add_error("case_number", _("未找到该编号的事项。"))
        if not form.errors:
            try:
                notice = services.group_notice_report(
                    actor=user, source=data["source"], reporting_unit=data["reporting_unit"], street=data["street"],
                    expected_date=data["expected_date"], place=data["place"],
                    expected_people=data["expected_people"], subject=data["subject"], case=case)
            except ValidationFailed as exc:
                form_add_service_errors(form, exc)
            else:
                messages.success(request, _("集体访苗头报告已登记，已立即预警。"))
                if notice.alert_id and alerts_visible_to(user).filter(pk=notice.alert_id).exists():
                    return redirect("alerts:detail", pk=notice.alert_id)
                return redirect("alerts:notices")
    return render(request, "alerts/notice_new.html", {"form": form, "tab": "notices"}, status=400)


urlpatterns: list[URLPattern] = [
    path("", alert_list_page, name="list"),
    path("<int:pk>/", alert_detail_page, name="detail"),
    *[path(f"<int:pk>/{name}/", alert_action, {"action": name}, name=name)
      for name in ("acknowledge", "note", "assign", "close")],
    path("periods/", periods_page, name="periods"),
    path("periods/<int:pk>/", period_edit, name="period_edit"),
    path("periods/<int:pk>/delete/", period_delete, name="period_delete"),
    path("notices/", notices_page, name="notices"),
    path("notices/new/", notice_new, name="notice_new"),
]
