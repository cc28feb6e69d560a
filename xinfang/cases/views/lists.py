"""Case pages: the workbench (工作台) with its queues, the searchable case list and bulk routing (issue 3,
"Inboxes" and "Search and lists"). The list's export form and its old address /cases/list/export.xlsx
are served by ``xinfang/exports`` (issue 4, "Export").

Thin views: the filter is ``CaseFilterSet`` (shared with the API), the queues and pages come from
``selectors_inbox``, every case from ``cases_visible_to`` / ``access_case``, every change from
``case_route``. The table part of the inbox and the list is also served alone to htmx requests
(``hx-get`` + ``hx-push-url``); without JavaScript the same links and forms load the whole page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.accounts.access import cases_visible_to
from xinfang.accounts.models import Unit
from xinfang.cases.filters import CaseFilterSet, person_hashes
from xinfang.cases.forms.lists import (
    BulkRouteEachForm,
    BulkRouteForm,
    BulkSelectionForm,
    CaseFilterForm,
    PersonSearchForm,
)
from xinfang.cases.models import Case, CaseRating, Petitioner
from xinfang.cases.selectors_inbox import (
    SORTS,
    case_list_page,
    due_soon_days,
    inbox_counts,
    inbox_queue_cases,
    inbox_queues,
    sort_parse,
)
from xinfang.cases.services.bulk import cases_route_each
from xinfang.core.pages import staff_page
from xinfang.exports.views import export_form_context, export_list_xlsx
from xinfang.nlp.selectors import CaseRouteSuggestion, cases_route_suggest
from xinfang.nlp.services import cases_route_suggested


def _partial(request: HttpRequest) -> bool:
    """An htmx request for the table only (not a history restore, which needs the whole page)."""
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


def _query(params: QueryDict, **changes: Any) -> str:
    """``params`` with ``changes`` applied (None removes), as a query string."""
    query = params.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value not in (None, ""):
            query[key] = value
    return query.urlencode()


@dataclass(frozen=True)
class SortLink:
    """A sortable column header: the link and the current direction (for aria-sort)."""

    key: str
    query: str
    direction: str  # "ascending", "descending" or "none"


def _sort_links(params: QueryDict, sort: str) -> dict[str, SortLink]:
    links = {}
    for key in SORTS:
        if sort == key:
            target, direction = f"-{key}", "ascending"
        elif sort == f"-{key}":
            target, direction = key, "descending"
        else:
            target, direction = (f"-{key}" if key == "received" else key), "none"
        links[key] = SortLink(key=key, query=_query(params, sort=target, page=None), direction=direction)
    return links


def _render_list(request: HttpRequest, *, template: str, context: dict[str, Any]) -> HttpResponse:
    partial = _partial(request)
    response = render(request, "cases/lists/_results.html" if partial else template, context)
    response.headers["Vary"] = "HX-Request"
    return response


# -- the workbench --------------------------------------------------------------------------------

@require_GET
@staff_page("cases.view_case")
def inbox(request: HttpRequest) -> HttpResponse:
    """The user's workbench: a tile per queue with its count, the chosen queue's cases below."""
    user = request.user
    queues = inbox_queues(user)
    if not queues:
        return render(request, "cases/lists/inbox.html", {"queues": [], "counts": {}})
    keys = [q.key for q in queues]
    asked = request.GET.get("queue", "")
    current = asked if asked in keys else keys[0]
    # Most urgent first unless the user sorts otherwise.
    sort = sort_parse(request.GET.get("sort"), default="deadline")
    counts = inbox_counts(user=user)
    page, rows = case_list_page(inbox_queue_cases(user=user, key=current), sort=sort, page=request.GET.get("page"))
    params = request.GET.copy()
    params["queue"] = current
    context = {
        "queues": [{"queue": q, "count": counts.get(q.key, 0), "query": _query(QueryDict(), queue=q.key),
                    "current": q.key == current} for q in queues],
        "current": next(q for q in queues if q.key == current),
        **_table_context(request, page=page, rows=rows, params=params, sort=sort,
                         base_url=reverse("cases:inbox")),
    }
    return _render_list(request, template="cases/lists/inbox.html", context=context)


def _link_rows(rows: list[Any]) -> None:
    """Each row links to its case page (built by the case-page module; absent, rows show plain numbers)."""
    for row in rows:
        try:
            row.url = reverse("cases:detail", kwargs={"pk": row.case.pk})
        except NoReverseMatch:
            return


def _cells(row: Any, *, local: Any) -> dict[str, Any]:
    """What the template shows of a row, as plain strings in a dict: Django templates resolve a dict key
    in one step, and 50 rows × a dozen cells is most of a page's time (bench pages)."""
    case = row.case
    received = case.received_at.astimezone(local)
    return {
        "pk": case.pk, "number": case.number, "url": row.url, "title": case.title,
        "accusation": case.matter_type == Case.MatterType.ACCUSATION,
        "people": "、".join(p.name for p in row.petitioners) or "—",
        "group_size": case.group_size if case.group_size > 1 else 0,
        "status": case.get_status_display(),
        "category": case.category.name if case.category_id else "—",
        "street": case.street.name if case.street_id else "—",
        "unit": case.handling_unit.name if case.handling_unit_id else "—",
        "received": received.strftime("%Y-%m-%d"), "received_iso": received.isoformat(),
        "due": row.next_due.isoformat() if row.next_due else "", "badge": row.badge, "badge_class": row.badge_class,
        "provisional": row.provisional, "tone": row.tone, "routable": row.routable,
    }


