"""A small Open311 GeoReport v2 client written against the spec (https://wiki.open311.org/GeoReport_v2),
not against our code: it knows the paths, the parameters, the two formats and the error lists, and
nothing else. It speaks through Django's test client.

Both formats come back as the same Python values: lists of dicts with the spec's field names. XML is
parsed with ``xml.etree``; JSON ``null`` fields are dropped, since in XML an absent element is the only
way to say "not given" (so one test can compare the two formats).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree as ET  # noqa: S405 - our own test server's answers

from django.test import Client

_LIST_ITEMS = {"services": "service", "service_requests": "request", "errors": "error"}
_BOOLEANS = {"metadata"}
_INTEGERS = {"code"}


class Open311Error(Exception):
    def __init__(self, status: int, errors: list[dict[str, Any]]):
        super().__init__(f"{status}: {errors}")
        self.status = status
        self.errors = errors


@dataclass
class Open311Client:
    http: Client
    fmt: str = "json"
    api_key: str | None = None
    base: str = "/open311/v2/"
    last_response: Any = field(default=None, repr=False)

    # --- the spec's methods ---------------------------------------------------------------------------
    def services(self) -> list[dict[str, Any]]:
        return self._call("get", "services")

    def service(self, code: str) -> dict[str, Any]:
        return self._call("get", f"services/{code}")

    def post_request(self, **params: Any) -> list[dict[str, Any]]:
        """POST requests: form-encoded like the spec's examples, ``api_key`` among the parameters;
        ``attribute={"id_number": …}`` becomes ``attribute[id_number]=…``."""
        data = {k: v for k, v in params.items() if k != "attribute" and v is not None}
        for name, value in (params.get("attribute") or {}).items():
            data[f"attribute[{name}]"] = value
        if self.api_key is not None:
            data["api_key"] = self.api_key
        return self._call("post", "requests", data=data)

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        return self._call("get", "requests", query={k: v for k, v in filters.items() if v is not None})

    def request(self, service_request_id: str) -> dict[str, Any]:
        answer = self._call("get", f"requests/{service_request_id}")
        assert isinstance(answer, list) and len(answer) == 1, answer  # the spec: a list of one
        return answer[0]

    # --- plumbing -------------------------------------------------------------------------------------
    def _call(self, method: str, resource: str, *, query: dict[str, Any] | None = None,
              data: dict[str, Any] | None = None) -> Any:
        path = f"{self.base}{resource}.{self.fmt}"
        if method == "get":
            response = self.http.get(path, query or {})
        else:
            response = self.http.post(path, data or {})  # multipart/form-data, one of the spec's encodings
        self.last_response = response
        parsed = self.parse(response)
        if response.status_code >= 400:
            raise Open311Error(response.status_code, parsed)
        return parsed

    def parse(self, response: Any) -> Any:
        content_type = response["Content-Type"]
        if self.fmt == "xml":
            assert content_type.startswith("text/xml"), content_type
            assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>'), response.content[:60]
            return self._from_xml(ET.fromstring(response.content))  # noqa: S314 - our own test server
        assert content_type.startswith("application/json"), content_type
        return self._drop_nulls(response.json())

    @classmethod
    def _drop_nulls(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [cls._drop_nulls(v) for v in value]
        if isinstance(value, dict):
            return {k: cls._drop_nulls(v) for k, v in value.items() if v is not None}
        return value

    @classmethod
    def _from_xml(cls, root: ET.Element) -> Any:
        if root.tag in _LIST_ITEMS:
            assert all(child.tag == _LIST_ITEMS[root.tag] for child in root), [c.tag for c in root]
            return [cls._record(child) for child in root]
        return cls._record(root)

    @classmethod
    def _record(cls, element: ET.Element) -> dict[str, Any]:
        record: dict[str, Any] = {}
        for child in element:
            if child.tag == "attributes":
                record["attributes"] = [cls._record(a) for a in child]
            elif child.tag in _BOOLEANS:
                record[child.tag] = child.text == "true"
            elif child.tag in _INTEGERS:
                record[child.tag] = int(child.text or "0")
            else:
                record[child.tag] = child.text or ""
        return record
