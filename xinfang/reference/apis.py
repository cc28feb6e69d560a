"""Reference data in the API.

Readable by all staff (what a client needs to fill in codes and to understand deadlines): the street
routes of the categories (``GET /api/v1/categories/routes/``) and the holiday calendar
(``GET /api/v1/calendar/``, ``GET /api/v1/calendar/{year}/``); the active units and categories are
``GET /api/v1/units/`` and ``/api/v1/categories/``.

Administered under ``/api/v1/reference/`` with the permissions of the reference pages
(``xinfang/reference/views.py``; the system admin's, 三员): the whole unit and category trees, creating and
editing units and categories, (de)activating units, a category's street routes, loading a year's calendar
and editing one day. Every write goes through the pages' services, which audit it; a refused write is a
400 and changes nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.accounts.models import Unit
from xinfang.accounts.services import unit_create, unit_deactivate, unit_reactivate, unit_update
from xinfang.api.actions import validated
from xinfang.api.permissions import HasPagePermission
from xinfang.api.schema import NO_BODY, STAFF_READ_ERRORS, STAFF_WRITE_ERRORS, error_responses
from xinfang.cases.models import Category, CategoryStreetRoute
from xinfang.cases.services.reference import category_create, category_street_routes_replace, category_update
from xinfang.core.errors import NotFound, ValidationFailed
from xinfang.deadlines.models import CalendarDay, CalendarYear
from xinfang.deadlines.services import CALENDAR_YEARS, CalendarRow, calendar_day_set, calendar_load
from xinfang.reference.selectors import (
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
CALENDAR_DAYS_MAX = 400  # a year's calendar is a few dozen rows; several years at once stay far below


class _ReferenceApi(APIView):
    permission_classes = [IsAuthenticated, HasPagePermission]


def _ref(obj: Any) -> dict[str, str] | None:
    return {"code": obj.code, "name": obj.name} if obj is not None else None


# --- Shapes ----------------------------------------------------------------------------------------

class ReferenceRefOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class UnitAdminOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Unit.Kind.choices)
    parent = serializers.CharField(allow_null=True, help_text="The parent unit's code.")  # type: ignore[assignment]
    active = serializers.BooleanField()
    sort = serializers.IntegerField()
    scope_includes_children = serializers.BooleanField(help_text="Its handlers see the cases of its sub-units too.")
    depth = serializers.IntegerField(help_text="0 for a root; the tree's display order is the list's order.")


class UnitDetailOut(UnitAdminOut):
    users = serializers.IntegerField(help_text="Active users of the unit.")
    descendants = serializers.IntegerField(help_text="Units below it, at any depth.")


class UnitIn(serializers.Serializer):
    code = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=Unit.Kind.choices)
    parent = serializers.CharField(  # type: ignore[assignment]  # a field, not Field.parent
        max_length=32, allow_null=True, required=False, default=None,
        help_text="The parent unit's code; null for a root.")
    sort = serializers.IntegerField(min_value=-32768, max_value=32767, required=False, default=0)
    scope_includes_children = serializers.BooleanField(required=False, default=False)


class CategoryRouteOut(serializers.Serializer):
    category = serializers.CharField(help_text="The category's code.")
    street = ReferenceRefOut()
    unit = ReferenceRefOut()


class CategoryAdminOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    parent = serializers.CharField(allow_null=True, help_text="The parent category's code.")  # type: ignore[assignment]
    default_unit = ReferenceRefOut(allow_null=True)
    active = serializers.BooleanField()
    sort = serializers.IntegerField()
    depth = serializers.IntegerField()
    keywords = serializers.CharField(allow_blank=True, help_text="Words that suggest the category at intake.")


class CategoryDetailOut(CategoryAdminOut):
    street_routes = CategoryRouteOut(many=True, help_text="Streets whose own responsible unit overrides the default.")


class CategoryIn(serializers.Serializer):
    code = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=100)
    parent = serializers.CharField(  # type: ignore[assignment]  # a field, not Field.parent
        max_length=32, allow_null=True, required=False, default=None)
    default_unit = serializers.CharField(max_length=32, allow_null=True, required=False, default=None,
                                         help_text="The default responsible unit's code; null: routed by hand.")
    sort = serializers.IntegerField(min_value=-32768, max_value=32767, required=False, default=0)
    keywords = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="",
                               help_text="Words that suggest the category at intake, separated by spaces, "
                                         "commas or new lines.")


class CategoryUpdateIn(CategoryIn):
    active = serializers.BooleanField(required=False, default=True)
    keywords = serializers.CharField(max_length=2000, required=False, allow_blank=True, allow_null=True, default=None,
                               help_text="null or left out: unchanged.")


class StreetRouteIn(serializers.Serializer):
    street = serializers.CharField(max_length=32)
    unit = serializers.CharField(max_length=32, allow_null=True, help_text="null: the category's default applies.")


class StreetRoutesIn(serializers.Serializer):
    routes = StreetRouteIn(many=True, max_length=1000,  # type: ignore[call-arg]  # ListSerializer takes max_length
                           help_text="The whole table: a street left out falls back to the category's default.")


class NoBodyIn(serializers.Serializer):
    """No fields: the body may be empty or ``{}``."""


class ChangedOut(serializers.Serializer):
    changed = serializers.IntegerField()


class CalendarYearOut(serializers.Serializer):
    year = serializers.IntegerField()
    official = serializers.BooleanField(help_text="The year's official calendar is loaded; else deadlines touching "
                                                  "it are provisional (weekends only).")
    source = serializers.CharField(allow_null=True)  # type: ignore[assignment]
    loaded_at = serializers.DateTimeField(allow_null=True)
    holidays = serializers.IntegerField()
    workdays = serializers.IntegerField()


class CalendarOut(serializers.Serializer):
    years = CalendarYearOut(many=True)
    provisional_deadlines = serializers.IntegerField(help_text="Running deadlines still computed provisionally.")


class CalendarDayOut(serializers.Serializer):
    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=CalendarDay.Kind.choices,
                                   help_text="holiday: a rest day on a weekday; workday: a make-up working day.")
    name = serializers.CharField(allow_blank=True)


class CalendarYearDaysOut(CalendarYearOut):
    days = CalendarDayOut(many=True, help_text="The days that depart from Monday–Friday.")


class CalendarDayIn(serializers.Serializer):
    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=CalendarDay.Kind.choices)
    name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")


class CalendarLoadIn(serializers.Serializer):
    years = serializers.ListField(child=serializers.IntegerField(min_value=CALENDAR_YEARS[0],
                                                                 max_value=CALENDAR_YEARS[-1]),
                                  required=False, default=list, max_length=10,
                                  help_text="The years replaced (a year may have no rows); default: the days' years.")
    days = CalendarDayIn(many=True, max_length=CALENDAR_DAYS_MAX)  # type: ignore[call-arg]
    source = serializers.CharField(  # type: ignore[assignment]  # a field, not Field.source
        max_length=80, required=False, allow_blank=True, default="")


class CalendarLoadOut(serializers.Serializer):
    years = serializers.ListField(child=serializers.IntegerField())
    days = serializers.IntegerField()
    recomputed = serializers.IntegerField(help_text="Deadlines recomputed.")


class CalendarDaySetIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CalendarDay.Kind.choices, allow_null=True,
                                   help_text="null: an ordinary day (Monday–Friday work, weekends rest).")
    name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")


class CalendarDaySetOut(serializers.Serializer):
    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=CalendarDay.Kind.choices, allow_null=True)
    name = serializers.CharField(allow_blank=True)


# --- Lookups by code ---------------------------------------------------------------------------------

def _unit(code: str) -> Unit:
    unit = Unit.objects.select_related("parent").filter(code=code).first()
    if unit is None:
        raise NotFound()
    return unit


def _category(code: str) -> Category:
    category = Category.objects.select_related("default_unit", "parent").filter(code=code).first()
    if category is None:
        raise NotFound()
    return category


def _named(model: Any, code: str | None, field: str, message: str) -> Any:
    if code is None:
        return None
    obj = model.objects.filter(code=code).first()
    if obj is None:
        raise ValidationFailed(message, errors={field: [message]})
    return obj


def _depth(obj: Any, rows: list[Any]) -> int:
    return next((row.depth for row in rows if row.node.pk == obj.pk), 0)


# --- Units ---------------------------------------------------------------------------------------

def unit_admin_data(unit: Unit, depth: int) -> dict[str, Any]:
    return {"code": unit.code, "name": unit.name, "kind": unit.kind, "parent": unit.parent.code if unit.parent else None,
            "active": unit.active, "sort": unit.sort, "scope_includes_children": unit.scope_includes_children,
            "depth": depth}


def unit_detail_data(unit: Unit) -> dict[str, Any]:
    return {**unit_admin_data(unit, max(len(unit.ancestor_ids()) - 1, 0)),
            "users": get_user_model().objects.filter(unit=unit, is_active=True).count(),
            "descendants": Unit.objects.filter(path__startswith=unit.path).exclude(pk=unit.pk).count()}


class UnitTreeApi(_ReferenceApi):
    """``GET /api/v1/reference/units/``: every unit, active or not, in tree order (the units page).
    ``POST``: add a unit."""

    required_permissions = {"GET": VIEW_UNIT, "POST": ADD_UNIT}

    @extend_schema(operation_id="reference_units_list",
                   responses={200: UnitAdminOut(many=True), **error_responses(*STAFF_READ_ERRORS)})
    def get(self, request: Request) -> Response:
        return Response([unit_admin_data(row.node, row.depth) for row in unit_tree()])

    @extend_schema(operation_id="reference_units_create", request=UnitIn,
                   responses={201: UnitDetailOut, **error_responses(*STAFF_WRITE_ERRORS)})
    def post(self, request: Request) -> Response:
        data = validated(UnitIn, request.data)
        parent = _named(Unit, data["parent"], "parent", _("上级单位不存在。"))
        if parent is not None and not parent.active:
            # The page offers active parents only.
            raise ValidationFailed(_("上级单位已停用。"), errors={"parent": [_("上级单位已停用。")]})
        unit = unit_create(code=data["code"], name=data["name"], kind=data["kind"], parent=parent, sort=data["sort"],
                           scope_includes_children=data["scope_includes_children"], actor=request.user)
        return Response(unit_detail_data(_unit(unit.code)), status=201)


class UnitAdminApi(_ReferenceApi):
    """``GET /api/v1/reference/units/{code}/``: one unit with its user and sub-unit counts. ``PUT``: change
    it (all fields, as the page's form); a new parent moves its whole subtree."""

    required_permissions = {"GET": VIEW_UNIT, "PUT": CHANGE_UNIT}

    @extend_schema(operation_id="reference_units_retrieve",
                   responses={200: UnitDetailOut, **error_responses(*STAFF_READ_ERRORS, 404)})
    def get(self, request: Request, code: str) -> Response:
        return Response(unit_detail_data(_unit(code)))

    @extend_schema(operation_id="reference_units_update", request=UnitIn,
                   responses={200: UnitDetailOut, **error_responses(*STAFF_WRITE_ERRORS, 404)})
    def put(self, request: Request, code: str) -> Response:
        unit = _unit(code)
        data = validated(UnitIn, request.data)
        parent = _named(Unit, data["parent"], "parent", _("上级单位不存在。"))
        unit_update(unit=unit, actor=request.user, code=data["code"], name=data["name"], kind=data["kind"],
                    parent=parent, sort=data["sort"], scope_includes_children=data["scope_includes_children"])
        return Response(unit_detail_data(_unit(unit.code)))


class _UnitSwitchApi(_ReferenceApi):
    required_permission = CHANGE_UNIT

    def switch(self, *, unit: Unit, actor: Any) -> Unit:
        raise NotImplementedError

    def post(self, request: Request, code: str) -> Response:
        unit = _unit(code)
        validated(NoBodyIn, request.data)
        return Response(unit_detail_data(_unit(self.switch(unit=unit, actor=request.user).code)))


class UnitDeactivateApi(_UnitSwitchApi):
    """``POST /api/v1/reference/units/{code}/deactivate/``: stop using a unit (never deleted). Refused,
    with every reason under ``errors.active``, while it still has active sub-units or users, open cases or
    routing duties."""

    @extend_schema(operation_id="reference_units_deactivate", request=NO_BODY,
                   responses={200: UnitDetailOut, **error_responses(*STAFF_WRITE_ERRORS, 404)})
    def post(self, request: Request, code: str) -> Response:
        return super().post(request, code)

    def switch(self, *, unit: Unit, actor: Any) -> Unit:
        return unit_deactivate(unit=unit, actor=actor)


class UnitReactivateApi(_UnitSwitchApi):
    """``POST /api/v1/reference/units/{code}/reactivate/``: use a deactivated unit again."""

    @extend_schema(operation_id="reference_units_reactivate", request=NO_BODY,
                   responses={200: UnitDetailOut, **error_responses(*STAFF_WRITE_ERRORS, 404)})
    def post(self, request: Request, code: str) -> Response:
        return super().post(request, code)

    def switch(self, *, unit: Unit, actor: Any) -> Unit:
        return unit_reactivate(unit=unit, actor=actor)


# --- Categories and their routing ------------------------------------------------------------------

def route_data(route: CategoryStreetRoute) -> dict[str, Any]:
    return {"category": route.category.code, "street": _ref(route.street), "unit": _ref(route.unit)}


def category_admin_data(category: Category, depth: int) -> dict[str, Any]:
    return {"code": category.code, "name": category.name,
            "parent": category.parent.code if category.parent_id and category.parent else None,
            "default_unit": _ref(category.default_unit), "active": category.active, "sort": category.sort,
            "depth": depth, "keywords": category.keywords}


def category_detail_data(category: Category) -> dict[str, Any]:
    routes = (CategoryStreetRoute.objects.filter(category=category).select_related("category", "street", "unit")
              .order_by("street__sort", "street__code"))
    return {**category_admin_data(category, _depth(category, category_tree())),
            "street_routes": [route_data(r) for r in routes]}


class CategoryRoutesListApi(APIView):
    """``GET /api/v1/categories/routes/``: the whole per-street routing table (street → responsible unit,
    overriding the category's default unit), for every member of staff."""

    @extend_schema(operation_id="categories_routes_list",
                   responses={200: CategoryRouteOut(many=True), **error_responses(*STAFF_READ_ERRORS)})
    def get(self, request: Request) -> Response:
        return Response([route_data(r) for r in category_routes_all()])


class CategoryTreeApi(_ReferenceApi):
    """``GET /api/v1/reference/categories/``: every category, active or not, in tree order with its default
    unit (the categories page). ``POST``: add a category."""

    required_permissions = {"GET": VIEW_CATEGORY, "POST": ADD_CATEGORY}

    @extend_schema(operation_id="reference_categories_list",
                   responses={200: CategoryAdminOut(many=True), **error_responses(*STAFF_READ_ERRORS)})
    def get(self, request: Request) -> Response:
        rows = category_tree()
        parents = {row.node.pk: row.node for row in rows}
        for row in rows:  # the parents are in the tree already: no query per row
            row.node.parent = parents.get(row.node.parent_id)
        return Response([category_admin_data(row.node, row.depth) for row in rows])

    @extend_schema(operation_id="reference_categories_create", request=CategoryIn,
                   responses={201: CategoryDetailOut, **error_responses(*STAFF_WRITE_ERRORS)})
    def post(self, request: Request) -> Response:
        data = validated(CategoryIn, request.data)
        parent = _named(Category, data["parent"], "parent", _("上级分类不存在。"))
        default_unit = _named(Unit, data["default_unit"], "default_unit", _("未知的单位代码。"))
        category = category_create(actor=request.user, code=data["code"], name=data["name"], parent=parent,
                                   default_unit=default_unit, sort=data["sort"], keywords=data["keywords"])
        return Response(category_detail_data(_category(category.code)), status=201)


class CategoryAdminApi(_ReferenceApi):
    """``GET /api/v1/reference/categories/{code}/``: one category with its street routes. ``PUT``: change
    it (all fields, as the page's form)."""

    required_permissions = {"GET": VIEW_CATEGORY, "PUT": CHANGE_CATEGORY}

    @extend_schema(operation_id="reference_categories_retrieve",
                   responses={200: CategoryDetailOut, **error_responses(*STAFF_READ_ERRORS, 404)})
    def get(self, request: Request, code: str) -> Response:
        return Response(category_detail_data(_category(code)))

    @extend_schema(operation_id="reference_categories_update", request=CategoryUpdateIn,
                   responses={200: CategoryDetailOut, **error_responses(*STAFF_WRITE_ERRORS, 404)})
    def put(self, request: Request, code: str) -> Response:
        category = _category(code)
        data = validated(CategoryUpdateIn, request.data)
        parent = _named(Category, data["parent"], "parent", _("上级分类不存在。"))
        default_unit = _named(Unit, data["default_unit"], "default_unit", _("未知的单位代码。"))
        category_update(category=category, actor=request.user, code=data["code"], name=data["name"], parent=parent,
                        default_unit=default_unit, sort=data["sort"], active=data["active"],
                        keywords=data["keywords"])
        return Response(category_detail_data(_category(data["code"])))


class CategoryStreetRoutesApi(_ReferenceApi):
    """``PUT /api/v1/reference/categories/{code}/routes/``: the category's whole routing table at once (the
    streets the page lists: the active ones and any inactive one still routed); all rows or none."""

    required_permission = CHANGE_CATEGORY

    @extend_schema(operation_id="reference_categories_routes_replace", request=StreetRoutesIn,
                   responses={200: ChangedOut, **error_responses(*STAFF_WRITE_ERRORS, 404)})
    def put(self, request: Request, code: str) -> Response:
        category = _category(code)
        data = validated(StreetRoutesIn, request.data)
        streets = {street.code: street for street in streets_for_routing(category=category)}
        table: dict[Unit, Unit | None] = dict.fromkeys(streets.values())
        units = {u.code: u for u in Unit.objects.filter(code__in=[r["unit"] for r in data["routes"] if r["unit"]])}
        errors: list[str] = []
        for index, row in enumerate(data["routes"]):
            street = streets.get(row["street"])
            unit = units.get(row["unit"]) if row["unit"] else None
            if street is None:
                errors.append(_("第 %(n)d 项：%(code)s 不是可设置的街道（镇）。") % {"n": index + 1, "code": row["street"]})
            elif row["unit"] and unit is None:
                errors.append(_("第 %(n)d 项：未知的单位代码 %(code)s。") % {"n": index + 1, "code": row["unit"]})
            else:
                table[street] = unit
        if errors:
            raise ValidationFailed(_("属地责任单位设置有误，未做任何修改。"), errors={"routes": errors})
        return Response({"changed": category_street_routes_replace(category=category, routes=table,
                                                                   actor=request.user)})


# --- The holiday calendar -----------------------------------------------------------------------------

def _year_data(year: int, loaded: CalendarYear | None, holidays: int, workdays: int) -> dict[str, Any]:
    return {"year": year, "official": loaded is not None, "source": loaded.source if loaded else None,
            "loaded_at": loaded.loaded_at.isoformat() if loaded else None, "holidays": holidays, "workdays": workdays}


class CalendarApi(_ReferenceApi):
    """``GET /api/v1/calendar/``: the loaded years (official) and this year and next if not loaded, with
    the number of deadlines still provisional — for all staff. ``POST``: load years of the official
    calendar (the page's file, as JSON: ``{"years": [2027], "days": [{"date", "kind", "name"}]}``), all or
    nothing; the provisional deadlines of those years are recomputed. ``deadlines.change_calendarday``."""

    required_permissions = {"POST": CALENDAR}

    @extend_schema(operation_id="calendar_years", responses={200: CalendarOut, **error_responses(*STAFF_READ_ERRORS)})
    def get(self, request: Request) -> Response:
        return Response({"years": [_year_data(y.year, y.loaded, y.holidays, y.workdays)
                                   for y in calendar_years_summary()],
                         "provisional_deadlines": provisional_deadlines_open()})

    @extend_schema(operation_id="calendar_load", request=CalendarLoadIn,
                   responses={200: CalendarLoadOut, **error_responses(*STAFF_WRITE_ERRORS)})
    def post(self, request: Request) -> Response:
        data = validated(CalendarLoadIn, request.data)
        rows = [CalendarRow(d["date"], d["kind"], d["name"].strip(), line=i)
                for i, d in enumerate(data["days"], start=1)]
        years = data["years"] or sorted({row.date.year for row in rows})
        username = getattr(request.user, "username", "")
        result = calendar_load(rows=rows, years=years, source=data["source"].strip() or f"API {username}",
                               actor=request.user)
        return Response({"years": result.years, "days": result.days, "recomputed": result.recomputed})


def _calendar_year(year: int) -> int:
    if year not in CALENDAR_YEARS:
        raise NotFound()
    return year


class CalendarYearApi(_ReferenceApi):
    """``GET /api/v1/calendar/{year}/``: the days of ``year`` that depart from Monday–Friday (rest days on
    weekdays, make-up working days on weekends), for all staff."""

    @extend_schema(operation_id="calendar_year_days",
                   responses={200: CalendarYearDaysOut, **error_responses(*STAFF_READ_ERRORS, 404)})
    def get(self, request: Request, year: int) -> Response:
        _calendar_year(year)
        loaded = CalendarYear.objects.filter(year=year).first()
        days = list(CalendarDay.objects.filter(date__year=year).order_by("date"))
        return Response({
            **_year_data(year, loaded, sum(d.kind == CalendarDay.Kind.HOLIDAY for d in days),
                         sum(d.kind == CalendarDay.Kind.WORKDAY for d in days)),
            "days": [{"date": d.date.isoformat(), "kind": d.kind, "name": d.name} for d in days],
        })


class CalendarDayApi(_ReferenceApi):
    """``PUT /api/v1/calendar/days/{date}/``: make one day a rest day, a make-up working day (weekends only)
    or an ordinary day, in a year whose official calendar is loaded; its year's deadlines are recomputed."""

    required_permission = CALENDAR

    @extend_schema(
        operation_id="calendar_day_set",
        parameters=[OpenApiParameter("day", OpenApiTypes.DATE, OpenApiParameter.PATH, description="YYYY-MM-DD.")],
        request=CalendarDaySetIn, responses={200: CalendarDaySetOut, **error_responses(*STAFF_WRITE_ERRORS, 404)},
    )
    def put(self, request: Request, day: str) -> Response:
        try:
            when = date.fromisoformat(day)
        except ValueError:
            raise NotFound() from None
        _calendar_year(when.year)
        data = validated(CalendarDaySetIn, request.data)
        row = calendar_day_set(day=when, kind=data["kind"] or "", name=data["name"], actor=request.user)
        return Response({"date": when.isoformat(), "kind": row.kind if row else None, "name": row.name if row else ""})

