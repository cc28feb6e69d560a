"""The hash-chained, append-only audit log (SECURITY.md 8–9) and the append-only case event log."""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import datetime
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, IntegrityError, connection, transaction

from tests.conftest import at
from tests.core.conftest import guard_off
from xinfang.cases.models import Case, CaseDeadline, CaseEvent, CasePetitioner, Petitioner
from xinfang.cases.services import case_route
from xinfang.core.audit import GENESIS, _entry_digest, audit_record, audit_verify
from xinfang.core.clock import clock_at
from xinfang.core.context import client_ip
from xinfang.core.models import AppendOnlyGuard, AuditChainHead, AuditEntry

pytestmark = pytest.mark.django_db


def row_of(entry: AuditEntry) -> AuditEntry:
    """``audit_record`` returns an unsaved copy; the stored row is found by its (unique) hash."""
    return AuditEntry.objects.get(hash=entry.hash)


def three_rows(personas) -> list[AuditEntry]:
    officer = personas["officer"]
    return [
        row_of(audit_record(actor=officer, action="case.read", object_type="cases.case", object_id=str(n),
                            ip="10.0.0.1", detail={"n": n}))
        for n in range(1, 4)
    ]


def tamper(sql: str, params: list) -> None:
    with guard_off(), connection.cursor() as cursor:
        cursor.execute(sql, params)


# -- writing ---------------------------------------------------------------------------------------------

def test_record_writes_who_when_where_what_and_result(personas):
    officer = personas["officer"]
    moment = at("2026-10-08 09:30")
    with clock_at(moment):
        entry = audit_record(actor=officer, action="petitioner.reveal", obj=officer, ip="192.0.2.7",
                             result=AuditEntry.Result.DENIED, detail={"reason": "核实身份", "case": 7})
    row = row_of(entry)
    assert row.at == moment
    assert row.at.utcoffset() is not None  # stored with its offset
    assert row.user_id == officer.pk
    assert row.username == "officer"
    assert row.role == officer.role
    assert row.ip == "192.0.2.7"
    assert row.action == "petitioner.reveal"
    assert (row.object_type, row.object_id) == ("accounts.user", str(officer.pk))
    assert row.result == "denied"
    assert row.detail == {"reason": "核实身份", "case": 7}
    assert len(row.hash) == 64 and row.hash != row.prev_hash


def test_record_without_a_user_and_the_ip_from_the_request_context(db):
    token = client_ip.set("198.51.100.23")
    try:
        row = row_of(audit_record(actor=None, action="deadlines.sweep"))
    finally:
        client_ip.reset(token)
    assert (row.username, row.role, row.user_id, row.ip) == ("system", "", None, "198.51.100.23")
    assert row.result == "ok"


def test_rows_are_chained_and_the_head_follows(personas):
    head_before = AuditChainHead.objects.filter(id=1).first()
    start_hash = head_before.last_hash if head_before else GENESIS
    start_count = head_before.count if head_before else 0
    rows = three_rows(personas)
    assert rows[0].prev_hash == start_hash
    assert rows[1].prev_hash == rows[0].hash
    assert rows[2].prev_hash == rows[1].hash
    assert len({r.hash for r in rows}) == 3
    head = AuditChainHead.objects.get(id=1)
    assert head.last_hash == rows[2].hash
    assert head.count == start_count + 3 == AuditEntry.objects.count()


def test_the_chain_starts_at_genesis_on_an_empty_log(db):
    assert not AuditEntry.objects.exists()
    row = row_of(audit_record(actor=None, action="first"))
    assert row.prev_hash == GENESIS


# -- verifying -------------------------------------------------------------------------------------------

def test_verify_is_ok_on_an_intact_chain(personas):
    three_rows(personas)
    result = audit_verify()
    assert result.ok, result
    assert result.checked == AuditEntry.objects.count() >= 3
    assert result.first_bad_id is None


def test_verify_is_ok_on_an_empty_log(db):
    assert audit_verify().ok


def test_verify_pages_through_long_chains(personas):
    three_rows(personas)
    assert audit_verify(batch_size=1).ok
    assert audit_verify(batch_size=2).checked == AuditEntry.objects.count()


@pytest.mark.parametrize(
    ("column", "value"),
    [("username", "mallory"), ("action", "case.read.ok"), ("ip", "127.0.0.1"), ("result", "denied"),
     ("object_id", "999"), ("detail", json.dumps({"n": 20})), ("role", "audit_admin")],
)
def test_verify_names_the_first_altered_row(personas, column, value):
    rows = three_rows(personas)
    tamper(f"UPDATE core_auditentry SET {column} = %s WHERE id = %s", [value, rows[1].id])  # noqa: S608
    result = audit_verify()
    assert not result.ok
    assert result.first_bad_id == rows[1].id
    assert "hash" in result.reason


