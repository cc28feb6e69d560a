"""Writing and verifying the hash-chained audit log (SECURITY.md 8–9).

``audit_record`` runs inside the caller's transaction: when the audit row cannot be written the whole
action fails with it ("a failed audit write fails the action").
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from xinfang.core.context import client_ip
from xinfang.core.models import AuditChainHead, AuditEntry

GENESIS = "0" * 64


def _entry_digest(*, prev_hash: str, at: str, username: str, role: str, ip: str, action: str,
                  object_type: str, object_id: str, result: str, detail: Any) -> str:
    body = json.dumps(
        [prev_hash, at, username, role, ip, action, object_type, object_id, result, detail],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()



def _chain_head_locked(cursor: Any) -> tuple[str, int]:
    """The newest hash and the row count of the chain, with the head row locked until commit (FOR UPDATE on
    PostgreSQL; SQLite transactions are IMMEDIATE, one writer at a time), so that two writers never chain
    onto the same predecessor. Creates the head on first use."""
    lock = " FOR UPDATE" if connection.vendor == "postgresql" else ""
    sql = f"SELECT last_hash, count FROM core_auditchainhead WHERE id = 1{lock}"  # noqa: S608 - constant
    cursor.execute(sql)
    row = cursor.fetchone()
    if row is None:
        AuditChainHead.objects.get_or_create(id=1, defaults={"last_hash": GENESIS, "count": 0})
        cursor.execute(sql)
        row = cursor.fetchone()
    return row[0], row[1]

def audit_record(*, actor: Any, action: str, obj: Any = None, object_type: str = "", object_id: str = "",
                 result: str = AuditEntry.Result.OK, detail: dict[str, Any] | None = None,
                 ip: str | None = None) -> AuditEntry:
    """Append one audit row. ``actor`` is a user or None (the public, the system)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    user = actor if getattr(actor, "is_authenticated", False) else None
    # An API client (xinfang.api.clients.ApiClientActor) is no user but names itself: "apikey:<name>".
    username = user.get_username() if user else ("system" if actor is None else getattr(actor, "audit_username",
                                                                                          "anonymous"))
    role = getattr(user, "role", "") if user else ""
    detail = detail or {}
    ip = client_ip.get() if ip is None else ip
    at = timezone.now()
    detail_json = json.dumps(detail, ensure_ascii=False, sort_keys=True)
    # Raw SQL on the hot path (every read and write of a case is audited): three statements, no ORM.
    # The head row is locked (FOR UPDATE on PostgreSQL; SQLite transactions are IMMEDIATE, one writer at
    # a time) so two writers never chain onto the same predecessor.
    # savepoint=False: inside a service's transaction a failed audit write fails the whole action anyway.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        prev_hash, count = _chain_head_locked(cursor)
        digest = _entry_digest(prev_hash=prev_hash, at=at.isoformat(), username=username, role=role, ip=ip,
                               action=action, object_type=object_type, object_id=object_id, result=result,
                               detail=detail)
        cursor.execute(
            "INSERT INTO core_auditentry (at, user_id, username, role, ip, action, object_type, object_id, result,"
            " detail, prev_hash, hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [connection.ops.adapt_datetimefield_value(at), user.pk if user else None, username, role, ip, action,
             object_type, object_id, result, detail_json, prev_hash, digest],
        )
        cursor.execute("UPDATE core_auditchainhead SET last_hash = %s, count = %s WHERE id = 1", [digest, count + 1])
    entry = AuditEntry(at=at, user=user, username=username, role=role, ip=ip, action=action,
                       object_type=object_type, object_id=object_id, result=result, detail=detail,
                       prev_hash=prev_hash, hash=digest)
    return entry


def audit_record_many(*, actor: Any, action: str, objects: list[tuple[str, str, dict[str, Any]]],
                      ip: str | None = None) -> int:
    """Append one audit row per ``(object_type, object_id, detail)``, chained in order, in three statements
    whatever their number (the batch registration of an import writes thousands). The same rows, hashes
    and locking as ``audit_record``; returns how many were written."""
    if not objects:
        return 0
    user = actor if getattr(actor, "is_authenticated", False) else None
    # An API client (xinfang.api.clients.ApiClientActor) is no user but names itself: "apikey:<name>".
    username = user.get_username() if user else ("system" if actor is None else getattr(actor, "audit_username",
                                                                                          "anonymous"))
    role = getattr(user, "role", "") if user else ""
    ip = client_ip.get() if ip is None else ip
    at = timezone.now()
    at_text = at.isoformat()
    at_db = connection.ops.adapt_datetimefield_value(at)
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        prev_hash, count = _chain_head_locked(cursor)
        params = []
        for object_type, object_id, detail in objects:
            digest = _entry_digest(prev_hash=prev_hash, at=at_text, username=username, role=role, ip=ip,
                                   action=action, object_type=object_type, object_id=object_id,
                                   result=AuditEntry.Result.OK, detail=detail)
            params.append([at_db, user.pk if user else None, username, role, ip, action, object_type, object_id,
                           AuditEntry.Result.OK, json.dumps(detail, ensure_ascii=False, sort_keys=True),
                           prev_hash, digest])
            prev_hash = digest
        cursor.executemany(
            "INSERT INTO core_auditentry (at, user_id, username, role, ip, action, object_type, object_id, result,"
            " detail, prev_hash, hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", params)
        cursor.execute("UPDATE core_auditchainhead SET last_hash = %s, count = %s WHERE id = 1",
                       [prev_hash, count + len(objects)])
    return len(objects)


@dataclass(frozen=True)
class AuditVerification:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    reason: str = ""


def audit_verify(*, batch_size: int = 5000) -> AuditVerification:
    """Walk the chain from the start; name the first row whose hash or link does not hold."""
    prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        rows = list(AuditEntry.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not rows:
            break
        for row in rows:
            if row.prev_hash != prev:
                return AuditVerification(False, checked, row.id, "link to the previous row is broken")
            digest = _entry_digest(prev_hash=row.prev_hash, at=row.at.isoformat(), username=row.username,
                                   role=row.role, ip=row.ip, action=row.action, object_type=row.object_type,
                                   object_id=row.object_id, result=row.result, detail=row.detail)
            if digest != row.hash:
                return AuditVerification(False, checked, row.id, "content does not match its hash")
            prev = row.hash
            checked += 1
            last_id = row.id
    head = AuditChainHead.objects.filter(id=1).first()
    if head and (head.last_hash != prev or head.count != checked):
        return AuditVerification(False, checked, None, "rows are missing at the end of the chain")
    return AuditVerification(True, checked)
