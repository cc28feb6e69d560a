"""Serializer fields that take exactly the JSON type the schema declares. DRF's own fields are lenient:
``CharField`` turns ``12`` into ``"12"``, ``IntegerField`` reads ``"12"``, ``BooleanField`` reads ``"yes"``
— so a body the schema calls invalid was accepted (tests/api/test_fuzz.py, negative data). Used by the JSON
bodies of the workbench and reference endpoints; multipart forms, where everything is text, keep DRF's."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


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