def _table_context(request: HttpRequest, *, page: Any, rows: list[Any], params: QueryDict, sort: str,
                   base_url: str) -> dict[str, Any]:
    _link_rows(rows)
    can_route = request.user.has_perm("cases.route_case")
    routable = can_route and any(row.routable for row in rows)
    local = timezone.get_current_timezone()
    return {
        "page": page,
        "rows": rows,
        "cells": [_cells(row, local=local) for row in rows],
        "sort": sort,
        "sorts": _sort_links(params, sort),
        "base_url": base_url,
        "prev_query": _query(params, page=page.previous_page_number()) if page.has_previous() else "",
        "next_query": _query(params, page=page.next_page_number()) if page.has_next() else "",
        "first_query": _query(params, page=None),
        "last_query": _query(params, page=page.paginator.num_pages),
        "due_soon_days": due_soon_days(),
        # Translated once per page rather than once per row.
        "select_label": _("选择"),
        "persons_label": _("人"),
        "accusation_label": Case.MatterType.ACCUSATION.label,
        "provisional_label": _("暂定"),
        "provisional_help": _("该年度节假日安排尚未公布，期限按周末暂算，公布后重新计算"),
        "bulk_form": BulkRouteForm(initial={"next": request.get_full_path()}) if routable else None,
    }


# -- the case list --------------------------------------------------------------------------------

def _person_label(filterset: CaseFilterSet) -> list[str]:
    """What the person filter stands for, masked (the full number was never in the URL)."""
    labels = []
    for param, field, text in (("id_hash", "id_hash", _("身份证号")), ("phone_hash", "phone_hash", _("电话"))):
        value = filterset.applied.get(param)
        if value:
            person = Petitioner.objects.filter(**{field: value}).only("id_masked", "phone_masked").first()
            masked = (person.id_masked if field == "id_hash" else person.phone_masked) if person else ""
            no_match = _("（无匹配）")  # outside the f-string: makemessages (xgettext) skips f-strings
            labels.append(f"{text} {masked or no_match}")
    return labels


def _drill_labels(filterset: CaseFilterSet) -> list[str]:
    """The filters a drill-down from the analytics pages adds, which the filter form has no field for."""
    applied = filterset.applied
    labels = []
    if code := applied.get("unit_tree"):
        unit = Unit.objects.filter(code=code).only("name").first()
        labels.append(_("%(unit)s及其下级单位承办") % {"unit": unit.name if unit else code})
    if applied.get("group"):
        labels.append(_("集体访（5人以上）"))
    if applied.get("repeat"):
        labels.append(_("重复信访"))
    if rating := applied.get("rating"):
        labels.append(_("评价：%(rating)s") % {"rating": dict(CaseRating.Rating.choices).get(rating, rating)})
    return labels


