"""The intake screen (登记, issue 3): one page for every channel (信访工作条例 Art. 17, 21).

The registrar looks the petitioner up (by ID number, phone or name — always by POST, an ID number never
goes into a URL), sees their earlier cases and any open matter, and either links the new petition to the
open matter (Art. 19 ¶3) or says it is a different one; then enters the petition, its people and its
attachments. The views only validate forms and call ``case_register_with_attachments``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.accounts.models import Unit
from xinfang.cases.forms.intake import (
    MAX_PETITIONERS,
    IntakeForms,
    PetitionerForm,
    PetitionerLookupForm,
)
from xinfang.cases.models import Case, Category
from xinfang.cases.selectors_petitioners import PetitionerMatch, petitioner_lookup
from xinfang.cases.services.attachments import case_register_with_attachments
from xinfang.cases.services.registration import query_code_format
from xinfang.core.errors import ValidationFailed
from xinfang.core.pages import staff_page
from xinfang.deadlines.rules import MAX_REPRESENTATIVES
from xinfang.nlp.selectors import category_suggest, unit_suggest
from xinfang.nlp.services import suggestion_record

PERMISSION = "cases.register_case"
ROW_KINDS = {"petitioners": MAX_PETITIONERS, "representatives": MAX_REPRESENTATIVES}


def _case_url(case: Case) -> str:
    """The case page; the intake page again until the case page exists."""
    try:
        return reverse("cases:detail", kwargs={"pk": case.pk})
    except NoReverseMatch:
        return reverse("cases:intake")


def _lookup(request: HttpRequest, form: PetitionerLookupForm) -> list[PetitionerMatch] | None:
    """Run the look-up if the form was filled in and is valid; None when there is nothing to show."""
    if not form.is_bound or not form.is_valid():
        return None
    data = form.cleaned_data
    return petitioner_lookup(user=request.user, id_number=data["id_number"], phone=data["phone"],
                             name=data["name"])


def _page(request: HttpRequest, *, bundle: IntakeForms, lookup: PetitionerLookupForm,
          matches: list[PetitionerMatch] | None, status: int = 200) -> HttpResponse:
    form = bundle.form
    category = form["category"].value()
    street = form["street"].value()
    context = {
        "bundle": bundle,
        "form": form,
        "lookup": lookup,
        "matches": matches,
        "link_to": str(form["link_to"].value() or ""),
        "suggested": _suggested(category, street, title=form["title"].value(), content=form["content"].value()),
        "max_representatives": MAX_REPRESENTATIVES,
        # A server cannot put files back into a file input: name the ones to choose again.
        "files_dropped": [f.name for f in request.FILES.getlist("attachments")] if status == 400 else [],
    }
    return render(request, "cases/intake/page.html", context, status=status)


@staff_page(PERMISSION)
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest) -> HttpResponse:
    """GET: the empty form. POST: register, or show the errors next to the fields (400) with everything
    typed kept; file inputs cannot be refilled by a server, the page says so."""
    if request.method == "GET":
        return _page(request, bundle=IntakeForms(user=request.user), lookup=PetitionerLookupForm(), matches=None)
    bundle = IntakeForms(user=request.user, data=request.POST, files=request.FILES)
    lookup = PetitionerLookupForm(request.POST if _lookup_given(request.POST) else None)
    if request.POST.get("action") == "lookup":
        bundle.hide_errors()
        return _page(request, bundle=bundle, lookup=lookup, matches=_lookup(request, lookup))
    if bundle.is_valid():
        arguments = bundle.registration_arguments()
        try:
            result = case_register_with_attachments(**arguments)
        except ValidationFailed as exc:
            bundle.add_service_errors(exc)
        else:
            case = result.case
            # What the registrar did with the suggested category (accepted or corrected): the feedback of
            # xinfang/nlp. Recorded beside the case, which it does not touch.
            suggestion_record(case=case, actor=request.user, chosen_category=case.category,
                              category=category_suggest(title=case.title, content=case.content))
            # The query code exists in clear only now (the database keeps its hash): shown once, here.
            messages.success(request, _(
                "已登记，编号 %(number)s。查询码：%(code)s —— 请告知信访人，用于查询办理进度；查询码只显示这一次。"
            ) % {"number": case.number, "code": query_code_format(result.query_code)})
            if result.linked_to is not None:
                messages.info(request, _(
                    "同一信访事项正在办理，本次信访已并入 %(number)s，不另立新案（《信访工作条例》第十九条第三款）。"
                ) % {"number": result.linked_to.number})
            elif case.repeat_of_id and case.repeat_of is not None:
                messages.info(request, _("已登记为重复信访，原事项 %(number)s。") % {"number": case.repeat_of.number})
            for warning in result.warnings:
                messages.warning(request, str(warning))
            return redirect(_case_url(case))
    return _page(request, bundle=bundle, lookup=lookup, matches=_lookup(request, lookup), status=400)


def _lookup_given(data: MultiValueDict) -> bool:
    return any(str(data.get(f"lookup-{key}", "")).strip() for key in ("id_number", "phone", "name"))


@staff_page(PERMISSION)
@sensitive_post_parameters()
@require_POST
def intake_lookup(request: HttpRequest) -> HttpResponse:
    """The look-up results (an htmx fragment; the whole page without htmx). POST only: the ID number
    travels in the body, never in a URL or a server log line. The answer shows it masked only."""
    lookup = PetitionerLookupForm(request.POST)
    matches = _lookup(request, lookup)
    context = {"lookup": lookup, "matches": matches, "link_to": str(request.POST.get("link_to", ""))}
    if not request.headers.get("HX-Request"):
        bundle = IntakeForms(user=request.user, data=request.POST, files=request.FILES)
        bundle.hide_errors()
        return _page(request, bundle=bundle, lookup=lookup, matches=matches)
    # 200 even with errors: htmx swaps only successful answers, and the errors are the content here.
    return render(request, "cases/intake/_lookup_results.html", context)


def _pk(value: Any) -> int | None:
    try:
        pk = int(str(value))
    except (TypeError, ValueError):
        return None
    return pk if pk > 0 else None


def _suggested(category_value: Any, street_value: Any, *, title: Any = "", content: Any = "") -> dict[str, Any]:
    """Suggestions for the registrar and for the officer who will route the case, not decisions
    (xinfang/nlp): the category from the petition's text (trained model, or keyword rules while too few
    cases are confirmed), and the responsible unit of the chosen category — or of the suggested one while
    none is chosen — in the street: the routing table (DOMAIN.md "Categories") corrected by the history
    of confirmed routings."""
    category_pk, street_pk = _pk(category_value), _pk(street_value)
    category = Category.objects.select_related("default_unit").filter(pk=category_pk, active=True).first() \
        if category_pk else None
    street = Unit.objects.filter(pk=street_pk, kind=Unit.Kind.STREET).first() if street_pk else None
    category_suggestion = category_suggest(title=str(title or ""), content=str(content or ""))
    basis = category or category_suggestion.category
    unit_suggestion = unit_suggest(category=basis, street=street,
                                   category_suggested=category is None and basis is not None)
    return {"category": category, "street": street, "category_suggestion": category_suggestion,
            "unit_suggestion": unit_suggestion}


@staff_page(PERMISSION)
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def intake_suggested_unit(request: HttpRequest) -> HttpResponse:
    """The suggested category and responsible unit (htmx fragment). The petition's title and text are
    read from a POST only: a petition's words never go into a URL or a server log line; a GET (category
    and street alone) answers the unit only."""
    data = request.POST if request.method == "POST" else request.GET
    title = request.POST.get("title", "") if request.method == "POST" else ""
    content = request.POST.get("content", "") if request.method == "POST" else ""
    context = {"suggested": _suggested(data.get("category"), data.get("street"), title=title, content=content)}
    return render(request, "cases/intake/_suggested_unit.html", context)


@staff_page(PERMISSION)
@require_GET
def intake_row(request: HttpRequest, kind: str) -> HttpResponse:
    """One more empty petitioner or representative row (htmx), and the formset's new row count.
    Representatives stop at 5 (信访工作条例 Art. 20)."""
    if kind not in ROW_KINDS:
        return HttpResponse(status=404)
    index = _pk(request.GET.get(f"{kind}-TOTAL_FORMS")) or 0
    limit = ROW_KINDS[kind]
    context = {"kind": kind, "index": index, "limit": limit}
    if index >= limit:
        return render(request, "cases/intake/_row_limit.html", context)
    context["person"] = PetitionerForm(prefix=f"{kind}-{index}")
    context["total"] = index + 1
    return render(request, "cases/intake/_row_added.html", context)


urlpatterns: list[URLPattern] = [
    path("new/", intake, name="intake"),
    path("new/lookup/", intake_lookup, name="intake_lookup"),
    path("new/suggested-unit/", intake_suggested_unit, name="intake_suggested_unit"),
    path("new/row/<str:kind>/", intake_row, name="intake_row"),
]
