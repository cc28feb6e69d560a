"""Reference data of accounts: the unit tree."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.accounts.models import Unit
from xinfang.api.schema import error_responses
from xinfang.core.errors import ValidationFailed


class UnitOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Unit.Kind.choices)
    parent = serializers.CharField(allow_null=True, help_text="The parent unit's code.")  # type: ignore[assignment]


class UnitListApi(APIView):
    """The active units; ``?kind=street`` for the streets (街道/镇), or any other kind."""

    @extend_schema(operation_id="units_list",
                   parameters=[OpenApiParameter("kind", OpenApiTypes.STR, OpenApiParameter.QUERY,
                                                enum=list(Unit.Kind.values), description="Only units of this kind.")],
                   responses={200: UnitOut(many=True), **error_responses(400, 401, 403)})
    def get(self, request: Request) -> Response:
        rows = Unit.objects.filter(active=True).select_related("parent")
        kind = request.query_params.get("kind")
        if kind is not None:
            if kind not in Unit.Kind.values:
                raise ValidationFailed(_("未知的单位类型。"), errors={"kind": [_("未知的单位类型。")]})
            rows = rows.filter(kind=kind)
        return Response([
            {"code": u.code, "name": u.name, "kind": u.kind, "parent": u.parent.code if u.parent else None}
            for u in rows
        ])