@require_http_methods(["GET", "POST"])
@staff_page("cases.view_case")
def case_list(request: HttpRequest) -> HttpResponse:
    """Search and list the cases the user may see: filters, sortable columns, 50 a page. A POST is the
    search by a full ID or phone number: it redirects to the list filtered by the numbers' keyed hashes."""
    person_form = PersonSearchForm(request.POST or None, initial={"keep": request.GET.urlencode()})
    if request.method == "POST" and person_form.is_valid():
        kept = person_form.kept_filters()
        for key, value in person_hashes(id_number=person_form.cleaned_data["id_number"],
                                        phone=person_form.cleaned_data["phone"]).items():
            kept[key] = value
        return HttpResponseRedirect(f"{reverse('cases:list')}?{kept.urlencode()}")
    params = request.GET.copy()
    if request.method == "POST":
        # A failed search shows the list it was made from, with the errors next to the fields.
        params = QueryDict(str(request.POST.get("person-keep", "")), mutable=True)
    filterset = CaseFilterSet(params, queryset=cases_visible_to(request.user))
    sort = sort_parse(params.get("sort"))
    page, rows = case_list_page(filterset.qs, sort=sort, page=params.get("page"))
    context = {
        "form": CaseFilterForm(params),
        "person_form": person_form,
        "filterset": filterset,
        "person_filters": _person_label(filterset),
        "clear_person_query": _query(params, id_hash=None, phone_hash=None, page=None),
        "drill_filters": _drill_labels(filterset),
        "clear_drill_query": _query(params, unit_tree=None, group=None, repeat=None, rating=None, page=None),
        **export_form_context(request, params=params),
        **_table_context(request, page=page, rows=rows, params=params, sort=sort, base_url=reverse("cases:list")),
    }
    status = 400 if request.method == "POST" else 200
    response = _render_list(request, template="cases/lists/list.html", context=context)
    response.status_code = status
    return response


# -- bulk routing ---------------------------------------------------------------------------------

def _bulk_back(request: HttpRequest) -> str:
    back = str(request.POST.get("next", ""))
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        back = reverse("cases:inbox")
    return back


@require_POST
@staff_page("cases.route_case")
def bulk_route(request: HttpRequest) -> HttpResponse:
    """Route the selected cases to one unit in one mode and report, case by case, what was done."""
    form = BulkRouteForm(request.POST)
    back = _bulk_back(request)
    if not form.is_valid():
        return render(request, "cases/lists/bulk_result.html", {"form": form, "outcomes": [], "back": back},
                      status=400)
    data = form.cleaned_data
    outcomes = cases_route_each(user=request.user, case_ids=data["cases"], unit=data["unit"], mode=data["mode"],
                                note=data["note"])
    done = sum(1 for o in outcomes if o.ok)
    return render(request, "cases/lists/bulk_result.html", {
        "form": form, "outcomes": outcomes, "back": back, "unit": data["unit"],
        "mode": Case.RouteMode(data["mode"]).label, "done": done, "refused": len(outcomes) - done,
    })


@dataclass(frozen=True)
class BulkReviewRow:
    """One ticked case on the page "按建议转送交办": the case (None: missing or outside the user's scope)
    and what is suggested for it."""

    case_id: int
    case: Case | None
    suggestion: CaseRouteSuggestion | None
    field: Any = None


def _bulk_review(user: Any, ids: list[int]) -> tuple[list[BulkReviewRow], dict[int, CaseRouteSuggestion]]:
    """The ticked cases the user may see (one query, through the gateway) and the suggested unit of each
    (``cases_route_suggest``: a bounded number of queries for all of them)."""
    cases = {case.pk: case for case in cases_visible_to(user).filter(pk__in=ids)
             .select_related("category", "category__default_unit", "street", "handling_unit")}
    suggestions = cases_route_suggest([cases[pk] for pk in ids if pk in cases])
    rows = [BulkReviewRow(case_id=pk, case=cases.get(pk), suggestion=suggestions.get(pk)) for pk in ids]
    return rows, suggestions


