"""The reference data pages (issue 3): units, categories and their routing defaults, the holiday calendar.

For the system admin who owns the data (三员: these pages show no petition content; the audit admin and
petition staff get 403). Views only validate a form and call one service; a refused write comes back as
``ValidationFailed``, is shown next to the fields with what was typed kept (400), and changed nothing.
Every successful write is audited by its service, then the browser is redirected (POST/redirect/GET).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from xinfang.accounts.models import Unit, User
from xinfang.accounts.services import unit_create, unit_deactivate, unit_reactivate, unit_update
from xinfang.cases.models import Category, CategoryStreetRoute
from xinfang.cases.services.reference import category_create, category_street_routes_replace, category_update
from xinfang.core.errors import ValidationFailed
from xinfang.core.pages import form_add_service_errors, staff_page
from xinfang.deadlines.models import CalendarDay, CalendarYear
from xinfang.deadlines.services import CALENDAR_YEARS, calendar_day_set, calendar_load
from xinfang.reference.forms import (
    CalendarDayForm,
    CalendarUploadForm,
    CategoryForm,
    StreetRoutesForm,
    UnitForm,
)
from xinfang.reference.selectors import (
    calendar_year_months,
    calendar_years_summary,
    category_routes_all,
    category_tree,
    provisional_deadlines_open,
    streets_for_routing,
    unit_tree,
)

VIEW_UNIT = "accounts.view_unit"
ADD_UNIT = "accounts.add_unit"
CHANGE_UNIT = "accounts.change_unit"
VIEW_CATEGORY = "cases.view_category"
ADD_CATEGORY = "cases.add_category"
CHANGE_CATEGORY = "cases.change_category"
CALENDAR = "deadlines.change_calendarday"


# --- Units ----------------------------------------------------------------------------------------

@staff_page(VIEW_UNIT)
@require_http_methods(["GET"])
def units(request: HttpRequest) -> HttpResponse:
    """The unit tree: indented, with kind, code, whether it is in use and its case scope."""
    return render(request, "reference/units.html", {"rows": unit_tree()})


@staff_page(ADD_UNIT)
@require_http_methods(["GET", "POST"])
def unit_new(request: HttpRequest) -> HttpResponse:
    """Add a unit anywhere in the tree (``?parent=<id>`` preselects the parent)."""
    if request.method == "GET":
        initial = {"sort": 0, "parent": request.GET.get("parent", "")}
        return _unit_page(request, UnitForm(initial=initial), unit=None)
    form = UnitForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            unit = unit_create(code=data["code"], name=data["name"], kind=data["kind"], parent=data["parent"],
                               sort=data["sort"], scope_includes_children=data["scope_includes_children"],
                               actor=request.user)
        except ValidationFailed as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("已新增单位：%(name)s。") % {"name": unit.name})
            return redirect("reference:units")
    return _unit_page(request, form, unit=None, status=400)


@staff_page(CHANGE_UNIT)
@require_http_methods(["GET", "POST"])
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a unit; a new parent moves it with its whole subtree (a cycle is refused)."""
    unit = get_object_or_404(Unit.objects.select_related("parent"), pk=pk)
    if request.method == "GET":
        return _unit_page(request, UnitForm(unit=unit), unit=unit)
    form = UnitForm(request.POST, unit=unit)
    if form.is_valid():
        data = form.cleaned_data
        try:
            unit_update(unit=unit, actor=request.user, code=data["code"], name=data["name"], kind=data["kind"],
                        parent=data["parent"], sort=data["sort"],
                        scope_includes_children=data["scope_includes_children"])
        except ValidationFailed as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存单位：%(name)s。") % {"name": unit.name})
            return redirect("reference:units")
    return _unit_page(request, form, unit=unit, status=400)


def _unit_page(request: HttpRequest, form: UnitForm, *, unit: Unit | None, status: int = 200,
               problems: list[str] | None = None) -> HttpResponse:
    context: dict[str, Any] = {"form": form, "unit": unit, "problems": problems or []}
    if unit is not None:
        ancestors = {u.pk: u for u in Unit.objects.filter(pk__in=unit.ancestor_ids())}
        context["ancestors"] = [ancestors[pk] for pk in unit.ancestor_ids() if pk in ancestors]
        context["descendants"] = Unit.objects.filter(path__startswith=unit.path).exclude(pk=unit.pk).count()
        context["users"] = User.objects.filter(unit=unit, is_active=True).count()
    return render(request, "reference/unit_form.html", context, status=status)


