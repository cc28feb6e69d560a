"""/petitioners/: a petitioner's history, the links of a case (an htmx panel of the case page) and the
repeat-petition figures. Thin views over ``selectors.py`` and ``services.py``; everything through the case
gateway, so anything outside the user's scope answers 404 (docs/petitioners.md)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xinfang.accounts.access import access_case
from xinfang.core.audit import audit_record
from xinfang.core.errors import ApplicationError
from xinfang.core.pages import form_add_service_errors, staff_page
from xinfang.petitioners import services
from xinfang.petitioners.forms import CaseLinkForm, PeriodForm
from xinfang.petitioners.selectors import (
    LINK_PERMISSION,
    VIEW_PERMISSION,
    case_by_number_visible,
    case_link_access,
    case_links_visible,
    figures_default_period,
    petitioner_history,
    repeat_figures,
)


@staff_page(VIEW_PERMISSION)
@require_GET
def history(request: HttpRequest, pk: int) -> HttpResponse:
    """All matters of one petitioner the user may see, in time order (ID and phone masked)."""
    data = petitioner_history(user=request.user, petitioner_id=pk)
    audit_record(actor=request.user, action="petitioner.history", obj=data.petitioner,
                 detail={"cases": [r.case.pk for r in data.rows]})
    return render(request, "petitioners/history.html", {"history": data})


@staff_page(VIEW_PERMISSION)
@require_GET
def repeats(request: HttpRequest) -> HttpResponse:
    """重复信访率 by handling unit, category and street, and the petitioners with the most repeats."""
    params = request.GET if request.GET else {k: v.isoformat() for k, v in figures_default_period().items()}
    form = PeriodForm(params)
    figures = None
    if form.is_valid():
        figures = repeat_figures(user=request.user, start=form.cleaned_data["start"], end=form.cleaned_data["end"])
    return render(request, "petitioners/repeats.html", {"form": form, "figures": figures},
                  status=200 if figures is not None else 400)


def _links_page(request: HttpRequest, pk: int, form: CaseLinkForm | None = None, status: int = 200) -> HttpResponse:
    case = access_case(user=request.user, case_id=pk)
    can_link = request.user.has_perm(LINK_PERMISSION)
    context = {"case": case, "links": case_links_visible(user=request.user, case=case), "can_link": can_link,
               "form": form or (CaseLinkForm() if can_link else None)}
    template = "petitioners/_case_links.html" if request.headers.get("HX-Request") else "petitioners/case_links.html"
    return render(request, template, context, status=status)


@staff_page(VIEW_PERMISSION)
@require_GET
def case_links(request: HttpRequest, pk: int) -> HttpResponse:
    """The links of one case (an htmx fragment of the case page; a small page of its own without htmx)."""
    return _links_page(request, pk)


@staff_page(LINK_PERMISSION)
@require_POST
def case_link_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = access_case(user=request.user, case_id=pk)
    form = CaseLinkForm(request.POST)
    if form.is_valid():
        other = case_by_number_visible(user=request.user, number=form.cleaned_data["other"])
        if other is None:
            form.add_error("other", _("未找到该事项。"))
        else:
            try:
                services.case_link(actor=request.user, case=case, other=other, kind=form.cleaned_data["kind"],
                                   note=form.cleaned_data["note"])
            except ApplicationError as exc:
                if exc.status_code == 404:
                    raise
                form_add_service_errors(form, exc)
            else:
                messages.success(request, _("已关联事项 %(n)s。") % {"n": other.number})
                return redirect(reverse("cases:detail", args=[case.pk]) + "#links")
    return render(request, "petitioners/case_links.html",
                  {"case": case, "links": case_links_visible(user=request.user, case=case), "can_link": True,
                   "form": form}, status=400)


@staff_page(LINK_PERMISSION)
@require_POST
def case_link_remove(request: HttpRequest, pk: int, link: int) -> HttpResponse:
    case = access_case(user=request.user, case_id=pk)
    services.case_unlink(actor=request.user, link=case_link_access(user=request.user, case=case, link_id=link))
    messages.success(request, _("已取消关联。"))
    return redirect(reverse("cases:detail", args=[case.pk]) + "#links")


urlpatterns: list[URLPattern] = [
    path("repeats/", repeats, name="repeats"),
    path("<int:pk>/", history, name="history"),
    path("cases/<int:pk>/links/", case_links, name="case_links"),
    path("cases/<int:pk>/links/new/", case_link_add, name="case_link_add"),
    path("cases/<int:pk>/links/<int:link>/delete/", case_link_remove, name="case_link_remove"),
]
