"""The append-only case event log and the guarded status change every service uses."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.cases.models import Case, CaseEvent
from xinfang.core.audit import audit_record
from xinfang.core.db import insert_row
from xinfang.core.errors import InvalidTransition


def actor_display(actor: Any) -> str:
    if actor is None:
        return "系统"
    if not getattr(actor, "is_authenticated", False):
        return "信访人"
    return str(actor)


def case_event_append(*, case: Case, actor: Any, action: str, from_status: str = "", to_status: str = "",
                      note: str = "", data: dict[str, Any] | None = None, at: datetime | None = None) -> CaseEvent:
    user = actor if getattr(actor, "is_authenticated", False) else None
    values = {"case_id": case.pk, "at": at or timezone.now(), "actor_id": user.pk if user else None,
              "actor_name": actor_display(actor), "action": action, "from_status": from_status,
              "to_status": to_status, "note": note, "data": data or {}}
    # Every workflow step appends one: the compiled insert (insert_row) keeps the step cheap.
    return insert_row(CaseEvent, **values)


def not_allowed(case: Case, action_label: str) -> InvalidTransition:
    return InvalidTransition(
        _("当前状态为“%(status)s”，不能%(action)s。") % {"status": case.get_status_display(), "action": action_label}
    )


def case_transition(*, case: Case, allowed: Iterable[str], to: str, actor: Any, action: str, action_label: str,
                    note: str = "", data: dict[str, Any] | None = None, **fields: Any) -> CaseEvent:
    """Move ``case`` from one of ``allowed`` to ``to`` with a conditional update (two officers acting on
    the same case at once: the second gets a clear 409, never a lost update), then log the event."""
    allowed = list(allowed)
    if case.status not in allowed:
        raise not_allowed(case, action_label)
    now = timezone.now()
    updated = Case.objects.filter(pk=case.pk, status=case.status).update(status=to, updated_at=now, **fields)
    if not updated:
        case.refresh_from_db(fields=["status"])
        raise not_allowed(case, action_label)
    old = case.status
    case.status = to
    for name, value in fields.items():
        setattr(case, name, value)
    event = case_event_append(case=case, actor=actor, action=action, from_status=old, to_status=to, note=note,
                              data=data, at=now)
    audit_record(actor=actor, action=f"case.{action}", obj=case, detail={"from": old, "to": to})
    return event
