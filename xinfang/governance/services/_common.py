"""Checks shared by the governance services: permissions, texts, dates, and the event + audit pair that
every step writes."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.accounts.access import cases_visible_to
from xinfang.accounts.roles import ADMIN_ROLES
from xinfang.cases.models import Case
from xinfang.cases.services.events import case_event_append
from xinfang.core.audit import audit_record
from xinfang.core.errors import Forbidden, NotFound, ValidationFailed

# The furthest a due date may lie ahead.
MAX_DUE_DAYS = 3 * 366


def require_perm(actor: Any, perm: str, message: Any) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(perm):
        raise Forbidden(message)


def require_case_visible(actor: Any, case: Case) -> None:
    """The gateway decides, in services as in views: a case outside the actor's scope does not exist for
    them (SECURITY.md 1–2)."""
    if not cases_visible_to(actor).filter(pk=case.pk).exists():
        raise NotFound()


def staff_can_see_case(user: Any, case: Case) -> bool:
    """An active member of staff (not one of the three admins) whom the gateway lets see ``case``."""
    if user is None or not user.is_active or user.role in ADMIN_ROLES:
        return False
    return cases_visible_to(user).filter(pk=case.pk).exists()


def clean_text(value: Any, *, field: str, minimum: int, maximum: int, message: Any) -> str:
    """``value`` stripped, between ``minimum`` and ``maximum`` characters, without NUL (which PostgreSQL
    refuses to store); else ``ValidationFailed`` naming ``field``."""
    text = (value if isinstance(value, str) else "").strip()
    if "\x00" in text:
        text = ""
    if len(text) < minimum:
        raise ValidationFailed(message, errors={field: [message]})
    if len(text) > maximum:
        too_long = _("最多%(n)d个字。") % {"n": maximum}
        raise ValidationFailed(too_long, errors={field: [too_long]})
    return text


def clean_choice(value: Any, choices: type[models.TextChoices], *, field: str, message: Any) -> str:
    if value not in choices.values or value == "":
        raise ValidationFailed(message, errors={field: [message]})
    return str(value)


def clean_due_date(value: Any, *, field: str, required: bool = True, earliest: date | None = None) -> date | None:
    """A due date from today (or ``earliest``) up to three years ahead."""
    if value is None or value == "":
        if required:
            message = _("请填写期限。")
            raise ValidationFailed(message, errors={field: [message]})
        return None
    if not isinstance(value, date):
        message = _("日期无效。")
        raise ValidationFailed(message, errors={field: [message]})
    today = timezone.localdate()
    earliest = earliest or today
    if value < earliest:
        message = _("期限不能早于%(d)s。") % {"d": earliest.isoformat()}
        raise ValidationFailed(message, errors={field: [message]})
    if value > today + timedelta(days=MAX_DUE_DAYS):
        message = _("期限不能晚于三年以后。")
        raise ValidationFailed(message, errors={field: [message]})
    return value


def event_and_audit(*, case: Case | None, actor: Any, action: str, obj: Any, note: str = "",
                    data: dict[str, Any] | None = None, detail: dict[str, Any] | None = None) -> None:
    """The case timeline's event (when the step concerns a case) and the audit row, in the caller's
    transaction: a failed audit write fails the step (SECURITY.md 9)."""
    if case is not None:
        case_event_append(case=case, actor=actor, action=action, note=note, data=data or {})
    audit_record(actor=actor, action=f"governance.{action}", obj=obj, detail=detail or data or {})
