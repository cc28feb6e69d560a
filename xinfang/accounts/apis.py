"""Reference data of accounts: the unit tree."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.accounts.models import Unit
from xinfang.api.schema import error_responses


class UnitOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Unit.Kind.choices)
    parent = serializers.CharField(allow_null=True, help_text="The parent unit's code.")  # type: ignore[assignment]


class UnitListApi(APIView):
    @extend_schema(operation_id="units_list", responses={200: UnitOut(many=True), **error_responses(401, 403)})
    def get(self, request: Request) -> Response:
        rows = Unit.objects.filter(active=True).select_related("parent")
        return Response([
            {"code": u.code, "name": u.name, "kind": u.kind, "parent": u.parent.code if u.parent else None}
            for u in rows
        ])
