"""The case table's period index (migration cases 0006): one index beginning with received_at — the covering
``case_received_idx`` the hotspots count from (docs/analytics.md) — on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from django.db import connection

from xinfang.cases.models import Case

pytestmark = pytest.mark.django_db


def _indexes() -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Case._meta.db_table)
    return {name: c["columns"] for name, c in constraints.items() if c["index"] and not c["unique"]}


def test_one_covering_index_begins_with_received_at():
    indexes = _indexes()
    assert indexes["case_received_idx"] == ["received_at", "category_id", "street_id", "id"]
    leading = [name for name, columns in indexes.items() if columns[:1] == ["received_at"]]
    assert leading == ["case_received_idx"]  # the single-column index it replaces is gone

