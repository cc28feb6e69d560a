"""The request body parser of the API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, except that a body nested deeper than Python's ``json`` module can follow
    (``[[[[…]]]]``, a few dozen kilobytes) is a parse error (400) rather than an uncaught RecursionError
    (500): bad input gets a clear error (SECURITY.md 13; tests/api/test_bad_requests.py).

    ``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]`` in config/settings.py names it, so every API view has it."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("请求内容嵌套过深。")) from None
