"""Open311 GeoReport v2 output in its two formats: JSON and XML with the spec's element names
(``<services><service>``, ``<service_requests><request>``, ``<errors><error>``), UTF-8 throughout."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET  # noqa: S405 - building XML, never parsing it

from django.http import HttpResponse

FORMATS = ("json", "xml")
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
# The element name of one item of each list, by the list's own name.
_ITEM = {"services": "service", "service_requests": "request", "errors": "error", "attributes": "attribute",
         "values": "value"}


def _xml_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _xml_append(parent: ET.Element, name: str, value: Any) -> None:
    if value is None:
        return  # absent, not empty: an XML client reads a missing element as "not given"
    element = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, item in value.items():
            _xml_append(element, key, item)
    elif isinstance(value, list):
        for item in value:
            _xml_append(element, _ITEM.get(name, "item"), item)
    else:
        element.text = _xml_text(value)


def open311_response(data: Any, *, fmt: str, root: str, status: int = 200) -> HttpResponse:
    """``data`` (a list of dicts, or one dict for a single-object root) as JSON or as XML under ``root``."""
    if fmt == "xml":
        element = ET.Element(root)
        items = data if isinstance(data, list) else [data]
        if isinstance(data, list):
            for item in items:
                _xml_append(element, _ITEM[root], item)
        else:
            for key, value in data.items():
                _xml_append(element, key, value)
        body = XML_DECLARATION + ET.tostring(element, encoding="unicode").encode("utf-8")
        return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")
    return HttpResponse(json.dumps(data, ensure_ascii=False), status=status,
                        content_type="application/json; charset=utf-8")


def open311_errors(errors: list[tuple[int, str]], *, fmt: str, status: int) -> HttpResponse:
    """The spec's error list: ``[{"code": 400, "description": "…"}]`` / ``<errors><error>…``."""
    return open311_response([{"code": code, "description": text} for code, text in errors], fmt=fmt, root="errors",
                            status=status)
