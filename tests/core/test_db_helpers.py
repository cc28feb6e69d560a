"""xinfang/core/db.py: the fast insert and instance helpers do what the ORM would."""

from __future__ import annotations

import pytest

from tests.conftest import at
from xinfang.cases.models import Case, CaseEvent, Petitioner
from xinfang.core.db import insert_row, instance_new


def test_instance_new_fills_defaults_like_the_model(district) -> None:
    made = instance_new(Case, {"number": "XF-2026-000001", "title": "t"})
    reference = Case(number="XF-2026-000001", title="t")
    for field in Case._meta.concrete_fields:
        if field.has_default() and callable(field.default):
            continue  # timestamps and dicts: made afresh each time
        assert getattr(made, field.attname) == getattr(reference, field.attname), field.attname
    assert made.pk is None and made._state.adding


def test_instance_new_gives_each_instance_its_own_mutable_default(district) -> None:
    one, two = instance_new(CaseEvent, {}), instance_new(CaseEvent, {})
    assert one.data == {} and one.data is not two.data


def test_instance_new_refuses_unknown_fields(district) -> None:
    with pytest.raises(TypeError, match="unknown fields"):
        instance_new(Petitioner, {"nickname": "x"})


def test_insert_row_returns_a_saved_instance_equal_to_the_stored_row(district, categories) -> None:
    category = categories["housing"]
    case = insert_row(Case, number="XF-2026-000009", query_code_hash="h" * 64, channel="letter",
                      received_at=at("2026-06-01 09:00"), matter_type="claim", title="标题", content="内容",
                      category=category, status=Case.Status.REGISTERED)
    assert case.pk and not case._state.adding
    assert case.category is category  # the object given is kept, as create() would
    stored = Case.objects.get(pk=case.pk)
    for field in Case._meta.concrete_fields:
        assert getattr(stored, field.attname) == getattr(case, field.attname), field.attname


def test_insert_row_refuses_unknown_fields(district) -> None:
    with pytest.raises(TypeError, match="unknown fields"):
        insert_row(Petitioner, name="x", nickname="y")