def test_verify_detects_a_changed_time(personas):
    rows = three_rows(personas)
    with guard_off():
        AuditEntry.objects.filter(id=rows[0].id).update(at=datetime.fromisoformat("2020-01-01T00:00+00:00"))
    result = audit_verify()
    assert (result.ok, result.first_bad_id) == (False, rows[0].id)


def test_verify_names_the_earliest_of_two_altered_rows(personas):
    rows = three_rows(personas)
    tamper("UPDATE core_auditentry SET username = %s WHERE id IN (%s, %s)", ["x", rows[1].id, rows[2].id])
    assert audit_verify().first_bad_id == rows[1].id


def test_verify_detects_a_row_rewritten_with_a_fresh_hash(personas):
    """Whoever changes a row and recomputes its hash still breaks the link of the row after it."""
    rows = three_rows(personas)
    forged = rows[1]
    forged_hash = _entry_digest(prev_hash=forged.prev_hash, at=forged.at.isoformat(), username="mallory",
                                role=forged.role, ip=forged.ip, action=forged.action,
                                object_type=forged.object_type, object_id=forged.object_id,
                                result=forged.result, detail=forged.detail)
    tamper("UPDATE core_auditentry SET username = %s, hash = %s WHERE id = %s",
           ["mallory", forged_hash, forged.id])
    result = audit_verify()
    assert (result.ok, result.first_bad_id) == (False, rows[2].id)
    assert "link" in result.reason


def test_verify_detects_a_replaced_hash(personas):
    rows = three_rows(personas)
    tamper("UPDATE core_auditentry SET hash = %s WHERE id = %s", ["f" * 64, rows[1].id])
    assert audit_verify().first_bad_id == rows[1].id


def test_verify_detects_a_removed_row(personas):
    rows = three_rows(personas)
    tamper("DELETE FROM core_auditentry WHERE id = %s", [rows[1].id])
    result = audit_verify()
    assert (result.ok, result.first_bad_id) == (False, rows[2].id)
    assert "link" in result.reason


def test_verify_detects_rows_cut_off_at_the_end(personas):
    rows = three_rows(personas)
    tamper("DELETE FROM core_auditentry WHERE id = %s", [rows[2].id])
    result = audit_verify()
    assert not result.ok
    assert result.first_bad_id is None
    assert "missing" in result.reason


# -- the command -------------------------------------------------------------------------------------------

def test_command_reports_an_intact_chain(personas, capsys):
    three_rows(personas)
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert str(AuditEntry.objects.count()) in out


def test_command_fails_naming_the_altered_row(personas):
    rows = three_rows(personas)
    tamper("UPDATE core_auditentry SET username = %s WHERE id = %s", ["mallory", rows[2].id])
    with pytest.raises(CommandError) as caught:
        call_command("audit", "verify")
    assert f"id={rows[2].id}" in str(caught.value)
    assert caught.value.returncode == 1


def test_command_fails_on_rows_cut_off_at_the_end(personas):
    rows = three_rows(personas)
    tamper("DELETE FROM core_auditentry WHERE id = %s", [rows[2].id])
    with pytest.raises(CommandError):
        call_command("audit", "verify")


def test_command_needs_a_subcommand(db):
    with pytest.raises(CommandError):
        call_command("audit")


# -- append-only in the database ---------------------------------------------------------------------------