@staff_page(CHANGE_UNIT)
@require_POST
def unit_deactivate_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Stop using a unit (never deleted); the reasons it cannot be are listed on its page."""
    unit = get_object_or_404(Unit.objects.select_related("parent"), pk=pk)
    try:
        unit_deactivate(unit=unit, actor=request.user)
    except ValidationFailed as exc:
        problems = [str(p) for p in exc.errors.get("active", [])] or [str(exc.message)]
        return _unit_page(request, UnitForm(unit=unit), unit=unit, status=400,
                          problems=[str(exc.message), *problems])
    messages.success(request, _("已停用单位：%(name)s。") % {"name": unit.name})
    return redirect("reference:unit_edit", pk=unit.pk)


@staff_page(CHANGE_UNIT)
@require_POST
def unit_reactivate_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Use a deactivated unit again."""
    unit = get_object_or_404(Unit.objects.select_related("parent"), pk=pk)
    try:
        unit_reactivate(unit=unit, actor=request.user)
    except ValidationFailed as exc:
        return _unit_page(request, UnitForm(unit=unit), unit=unit, status=400, problems=[str(exc.message)])
    messages.success(request, _("已启用单位：%(name)s。") % {"name": unit.name})
    return redirect("reference:unit_edit", pk=unit.pk)


# --- Categories and routing defaults ----------------------------------------------------------------

@staff_page(VIEW_CATEGORY)
@require_http_methods(["GET"])
def categories(request: HttpRequest) -> HttpResponse:
    """The category tree with each default responsible unit, and the whole per-street routing table."""
    return render(request, "reference/categories.html",
                  {"rows": category_tree(), "routes": category_routes_all(),
                   "can_change": request.user.has_perm(CHANGE_CATEGORY),
                   "can_add": request.user.has_perm(ADD_CATEGORY)})


@staff_page(ADD_CATEGORY)
@require_http_methods(["GET", "POST"])
def category_new(request: HttpRequest) -> HttpResponse:
    """Add a category (``?parent=<id>`` preselects the parent)."""
    if request.method == "GET":
        form = CategoryForm(initial={"sort": 0, "parent": request.GET.get("parent", "")})
        return render(request, "reference/category_form.html", {"form": form, "category": None})
    form = CategoryForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            category = category_create(actor=request.user, code=data["code"], name=data["name"],
                                       parent=data["parent"], default_unit=data["default_unit"], sort=data["sort"],
                                       keywords=data["keywords"])
        except ValidationFailed as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("已新增分类：%(name)s。") % {"name": category.name})
            return redirect("reference:category_edit", pk=category.pk)
    return render(request, "reference/category_form.html", {"form": form, "category": None}, status=400)


def _category_page(request: HttpRequest, category: Category, *, form: CategoryForm | None = None,
                   routes_form: StreetRoutesForm | None = None, status: int = 200) -> HttpResponse:
    return render(request, "reference/category_form.html", {
        "category": category,
        "form": form or CategoryForm(category=category),
        "routes_form": routes_form or _routes_form(category),
    }, status=status)


def _routes_form(category: Category, data: Any = None) -> StreetRoutesForm:
    routes = {r.street_id: r.unit for r in CategoryStreetRoute.objects.filter(category=category).select_related("unit")}
    return StreetRoutesForm(data, category=category, streets=streets_for_routing(category=category), routes=routes)


@staff_page(CHANGE_CATEGORY)
@require_http_methods(["GET", "POST"])
def category_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a category and its default responsible unit; its street routes are on the same page."""
    category = get_object_or_404(Category.objects.select_related("default_unit", "parent"), pk=pk)
    if request.method == "GET":
        return _category_page(request, category)
    form = CategoryForm(request.POST, category=category)
    if form.is_valid():
        data = form.cleaned_data
        try:
            category_update(category=category, actor=request.user, code=data["code"], name=data["name"],
                            parent=data["parent"], default_unit=data["default_unit"], sort=data["sort"],
                            active=data["active"], keywords=data["keywords"])
        except ValidationFailed as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存分类：%(name)s。") % {"name": category.name})
            return redirect("reference:category_edit", pk=category.pk)
    return _category_page(request, category, form=form, status=400)


@staff_page(CHANGE_CATEGORY)
@require_POST
def category_routes(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the routing table of one category (street → responsible unit), all rows or none."""
    category = get_object_or_404(Category.objects.select_related("default_unit", "parent"), pk=pk)
    routes_form = _routes_form(category, request.POST)
    if routes_form.is_valid():
        try:
            changed = category_street_routes_replace(category=category, routes=routes_form.routes(),
                                                     actor=request.user)
        except ValidationFailed as exc:
            form_add_service_errors(routes_form, exc)
        else:
            messages.success(request, _("已保存属地责任单位设置（%(n)d 处修改）。") % {"n": changed})
            return redirect("reference:category_edit", pk=category.pk)
    return _category_page(request, category, routes_form=routes_form, status=400)


