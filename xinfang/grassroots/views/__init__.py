"""The grassroots pages (/grassroots/): thin views — validate a form, call one service, and on
``ApplicationError`` put its messages back next to the fields (``add_service_errors``). Every record is
fetched through the scoped ``access_*`` selectors: another unit's record answers 404."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.utils.http import urlencode

from xinfang.core.errors import ApplicationError
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
    for key, messages in (exc.errors or {}).items():
        if any(key == prefix or key.startswith(f"{prefix}[") for prefix in formsets):
            continue
        rest[key] = messages
    for prefix, formset in formsets.items():
        general.extend(formset_add_service_errors(formset, exc, prefix=prefix))
    form_add_service_errors(form, ApplicationError(exc.message, errors=rest))
    for message in general:
        form.add_error(None, message)


def htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"
