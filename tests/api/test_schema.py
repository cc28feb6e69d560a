"""The OpenAPI schema (drf-spectacular) and where it is served: it must generate without errors or
warnings, validate, name every route and declare one ``Error`` component for every error answer —
tests/api/test_fuzz.py fuzzes the API against it (schemathesis, SECURITY.md 13). Served at
/api/v1/schema/ and /api/v1/docs/ (Swagger UI, offline) to signed-in staff and token users only.
"""

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
            elif isinstance(p, URLPattern) and p.callback is not api_not_found \
                    and p.name not in ("api-schema", "api-docs"):  # the catch-all 404, the schema itself
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


def test_schema_has_no_errors_or_warnings(generated):
    _schema, warnings, errors = generated
    assert not errors, sorted(errors)
    assert not warnings, sorted(warnings)


def test_every_operation_declares_its_answers(generated):
    schema, _warnings, _errors = generated
    operation_ids = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            operation_ids.append(operation["operationId"])
            responses = operation["responses"]
            assert any(code.startswith("2") for code in responses), (method, path)
            errors = [code for code in responses if code[0] == "4"]
            assert errors, (method, path)
            for code in errors:
                ref = responses[code]["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/Error", (method, path, code)
            if method == "post":
                assert "requestBody" in operation and {"400", "415"} <= set(responses), (method, path)
            portal = path.startswith("/api/v1/portal/")
            assert ("401" in responses) is not portal, (method, path)
    assert len(operation_ids) == len(set(operation_ids)), sorted(operation_ids)
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"message", "errors", "code"}


def test_schema_is_served_to_token_users_and_staff_sessions(api, personas, client):
    response = api("handler").get("/api/v1/schema/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    assert response.json()["info"]["title"] == "xinfang API"
    assert "/api/v1/cases/{id}/route/" in response.json()["paths"]
    assert api("officer").get("/api/v1/schema/?format=yaml").content.startswith(b"openapi: 3")
    client.force_login(personas["registrar"])
    assert client.get("/api/v1/schema/").status_code == 200


def test_schema_and_docs_need_a_login(api, client):
    response = api(None).get("/api/v1/schema/")
    assert response.status_code == 401
    assert set(response.json()) == {"message", "errors", "code"}
    response = client.get("/api/v1/docs/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=/api/v1/docs/")


def test_docs_page_is_offline_and_csp_clean(personas, client):
    """Swagger UI's assets are this server's static files (drf-spectacular-sidecar) and the page has no
    inline script or style, so the CSP ``script-src 'self'; style-src 'self'`` holds (tests/browser has
    the page rendered in Chromium)."""
    client.force_login(personas["officer"])
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "/static/xinfang/api/docs.js" in html and 'data-schema-url="/api/v1/schema/"' in html
    assert "<style" not in html and "style=" not in html
    assert re.findall(r"<script(?![^>]*\ssrc=)", html) == []  # every script has a src
    assert "http://" not in html and "https://" not in html and "{#" not in html
