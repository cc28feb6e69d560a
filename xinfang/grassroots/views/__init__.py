"""The grassroots pages (/grassroots/): thin views — validate a form, call one service, and on
``ApplicationError`` put its messages back next to the fields (``add_service_errors``; the whole round in
``record_action``). Every record is fetched through the scoped ``access_*`` selectors: another unit's record
answers 404."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from xinfang.cases.services.registration import RegistrationResult
from xinfang.core.audit import audit_record
from xinfang.core.errors import ApplicationError, InvalidTransition, ValidationFailed
from xinfang.core.pages import form_add_service_errors
from xinfang.grassroots.forms import formset_add_service_errors

PAGE_SIZE = 50


def paginate(request: HttpRequest, rows: Any) -> tuple[Page, dict[str, str]]:
    """The page of ``rows`` the request asks for (``?page=``), and the query strings of its neighbours."""
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    base: dict[str, str] = {key: request.GET.get(key, "") for key in request.GET if key != "page"}

    def query(number: int) -> str:
        return urlencode({**base, "page": str(number)})

    links = {}
    if page.has_previous():
        links["prev"] = query(page.previous_page_number())
    if page.has_next():
        links["next"] = query(page.next_page_number())
    return page, links


def add_service_errors(form: forms.Form, exc: ApplicationError, **formsets: Any) -> None:
    """The service's errors onto the page: ``parties[2].id_number`` onto row 2 of the ``parties`` formset,
    everything else onto ``form`` (next to its field, or on top)."""
    rest = {}
    general: list[str] = []
    for key, errors in (exc.errors or {}).items():
        if any(key == prefix or key.startswith(f"{prefix}[") for prefix in formsets):
            continue
        rest[key] = errors
    for prefix, formset in formsets.items():
        general.extend(formset_add_service_errors(formset, exc, prefix=prefix))
    form_add_service_errors(form, ApplicationError(exc.message, errors=rest))
    for message in general:
        form.add_error(None, message)


def htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def record_read(request: HttpRequest, access: Callable[..., Any], pk: int, *, action: str) -> Any:
    """The record ``access`` finds in the user's scope (404 outside it), its reading audited as ``action``."""
    record = access(user=request.user, pk=pk)
    audit_record(actor=request.user, action=action, obj=record)
    return record


def record_page(request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    """A record's page: ``context``, and whether the user may reveal the parties' full numbers."""
    user: Any = request.user
    return render(request, template, {**context, "can_reveal": user.has_perm("cases.reveal_personal_data")},
                  status=status)


def record_action(*, form: forms.Form, perform: Callable[[dict[str, Any]], Any], done: Callable[[Any], HttpResponse],
                  page: Callable[[int], HttpResponse], formsets: Mapping[str, Any] | None = None) -> HttpResponse:
    """The POST half of an action on a record's page: validate ``form`` (and ``formsets``, by the prefix the
    service names their rows with), call the service through ``perform(cleaned_data)`` and answer
    ``done(result)``. Otherwise the record's page again, ``page(status)``, with the errors next to the
    fields: 400, or the service's own status (409 when the record is no longer in a state for the action)."""
    formsets = formsets or {}
    status = 400
    if form.is_valid() and all(formset.is_valid() for formset in formsets.values()):
        try:
            result = perform(form.cleaned_data)
        except (ValidationFailed, InvalidTransition) as exc:
            add_service_errors(form, exc, **formsets)
            status = exc.status_code
        else:
            return done(result)
    return page(status)


def saved(request: HttpRequest, message: str, url_name: str, pk: int) -> HttpResponse:
    """After an action: back to the record's page, saying what was done."""
    messages.success(request, message)
    return redirect(url_name, pk=pk)


def converted(request: HttpRequest, result: RegistrationResult) -> HttpResponse:
    """After a record was turned into a case: to the case page, saying so."""
    case = result.case
    if result.linked_to is not None:
        messages.warning(request, _("已登记为信访事项 %(n)s，并入正在办理的 %(m)s（《信访工作条例》第十九条第三款）。")
                         % {"n": case.number, "m": result.linked_to.number})
    else:
        messages.success(request, _("已登记为信访事项 %(n)s。") % {"n": case.number})
    for warning in result.warnings:
        messages.warning(request, str(warning))
    return redirect("cases:detail", pk=case.pk)
