"""/api/v1/analytics/: the overview and the hotspots — thin views over the selectors the pages use
(docs/analytics.md), with the same permission and scope: a scope outside the caller's answers 404."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.analytics import serializers as s
from xinfang.analytics.selectors import (
    VIEW_ANALYTICS,
    hotspots,
    overview,
    period_default,
    period_problem,
    phrase_link,
    scope_from_params,
)
from xinfang.api.fields import date_param
from xinfang.api.permissions import HasPagePermission
from xinfang.api.schema import error_responses
from xinfang.core.errors import ValidationFailed

_SCOPE_PARAMETERS = [
    OpenApiParameter("unit", OpenApiTypes.STR, OpenApiParameter.QUERY,
                     description="A unit's code: the cases it and the units below it handle (within the caller's "
                                 "scope; another unit answers 404)."),
    OpenApiParameter("street", OpenApiTypes.STR, OpenApiParameter.QUERY,
                     description="A street's code (district-wide roles only). Not together with unit."),
]


class _AnalyticsApi(APIView):
    permission_classes = [IsAuthenticated, HasPagePermission]
    required_permission = VIEW_ANALYTICS


class OverviewApi(_AnalyticsApi):
    """The overview of the cases the caller may see, received from ``start`` to ``end`` (this year to date
    by default), in the district (default for district-wide roles), a unit's subtree or a street. The
    same figures as /analytics/, from the same selector."""

    @extend_schema(operation_id="analytics_overview", parameters=[
        OpenApiParameter("start", OpenApiTypes.DATE, OpenApiParameter.QUERY, description="First day (2000 or later)."),
        OpenApiParameter("end", OpenApiTypes.DATE, OpenApiParameter.QUERY,
                         description="Last day (included; 2099 at the latest); at most five years after start."),
        *_SCOPE_PARAMETERS,
    ], responses={200: s.OverviewOut, **error_responses(400, 401, 403, 404)})
    def get(self, request: Request) -> Response:
        default_start, default_end = period_default()
        start = date_param(request.query_params, "start") or default_start
        end = date_param(request.query_params, "end") or default_end
        problem = period_problem(start, end)
        if problem:
            raise ValidationFailed(problem, errors={"end": [problem]})
        scope = scope_from_params(user=request.user, unit=request.query_params.get("unit", ""),
                                  street=request.query_params.get("street", ""))
        return Response(s.overview_data(overview(user=request.user, start=start, end=end, scope=scope)))


class HotspotsApi(_AnalyticsApi):
    """Category × street cells rising against their own baseline (the 28 days up to ``end`` against the 12
    weeks before; Poisson test) and the key phrases of those 28 days."""

    @extend_schema(operation_id="analytics_hotspots", parameters=[
        OpenApiParameter("end", OpenApiTypes.DATE, OpenApiParameter.QUERY, description="Last day (default: today)."),
        *_SCOPE_PARAMETERS,
    ], responses={200: s.HotspotsOut, **error_responses(400, 401, 403, 404)})
    def get(self, request: Request) -> Response:
        end = date_param(request.query_params, "end") or period_default()[1]
        problem = period_problem(end, end)
        if problem:
            raise ValidationFailed(problem, errors={"end": [problem]})
        scope = scope_from_params(user=request.user, unit=request.query_params.get("unit", ""),
                                  street=request.query_params.get("street", ""))
        hot = hotspots(user=request.user, end=end, scope=scope)
        return Response(s.hotspots_data(hot, [phrase_link(p.text, hot) for p in hot.phrases]))
