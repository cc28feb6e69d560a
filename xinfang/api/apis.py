"""Endpoints of the API plumbing itself."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.api.authentication import ApiKeyAuthentication
from xinfang.api.models import ApiClient
from xinfang.api.schema import ErrorSerializer, error_responses


class ApiClientSelfApi(APIView):
    """``GET /api/v1/client/`` with ``X-API-Key``: the client the key belongs to (name, unit, channel,
    allowed actions), for an external system to check its key. Never the key or its hash."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes: list = []

    @extend_schema(operation_id="api_client_self", responses={
        200: inline_serializer("ApiClientSelf", {
            "name": serializers.CharField(), "unit": serializers.DictField(child=serializers.CharField()),
            "channel": serializers.CharField(), "actions": serializers.ListField(child=serializers.CharField()),
            "key_prefix": serializers.CharField()}),
        401: OpenApiResponse(ErrorSerializer, description="No API key, or an unknown or revoked one (send "
                                                          "``X-API-Key: <key>``; never the key in the URL)."),
        **error_responses(405)})
    def get(self, request: Request) -> Response:
        client = request.auth
        if not isinstance(client, ApiClient):
            raise NotAuthenticated(_("需要 API 密钥。"))
        return Response({"name": client.name, "unit": {"code": client.unit.code, "name": client.unit.name},
                         "channel": client.channel, "actions": list(client.actions), "key_prefix": client.key_prefix})