# --- The holiday calendar --------------------------------------------------------------------------

@staff_page(CALENDAR)
@require_http_methods(["GET", "POST"])
def calendar(request: HttpRequest) -> HttpResponse:
    """GET: the years (official or not) and the upload form. POST: load a year file — all or nothing;
    the bad rows are listed and nothing is changed; a good file recomputes the provisional deadlines."""
    if request.method == "GET":
        return _calendar_page(request, CalendarUploadForm())
    form = CalendarUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            rows, years = form.parse()
            result = calendar_load(rows=rows, years=years, source=form.source_label(), actor=request.user)
        except ValidationFailed as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _(
                "已载入 %(years)s 年官方日历：节假日和调休上班日 %(days)d 天，重新计算期限 %(n)d 个。"
            ) % {"years": "、".join(map(str, result.years)), "days": result.days, "n": result.recomputed})
            return redirect("reference:calendar")
    return _calendar_page(request, form, status=400)


def _calendar_page(request: HttpRequest, form: CalendarUploadForm, *, status: int = 200) -> HttpResponse:
    return render(request, "reference/calendar.html", {
        "form": form,
        "years": calendar_years_summary(),
        "provisional": provisional_deadlines_open(),
    }, status=status)


def _year_or_404(year: int) -> int:
    if year not in CALENDAR_YEARS:
        raise Http404
    return year


@staff_page(CALENDAR)
@require_http_methods(["GET"])
def calendar_year(request: HttpRequest, year: int) -> HttpResponse:
    """The twelve months of ``year``: rest days, holidays and make-up working days; each day editable
    once the year's official calendar is loaded."""
    _year_or_404(year)
    return render(request, "reference/calendar_year.html", {
        "year": year,
        "loaded": CalendarYear.objects.filter(year=year).first(),
        "months": calendar_year_months(year=year),
        "previous": year - 1 if year - 1 in CALENDAR_YEARS else None,
        "next": year + 1 if year + 1 in CALENDAR_YEARS else None,
    })


@staff_page(CALENDAR)
@require_http_methods(["GET", "POST"])
def calendar_day(request: HttpRequest, day: str) -> HttpResponse:
    """Edit one day: ordinary, rest day (holiday) or make-up working day; the year's running deadlines
    are recomputed."""
    try:
        when = date.fromisoformat(day)
    except ValueError:
        raise Http404 from None
    _year_or_404(when.year)
    entry = CalendarDay.objects.filter(date=when).first()
    if request.method == "GET":
        form = CalendarDayForm(initial={"kind": entry.kind if entry else "", "name": entry.name if entry else ""})
        return _day_page(request, form, when=when, entry=entry)
    form = CalendarDayForm(request.POST)
    if form.is_valid():
        try:
            calendar_day_set(day=when, kind=form.cleaned_data["kind"], name=form.cleaned_data["name"],
                             actor=request.user)
        except ValidationFailed as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存 %(d)s 的设置，并重新计算了相关期限。") % {"d": when.isoformat()})
            return redirect(reverse("reference:calendar_year", kwargs={"year": when.year}) + f"#m{when.month}")
    return _day_page(request, form, when=when, entry=entry, status=400)


def _day_page(request: HttpRequest, form: CalendarDayForm, *, when: date, entry: CalendarDay | None,
              status: int = 200) -> HttpResponse:
    return render(request, "reference/calendar_day.html", {
        "form": form, "day": when, "entry": entry, "weekend": when.weekday() >= 5,
        "loaded": CalendarYear.objects.filter(year=when.year).exists(),
    }, status=status)


urlpatterns = [
    path("units/", units, name="units"),
    path("units/new/", unit_new, name="unit_create"),
    path("units/<int:pk>/", unit_edit, name="unit_edit"),
    path("units/<int:pk>/deactivate/", unit_deactivate_view, name="unit_deactivate"),
    path("units/<int:pk>/reactivate/", unit_reactivate_view, name="unit_reactivate"),
    path("categories/", categories, name="categories"),
    path("categories/new/", category_new, name="category_create"),
    path("categories/<int:pk>/", category_edit, name="category_edit"),
    path("categories/<int:pk>/routes/", category_routes, name="category_routes"),
    path("calendar/", calendar, name="calendar"),
    path("calendar/<int:year>/", calendar_year, name="calendar_year"),
    path("calendar/day/<str:day>/", calendar_day, name="calendar_day"),
]
