"""The OpenAPI 3 schema of /api/v1/ (drf-spectacular): the one ``Error`` component, the error responses
each endpoint declares, and the views that serve the schema and its interactive docs.

The schema is what tests/api/test_fuzz.py fuzzes the API against (schemathesis, SECURITY.md 13), so it
must be exact: every status an endpoint can answer is declared, and every answer matches its component.

Who may read it: signed-in staff (session) and token users, like the rest of the staff API. The schema
describes the staff workbench's surface (filters, actions, the accusation fields); the portal's four
endpoints are public anyway, and petitioners' clients have no use for the docs. Anonymous requests for the
schema get the API's 401; anonymous visitors of the docs page are sent to the login page.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.middleware.csrf import get_token
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiYamlRenderer
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import exceptions, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response


class ErrorSerializer(serializers.Serializer):
    """The one error shape of the API (xinfang/api/errors.py): a message for people, the messages of each
    field (``{"petitioners[0].name": ["…"]}``) and a code for programs."""

    message = serializers.CharField(help_text="A translated message for people.")
    # (A field named like Serializer.errors: the metaclass takes it off the class, so nothing is shadowed.)
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="The messages of each field, keyed by the field's path; empty when none applies.",
    )
    code = serializers.CharField(
        help_text="For programs: invalid, parse_error, too_large, not_authenticated, authentication_failed, "
                  "forbidden, permission_denied, not_found, invalid_state, rate_limited, …",
    )


_ERROR_DESCRIPTIONS = {
    400: "Bad input: the body or a parameter is invalid (``errors`` names the fields), or the body is not "
         "JSON, nested too deeply or too large.",
    401: "No credentials, or an invalid token: send ``Authorization: Token <key>`` or a session cookie.",
    403: "The caller may see the object but lacks the permission for this action.",
    404: "No such object, or one outside the caller's scope (the two look the same on purpose).",
    405: "The endpoint does not take this method.",
    409: "The action is not allowed in the case's current state (``code``: ``invalid_state``).",
    415: "The body is not ``application/json``.",
    429: "Too many wrong query codes from this address; try again later.",
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """The error responses with these status codes, each with the ``Error`` component."""
    return {code: OpenApiResponse(ErrorSerializer, description=_ERROR_DESCRIPTIONS[code]) for code in codes}


# What every endpoint of the staff API can answer besides its own errors: no or a bad token (401), a
# permission it lacks (403), a method it does not take (405); those with a body add 400 and 415.
STAFF_READ_ERRORS = (401, 403, 405)
STAFF_WRITE_ERRORS = (400, 401, 403, 405, 415)


class ListSerializerBounds(OpenApiSerializerFieldExtension):
    """A nested ``many=True`` serializer with its bounds (``allow_empty``, ``min_length``, ``max_length``),
    which drf-spectacular leaves out: without them the schema called an empty list of petitioners valid
    and a list of 10,000 too."""

    target_class = "rest_framework.serializers.ListSerializer"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        minimum = self.target.min_length or (0 if self.target.allow_empty else 1)
        if minimum:
            schema["minItems"] = minimum
        if self.target.max_length is not None:
            schema["maxItems"] = self.target.max_length
        return schema


class SchemaView(SpectacularAPIView):
    """``GET /api/v1/schema/``: the OpenAPI 3 schema, JSON by default (``?format=yaml`` for YAML)."""

    renderer_classes = [OpenApiJsonRenderer, OpenApiYamlRenderer]
    permission_classes = [IsAuthenticated]


class DocsView(SpectacularSwaggerView):
    """``GET /api/v1/docs/``: Swagger UI over the schema, entirely from this server: the assets come from
    drf-spectacular-sidecar as static files and the start-up script is a static file too (no inline script
    or style: the CSP is ``script-src 'self'; style-src 'self'``, xinfang/core/middleware.py)."""

    template_name = "api/docs.html"
    permission_classes = [IsAuthenticated]
    url_name = "api-schema"

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(
            data={
                "title": self.title,
                "swagger_ui_css": self._swagger_ui_resource("swagger-ui.css"),
                "swagger_ui_bundle": self._swagger_ui_resource("swagger-ui-bundle.js"),
                "favicon_href": self._swagger_ui_favicon(),
                "schema_url": self._get_schema_url(request),
                # Swagger UI's "Try it out" posts with the session: the CSRF token travels in a data
                # attribute the static script reads.
                "csrf_token": get_token(request),
            },
            template_name=self.template_name,
        )

    def handle_exception(self, exc: Exception) -> Response | HttpResponse:  # type: ignore[override]
        # A browser without a session: to the login page and back, not a bare 401.
        if isinstance(exc, exceptions.NotAuthenticated):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)


# The request body of an action that takes no input (mark read, deactivate, confirm): an empty body or a
# JSON object, whose keys are ignored; anything else is a 400. (A serializer without fields would leave
# the body out of the schema, and schemathesis could not check that a bad one is refused.)
NO_BODY = {"application/json": OpenApiTypes.OBJECT}
