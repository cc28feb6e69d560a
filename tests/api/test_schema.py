"""The OpenAPI schema (drf-spectacular). xinfang/api/urls.py serves no schema endpoint yet; SECURITY.md 13
wants the API fuzzed against its own schema (schemathesis), so the schema must at least generate, name
every route, and validate — and, the goal, generate without errors or warnings."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from xinfang.api.errors import api_not_found


def _api_routes():
    """Every route under /api/v1/ as the schema spells it (drf-spectacular calls ``<int:pk>`` ``{id}``)."""
    routes = []

    def walk(patterns, prefix):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern) and p.callback is not api_not_found:  # the catch-all 404
                route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", prefix + str(p.pattern))
                routes.append("/" + route.replace("{pk}", "{id}"))

    walk(get_resolver().url_patterns, "")
    return {r for r in routes if r.startswith("/api/v1/")}


@pytest.fixture
def generated():
    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        schema = SchemaGenerator().get_schema(request=None, public=True)
    yield schema, dict(GENERATOR_STATS._warn_cache), dict(GENERATOR_STATS._error_cache)
    GENERATOR_STATS.reset()


def test_schema_generates_validates_and_names_every_route(generated):
    schema, _warnings, _errors = generated
    validate_schema(schema)  # OpenAPI 3 JSON schema
    routes = _api_routes()
    assert "/api/v1/cases/{id}/re-review/decide/" in routes and "/api/v1/portal/track/{query_code}/" in routes
    assert routes <= set(schema["paths"]), routes - set(schema["paths"])
    assert set(schema["paths"]["/api/v1/cases/"]) >= {"get", "post"}


@pytest.mark.xfail(strict=True, reason=(
    "the APIViews declare no serializer_class/extend_schema, so drf-spectacular reports 'unable to guess "
    "serializer' for 17 views and an operationId collision; annotate the views, then drop this mark"))
def test_schema_has_no_errors_or_warnings(generated):
    _schema, warnings, errors = generated
    assert not errors, sorted(errors)
    assert not warnings, sorted(warnings)
