"""/governance/supervision/: supervision orders (督查督办) — the list, the listed ones (挂牌督办), issuing an
order, and one order's page where the unit replies and the issuing side reviews or escalates.

Thin views over ``xinfang.governance.services``; orders come through ``supervision_order_access`` (the
case gateway for orders on a case: 404 outside the user's scope).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from xinfang.accounts.access import cases_visible_to
from xinfang.core.errors import InvalidTransition, ValidationFailed
from xinfang.core.pages import form_add_service_errors, staff_page
from xinfang.governance import services
from xinfang.governance.forms import (
    SupervisionEscalateForm,
    SupervisionFilterForm,
    SupervisionIssueForm,
    SupervisionReplyForm,
    SupervisionReviewForm,
)
from xinfang.governance.models import SupervisionOrder
from xinfang.governance.selectors import (
    ISSUE_SUPERVISION,
    VIEW_SUPERVISION,
    supervision_can_reply,
    supervision_list,
    supervision_listed,
    supervision_order_access,
    supervision_replies,
)
from xinfang.governance.views.backlog import page_query

PAGE_SIZE = 50
Status = SupervisionOrder.Status


@require_GET
@staff_page(VIEW_SUPERVISION)
def supervision(request: HttpRequest) -> HttpResponse:
    """GET /governance/supervision/: the orders the user may see, newest first."""
    form = SupervisionFilterForm(request.GET or None)
    valid = form.is_valid()
    rows = supervision_list(user=request.user, status=str(form.cleaned_data["status"]) if valid else "",
                            overdue=bool(form.cleaned_data["overdue"]) if valid else False)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "governance/supervision_list.html", {
        "form": form, "page": page, "listed_only": False, "tab": "supervision", "today": timezone.localdate(),
        "query": page_query(request)})


@require_GET
@staff_page(VIEW_SUPERVISION)
def supervision_listed_page(request: HttpRequest) -> HttpResponse:
    """GET /governance/supervision/listed/: 挂牌督办 — the listed orders still open (``?all=1``: closed too),
    for every member of staff who may see them."""
    include_closed = request.GET.get("all") == "1"
    rows = supervision_listed(user=request.user, include_closed=include_closed)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "governance/supervision_list.html", {
        "page": page, "listed_only": True, "include_closed": include_closed, "tab": "listed",
        "today": timezone.localdate(), "query": page_query(request)})


@staff_page(ISSUE_SUPERVISION)
@require_http_methods(["GET", "POST"])
def supervision_new(request: HttpRequest) -> HttpResponse:
    """Issue an order on a case (``?number=`` fills it in) or on a unit."""
    if request.method == "GET":
        due = timezone.localdate() + timedelta(days=10)
        form = SupervisionIssueForm(initial={"number": request.GET.get("number", "")[:20], "reply_due": due})
        return render(request, "governance/supervision_new.html", {"form": form, "tab": "supervision"})
    form = SupervisionIssueForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        case = None
        number = data["number"].strip()
        if number:
            case = cases_visible_to(request.user).select_related("handling_unit").filter(number=number).first()
            if case is None:
                form.add_error("number", _("未找到该编号的事项。"))
        if not form.errors:
            try:
                order = services.supervision_issue(actor=request.user, case=case, unit=data["unit"],
                                                   grounds=data["grounds"], text=data["text"],
                                                   reply_due=data["reply_due"])
            except ValidationFailed as exc:
                form_add_service_errors(form, exc)
                status = exc.status_code
            else:
                messages.success(request, _("督办单已发出。"))
                return redirect("governance:supervision_order", pk=order.pk)
    return render(request, "governance/supervision_new.html", {"form": form, "tab": "supervision"}, status=status)


def _order_page(request: HttpRequest, order: SupervisionOrder, *, bound: dict[str, forms.Form] | None = None,
                status: int = 200) -> HttpResponse:
    user: Any = request.user
    bound = bound or {}
    can_issue = user.has_perm(ISSUE_SUPERVISION)
    context = {
        "order": order, "replies": supervision_replies(order=order), "tab": "supervision",
        "today": timezone.localdate(),
        "reply_form": bound.get("reply") or SupervisionReplyForm(prefix="reply")
        if order.status == Status.OPEN and supervision_can_reply(user=user, order=order) else None,
        "review_form": bound.get("review") or SupervisionReviewForm(prefix="review", initial={"decision": "accept"})
        if order.status == Status.REPLIED and can_issue else None,
        "escalate_form": bound.get("escalate") or SupervisionEscalateForm(prefix="escalate")
        if order.status != Status.CLOSED and not order.listed and can_issue else None,
    }
    for name, form in bound.items():
        if context.get(f"{name}_form") is None:
            # The step is no longer possible (someone acted first: 409): its form is gone, its message on top.
            for error in form.non_field_errors():
                messages.error(request, str(error))
    return render(request, "governance/supervision_order.html", context, status=status)


@require_GET
@staff_page(VIEW_SUPERVISION)
def supervision_order(request: HttpRequest, pk: int) -> HttpResponse:
    """GET /governance/supervision/<pk>/: the order, its replies and the forms the user may use."""
    return _order_page(request, supervision_order_access(user=request.user, order_id=pk))


_FORMS: dict[str, type[forms.Form]] = {"reply": SupervisionReplyForm, "review": SupervisionReviewForm,
                                       "escalate": SupervisionEscalateForm}
_DONE = {"reply": gettext_lazy("督办回复已提交。"), "review": gettext_lazy("审核意见已保存。"),
         "escalate": gettext_lazy("已挂牌督办。")}


def _perform(action: str, order: SupervisionOrder, user: Any, data: dict[str, Any]) -> None:
    if action == "reply":
        services.supervision_reply(order=order, actor=user, text=data["text"])
    elif action == "review":
        services.supervision_review(order=order, actor=user, accept=data["decision"] == "accept", note=data["note"],
                                    reply_due=data["reply_due"])
    else:
        services.supervision_escalate(order=order, actor=user, reason=data["reason"])


@staff_page(VIEW_SUPERVISION)
def supervision_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """POST /governance/supervision/<pk>/<reply|review|escalate>/: one step through its service."""
    form_class = _FORMS.get(action)
    if form_class is None:
        raise Http404
    if request.method != "POST":
        return redirect("governance:supervision_order", pk=pk)
    order = supervision_order_access(user=request.user, order_id=pk, action="supervision.update")
    form = form_class(request.POST, prefix=action)
    status = 400
    if form.is_valid():
        try:
            _perform(action, order, request.user, form.cleaned_data)
        except (ValidationFailed, InvalidTransition) as exc:
            form_add_service_errors(form, exc)
            status = exc.status_code
        else:
            messages.success(request, str(_DONE[action]))
            return redirect("governance:supervision_order", pk=order.pk)
    order = supervision_order_access(user=request.user, order_id=pk)
    return _order_page(request, order, bound={action: form}, status=status)


urlpatterns: list[URLPattern] = [
    path("supervision/", supervision, name="supervision"),
    path("supervision/listed/", supervision_listed_page, name="supervision_listed"),
    path("supervision/new/", supervision_new, name="supervision_new"),
    path("supervision/<int:pk>/", supervision_order, name="supervision_order"),
    *[path(f"supervision/<int:pk>/{name}/", supervision_action, {"action": name}, name=f"supervision_{name}")
      for name in _FORMS],
]
