"""Every staff page without a path argument, asked with query parameters it cannot use — letters for
numbers, impossible dates, NUL characters (which PostgreSQL refuses in any text), full-width digits,
empty values, an outside ``next`` — answers a page or a refusal, never a server error. Checked on both
databases by the suite (the API's parameters: tests/api/test_query_params.py and the fuzzer)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from tests.api.test_parity import STAFF_NAMESPACES

HOSTILE = {
    "page": "abc", "sort": "zzz", "year": "x", "days": "-1", "start": "2026-13-01", "end": "x", "q": "a\x00b",
    "status": "nope\x00", "unit": "abc", "category": "\x00", "street": "abc", "kind": "x", "mine": "x",
    "threshold": "x", "received_from": "0001-01-01", "received_to": "x", "queue": "x\x00", "number": "\x00",
    "name": "\x00", "id_hash": "zz", "outcome": "x", "rule": "x", "severity": "x", "only": "x", "metric": "x",
    "scope": "x", "level": "x", "from": "9999-12-31", "to": "x", "limit": "x", "offset": "-5", "case": "x",
    "overdue": "x", "group": "x", "repeat": "x", "rating": "x", "unit_tree": "\x00", "next": "http://evil.example/",
}
VARIANTS = {"hostile": HOSTILE, "empty": dict.fromkeys(HOSTILE, ""), "full-width digits": dict.fromkeys(HOSTILE, "９９")}


def _plain_routes() -> list[str]:
    """The URL of every staff page that takes no path argument."""
    urls = []
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace in (*STAFF_NAMESPACES, "portal"):
            for pattern in entry.url_patterns:
                if isinstance(pattern, URLPattern) and pattern.name:
                    try:
                        urls.append(reverse(f"{entry.namespace}:{pattern.name}"))
                    except NoReverseMatch:
                        continue
    return urls


def test_there_are_pages_to_ask():
    urls = _plain_routes()
    assert len(urls) > 40 and "/cases/" in urls and "/assessment/" in urls


@pytest.mark.parametrize("persona", ["officer", "system_admin", "head", None])
def test_no_page_answers_a_server_error_to_parameters_it_cannot_use(flow, personas, persona):
    flow.case_at("replied")
    client = Client(raise_request_exception=False)
    if persona is not None:
        client.force_login(personas[persona])
    errors = [(url, variant, response.status_code)
              for url in _plain_routes() for variant, params in VARIANTS.items()
              if (response := client.get(url, params)).status_code >= 500]
    assert not errors, errors
