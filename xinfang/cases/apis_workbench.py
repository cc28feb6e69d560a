"""The workbench in the API: the queues with their counts and cases, bulk routing, the search by a full ID
or phone number, and the intake helpers (petitioner look-up, suggested unit). Thin views over the
selectors and services the pages use (``views/lists.py``, ``views/intake.py``), with the pages'
permissions (``xinfang/api/permissions.py``) and their scoping (``cases_visible_to``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.accounts.access import cases_visible_to
from xinfang.accounts.models import Unit
from xinfang.api.actions import validated
from xinfang.api.pagination import MAX_ID, PAGE_PARAMETERS, page_data, page_window
from xinfang.api.permissions import HasPagePermission
from xinfang.api.schema import STAFF_READ_ERRORS, STAFF_WRITE_ERRORS, error_responses
from xinfang.cases import serializers_workbench as w
from xinfang.cases.apis import sort_from, sort_parameter, unit_by_code
from xinfang.cases.filters import person_hashes
from xinfang.cases.forms.lists import MAX_BULK_CASES
from xinfang.cases.models import Case, Category
from xinfang.cases.selectors_inbox import (
    case_rows_window,
    due_soon_days,
    inbox_counts,
    inbox_queue_cases,
    inbox_queues,
    inbox_side,
)
from xinfang.cases.selectors_petitioners import petitioner_lookup
from xinfang.cases.services.bulk import cases_route_each
from xinfang.core.errors import NotFound
from xinfang.nlp.selectors import CaseRouteSuggestion, cases_route_suggest, unit_suggest
from xinfang.nlp.services import cases_route_suggested

VIEW = "cases.view_case"
ROUTE = "cases.route_case"
REGISTER = "cases.register_case"
# The workbench lists its most urgent cases first unless asked otherwise (``views/lists.py``, inbox).
INBOX_DEFAULT_SORT = "deadline"


class _StaffApi(APIView):
    permission_classes = [IsAuthenticated, HasPagePermission]
    required_permission = VIEW


class InboxApi(_StaffApi):
    """``GET /api/v1/inbox/``: the caller's workbench — the bureau's queues (district-wide roles) or their
    unit's, each with its count (the tiles of ``/cases/``)."""

    @extend_schema(operation_id="inbox_queues", responses={200: w.InboxOut, **error_responses(*STAFF_READ_ERRORS)})
    def get(self, request: Request) -> Response:
        user = request.user
        counts = inbox_counts(user=user)
        return Response({"side": inbox_side(user), "due_soon_days": due_soon_days(),
                         "queues": [w.queue_data(q, counts.get(q.key, 0)) for q in inbox_queues(user)]})


class InboxQueueApi(_StaffApi):
    """``GET /api/v1/inbox/{queue}/``: the cases of one queue of the caller's workbench, paginated, sorted
    like the page (most urgent deadline first by default). A queue that is not the caller's: 404."""

    @extend_schema(
        operation_id="inbox_queue_cases",
        parameters=[OpenApiParameter("queue", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(w.QUEUE_KEYS)),
                    sort_parameter(INBOX_DEFAULT_SORT), *PAGE_PARAMETERS],
        responses={200: w.InboxQueuePage, **error_responses(400, *STAFF_READ_ERRORS, 404)},
    )
    def get(self, request: Request, queue: str) -> Response:
        user = request.user
        current = next((q for q in inbox_queues(user) if q.key == queue), None)
        if current is None:
            raise NotFound()
        window = page_window(request.query_params)
        sort = sort_from(request.query_params, default=INBOX_DEFAULT_SORT)
        total, rows = case_rows_window(inbox_queue_cases(user=user, key=queue), sort=sort, offset=window.offset,
                                       limit=window.limit)
        return Response(page_data(total=total, window=window, queue=w.queue_data(current, total), sort=sort,
                                  results=[w.case_row_data(row) for row in rows]))


class BulkRouteApi(_StaffApi):
    """``POST /api/v1/cases/bulk-route/``: route several cases to one unit in one mode; each case goes
    through ``case_route`` on its own (``cases_route_each``), so one refusal (another's case, a wrong
    state, an accused unit …) stops nothing else. Always 200 with the outcome of each case."""

    required_permission = ROUTE

    @extend_schema(operation_id="cases_bulk_route", request=w.BulkRouteIn,
                   responses={200: w.BulkRouteOut, **error_responses(*STAFF_WRITE_ERRORS)})
    def post(self, request: Request) -> Response:
        data = validated(w.BulkRouteIn, request.data)
        unit = unit_by_code(data["unit"], "unit")
        outcomes = cases_route_each(user=request.user, case_ids=data["cases"], unit=unit, mode=data["mode"],
                                    note=data["note"])
        done = sum(1 for o in outcomes if o.ok)
        return Response({"done": done, "refused": len(outcomes) - done,
                         "results": [{"id": o.case_id, "number": o.number, "ok": o.ok, "reason": o.reason}
                                     for o in outcomes]})


