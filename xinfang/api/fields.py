"""The API's input held to the types its schema declares. DRF's own fields are lenient: ``CharField`` turns
``12`` into ``"12"``, ``IntegerField`` reads ``"12"``, ``BooleanField`` reads ``"yes"`` — so a body the schema
calls invalid was accepted (tests/api/test_fuzz.py, negative data). ``json_types_check`` (called by
``validated()`` for every JSON body) holds every serializer to its declared types; multipart forms, where
everything is text, keep DRF's reading. Also here, the readers of query parameters the list endpoints share
(a date, an integer, a flag, a choice)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from xinfang.api.pagination import MAX_ID
from xinfang.core.errors import ValidationFailed

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
    """An integer parameter (``type: integer``), at least ``minimum`` and within 64 bits; None when absent."""
    raw = params.get(name)
    if raw is None:
        return None
    text = str(raw)
    if not (text.isascii() and text.isdigit()) or int(text) < minimum:
        message = _("参数 %(p)s 必须是不小于 %(m)d 的整数。") % {"p": name, "m": minimum}
        raise ValidationFailed(message, errors={name: [message]})
    if int(text) > MAX_ID:  # a larger id names nothing; SQLite cannot even look it up
        message = _("参数 %(p)s 过大。") % {"p": name}
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


# --- JSON bodies ----------------------------------------------------------------------------------------------
# DRF's fields convert: a CharField takes 12 as "12" (a reveal's ``reason`` of 9.9e-303 passed its
# length check and revealed an ID number), an IntegerField "12", a BooleanField "yes". A JSON body must
# carry the types the schema declares; ``json_types_check`` says where it does not, before a serializer
# converts anything. (Multipart forms, where everything is text, are left to DRF.)

def _type_error(field: serializers.Field, value: Any) -> str | None:  # noqa: C901, PLR0911 - one case per kind
    """Why ``value`` does not have the JSON type of ``field``; None when it does (or the field takes any)."""
    if value is None:
        return None if field.allow_null else _("不能为空（null）。")
    if isinstance(field, (serializers.ListSerializer, serializers.ListField)):
        return None if isinstance(value, list) else _("应为数组。")
    if isinstance(field, serializers.Serializer):
        return None if isinstance(value, dict) else _("应为对象。")
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else _("应为 true 或 false。")
    if isinstance(field, serializers.IntegerField):
        return None if isinstance(value, int) and not isinstance(value, bool) else _("应为整数。")
    if isinstance(field, (serializers.FloatField, serializers.DecimalField)):
        return None if isinstance(value, (int, float)) and not isinstance(value, bool) else _("应为数字。")
    if isinstance(field, serializers.MultipleChoiceField):
        return None if isinstance(value, list) else _("应为数组。")
    if isinstance(field, serializers.ChoiceField):
        kinds = {type(key) for key in field.choices}
        return None if type(value) in kinds else _("取值无效。")
    if isinstance(field, (serializers.CharField, serializers.DateField, serializers.DateTimeField,
                          serializers.TimeField)):
        return None if isinstance(value, str) else _("应为字符串。")
    return None


def json_types_check(fields: Any, data: Any, *, prefix: str = "") -> dict[str, list[str]]:
    """The fields of ``data`` (a JSON object) whose type is not their field's, as ``{"a.b.0.c": [why]}``:
    nested serializers and lists are followed. Unknown keys are the serializer's business."""
    errors: dict[str, list[str]] = {}
    if not isinstance(data, dict):
        return errors
    for name, field in fields.items():
        if field.read_only or name not in data:
            continue
        value, path = data[name], f"{prefix}{name}"
        why = _type_error(field, value)
        if why is not None:
            errors[path] = [why]
            continue
        if isinstance(field, serializers.Serializer):
            errors |= json_types_check(field.fields, value, prefix=f"{path}.")
        elif isinstance(field, (serializers.ListSerializer, serializers.ListField)) and isinstance(value, list):
            child = field.child
            if child is None:
                continue
            for index, item in enumerate(value):
                why = _type_error(child, item)
                if why is not None:
                    errors[f"{path}.{index}"] = [why]
                elif isinstance(child, serializers.Serializer):
                    errors |= json_types_check(child.fields, item, prefix=f"{path}.{index}.")
    return errors
