"""Reference data of accounts: the unit tree."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.accounts.models import Unit


class UnitListApi(APIView):
    def get(self, request: Request) -> Response:
        rows = Unit.objects.filter(active=True).select_related("parent")
        return Response([
            {"code": u.code, "name": u.name, "kind": u.kind, "parent": u.parent.code if u.parent else None}
            for u in rows
        ])