# -- bulk routing with suggestions (issue 5: the page "按建议转送交办", views/lists.py) ---------------------


class _BulkCasesIn(serializers.Serializer):
    cases = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=MAX_ID), min_length=1,
                                  max_length=MAX_BULK_CASES, help_text="Case ids, in the order to show them.")

    def validate_cases(self, value: list[int]) -> list[int]:
        return list(dict.fromkeys(value))


class _RefOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class BulkRouteSuggestionOut(serializers.Serializer):
    id = serializers.IntegerField()
    found = serializers.BooleanField(help_text="False for a case that does not exist or the caller may not see.")
    number = serializers.CharField(allow_blank=True)
    unit = _RefOut(allow_null=True, help_text="The suggested unit; null when there is nothing to suggest.")
    basis = serializers.ChoiceField(choices=["street", "default", "history", "none"])
    confidence = serializers.FloatField()
    reason = serializers.CharField(allow_blank=True)
    category = _RefOut(allow_null=True, help_text="The category the unit follows: the case's own, or the one "
                                                  "suggested from its text when it has none.")
    category_suggested = serializers.BooleanField()


class BulkRouteEachItemIn(serializers.Serializer):
    case = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    unit = serializers.CharField(max_length=32, help_text="The code of the unit to route this case to.")


class BulkRouteEachIn(serializers.Serializer):
    routes = serializers.ListField(child=BulkRouteEachItemIn(), min_length=1, max_length=MAX_BULK_CASES,
                                   help_text="Each case once, with the unit to route it to.")
    mode = serializers.ChoiceField(choices=Case.RouteMode.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    def validate_routes(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if len({item["case"] for item in value}) != len(value):
            raise serializers.ValidationError(_("每件事项只能出现一次。"))
        return value


class BulkRouteEachResultOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(allow_blank=True, help_text="Empty for a case the caller may not see.")
    ok = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True)
    unit = _RefOut()
    suggested_unit = _RefOut(allow_null=True)
    accepted = serializers.BooleanField(help_text="The unit routed to is the suggested one (recorded).")


class BulkRouteEachOut(serializers.Serializer):
    done = serializers.IntegerField()
    refused = serializers.IntegerField()
    accepted = serializers.IntegerField()
    corrected = serializers.IntegerField()
    results = BulkRouteEachResultOut(many=True)


def _visible_with_suggestions(user: Any, ids: list[int]) -> tuple[dict[int, Case], dict[int, CaseRouteSuggestion]]:
    cases = {case.pk: case for case in cases_visible_to(user).filter(pk__in=ids)
             .select_related("category", "category__default_unit", "street")}
    return cases, cases_route_suggest([cases[pk] for pk in ids if pk in cases])


class BulkRouteSuggestionsApi(_StaffApi):
    """``POST /api/v1/cases/bulk-route/suggestions/``: the unit suggested for each of several cases (the
    page "按建议转送交办"; ``cases_route_suggest``: routing table corrected by history, never an accused
    unit, Art. 30). Changes nothing; a bounded number of queries for up to 200 cases."""

    required_permission = ROUTE

    @extend_schema(operation_id="cases_bulk_route_suggestions", request=_BulkCasesIn,
                   responses={200: BulkRouteSuggestionOut(many=True), **error_responses(*STAFF_WRITE_ERRORS)})
    def post(self, request: Request) -> Response:
        ids = validated(_BulkCasesIn, request.data)["cases"]
        cases, suggestions = _visible_with_suggestions(request.user, ids)
        out = []
        for pk in ids:
            case = cases.get(pk)
            suggestion = suggestions[pk].unit if case is not None else None
            unit = suggestion.unit if suggestion is not None else None
            out.append({"id": pk, "found": case is not None, "number": case.number if case is not None else "",
                        "unit": _ref(unit), "basis": suggestion.source if unit is not None and suggestion else "none",
                        "confidence": suggestion.confidence if unit is not None and suggestion else 0.0,
                        "reason": str(suggestion.reason) if suggestion is not None else "",
                        "category": _ref(suggestion.category) if suggestion is not None else None,
                        "category_suggested": bool(suggestion and suggestion.category_suggested)})
        return Response(out)


class BulkRouteEachApi(_StaffApi):
    """``POST /api/v1/cases/bulk-route/each/``: route several cases each to its own unit, one mode for all
    (the page "按建议转送交办"): each case through ``case_route`` on its own, and what was done with the
    suggested unit recorded (accepted or corrected), as on the page (``cases_route_suggested``). Always
    200 with the outcome of each case; an unknown unit code is a 400 naming it, and nothing is routed."""

    required_permission = ROUTE

    @extend_schema(operation_id="cases_bulk_route_each", request=BulkRouteEachIn,
                   responses={200: BulkRouteEachOut, **error_responses(*STAFF_WRITE_ERRORS)})
    def post(self, request: Request) -> Response:
        data = validated(BulkRouteEachIn, request.data)
        routes = data["routes"]
        units = {}
        for index, item in enumerate(routes):
            units[item["case"]] = unit_by_code(item["unit"], f"routes[{index}].unit")
        ids = [item["case"] for item in routes]
        _cases, suggestions = _visible_with_suggestions(request.user, ids)
        results = cases_route_suggested(user=request.user, case_ids=ids, units=units, suggestions=suggestions,
                                        mode=data["mode"], note=data["note"])
        done = sum(1 for r in results if r.outcome.ok)
        return Response({
            "done": done, "refused": len(results) - done,
            "accepted": sum(1 for r in results if r.outcome.ok and r.accepted),
            "corrected": sum(1 for r in results if r.outcome.ok and r.suggested is not None and not r.accepted),
            "results": [{"id": r.outcome.case_id, "number": r.outcome.number, "ok": r.outcome.ok,
                         "reason": r.outcome.reason, "unit": _ref(r.unit), "suggested_unit": _ref(r.suggested),
                         "accepted": r.accepted} for r in results]})


class PersonSearchApi(_StaffApi):
    """``POST /api/v1/cases/person-search/``: the search of the case list by a full ID or phone number.
    The numbers travel in the body only; the answer is their keyed hashes, the ``id_hash`` /
    ``phone_hash`` filters of ``GET /api/v1/cases/`` (the page redirects to the list with the same)."""

    @extend_schema(operation_id="cases_person_search", request=w.PersonSearchIn,
                   responses={200: w.PersonSearchOut, **error_responses(*STAFF_WRITE_ERRORS)})
    def post(self, request: Request) -> Response:
        data = validated(w.PersonSearchIn, request.data)
        hashes = person_hashes(id_number=data["id_number"], phone=data["phone"])
        return Response({"id_hash": hashes.get("id_hash"), "phone_hash": hashes.get("phone_hash")})


class PetitionerLookupApi(_StaffApi):
    """``POST /api/v1/intake/petitioner-lookup/``: who is at the counter? Petitioners matching every key
    given (full ID number, phone, exact name), each with the cases of theirs the caller may see; masked;
    audited without the keys. POST only: an ID number never goes into a URL (SECURITY.md 5)."""

    required_permission = REGISTER

    @extend_schema(operation_id="intake_petitioner_lookup", request=w.PetitionerLookupIn,
                   responses={200: w.PetitionerMatchOut(many=True), **error_responses(*STAFF_WRITE_ERRORS)})
    def post(self, request: Request) -> Response:
        data = validated(w.PetitionerLookupIn, request.data)
        matches = petitioner_lookup(user=request.user, id_number=data["id_number"], phone=data["phone"],
                                    name=data["name"])
        return Response([w.petitioner_match_data(m) for m in matches])


class SuggestedUnitApi(_StaffApi):
    """``GET /api/v1/intake/suggested-unit/?category=&street=``: the responsible unit the intake page
    suggests for a category in a street (``unit_suggest``, xinfang/nlp: the routing table — the street's
    route, else the category's default — corrected by the history of confirmed routings), and why. A
    suggestion for the officer who routes the case, not a decision. Unknown or inactive codes suggest
    nothing, as on the page."""

    required_permission = REGISTER

    @extend_schema(
        operation_id="intake_suggested_unit",
        parameters=[OpenApiParameter("category", OpenApiTypes.STR, OpenApiParameter.QUERY,
                                     description="An active category's code."),
                    OpenApiParameter("street", OpenApiTypes.STR, OpenApiParameter.QUERY,
                                     description="A street's unit code.")],
        responses={200: w.SuggestedUnitOut, **error_responses(*STAFF_READ_ERRORS)},
    )
    def get(self, request: Request) -> Response:
        category_code = str(request.query_params.get("category", "")).strip()
        street_code = str(request.query_params.get("street", "")).strip()
        category = (Category.objects.select_related("default_unit").filter(code=category_code, active=True).first()
                    if category_code else None)
        street = Unit.objects.filter(code=street_code, kind=Unit.Kind.STREET).first() if street_code else None
        suggested = unit_suggest(category=category, street=street)
        return Response({"category": _ref(category), "street": _ref(street), "unit": _ref(suggested.unit),
                         "basis": suggested.source if suggested.unit is not None and suggested.source else "none",
                         "by_street": suggested.unit is not None and suggested.source == "street",
                         "reason": str(suggested.reason)})


def _ref(obj: Any) -> dict[str, str] | None:
    return {"code": obj.code, "name": obj.name} if obj is not None else None