def _suggested_codes(suggestions: dict[int, CaseRouteSuggestion]) -> dict[int, str]:
    return {pk: s.unit.unit.code for pk, s in suggestions.items() if s.unit.unit is not None}


def _render_bulk_review(request: HttpRequest, *, form: BulkRouteEachForm, rows: list[BulkReviewRow], back: str,
                        status: int = 200) -> HttpResponse:
    bound = [BulkReviewRow(case_id=row.case_id, case=row.case, suggestion=row.suggestion,
                           field=form[form.unit_field(row.case_id)] if row.case is not None else None)
             for row in rows]
    return render(request, "cases/lists/bulk_review.html", {
        "form": form, "rows": bound, "back": back, "routable": sum(1 for row in rows if row.case is not None),
        "with_suggestion": sum(1 for row in rows if row.suggestion is not None and row.suggestion.unit.unit),
    }, status=status)


@require_POST
@staff_page("cases.route_case")
def bulk_route_review(request: HttpRequest) -> HttpResponse:
    """"按建议转送交办": the ticked cases, each with its suggested unit (xinfang/nlp) preselected, for the
    officer to keep (accept) or change (correct) case by case before routing. Changes nothing."""
    selection = BulkSelectionForm(request.POST)
    back = _bulk_back(request)
    if not selection.is_valid():
        return render(request, "cases/lists/bulk_result.html", {"form": selection, "outcomes": [], "back": back},
                      status=400)
    ids = selection.cleaned_data["cases"]
    rows, suggestions = _bulk_review(request.user, ids)
    form = BulkRouteEachForm(case_ids=[row.case_id for row in rows if row.case is not None],
                             suggested=_suggested_codes(suggestions), initial={"next": back, "cases": ids})
    return _render_bulk_review(request, form=form, rows=rows, back=back)


@require_POST
@staff_page("cases.route_case")
def bulk_route_each(request: HttpRequest) -> HttpResponse:
    """Route the reviewed cases, each to the unit chosen on its row, one mode for all; each case through
    ``case_route`` on its own (``cases_route_each``). For each case routed, what was done with the
    suggestion is recorded like on the route form (``suggestion_record``: accepted or corrected)."""
    back = _bulk_back(request)
    selection = BulkSelectionForm(request.POST)
    if not selection.is_valid():
        return render(request, "cases/lists/bulk_result.html", {"form": selection, "outcomes": [], "back": back},
                      status=400)
    ids = selection.cleaned_data["cases"]
    # The suggestions again, as the route form does at its POST: what was shown is what gets recorded.
    rows, suggestions = _bulk_review(request.user, ids)
    visible = [row.case_id for row in rows if row.case is not None]
    form = BulkRouteEachForm(request.POST, case_ids=visible, suggested=_suggested_codes(suggestions))
    if not form.is_valid():
        return _render_bulk_review(request, form=form, rows=rows, back=back, status=400)
    data = form.cleaned_data
    results = cases_route_suggested(user=request.user, case_ids=ids, units=form.chosen_units(),
                                    suggestions=suggestions, mode=data["mode"], note=data["note"])
    done = sum(1 for r in results if r.outcome.ok)
    return render(request, "cases/lists/bulk_result.html", {
        "form": form, "outcomes": [r.outcome for r in results], "each": results, "back": back,
        "mode": Case.RouteMode(data["mode"]).label, "done": done, "refused": len(results) - done,
        "accepted": sum(1 for r in results if r.outcome.ok and r.accepted),
        "corrected": sum(1 for r in results if r.outcome.ok and r.suggested is not None and not r.accepted),
    })


urlpatterns: list[URLPattern] = [
    path("", inbox, name="inbox"),
    path("list/", case_list, name="list"),
    path("list/export.xlsx", export_list_xlsx, name="export"),
    path("bulk-route/", bulk_route, name="bulk_route"),
    path("bulk-route/review/", bulk_route_review, name="bulk_route_review"),
    path("bulk-route/each/", bulk_route_each, name="bulk_route_each"),
]
