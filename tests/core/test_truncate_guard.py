"""PostgreSQL refuses TRUNCATE of the append-only tables while the guard is on (SECURITY.md 9).
SQLite has no TRUNCATE; its DELETE is covered in test_audit.py."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from xinfang.core.audit import audit_record, audit_verify
from xinfang.core.models import AuditEntry


@pytest.mark.parametrize("table", ["core_auditentry", "core_auditchainhead", "cases_caseevent"])
def test_truncate_is_refused(db, table):
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE exists on PostgreSQL only")
    audit_record(actor=None, action="test.truncate")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {table} CASCADE")
    assert AuditEntry.objects.filter(action="test.truncate").exists()
    assert audit_verify().ok
