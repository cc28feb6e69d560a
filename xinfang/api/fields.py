"""Serializer fields that take exactly the JSON type the schema declares. DRF's own fields are lenient:
``CharField`` turns ``12`` into ``"12"``, ``IntegerField`` reads ``"12"``, ``BooleanField`` reads ``"yes"``
— so a body the schema calls invalid was accepted (tests/api/test_fuzz.py, negative data). Used by the JSON
bodies of the workbench and reference endpoints; multipart forms, where everything is text, keep DRF's.
Below them, the readers of query parameters the list endpoints share (a date, a flag, a choice)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from xinfang.core.errors import ValidationFailed


class StrictCharField(serializers.CharField):
    """A JSON string only."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only (not a string of digits, not ``true``, not ``1.0``)."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A JSON ``true`` or ``false`` only."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


# --- Query parameters ---------------------------------------------------------------------------------------
# A query parameter is text; these read one the way its schema declares it, and answer a 400 that names
# the parameter otherwise (a value outside the schema is refused, never silently ignored).

_FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def date_param(params: Any, name: str) -> date | None:
    """A date parameter (``format: date``, YYYY-MM-DD); None when absent."""
    raw = params.get(name)
    if raw is None:
        return None
    try:
        # The full-date form only: Python (and so DRF's DateField) also reads 20261009 and 2026-W41-5.
        if not (isinstance(raw, str) and _FULL_DATE.fullmatch(raw)):
            raise serializers.ValidationError("not YYYY-MM-DD")
        return serializers.DateField().to_internal_value(raw)
    except serializers.ValidationError:
        message = _("参数 %(p)s 必须是 YYYY-MM-DD。") % {"p": name}
        raise ValidationFailed(message, errors={name: [message]}) from None


def int_param(params: Any, name: str, *, minimum: int = 1) -> int | None:
    """An integer parameter (``type: integer``), at least ``minimum``; None when absent."""
    raw = params.get(name)
    if raw is None:
        return None
    text = str(raw)
    if not (text.isascii() and text.isdigit()) or int(text) < minimum:
        message = _("参数 %(p)s 必须是不小于 %(m)d 的整数。") % {"p": name, "m": minimum}
        raise ValidationFailed(message, errors={name: [message]})
    return int(text)


def flag_param(params: Any, name: str) -> bool:
    """A boolean parameter: ``true`` or ``false``; false when absent."""
    if name not in params:
        return False
    value = params.get(name)
    if value not in ("true", "false"):
        raise ValidationFailed(_("参数 %(p)s 必须是 true 或 false。") % {"p": name},
                               errors={name: [_("必须是 true 或 false。")]})
    return value == "true"


def choice_param(params: Any, name: str, choices: list[str]) -> str:
    """An enumerated parameter: one of ``choices``; "" (no filter) when absent."""
    if name not in params:
        return ""
    value = params.get(name)
    if value not in choices:
        raise ValidationFailed(_("参数 %(p)s 无效。") % {"p": name}, errors={name: [_("取值无效。")]})
    return str(value)