def refused(sql: str, params: list) -> bool:
    """Run ``sql`` in a savepoint; True when the database refused it."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError as exc:
        assert "append-only" in str(exc)
        return True
    return False


@pytest.fixture
def event(register) -> CaseEvent:
    case = register()
    return CaseEvent.objects.filter(case=case).earliest("id")


def test_database_refuses_update_and_delete_on_the_audit_log(personas):
    row = three_rows(personas)[0]
    assert AppendOnlyGuard.objects.filter(id=1, enabled=False).count() == 0  # on, or missing (= on)
    assert refused("UPDATE core_auditentry SET username = %s WHERE id = %s", ["mallory", row.id])
    assert refused("DELETE FROM core_auditentry WHERE id = %s", [row.id])
    assert refused("DELETE FROM core_auditentry", [])
    assert AuditEntry.objects.get(id=row.id).username == "officer"
    assert audit_verify().ok


def test_database_refuses_update_and_delete_on_case_events(event):
    assert refused("UPDATE cases_caseevent SET note = %s WHERE id = %s", ["改写", event.id])
    assert refused("DELETE FROM cases_caseevent WHERE id = %s", [event.id])
    stored = CaseEvent.objects.get(id=event.id)
    assert stored.note == event.note and stored.action == "registered"


def test_orm_writes_are_refused_too(event):
    with pytest.raises(DatabaseError), transaction.atomic():
        CaseEvent.objects.filter(id=event.id).update(note="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.exists()


def test_guard_off_lets_the_purge_through(event):
    """The refusals above come from the guard: with it off the same statements succeed."""
    with guard_off():
        assert not refused("UPDATE cases_caseevent SET note = %s WHERE id = %s", ["purge", event.id])
    assert CaseEvent.objects.get(id=event.id).note == "purge"
    assert refused("UPDATE cases_caseevent SET note = %s WHERE id = %s", ["again", event.id])


def test_a_missing_guard_row_counts_as_on(event):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_appendonlyguard")
    assert refused("UPDATE cases_caseevent SET note = %s WHERE id = %s", ["x", event.id])
    assert refused("DELETE FROM core_auditentry", [])


# -- a failed audit write fails the action -------------------------------------------------------------------

def _counts() -> dict[str, int]:
    return {
        "cases": Case.objects.count(), "petitioners": Petitioner.objects.count(),
        "links": CasePetitioner.objects.count(), "events": CaseEvent.objects.count(),
        "deadlines": CaseDeadline.objects.count(), "audit": AuditEntry.objects.count(),
    }


def test_registration_is_rolled_back_when_the_audit_insert_fails(personas, register):
    """A real database failure of the audit INSERT (a duplicate hash hits the unique index)."""
    existing = row_of(audit_record(actor=None, action="seed"))
    before = _counts()
    head = AuditChainHead.objects.get(id=1)
    with mock.patch("xinfang.core.audit._entry_digest", return_value=existing.hash), \
            pytest.raises(IntegrityError):
        register(title="审计写入失败时不应留下事项")
    assert _counts() == before
    assert not Case.objects.filter(title="审计写入失败时不应留下事项").exists()
    assert AuditChainHead.objects.get(id=1).last_hash == head.last_hash
    # The connection is usable and the next registration goes through with a sound chain.
    case = register(title="第二次登记")
    assert Case.objects.filter(pk=case.pk).exists()
    assert audit_verify().ok


def test_routing_is_rolled_back_when_the_audit_write_fails(personas, district, register):
    case = register()
    before = _counts()
    with mock.patch("xinfang.cases.services.events.audit_record", side_effect=DatabaseError("disk full")), \
            clock_at(at("2026-09-02 10:00")), pytest.raises(DatabaseError):
        case_route(case=Case.objects.get(pk=case.pk), unit=district["housing"], mode=Case.RouteMode.TRANSFER,
                   actor=personas["officer"])
    stored = Case.objects.get(pk=case.pk)
    assert stored.status == Case.Status.REGISTERED
    assert stored.handling_unit_id is None
    assert _counts() == before
    assert not CaseEvent.objects.filter(case=case, action="routed").exists()
    # Without the failure the same step succeeds: the rollback above was the audit failure's doing.
    with clock_at(at("2026-09-02 10:00")):
        case_route(case=stored, unit=district["housing"], mode=Case.RouteMode.TRANSFER,
                   actor=personas["officer"])
    assert Case.objects.get(pk=case.pk).status == Case.Status.ROUTED
    assert CaseEvent.objects.filter(case=case, action="routed").exists()


def test_console_command_exits_non_zero_naming_the_row(tmp_path):
    """End to end, as an operator or a cron job runs it: `xinfang audit verify` on a database file."""
    database = tmp_path / "xinfang.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XINFANG_", "DJANGO_", "DATABASE_URL"))}
    env.update(XINFANG_DATA_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{database}",
               XINFANG_SECRET_KEY="s" * 50, XINFANG_FIELD_KEY=base64.b64encode(bytes(32)).decode("ascii"))
    xinfang = str(Path(sys.executable).parent / "xinfang")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([xinfang, *args], env=env, capture_output=True, text=True,  # noqa: S603
                              timeout=120, check=False)

    assert run("migrate", "-v0").returncode == 0
    code = ("from xinfang.core.audit import audit_record\n"
            "for n in range(3): audit_record(actor=None, action='test', object_id=str(n))")
    assert run("shell", "-c", code).returncode == 0
    ok = run("audit", "verify")
    assert ok.returncode == 0, ok.stderr
    assert "3" in ok.stdout

    with closing(sqlite3.connect(database)) as db, db:
        second = db.execute("SELECT id FROM core_auditentry ORDER BY id LIMIT 1 OFFSET 1").fetchone()[0]
        db.execute("UPDATE core_appendonlyguard SET enabled = 0")
        db.execute("UPDATE core_auditentry SET object_id = '9' WHERE id = ?", [second])
        db.execute("UPDATE core_appendonlyguard SET enabled = 1")
    broken = run("audit", "verify")
    assert broken.returncode == 1
    assert f"id={second}" in broken.stderr
